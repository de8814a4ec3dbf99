"""Turn what a person typed into a cell into a value in the field's unit, or say why not.

Reporters type numbers the way they write them on paper: full-width digits (１２３),
thousands separators and spaces ("1,234", "1 234"), a unit in the cell ("12万",
"3.5亿元", "1200千元", "12万人"), 是/否 for yes and no. `parse_value` accepts all of
these and converts to the field's unit; it refuses, with a Chinese message naming
the field and the raw value, what cannot be a number: formulas, dates, free text,
NaN/inf, fractions in integer fields. Ranges (e.g. negative values) are not checked
here: they are edit checks (keju.validation.checks), so every source reports them
the same way.

Text numbers are parsed with Decimal so that "0.1亿元" becomes exactly 1000 万元.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

    from keju.plan.forms import FormField, ReportForm

Value = int | float | bool | str | None

ErrorKind = Literal[
    "formula", "date", "text", "unit", "not_finite", "fraction", "boolean", "too_long", "unknown_field"
]


class CellValueError(ValueError):
    """A raw value that cannot be read for a field; `message` is Chinese and names both."""

    def __init__(self, message: str, *, kind: ErrorKind = "text") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind

    def __str__(self) -> str:
        return self.message


# --- units -------------------------------------------------------------------------------

# Each unit: (dimension, factor to the dimension's base unit). Units of one dimension convert.
_BASE_UNITS: dict[str, str] = {
    "元": "money",
    "人": "people",
    "人年": "person_years",
    "件": "pieces",
    "项": "items",
    "个": "count",
    "户": "households",
    "家": "firms",
    "吨标准煤": "energy",
    "千瓦时": "electricity",
    "美元": "usd",
    "人次": "person_times",
}
_PREFIXES: dict[str, Decimal] = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8}
# Multiplied units people use besides 万/亿 (千元 and 百万元 are accounting units).
_EXTRA_UNITS: dict[str, tuple[str, Decimal]] = {
    "千元": ("money", Decimal(1000)),
    "百万元": ("money", Decimal(10) ** 6),
    "千万元": ("money", Decimal(10) ** 7),
    "千克标准煤": ("energy", Decimal("0.001")),
    "kgce": ("energy", Decimal("0.001")),
    "tce": ("energy", Decimal(1)),
    "吨标煤": ("energy", Decimal(1)),
    "万吨标煤": ("energy", Decimal(10) ** 4),
    "度": ("electricity", Decimal(1)),
    "万度": ("electricity", Decimal(10) ** 4),
    "%": ("percent", Decimal(1)),
    "‰": ("permille", Decimal(1)),
}


def _unit_table() -> dict[str, tuple[str, Decimal]]:
    table = dict(_EXTRA_UNITS)
    for base, dim in _BASE_UNITS.items():
        table[base] = (dim, Decimal(1))
        for prefix, factor in _PREFIXES.items():
            table[prefix + base] = (dim, factor)
    return table


UNITS: dict[str, tuple[str, Decimal]] = _unit_table()
# Units typed without a base, e.g. "12万" in a 万元 field: a bare multiplier.
_MULTIPLIERS: dict[str, Decimal] = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8, "千": Decimal(1000)}


def _lookup_unit(unit: str) -> tuple[str, Decimal] | None:
    return UNITS.get(unit.strip())


def _factor(from_unit: str, to_unit: str) -> Decimal:
    """The factor that turns a value in `from_unit` into `to_unit`; CellValueError if they differ in kind."""
    if from_unit.strip() == to_unit.strip():
        return Decimal(1)
    src, dst = _lookup_unit(from_unit), _lookup_unit(to_unit)
    if src is None or dst is None:
        unknown = from_unit if src is None else to_unit
        raise CellValueError(f"无法识别的计量单位“{unknown}”", kind="unit")
    if src[0] != dst[0]:
        raise CellValueError(f"计量单位“{from_unit}”不能换算为“{to_unit}”", kind="unit")
    return src[1] / dst[1]


def convert_unit(value: float, from_unit: str, to_unit: str) -> float:
    """`value` in `from_unit` expressed in `to_unit` (元/千元/万元/亿元, 人/万人, …).

    Raises CellValueError when the units are unknown or of different kinds (万元 → 人).
    """
    factor = _factor(from_unit, to_unit)
    if factor == 1:
        return float(value)
    return float(Decimal(repr(float(value))) * factor)


def units_compatible(a: str, b: str) -> bool:
    """True when values in unit `a` can be converted to unit `b`."""
    try:
        _factor(a, b)
    except CellValueError:
        return False
    return True


# --- formula injection -------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise_formula(text: str) -> str:
    """Text safe to put in a CSV/Excel cell: a leading `'` when it would start a formula.

    Apply it to text values only; numbers are written as numbers.
    """
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


# --- parsing ------------------------------------------------------------------------------

MAX_TEXT_LENGTH = 2000

_TRUE = frozenset({"是", "y", "yes", "true", "t", "1", "有", "√", "✓", "对"})
_FALSE = frozenset({"否", "n", "no", "false", "f", "0", "无", "×", "✗", "不是"})

# Spaces people (and Excel) put inside numbers: ASCII, no-break, thin, ideographic.
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_PLAIN = re.compile(r"-?\d{1,15}(?:\.\d{1,15})?\Z")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\uff0d": "-"})
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?P<frac>\.\d+)?(?:[eE](?P<exp>[+-]?\d{1,3}))?(?P<unit>.*)"
)
# Dates typed as text (checked after spaces are removed); "2016.5" stays a number.
_DATE = re.compile(
    r"\d{4}[-/年]\d{1,2}(?:[-/月]\d{1,2}日?|月)?|\d{4}\.\d{1,2}\.\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}"
)
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "\\", "n/a", "na", "null", "none", "无数据", "不适用"})


def _quote(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:37] + "…"


def _label(field: FormField) -> str:
    return f"“{field.label}”"


def parse_value(field: FormField, raw: object, *, unit: str | None = None) -> Value:
    """The value of `raw` for `field`, in the field's unit; None when empty.

    `raw` may be None or "" (→ None), an int/float/bool, or text typed by a person.
    `unit` is the unit the source declares for the column when it differs from the
    field's (e.g. a template column in 元); a bare number is read in that unit.
    Raises CellValueError with a Chinese message naming the field and the raw value.
    """
    if raw is None:
        return None
    # Fast paths for what Excel and the API mostly send: a plain number in the field's unit.
    kind = type(raw)
    if (kind is float or kind is int) and field.type == "decimal" and (not unit or unit == field.unit):
        number = _as_number(raw)
        if number is not None and math.isfinite(number):
            return number if number != 0 else 0.0
    elif (
        isinstance(raw, str)
        and field.type == "decimal"
        and (not unit or unit == field.unit)
        and _PLAIN.match(raw)
    ):
        return float(raw) or 0.0
    if field.type == "text":
        return _parse_text(field, raw)
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        if not _SPACES.sub("", text):
            return None
        if text.startswith("="):
            raise CellValueError(
                f"{_label(field)}的值“{_quote(raw)}”是公式,请填写计算结果(数值)", kind="formula"
            )
        if field.type == "boolean":
            return _parse_bool_text(field, raw, text)
        return _parse_number_text(field, raw, text, unit)
    if isinstance(raw, dt.date | dt.time | dt.datetime | dt.timedelta) or _is_numpy_date(raw):
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”是日期或时间,请填写数值(单元格格式请设为“常规”或“数值”)",
            kind="date",
        )
    if field.type == "boolean":
        return _parse_bool_value(field, raw)
    if is_boolean(raw):
        raise CellValueError(f"{_label(field)}应填写数值,不能填写“是/否”(填报值“{raw}”)", kind="boolean")
    number = _as_number(raw)
    if number is None:
        raise CellValueError(f"{_label(field)}的值“{_quote(raw)}”不是数值", kind="text")
    if not math.isfinite(number):
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”不是有效数值(无穷大或非数)", kind="not_finite"
        )
    if unit and field.unit and unit.strip() != field.unit.strip():
        number = _convert_for(field, raw, Decimal(repr(number)), unit)
    return _finish(field, raw, number)


def is_boolean(raw: object) -> bool:
    """A Python or NumPy boolean (NumPy's is not a subclass of bool)."""
    if isinstance(raw, bool):
        return True
    dtype = getattr(raw, "dtype", None)
    return dtype is not None and getattr(dtype, "kind", "") == "b" and getattr(raw, "ndim", 1) == 0


def _is_numpy_date(raw: object) -> bool:
    dtype = getattr(raw, "dtype", None)
    return dtype is not None and getattr(dtype, "kind", "") in ("M", "m")


def _as_number(raw: object) -> float | None:
    try:
        if isinstance(raw, int | float | Decimal):
            return float(raw)
    except OverflowError:
        return math.inf
    except ValueError:  # Decimal("sNaN")
        return math.nan
    # numpy scalars and the like, without importing numpy here
    if hasattr(raw, "dtype") and hasattr(raw, "item"):
        item = raw.item()
        if isinstance(item, int | float) and not isinstance(item, bool):
            return float(item)
    return None


def _parse_text(field: FormField, raw: object) -> str | None:
    if not isinstance(raw, str):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise CellValueError(f"{_label(field)}的值“{raw}”不是有效内容", kind="not_finite")
        raw = str(raw)
    text = raw.strip()
    if not text:
        return None
    if text.startswith("="):
        raise CellValueError(f"{_label(field)}的内容“{_quote(text)}”是公式,请直接填写文字", kind="formula")
    if len(text) > MAX_TEXT_LENGTH:
        raise CellValueError(
            f"{_label(field)}的内容过长({len(text)} 字),最多 {MAX_TEXT_LENGTH} 字", kind="too_long"
        )
    return text


def _parse_bool_text(field: FormField, raw: str, text: str) -> bool:
    key = _SPACES.sub("", text).lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellValueError(f"{_label(field)}应填写“是”或“否”,填报值“{_quote(raw)}”无法识别", kind="boolean")


def _parse_bool_value(field: FormField, raw: object) -> bool:
    if is_boolean(raw):
        return bool(raw)
    number = _as_number(raw)
    if number is not None and number in (0.0, 1.0):
        return number == 1.0
    raise CellValueError(f"{_label(field)}应填写“是”或“否”,填报值“{_quote(raw)}”无法识别", kind="boolean")


def _parse_number_text(field: FormField, raw: str, text: str, unit: str | None) -> int | float:
    compact = _SPACES.sub("", text.translate(_MINUS))
    lowered = compact.lower()
    if lowered in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity", "#num!", "#div/0!", "#value!"):
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”不是有效数值(无穷大、非数或 Excel 错误值)", kind="not_finite"
        )
    if lowered in _PLACEHOLDERS:
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”不是数值;没有发生请填 0,不清楚请留空", kind="text"
        )
    if compact.startswith("#"):
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”是 Excel 错误值,请填写数值", kind="not_finite"
        )
    if compact.startswith(("¥", "$", "€", "£")):
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”带有货币符号,请去掉符号,按本栏单位({field.unit or '无'})填写数字",
            kind="unit",
        )
    if _DATE.fullmatch(compact):
        raise CellValueError(f"{_label(field)}的值“{_quote(raw)}”是日期,请填写数值", kind="date")
    if compact.lower() in ("是", "否", "true", "false", "yes", "no"):
        raise CellValueError(
            f"{_label(field)}应填写数值,不能填写“是/否”(填报值“{_quote(raw)}”)", kind="boolean"
        )
    match = _NUMBER.fullmatch(compact)
    if match is None or (match["int"] is None and match["frac"] is None):
        raise CellValueError(f"{_label(field)}的值“{_quote(raw)}”不是数值,请只填写数字", kind="text")
    digits = (match["int"] or "0").replace(",", "") + (match["frac"] or "")
    try:
        number = Decimal(digits)
        if match["exp"]:
            number = number.scaleb(int(match["exp"]))
    except InvalidOperation:
        raise CellValueError(f"{_label(field)}的值“{_quote(raw)}”不是数值", kind="text") from None
    if match["sign"] == "-":
        number = -number
    typed_unit = match["unit"]
    if typed_unit:
        if "," in typed_unit or any(ch.isdigit() for ch in typed_unit):
            raise CellValueError(
                f"{_label(field)}的值“{_quote(raw)}”无法识别:千分位分隔符应每三位一个,且只能填写一个数",
                kind="text",
            )
        value = _with_typed_unit(field, raw, number, typed_unit)
    elif unit and field.unit and unit.strip() != field.unit.strip():
        value = _convert_for(field, raw, number, unit)
    else:
        value = float(number)
    if not math.isfinite(value):
        raise CellValueError(f"{_label(field)}的值“{_quote(raw)}”超出可表示的数值范围", kind="not_finite")
    return _finish(field, raw, value)


