"""Load a plan file and its report forms, reporting every problem with file and line.

The YAML is read by `LineLoader`, a SafeLoader that records the line of every node
by its path in the document, so that a pydantic error at `("indicators", 3, "unit")`
can be shown as `lanbai-2015-2020.yaml:123 indicators[3].unit`. Messages are in
Chinese: the people who edit and check plan files are officials of the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from keju.plan.forms import ReportForm
from keju.plan.schema import Plan, format_path, lookup_line
from keju.validation.checks import FormChecksError, compile_form

Path_ = tuple[str | int, ...]
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One problem found in a plan: where (`file:line path`) and what (Chinese)."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class PlanError(Exception):
    """A plan or form file could not be loaded; `problems` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class LineLoader(yaml.SafeLoader):
    """A SafeLoader that records the line of every node by its path, and duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[Path_, int] = {}
        self.duplicates: list[tuple[Path_, int]] = []

    def load_document(self) -> Any:
        node = self.get_single_node()
        return None if node is None else self._build(node, ())

    def _build(self, node: yaml.Node, path: Path_) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._build_mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.construct_object(node, deep=True)

    def _build_mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        self.flatten_mapping(node)  # resolves `<<` merge keys
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int):
                key = str(key)
            child = (*path, key)
            if key in result:
                self.duplicates.append((child, line))
            self.lines[child] = line
            result[key] = self._build(value_node, child)
        return result


def read_yaml(path: Path) -> tuple[Any, dict[Path_, int]]:
    """The document in `path` and the line of each node; PlanError if unreadable."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError([Problem(str(path), "文件不存在")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError([Problem(str(path), f"无法读取文件(需为 UTF-8 编码): {exc}")]) from None
    loader = LineLoader(text)
    try:
        data = loader.load_document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        detail = exc.problem or exc.context or "无法解析"
        raise PlanError([Problem(f"{name}{line}", f"YAML 语法错误: {detail}")]) from None
    except yaml.YAMLError as exc:
        raise PlanError([Problem(name, f"YAML 语法错误: {exc}")]) from None
    finally:
        loader.dispose()
    problems = [Problem(f"{name}:{line} {format_path(p)}", "重复的键") for p, line in loader.duplicates]
    if data is None:
        problems.append(Problem(name, "文件为空"))
    if problems:
        raise PlanError(problems)
    return data, loader.lines


def validate(model: type[Model], data: Any, lines: dict[Path_, int], name: str) -> Model:
    """`model.model_validate(data)`, with pydantic's errors turned into located Problems."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err, lines, name) for err in exc.errors()]
        raise PlanError(problems) from None


def _problem(err: ErrorDetails, lines: dict[Path_, int], name: str) -> Problem:
    path: Path_ = tuple(p for p in err["loc"] if isinstance(p, str | int))
    line = lookup_line(lines, path)
    where = f"{name}:{line}" if line else name
    text = format_path(path)
    return Problem(f"{where} {text}" if text else where, _message(err))


# pydantic error type -> Chinese message (a string, or a template over the error's ctx)
_MESSAGES: dict[str, str] = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知字段",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "string_type": "应为文本",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为映射(键: 值)",
    "model_type": "应为映射(键: 值)",
    "model_attributes_type": "应为映射(键: 值)",
    "string_too_short": "不能为空",
    "literal_error": "取值无效,应为 {expected} 之一",
}


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "value_error":
        ctx = err.get("ctx") or {}
        return str(ctx.get("error", err["msg"]))
    template = _MESSAGES.get(kind)
    if template is None:
        return f"取值无效: {err['msg']}"
    if kind == "literal_error":
        expected = str((err.get("ctx") or {}).get("expected", ""))
        return template.format(expected=expected.replace(" or ", ", "))
    return template


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; PlanError lists every problem with file and line."""
    path = Path(path)
    data, lines = read_yaml(path)
    plan = validate(Plan, data, lines, path.name)
    plan._file = path.name
    plan._lines = lines
    return plan


def load_forms(plan: Plan, plan_path: Path) -> dict[str, ReportForm]:
    """Load the report forms a plan lists (paths relative to the plan file), keyed by form code."""
    forms: dict[str, ReportForm] = {}
    problems: list[Problem] = []
    for i, rel in enumerate(plan.forms):
        try:
            data, lines = read_yaml(Path(plan_path).parent / rel)
            form = validate(ReportForm, data, lines, Path(rel).name)
        except PlanError as exc:
            problems.extend(exc.problems)
            continue
        name = Path(rel).name
        problems.extend(_check_problems(form, lines, name))
        if form.code in forms:
            problems.append(Problem(plan.location("forms", i), f"报表编码 {form.code} 重复"))
        forms[form.code] = form
    if problems:
        raise PlanError(problems)
    return forms


def _check_problems(form: ReportForm, lines: dict[Path_, int], name: str) -> list[Problem]:
    """The form's edit checks compiled once now, so that a bad expression fails at load time."""
    try:
        compile_form(form)
    except FormChecksError as exc:
        out = []
        for path, message in exc.problems:
            line = lookup_line(lines, path)
            where = f"{name}:{line}" if line else name
            out.append(Problem(f"{where} {format_path(path)}", message))
        return out
    return []
