"""Edit checks of a report form: built-in checks from field metadata, declared checks from the form file.

Two classes, as in the NBS 联网直报 practice:

- 强制性审核 (`error`) blocks submission: required fields (`<FORM>-R-<field>`), types and
  integers (`<FORM>-T-<field>`), allowed ranges such as “not negative” (`<FORM>-V-<field>`),
  and the declared hard checks (parts ≤ whole, accounting identities, year-to-date values
  not decreasing within a year, …).
- 核实性审核 (`warning`) needs a written explanation: declared checks such as year-on-year
  change beyond a threshold, a value far from its industry peers (robust z-score), suspicious
  round numbers, a value equal to last period's when the history shows it usually moves.

Declared checks are expressions of `keju.validation.expr`. A form's checks are compiled once
(and cached on the form); `check_many` evaluates each check over a whole bulk upload as NumPy
arrays, so thousands of reports check in well under a second.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from keju.validation.expr import (
    EACH_NAME,
    FUNCTIONS,
    KEYWORDS,
    Compiled,
    Env,
    ExprError,
    Kind,
    Known,
    Vec,
    compile_text,
)
from keju.validation.values import is_boolean

if TYPE_CHECKING:
    from keju.plan.forms import CheckRule, FormField, ReportForm

Severity = Literal["error", "warning"]
SEVERITY_NAMES: dict[str, str] = {"error": "强制性审核", "warning": "核实性审核"}
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Finding:
    """One check that did not hold for a report."""

    code: str  # the check's code, e.g. "KJ101-E01" or "KJ101-R-revenue"
    severity: Severity  # error = 强制性审核, warning = 核实性审核
    fields: tuple[str, ...]  # field codes involved (the first is where the UI shows it)
    message: str  # Chinese, names the fields' labels and the values involved


@dataclass(frozen=True)
class CheckContext:
    """What a report is compared with besides its own values."""

    previous: Mapping[str, Any] | None = None  # previous period of the same year (quarterly YTD forms)
    last_year: Mapping[str, Any] | None = None  # same period one year earlier
    history: Sequence[Mapping[str, Any]] = ()  # earlier periods, oldest first
    peers: Mapping[str, Sequence[float]] | None = None  # field -> values of industry peers, same period


@dataclass(frozen=True)
class CheckOutcome:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No hard errors (warnings may remain; they need explanations)."""
        return not self.errors

    @property
    def findings(self) -> list[Finding]:
        return [*self.errors, *self.warnings]


class FormChecksError(ValueError):
    """A form's checks do not compile; `problems` are (path in the form file, Chinese message)."""

    def __init__(self, form_code: str, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.form_code = form_code
        self.problems = problems
        text = "; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems)
        super().__init__(f"报表 {form_code} 的审核规则有误: {text}")


# --- message templates ---------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
FORMATS = ("pct", "num")


@dataclass(frozen=True)
class _Slot:
    kind: Literal["label", "unit", "value"]
    field: str = ""
    compiled: Compiled | None = None
    fmt: str = ""


@dataclass(frozen=True)
class Template:
    """A message with `{field}`, `{field.label}`, `{field.unit}`, `{expression}`, `{expression|pct}`."""

    parts: tuple[str | _Slot, ...]

    def render(self, values: Sequence[tuple[Any, bool]], env: Env) -> str:
        """The message with `values[i]` = (value, known) of the i-th expression slot."""
        out: list[str] = []
        slot_index = 0
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part.kind == "label":
                out.append(env.labels[part.field])
            elif part.kind == "unit":
                out.append(env.units.get(part.field) or "")
            else:
                value, known = values[slot_index]
                assert part.compiled is not None
                out.append(_format(value, known, part.compiled, part.fmt))
                slot_index += 1
        return "".join(out)

    @property
    def slots(self) -> list[_Slot]:
        return [p for p in self.parts if isinstance(p, _Slot) and p.kind == "value"]


def compile_template(text: str, env: Env) -> Template:
    parts: list[str | _Slot] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[pos : match.start()])
        pos = match.end()
        token = match.group()
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        inner = match.group(1)
        if inner is None:
            raise ExprError(f"消息模板中有不成对的“{token}”(要显示花括号请写“{token * 2}”)", match.start())
        parts.append(_compile_slot(inner.strip(), env, match.start()))
    parts.append(text[pos:])
    return Template(tuple(p for p in parts if p != ""))