def _with_typed_unit(field: FormField, raw: str, number: Decimal, typed: str) -> float:
    """`number` followed by the unit the person typed (万, 亿元, 千元, 人, %…), in the field's unit."""
    target = field.unit
    if typed in _MULTIPLIERS:
        # "12万" in a 万元 field means 12万 元, in a 人 field 12万 人: a multiplier of the base unit.
        if target is None:
            return float(number * _MULTIPLIERS[typed])
        found = _lookup_unit(target)
        if found is None:
            raise CellValueError(
                f"{_label(field)}的值“{_quote(raw)}”带有单位“{typed}”,但本栏单位“{target}”无法换算,请只填写数字",
                kind="unit",
            )
        return float(number * _MULTIPLIERS[typed] / found[1])
    if target is None:
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”带有单位“{typed}”,本栏不需要单位,请只填写数字", kind="unit"
        )
    if _lookup_unit(typed) is None:
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”无法识别:“{typed}”不是数值,也不是可换算的单位(本栏单位:{target})",
            kind="text",
        )
    if typed == target:
        return float(number)
    try:
        factor = _factor(typed, target)
    except CellValueError:
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”的单位“{typed}”不能换算为本栏单位“{target}”", kind="unit"
        ) from None
    return float(number * factor)


def _convert_for(field: FormField, raw: object, number: Decimal, unit: str) -> float:
    assert field.unit is not None
    try:
        factor = _factor(unit, field.unit)
    except CellValueError:
        raise CellValueError(
            f"{_label(field)}的值“{_quote(raw)}”:来源单位“{unit}”不能换算为本栏单位“{field.unit}”",
            kind="unit",
        ) from None
    return float(number * factor)


