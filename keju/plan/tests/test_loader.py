"""Malformed plan files give PlanError problems that name the file and the line."""

from pathlib import Path

import pytest

from keju.plan import PlanError, load_forms, load_plan, parse_expression

from .conftest import MINI


def _write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _mini_with(tmp_path: Path, old: str, new: str) -> Path:
    text = MINI.read_text(encoding="utf-8")
    assert old in text
    return _write(tmp_path, text.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> int:
    return next(
        i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line
    )


def _problems(path: Path) -> list[str]:
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)
    return [str(p) for p in info.value.problems]


def test_syntax_error(tmp_path):
    path = _write(tmp_path, "code: x\nzone: {code: a\nindicators: []\n")
    [problem] = _problems(path)
    assert problem.startswith("plan.yaml:") and "YAML 语法错误" in problem


def test_missing_key(tmp_path):
    path = _mini_with(
        tmp_path,
        "  - {code: rd_platforms, name: 研发平台, unit: 个,",
        "  - {code: rd_platforms, name: 研发平台,",
    )
    [problem] = _problems(path)
    assert problem == f"plan.yaml:{_line_of(path, 'code: rd_platforms, name')} indicators[3].unit: 缺少必填项"


def test_unknown_key(tmp_path):
    path = _mini_with(
        tmp_path, "    headline: true\n    additive: true", "    headline: true\n    addtive: true"
    )
    [problem] = _problems(path)
    assert problem == f"plan.yaml:{_line_of(path, 'addtive')} indicators[0].addtive: 未知字段"


def test_wrong_type(tmp_path):
    path = _mini_with(tmp_path, "target: {year: 2025, value: 180}", "target: {year: 二〇二五, value: 180}")
    [problem] = _problems(path)
    assert problem == f"plan.yaml:{_line_of(path, '二〇二五')} indicators[0].target.year: 应为整数"


def test_wrong_choice_and_several_problems(tmp_path):
    path = _mini_with(tmp_path, "direction: down", "direction: sideways")
    path = _write(tmp_path, path.read_text(encoding="utf-8").replace("level: city", "level: town", 1))
    problems = _problems(path)
    assert len(problems) == 2
    assert any("org_units[1].level: 取值无效" in p for p in problems)
    assert any("indicators[1].direction: 取值无效,应为 'up', 'down' 之一" in p for p in problems)


def test_bad_formula_is_a_load_error(tmp_path):
    path = _mini_with(tmp_path, "numerator: sum(QC201.gdp),", "numerator: total(QC201.gdp),")
    [problem] = _problems(path)
    assert problem.startswith(f"plan.yaml:{_line_of(path, 'total(QC201')} indicators[0].formula.numerator:")
    assert "格式错误" in problem


def test_duplicate_key_empty_and_missing_file(tmp_path):
    [dup] = _problems(_write(tmp_path, "code: a\ncode: b\n"))
    assert dup == "plan.yaml:2 code: 重复的键"
    [empty] = _problems(_write(tmp_path, "# nothing\n", "empty.yaml"))
    assert empty == "empty.yaml: 文件为空"
    [missing] = _problems(tmp_path / "absent.yaml")
    assert missing.endswith("absent.yaml: 文件不存在")


def test_not_a_mapping(tmp_path):
    [problem] = _problems(_write(tmp_path, "- a\n- b\n"))
    assert problem == "plan.yaml:1: 应为映射(键: 值)"


def test_form_errors_name_the_form_file(tmp_path):
    plan_path = _write(tmp_path, MINI.read_text(encoding="utf-8"))
    (tmp_path / "forms").mkdir()
    form = (MINI.parent / "forms" / "QC201-district-annual.yaml").read_text(encoding="utf-8")
    (tmp_path / "forms" / "QC201-district-annual.yaml").write_text(
        form.replace("period_type: annual", "period_type: yearly"), encoding="utf-8"
    )
    plan = load_plan(plan_path)
    with pytest.raises(PlanError) as info:
        load_forms(plan, plan_path)
    [problem] = [str(p) for p in info.value.problems]
    assert problem.startswith("QC201-district-annual.yaml:4 period_type: 取值无效")


def test_parse_expression():
    refs = parse_expression("sum(KJ101.value_added[industrial]) + sum(KJ201.gdp)")
    assert [(r.form, r.field, r.flag) for r in refs] == [
        ("KJ101", "value_added", "industrial"),
        ("KJ201", "gdp", None),
    ]
    with pytest.raises(ValueError, match="格式错误"):
        parse_expression("sum(KJ101)")