def _compile_slot(inner: str, env: Env, at: int) -> _Slot:
    if not inner:
        raise ExprError("消息模板中有空的“{}”", at)
    head, dot, attr = inner.partition(".")
    if dot and _IDENTIFIER.fullmatch(head.strip()) or head.strip() == EACH_NAME and dot:
        name = head.strip()
        code = env.each if name == EACH_NAME else name
        if code is None or code not in env.kinds:
            raise ExprError(f"消息模板中的“{name}”不是本表的字段", at)
        if attr.strip() == "label":
            return _Slot("label", code)
        if attr.strip() == "unit":
            return _Slot("unit", code)
        raise ExprError(f"消息模板中“{inner}”: 只支持 .label(名称)和 .unit(单位)", at)
    expr_text, bar, fmt = inner.partition("|")
    fmt = fmt.strip()
    if bar and fmt not in FORMATS:
        raise ExprError(f"消息模板中“{inner}”: 格式应为 {' 或 '.join(FORMATS)}", at)
    try:
        compiled = compile_text(expr_text, env, want=None)
    except ExprError as exc:
        raise ExprError(f"消息模板中“{{{inner}}}”: {exc.message}", at) from None
    return _Slot("value", compiled=compiled, fmt=fmt)


def format_number(x: float) -> str:
    """A number as people write it: 120, 3500.5, 0.1234 (no float noise, no separators)."""
    if not math.isfinite(x) or abs(x) >= 1e15:
        return f"{x:.6g}"
    if x == int(x):
        return str(int(x))
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        return f"{x:.3g}"
    return text


def _format(value: Any, known: bool, compiled: Compiled, fmt: str) -> str:
    if not known:
        return "未填报"
    if compiled.kind == "bool":
        return "是" if bool(value) else "否"
    x = float(value)
    if fmt == "pct":
        return format_number(round(x * 100, 1)) + "%"
    text = format_number(x)
    if fmt == "num" or compiled.unit is None:
        return text
    return text + compiled.unit


# --- compiled forms ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One declared check after `each` expansion, ready to evaluate."""

    code: str
    severity: Severity
    name: str
    expr: str
    fields: tuple[str, ...]
    holds: Compiled
    message: Template
    env: Env


@dataclass(frozen=True)
class CompiledForm:
    form: ReportForm
    env: Env
    rules: tuple[Rule, ...]


def _kind(f: FormField) -> Kind:
    return {"decimal": "num", "integer": "num", "boolean": "bool", "text": "text"}[f.type]  # type: ignore[return-value]


def compile_form(form: ReportForm) -> CompiledForm:
    """The form's declared checks compiled (cached on the form); FormChecksError lists every problem."""
    cached = form._compiled
    if isinstance(cached, CompiledForm) and cached.form is form:
        return cached
    compiled = _compile_form(form)
    form._compiled = compiled
    return compiled


