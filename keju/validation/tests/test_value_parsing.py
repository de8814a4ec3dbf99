"""parse_value reads what people type into cells, in the field's unit, or refuses with a Chinese message."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keju.plan.forms import FormField
from keju.validation.values import CellValueError, parse_value

MONEY = FormField(code="revenue", label="营业收入", unit="万元")
PEOPLE = FormField(code="employees", label="年末从业人员", unit="人", type="integer")
POPULATION = FormField(code="resident_population", label="年末常住人口", unit="万人")
FLAG = FormField(code="is_high_tech_enterprise", label="是否高新技术企业", type="boolean")
NOTE = FormField(code="remark", label="备注", type="text", required=False)
COUNT = FormField(code="enterprises", label="企业户数", unit="户", type="integer")

FULL_WIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")


def _grouped(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_full_width_digits_parse_like_ascii(n):
    assert parse_value(MONEY, str(n).translate(FULL_WIDTH)) == parse_value(MONEY, str(n)) == n


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from([",", " ", "，", "\u00a0", "\u3000", " "]))
def test_thousands_separators_and_spaces_parse_like_plain_digits(n, sep):
    assert parse_value(PEOPLE, _grouped(n, sep)) == n
    assert parse_value(PEOPLE, f"  {_grouped(n, sep)}  ".translate(FULL_WIDTH)) == n


@given(
    st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False),
)
def test_decimal_text_parses_exactly(d):
    assert parse_value(MONEY, str(d)) == float(d)
    assert parse_value(MONEY, f"{d:,}") == float(d)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12万", 12.0),
        ("12万元", 12.0),
        ("3.5亿元", 35000.0),
        ("3.5亿", 35000.0),
        ("1200千元", 120.0),
        ("5000元", 0.5),
        ("1,234.5万元", 1234.5),
        ("0.1亿元", 1000.0),
        ("２亿元", 20000.0),
        ("-12万元", -12.0),
        ("120百万元", 12000.0),
    ],
)
def test_units_typed_into_money_cells_are_converted(raw, expected):
    assert parse_value(MONEY, raw) == expected


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (PEOPLE, "12万人", 120000),
        (PEOPLE, "12万", 120000),
        (PEOPLE, "350人", 350),
        (POPULATION, "350000人", 35.0),
        (POPULATION, "12.5万人", 12.5),
        (POPULATION, "12万", 12.0),
        (COUNT, "1.2万户", 12000),
    ],
)
def test_units_typed_into_people_and_count_cells(field, raw, expected):
    value = parse_value(field, raw)
    assert value == expected
    assert type(value) is type(expected)


def test_the_source_unit_of_a_column_is_converted():
    assert parse_value(MONEY, 5000, unit="元") == 0.5
    assert parse_value(MONEY, "1,200", unit="千元") == 120.0
    assert parse_value(MONEY, "12万元", unit="元") == 12.0  # a unit typed in the cell wins
    assert parse_value(POPULATION, 4359446, unit="人") == pytest.approx(435.9446)
    with pytest.raises(CellValueError) as info:
        parse_value(MONEY, 5, unit="人")
    assert "营业收入" in info.value.message and "人" in info.value.message


def test_integers_stay_integers_and_refuse_fractions():
    assert parse_value(PEOPLE, 12.0) == 12 and isinstance(parse_value(PEOPLE, 12.0), int)
    assert parse_value(PEOPLE, "1e3") == 1000
    assert parse_value(PEOPLE, "1.5万") == 15000
    with pytest.raises(CellValueError) as info:
        parse_value(PEOPLE, "12.5")
    assert info.value.kind == "fraction"
    assert info.value.message == "“年末从业人员”应为整数(单位:人),填报值“12.5”有小数"
    with pytest.raises(CellValueError):
        parse_value(PEOPLE, 0.5)


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\t"])
def test_empty_cells_are_none(raw):
    assert parse_value(MONEY, raw) is None
    assert parse_value(FLAG, raw) is None
    assert parse_value(NOTE, raw) is None


def test_negative_values_parse_and_are_left_to_the_range_check():
    assert parse_value(MONEY, "-12") == -12.0
    assert parse_value(MONEY, "－１２") == -12.0
    assert parse_value(MONEY, "\u221212") == -12.0  # the typographic minus sign


@pytest.mark.parametrize(
    ("raw", "kind", "fragment"),
    [
        ("=A1*2", "formula", "是公式"),
        ("=SUM(B2:B9)", "formula", "是公式"),
        ("＝1+1", "formula", "是公式"),
        ("2016-03-01", "date", "是日期"),
        ("2016/3/1", "date", "是日期"),
        ("2016年3月", "date", "是日期"),
        ("3/1/2016", "date", "是日期"),
        (dt.date(2016, 3, 1), "date", "是日期"),
        (dt.datetime(2016, 3, 1, 8, 0), "date", "是日期"),
        (dt.time(8, 30), "date", "是日期"),
        ("abc", "text", "不是数值"),
        ("约120", "text", "不是数值"),
        ("120左右", "text", "无法识别"),
        ("1,23", "text", "千分位"),
        ("12,345,67", "text", "千分位"),
        ("1.234.567", "text", "无法识别"),
        ("-", "text", "没有发生请填 0"),
        ("—", "text", "没有发生请填 0"),
        ("无数据", "text", "没有发生请填 0"),
        (float("nan"), "not_finite", "不是有效数值"),
        (float("inf"), "not_finite", "不是有效数值"),
        ("NaN", "not_finite", "不是有效数值"),
        ("-inf", "not_finite", "不是有效数值"),
        ("#DIV/0!", "not_finite", "Excel 错误值"),
        ("#N/A", "not_finite", "Excel 错误值"),
        ("1e999", "not_finite", "超出"),
        (10**400, "not_finite", "不是有效数值"),
        (True, "boolean", "不能填写“是/否”"),
        ("是", "boolean", "不能填写“是/否”"),
        ("12万人", "unit", "不能换算"),
        ("12%", "unit", "不能换算"),
        ("¥100", "unit", "货币符号"),
        ("12吨标准煤", "unit", "不能换算"),
        (object(), "text", "不是数值"),
    ],
)
def test_bad_number_cells_are_refused_with_a_chinese_message(raw, kind, fragment):
    with pytest.raises(CellValueError) as info:
        parse_value(MONEY, raw)
    err = info.value
    assert err.kind == kind
    assert fragment in err.message
    assert err.message.startswith("“营业收入”")
    if isinstance(raw, str):
        assert raw[:30] in err.message  # names the raw value
    assert str(err) == err.message


def test_long_raw_values_are_shortened_in_messages():
    with pytest.raises(CellValueError) as info:
        parse_value(MONEY, "x" * 500)
    assert len(info.value.message) < 120 and "…" in info.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("true", True),
        ("FALSE", False),
        ("ｙｅｓ", True),
        (" 是 ", True),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
    ],
)
def test_booleans_in_chinese_and_english(raw, expected):
    assert parse_value(FLAG, raw) is expected


@pytest.mark.parametrize("raw", ["也许", "2", 2, 0.5, "=TRUE()", dt.date(2020, 1, 1)])
def test_bad_booleans_are_refused(raw):
    with pytest.raises(CellValueError) as info:
        parse_value(FLAG, raw)
    assert "是否高新技术企业" in info.value.message


def test_text_fields_keep_text_and_refuse_formulas_and_huge_text():
    assert parse_value(NOTE, "  企业已搬迁  ") == "企业已搬迁"
    assert parse_value(NOTE, 12) == "12"
    with pytest.raises(CellValueError) as info:
        parse_value(NOTE, '=HYPERLINK("http://x")')
    assert info.value.kind == "formula"
    with pytest.raises(CellValueError) as info:
        parse_value(NOTE, "字" * 5000)
    assert info.value.kind == "too_long"


def test_numpy_scalars_are_numbers():
    np = pytest.importorskip("numpy")
    assert parse_value(MONEY, np.float64(1.5)) == 1.5
    assert parse_value(PEOPLE, np.int64(7)) == 7
    assert parse_value(FLAG, np.bool_(True)) is True
    with pytest.raises(CellValueError):
        parse_value(MONEY, np.float64("nan"))
    with pytest.raises(CellValueError) as info:
        parse_value(MONEY, np.datetime64("2016-03-01"))
    assert info.value.kind == "date"
    assert parse_value(MONEY, Decimal("12.50")) == 12.5
    with pytest.raises(CellValueError) as info:
        parse_value(MONEY, Decimal("sNaN"))
    assert info.value.kind == "not_finite"


def test_no_negative_zero():
    value = parse_value(MONEY, "-0")
    assert value == 0 and math.copysign(1.0, value) == 1.0


def test_unitless_numeric_field_refuses_a_unit_but_takes_a_multiplier():
    ratio = FormField(code="ratio", label="比例")
    assert parse_value(ratio, "1.5万") == 15000.0
    with pytest.raises(CellValueError) as info:
        parse_value(ratio, "12元")
    assert "不需要单位" in info.value.message


def test_parse_values_of_a_whole_report():
    from keju.plan.forms import ReportForm
    from keju.validation.values import parse_values

    form = ReportForm(
        code="T1",
        name="测试表",
        period_type="annual",
        respondent_level="enterprise",
        fields=[MONEY, PEOPLE, FLAG],
    )
    values, errors = parse_values(
        form,
        {"revenue": "1,200", "employees": "１２万", "is_high_tech_enterprise": "否", "typo": 1},
        units={"revenue": "千元"},
    )
    assert values == {"revenue": 120.0, "employees": 120000, "is_high_tech_enterprise": False}
    assert list(errors) == ["typo"] and errors["typo"].kind == "unknown_field"
    assert errors["typo"].message == "“typo”不是报表 T1 的字段"
    values, errors = parse_values(form, {"revenue": "=A1", "employees": 1.5})
    assert values == {} and set(errors) == {"revenue", "employees"}