def _finish(field: FormField, raw: object, value: float) -> int | float:
    if field.type == "integer":
        nearest = round(value)
        if abs(value - nearest) > 1e-9 * max(1.0, abs(value)):
            raise CellValueError(
                f"{_label(field)}应为整数{_unit_hint(field)},填报值“{_quote(raw)}”有小数", kind="fraction"
            )
        return int(nearest)
    if value == 0:
        return 0.0  # no negative zero in stored data
    return value


def _unit_hint(field: FormField) -> str:
    return f"(单位:{field.unit})" if field.unit else ""


def parse_values(
    form: ReportForm, raw: Mapping[str, object], *, units: Mapping[str, str] | None = None
) -> tuple[dict[str, Value], dict[str, CellValueError]]:
    """Every entry of `raw` (keyed by field code) parsed for `form`: (values, errors by key).

    `units` gives a source unit per field code where it differs from the field's. A key
    that is not a field of the form is an error, so a typo never drops a value silently.
    """
    fields = {f.code: f for f in form.fields}
    values: dict[str, Value] = {}
    errors: dict[str, CellValueError] = {}
    for key, item in raw.items():
        f = fields.get(key)
        if f is None:
            errors[key] = CellValueError(f"“{_quote(key)}”不是报表 {form.code} 的字段", kind="unknown_field")
            continue
        try:
            values[key] = parse_value(f, item, unit=(units or {}).get(key))
        except CellValueError as exc:
            errors[key] = exc
    return values, errors