def _compile_form(form: ReportForm) -> CompiledForm:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen_fields: set[str] = set()
    for i, f in enumerate(form.fields):
        if not _IDENTIFIER.fullmatch(f.code) or f.code in KEYWORDS or f.code in FUNCTIONS:
            problems.append(
                (
                    ("fields", i, "code"),
                    f"字段代码“{f.code}”应以字母开头、只含字母数字下划线,且不能是关键字或函数名",
                )
            )
        if f.code in seen_fields:
            problems.append((("fields", i, "code"), f"字段代码“{f.code}”重复"))
        seen_fields.add(f.code)
        if f.min is not None and f.max is not None and f.min > f.max:
            problems.append((("fields", i, "min"), f"“{f.label}”的下限 {f.min} 大于上限 {f.max}"))
    for name, value in form.thresholds.items():
        if not _IDENTIFIER.fullmatch(name) or name in KEYWORDS or name in FUNCTIONS:
            problems.append((("thresholds", name), f"阈值名“{name}”不合法(字母开头,不能是关键字或函数名)"))
        elif name in seen_fields:
            problems.append((("thresholds", name), f"阈值名“{name}”与字段代码重复"))
        if not math.isfinite(value):
            problems.append((("thresholds", name), f"阈值“{name}”应为有限数值"))
    env = Env(
        kinds={f.code: _kind(f) for f in form.fields},
        units={f.code: f.unit for f in form.fields},
        labels={f.code: f.label for f in form.fields},
        constants=dict(form.thresholds),
    )
    rules: list[Rule] = []
    codes: dict[str, int] = {}
    builtin = {f"{form.code}-{k}-{f.code}" for f in form.fields for k in "RTV"}
    for i, rule in enumerate(form.checks):
        for code, _each in _expansions(form, rule):
            if code in codes or code in builtin:
                problems.append(((("checks", i, "code")), f"审核规则编码“{code}”重复"))
            codes[code] = i
        bad = [c for c in [*rule.each, *rule.fields] if c not in env.kinds]
        if bad:
            where = "each" if bad[0] in rule.each else "fields"
            problems.append((("checks", i, where), f"“{bad[0]}”不是本表的字段"))
            continue
        for code, each in _expansions(form, rule):
            rule_env = Env(env.kinds, env.units, env.labels, env.constants, each)
            try:
                holds = compile_text(rule.expr, rule_env, want="bool")
            except ExprError as exc:
                problems.append((("checks", i, "expr"), f"表达式错误: {exc}"))
                break
            try:
                message = compile_template(rule.message, rule_env)
            except ExprError as exc:
                problems.append((("checks", i, "message"), str(exc)))
                break
            fields = _rule_fields(rule, each, holds)
            rules.append(Rule(code, rule.severity, rule.name, rule.expr, fields, holds, message, rule_env))
    if problems:
        raise FormChecksError(form.code, problems)
    return CompiledForm(form, env, tuple(rules))


def _expansions(form: ReportForm, rule: CheckRule) -> list[tuple[str, str | None]]:
    if rule.each:
        return [(f"{rule.code}-{code}", code) for code in rule.each]
    return [(rule.code, None)]


def _rule_fields(rule: CheckRule, each: str | None, holds: Compiled) -> tuple[str, ...]:
    declared = [each] if each else []
    declared += list(rule.fields) if rule.fields else list(holds.fields)
    return tuple(dict.fromkeys(declared))


# --- evaluation ------------------------------------------------------------------------------


@dataclass
class _TypeError:
    row: int
    raw: object


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _as_float(v: object) -> float | None:
    """A number (Python, NumPy, Decimal; not bool or text) as a float, inf when too large; else None."""
    if v is None or isinstance(v, str) or is_boolean(v):
        return None
    if not (_is_number(v) or _numpy_number(v) or type(v).__name__ == "Decimal"):
        return None
    try:
        return float(v)  # type: ignore[arg-type]
    except OverflowError:
        return math.inf
    except (TypeError, ValueError):
        return None


def _lenient_number(v: object) -> float:
    """A context value as a float; NaN when it is not a usable (finite) number."""
    x = _as_float(v)
    return x if x is not None and math.isfinite(x) else math.nan


def _fast_floats(column: list[Any], types: set[type]) -> Any:
    """`column` as a float array (None -> NaN) when it holds only ints, floats and None; else None."""
    if not types <= {int, float, type(None)}:
        return None
    try:
        return np.array(column, dtype=np.float64)
    except OverflowError:  # an int beyond float range
        return None


def _lenient_bool(v: object) -> float:
    if is_boolean(v):
        return 1.0 if v else 0.0
    return math.nan


class _Frame:
    """The reports of one call as arrays, with their contexts looked up lazily and cached."""

    def __init__(
        self,
        compiled: CompiledForm,
        rows: Sequence[Mapping[str, Any]],
        contexts: Sequence[CheckContext | None],
    ) -> None:
        self.n = len(rows)
        self.compiled = compiled
        self.rows = rows
        self.contexts = contexts
        self.values: dict[str, Vec] = {}
        self.type_errors: dict[str, list[_TypeError]] = {}
        self._context_cache: dict[tuple[str, str], Vec] = {}
        self._peer_cache: dict[int, dict[str, float]] = {}
        self._history_cache: dict[str, Any] = {}
        for f in compiled.form.fields:
            self._load(f, [r.get(f.code) for r in rows])

    def _load(self, f: FormField, column: list[Any]) -> None:
        n = self.n
        errors: list[_TypeError] = []
        types = set(map(type, column))
        if f.type in ("decimal", "integer"):
            values = _fast_floats(column, types)
            if values is not None:
                known = ~np.isnan(values)
                bad = known & ~np.isfinite(values)
                is_none = np.fromiter((v is None for v in column), dtype=np.bool_, count=n)
                bad |= ~is_none & ~known  # NaN given as a value
            else:
                values = np.array([_lenient_number(v) for v in column], dtype=np.float64)
                known = ~np.isnan(values)
                bad = np.fromiter((v is not None for v in column), dtype=np.bool_, count=n) & ~known
            if f.type == "integer":
                bad |= known & (np.abs(values - np.round(values)) > 1e-9 * np.maximum(1.0, np.abs(values)))
            known &= ~bad
        elif f.type == "boolean":
            values = np.array([_lenient_bool(v) for v in column], dtype=np.float64)
            known = ~np.isnan(values)
            bad = np.fromiter((v is not None for v in column), dtype=np.bool_, count=n) & ~known
            values = values == 1.0
        else:
            known = np.fromiter(
                (isinstance(v, str) and v.strip() != "" for v in column), dtype=np.bool_, count=n
            )
            bad = np.fromiter(
                (v is not None and not isinstance(v, str) for v in column), dtype=np.bool_, count=n
            )
            values = np.zeros(n, dtype=np.bool_)
        for row in np.flatnonzero(bad):
            errors.append(_TypeError(int(row), column[row]))
        if f.type in ("decimal", "integer"):
            values = np.where(known, values, np.nan)
        self.values[f.code] = (values, known)
        if errors:
            self.type_errors[f.code] = errors

    # Frame protocol ---------------------------------------------------------------------

    def field(self, code: str) -> Vec:
        return self.values[code]

    def context(self, func: str, code: str) -> Vec:
        key = (func, code)
        cached = self._context_cache.get(key)
        if cached is None:
            cached = self._compute_context(func, code)
            self._context_cache[key] = cached
        return cached

    def _compute_context(self, func: str, code: str) -> Vec:
        is_bool = self.compiled.env.kinds.get(code) == "bool"
        annual = self.compiled.form.period_type == "annual"
        if func in ("prev", "last_year", "last"):
            values = _floats([_context_value(c, func, code, annual) for c in self.contexts], is_bool)
            known = ~np.isnan(values)
            if is_bool:
                return values == 1.0, known
            return values, known
        if func in ("history_count", "changed_share"):
            matrix = self._history(code, is_bool)
            present = ~np.isnan(matrix)
            if func == "history_count":
                return present.sum(axis=1).astype(np.float64), np.ones(self.n, dtype=np.bool_)
            a, b = matrix[:, 1:], matrix[:, :-1]
            pairs = present[:, 1:] & present[:, :-1]
            tol = 1e-9 * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
            moved = pairs & (np.abs(a - b) > tol)
            n_pairs = pairs.sum(axis=1)
            share = moved.sum(axis=1) / n_pairs
            return np.where(n_pairs > 0, share, np.nan), n_pairs > 0
        # peer statistics
        stat = func.removeprefix("peer_")
        out = np.full(self.n, np.nan)
        for i, c in enumerate(self.contexts):
            seq = None if c is None or c.peers is None else c.peers.get(code)
            if seq is None:
                if stat == "count":
                    out[i] = 0.0
                continue
            out[i] = self._peer_stat(seq, stat)
        return out, ~np.isnan(out)

    def _history(self, code: str, is_bool: bool) -> Any:
        """The field's values over each report's history as a (reports × periods) array, NaN-padded."""
        cached = self._history_cache.get(code)
        if cached is not None:
            return cached
        lengths = np.array([0 if c is None else len(c.history) for c in self.contexts], dtype=np.int64)
        width = int(lengths.max()) if self.n else 0
        matrix = np.full((self.n, max(width, 1)), np.nan)
        if width:
            flat = _floats([h.get(code) for c in self.contexts if c is not None for h in c.history], is_bool)
            rows = np.repeat(np.arange(self.n), lengths)
            starts = np.cumsum(lengths) - lengths
            cols = np.arange(flat.size) - np.repeat(starts, lengths)
            matrix[rows, cols] = flat
        self._history_cache[code] = matrix
        return matrix

    def _peer_stat(self, seq: Sequence[float], stat: str) -> float:
        return _peer_stat(self._peer_cache, seq, stat)


def _peer_stat(cache: dict[int, dict[str, float]], seq: Sequence[float], stat: str) -> float:
    # Lists of peers are often shared by many reports of a bulk upload: computed once per list,
    # and only the statistics asked for (the log ones, the raw ones).
    key = id(seq)
    stats = cache.get(key)
    if stats is None or stat not in stats:
        group = {"logs": stat.startswith("log_"), "raw": stat in ("median", "mad")}
        stats = {**(stats or {}), **peer_statistics(seq, **group)}
        cache[key] = stats
    return stats[stat]


def _floats(values: list[Any], is_bool: bool) -> Any:
    """Context values as a float array, NaN where a value is missing or not of the field's kind."""
    types = set(map(type, values))
    if is_bool:
        if types <= {bool, type(None)}:
            return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)
        return np.array([_lenient_bool(v) for v in values], dtype=np.float64)
    out = _fast_floats(values, types)
    if out is not None:
        out[~np.isfinite(out)] = np.nan
        return out
    return np.array([_lenient_number(v) for v in values], dtype=np.float64)


def _numpy_number(v: object) -> bool:
    dtype = getattr(v, "dtype", None)
    return dtype is not None and getattr(dtype, "kind", "") in "iuf" and not isinstance(v, str)


def _context_value(c: CheckContext | None, func: str, code: str, annual: bool) -> Any:
    if c is None:
        return None
    if func == "prev":
        return None if c.previous is None else c.previous.get(code)
    if func == "last_year":
        return None if c.last_year is None else c.last_year.get(code)
    # last: the latest earlier period
    if c.history:
        return c.history[-1].get(code)
    if c.previous is not None:
        return c.previous.get(code)
    if annual and c.last_year is not None:
        return c.last_year.get(code)
    return None


def peer_statistics(values: Sequence[float], *, logs: bool = True, raw: bool = True) -> dict[str, float]:
    """count; median and MAD (`raw`); median and MAD of the logs of the positive values (`logs`).

    Undefined statistics are NaN (no values; no positive values for the logs).
    """
    column = values if isinstance(values, list) else list(values)
    arr = _fast_floats(column, set(map(type, column)))
    if arr is None:
        arr = np.array([_lenient_number(v) for v in column], dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    stats = {"count": float(arr.size)}
    if raw:
        stats["median"], stats["mad"] = _median_mad(arr)
    if logs:
        stats["log_median"], stats["log_mad"] = _median_mad(np.log(arr[arr > 0]))
    return stats


def _median_mad(arr: Any) -> tuple[float, float]:
    if not arr.size:
        return math.nan, math.nan
    median = float(np.median(arr))
    return median, float(np.median(np.abs(arr - median)))


# --- one report ------------------------------------------------------------------------------
# The same checks without NumPy: for a single report, NumPy's per-call overhead would dominate.
# Every rule here mirrors the array version above (the tests compare both on the same reports).


def _classify(f: FormField, v: Any) -> tuple[Any, bool]:
    """(the value checks see, None when missing or unusable; whether `v` is a type error)."""
    if v is None:
        return None, False
    if f.type in ("decimal", "integer"):
        x = _as_float(v)
        if x is None or not math.isfinite(x):
            return None, True
        if f.type == "integer" and abs(x - round(x)) > 1e-9 * max(1.0, abs(x)):
            return None, True
        return x, False
    if f.type == "boolean":
        b = _lenient_bool(v)
        return (None, True) if math.isnan(b) else (b == 1.0, False)
    if isinstance(v, str):
        return (v if v.strip() else None), False
    return None, True


def _scalar(x: float, is_bool: bool) -> float | bool | None:
    if math.isnan(x):
        return None
    return x == 1.0 if is_bool else x


class _ScalarFrame:
    """One report and its context, values as Python objects (None when unknown)."""

    def __init__(self, compiled: CompiledForm, values: dict[str, Any], context: CheckContext | None) -> None:
        self.compiled = compiled
        self.values = values
        self.c = context
        self._cache: dict[tuple[str, str], Any] = {}
        self._peer_cache: dict[int, dict[str, float]] = {}

    def value(self, code: str) -> Any:
        return self.values[code]

    def context_value(self, func: str, code: str) -> Any:
        key = (func, code)
        if key not in self._cache:
            self._cache[key] = self._compute(func, code)
        return self._cache[key]

    def _compute(self, func: str, code: str) -> Any:
        c = self.c
        is_bool = self.compiled.env.kinds.get(code) == "bool"
        convert = _lenient_bool if is_bool else _lenient_number
        if func in ("prev", "last_year", "last"):
            annual = self.compiled.form.period_type == "annual"
            return _scalar(convert(_context_value(c, func, code, annual)), is_bool)
        if func in ("history_count", "changed_share"):
            series = [] if c is None else [convert(h.get(code)) for h in c.history]
            if func == "history_count":
                return float(sum(1 for x in series if not math.isnan(x)))
            pairs = [(a, b) for b, a in itertools.pairwise(series) if not (math.isnan(a) or math.isnan(b))]
            if not pairs:
                return None
            moved = sum(1 for a, b in pairs if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)))
            return moved / len(pairs)
        stat = func.removeprefix("peer_")
        seq = None if c is None or c.peers is None else c.peers.get(code)
        if seq is None:
            return 0.0 if stat == "count" else None
        return _scalar(_peer_stat(self._peer_cache, seq, stat), False)


def _evaluate_one(
    compiled: CompiledForm, row: Mapping[str, Any], context: CheckContext | None
) -> list[Finding]:
    form = compiled.form
    found: list[Finding] = []
    values: dict[str, Any] = {}
    for f in form.fields:
        raw = row.get(f.code)
        value, bad = _classify(f, raw)
        values[f.code] = value
        if bad:
            found.append(Finding(f"{form.code}-T-{f.code}", "error", (f.code,), _type_message(f, raw)))
        elif value is None and f.required:
            found.append(
                Finding(f"{form.code}-R-{f.code}", "error", (f.code,), f"“{f.label}”为必填项,尚未填写")
            )
        elif value is not None and f.type in ("decimal", "integer"):
            if f.min is not None and value < f.min - 1e-9 * max(1.0, abs(f.min)):
                found.append(_range_finding(form, f, value, below=True))
            if f.max is not None and value > f.max + 1e-9 * max(1.0, abs(f.max)):
                found.append(_range_finding(form, f, value, below=False))
    frame = _ScalarFrame(compiled, values, context)
    for rule in compiled.rules:
        if rule.holds.run1(frame) is False:
            pairs = []
            for slot in rule.message.slots:
                assert slot.compiled is not None
                value = slot.compiled.run1(frame)
                pairs.append((value, value is not None))
            found.append(Finding(rule.code, rule.severity, rule.fields, rule.message.render(pairs, rule.env)))
    return found


# --- built-in checks -------------------------------------------------------------------------


def _builtin_findings(frame: _Frame, out: list[list[Finding]]) -> None:
    form = frame.compiled.form
    for f in form.fields:
        values, known = frame.values[f.code]
        errors = frame.type_errors.get(f.code, [])
        bad_rows = {e.row for e in errors}
        if f.required:
            for row in np.flatnonzero(~known):
                if int(row) not in bad_rows:
                    out[int(row)].append(
                        Finding(
                            f"{form.code}-R-{f.code}", "error", (f.code,), f"“{f.label}”为必填项,尚未填写"
                        )
                    )
        for err in errors:
            out[err.row].append(
                Finding(f"{form.code}-T-{f.code}", "error", (f.code,), _type_message(f, err.raw))
            )
        if f.type not in ("decimal", "integer"):
            continue
        if f.min is not None:
            low = _out_of_range(values, known, f.min, below=True)
            for row in np.flatnonzero(low):
                out[int(row)].append(_range_finding(form, f, float(values[row]), below=True))
        if f.max is not None:
            high = _out_of_range(values, known, f.max, below=False)
            for row in np.flatnonzero(high):
                out[int(row)].append(_range_finding(form, f, float(values[row]), below=False))


def _out_of_range(values: Any, known: Known, bound: float, *, below: bool) -> Known:
    tol = 1e-9 * max(1.0, abs(bound))
    return known & ((values < bound - tol) if below else (values > bound + tol))  # type: ignore[no-any-return]


def _with_unit(f: FormField, x: float) -> str:
    return format_number(x) + (f.unit or "")


def _range_finding(form: ReportForm, f: FormField, value: float, *, below: bool) -> Finding:
    if below and f.min == 0:
        text = f"“{f.label}”不能为负数(填报值 {_with_unit(f, value)})"
    elif below:
        assert f.min is not None
        text = f"“{f.label}”不能小于 {_with_unit(f, f.min)}(填报值 {_with_unit(f, value)})"
    else:
        assert f.max is not None
        text = f"“{f.label}”不能大于 {_with_unit(f, f.max)}(填报值 {_with_unit(f, value)})"
    return Finding(f"{form.code}-V-{f.code}", "error", (f.code,), text)


def _show(raw: object) -> str:
    x = _as_float(raw)
    if x is not None:
        return format_number(x) if math.isfinite(x) else repr(x)
    text = str(raw)
    return text if len(text) <= 40 else text[:37] + "…"


def _type_message(f: FormField, raw: object) -> str:
    number = _as_float(raw)
    if f.type == "integer" and number is not None and math.isfinite(number):
        unit = f"(单位:{f.unit})" if f.unit else ""
        return f"“{f.label}”应为整数{unit},填报值 {_show(raw)} 有小数"
    if f.type in ("decimal", "integer"):
        if number is not None:
            return f"“{f.label}”的值 {_show(raw)} 不是有效数值(无穷大或非数)"
        return f"“{f.label}”应为数值,填报值“{_show(raw)}”不是数值"
    if f.type == "boolean":
        return f"“{f.label}”应为“是”或“否”,填报值“{_show(raw)}”无法识别"
    return f"“{f.label}”应为文字,填报值“{_show(raw)}”不是文字"


# --- public API ------------------------------------------------------------------------------


def check_many(
    form: ReportForm,
    rows: Sequence[Mapping[str, Any]],
    contexts: Sequence[CheckContext | None] | None = None,
) -> list[CheckOutcome]:
    """The outcome of every check for each report in `rows` (same order), evaluated in bulk.

    `rows` are parsed values in the form's units keyed by field code (keys that are not
    fields of the form are ignored); `contexts[i]` is the context of `rows[i]`.
    """
    if contexts is None:
        contexts = [None] * len(rows)
    if len(contexts) != len(rows):
        raise ValueError(f"contexts has {len(contexts)} entries for {len(rows)} rows")
    if not rows:
        return []
    compiled = compile_form(form)
    if len(rows) == 1:
        found = [_evaluate_one(compiled, rows[0], contexts[0])]
    else:
        with np.errstate(all="ignore"):  # NaN for missing values and division by zero are expected
            found = _evaluate(compiled, rows, contexts)
    return [
        CheckOutcome(
            errors=[x for x in items if x.severity == "error"],
            warnings=[x for x in items if x.severity == "warning"],
        )
        for items in found
    ]


def _evaluate(
    compiled: CompiledForm, rows: Sequence[Mapping[str, Any]], contexts: Sequence[CheckContext | None]
) -> list[list[Finding]]:
    frame = _Frame(compiled, rows, contexts)
    found: list[list[Finding]] = [[] for _ in rows]
    _builtin_findings(frame, found)
    for rule in compiled.rules:
        value, known = rule.holds.run(frame)
        fires = np.flatnonzero(known & ~value)
        if fires.size == 0:
            continue
        slots = [slot.compiled.run(frame) for slot in rule.message.slots if slot.compiled]
        for row in fires:
            pairs = [(value[row], bool(known[row])) for value, known in slots]
            message = rule.message.render(pairs, rule.env)
            found[int(row)].append(Finding(rule.code, rule.severity, rule.fields, message))
    return found


def check_report(
    form: ReportForm, values: Mapping[str, Any], context: CheckContext | None = None
) -> CheckOutcome:
    """Every check of `form` on one report's parsed values (in the form's units)."""
    return check_many(form, [values], [context])[0]


@dataclass(frozen=True)
class CheckInfo:
    """One entry of a form's check catalogue (for docs, the UI and reviewers)."""

    code: str
    severity: Severity
    name: str
    fields: tuple[str, ...]
    expr: str  # the declared expression, or a description of a built-in check


def catalogue(form: ReportForm) -> list[CheckInfo]:
    """Every check of `form`: built-in (from field metadata) and declared, with codes."""
    items: list[CheckInfo] = []
    for f in form.fields:
        if f.required:
            items.append(CheckInfo(f"{form.code}-R-{f.code}", "error", f"{f.label} 必填", (f.code,), "必填"))
        kind = {"integer": "整数", "decimal": "数值", "boolean": "是/否", "text": "文字"}[f.type]
        items.append(
            CheckInfo(f"{form.code}-T-{f.code}", "error", f"{f.label} 类型", (f.code,), f"应为{kind}")
        )
        if f.min is not None or f.max is not None:
            bounds = " 且 ".join(
                b
                for b in (
                    f"≥ {_with_unit(f, f.min)}" if f.min is not None else "",
                    f"≤ {_with_unit(f, f.max)}" if f.max is not None else "",
                )
                if b
            )
            items.append(CheckInfo(f"{form.code}-V-{f.code}", "error", f"{f.label} 范围", (f.code,), bounds))
    for rule in compile_form(form).rules:
        items.append(CheckInfo(rule.code, rule.severity, rule.name, rule.fields, rule.expr))
    return items
