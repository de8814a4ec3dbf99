"""Required, type and range checks come from the field metadata, with codes R/T/V and Chinese messages."""

import math

import numpy as np
import pytest

from keju.validation.checks import check_many, check_report

from .conftest import CLEAN, make_form

FORM = make_form()


def codes(outcome):
    return [f.code for f in outcome.findings]


def test_a_clean_report_passes():
    outcome = check_report(FORM, CLEAN)
    assert outcome.ok and outcome.findings == []


def test_required_fields():
    outcome = check_report(FORM, {"employees": 100, "rd_personnel": None})
    assert codes(outcome) == ["T1-R-rd_personnel", "T1-R-revenue"]
    assert outcome.errors[0].message == "“R&D人员”为必填项,尚未填写"
    assert outcome.errors[0].fields == ("rd_personnel",)
    assert not outcome.ok
    # optional fields may stay empty
    assert check_report(FORM, {**CLEAN, "share": None, "flag": None, "remark": ""}).ok


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("revenue", "12万", "“营业收入”应为数值,填报值“12万”不是数值"),
        ("revenue", True, "“营业收入”应为数值,填报值“True”不是数值"),
        ("revenue", math.nan, "“营业收入”的值 nan 不是有效数值(无穷大或非数)"),
        ("revenue", math.inf, "“营业收入”的值 inf 不是有效数值(无穷大或非数)"),
        ("employees", 12.5, "“年末从业人员”应为整数(单位:人),填报值 12.5 有小数"),
        ("employees", np.float64(3.25), "“年末从业人员”应为整数(单位:人),填报值 3.25 有小数"),
        ("flag", "是", "“是否高新技术企业”应为“是”或“否”,填报值“是”无法识别"),
        ("flag", 1, "“是否高新技术企业”应为“是”或“否”,填报值“1”无法识别"),
        ("remark", 12, "“备注”应为文字,填报值“12”不是文字"),
    ],
)
def test_type_errors(field, value, message):
    outcome = check_report(FORM, {**CLEAN, field: value})
    [finding] = outcome.errors
    assert (finding.code, finding.severity, finding.fields) == (f"T1-T-{field}", "error", (field,))
    assert finding.message == message


def test_type_error_is_not_also_reported_as_missing():
    outcome = check_report(FORM, {**CLEAN, "revenue": "abc"})
    assert codes(outcome) == ["T1-T-revenue"]


def test_accepted_types():
    values = {**CLEAN, "employees": np.int64(100), "revenue": np.float64(1.5), "flag": np.bool_(True)}
    assert check_report(FORM, values).ok
    assert check_report(FORM, {**CLEAN, "employees": 100.0}).ok  # integral float in an integer field


@pytest.mark.parametrize(
    ("value", "fires"), [(0, False), (-0.0, False), (-1e-12, False), (-0.01, True), (-5, True)]
)
def test_negative_values_at_the_boundary(value, fires):
    outcome = check_report(FORM, {**CLEAN, "revenue": value})
    assert codes(outcome) == (["T1-V-revenue"] if fires else [])


def test_range_messages():
    outcome = check_report(FORM, {**CLEAN, "employees": -5, "share": 100.5})
    assert [f.message for f in outcome.errors] == [
        "“年末从业人员”不能为负数(填报值 -5人)",
        "“占比”不能大于 100%(填报值 100.5%)",
    ]
    assert codes(outcome) == ["T1-V-employees", "T1-V-share"]
    assert check_report(FORM, {**CLEAN, "share": 100}).ok


def test_min_above_zero_message():
    form = make_form(fields=[{"code": "x", "label": "企业户数", "unit": "户", "type": "integer", "min": 1}])
    [finding] = check_report(form, {"x": 0}).errors
    assert finding.message == "“企业户数”不能小于 1户(填报值 0户)"


def test_unknown_keys_are_ignored():
    assert check_report(FORM, {**CLEAN, "not_a_field": "x"}).ok


def test_bulk_outcomes_follow_the_rows():
    rows = [CLEAN, {**CLEAN, "revenue": -1}, {}, {**CLEAN, "employees": "x"}]
    outcomes = check_many(FORM, rows)
    assert [codes(o) for o in outcomes] == [
        [],
        ["T1-V-revenue"],
        ["T1-R-employees", "T1-R-rd_personnel", "T1-R-revenue"],
        ["T1-T-employees"],
    ]
    assert check_many(FORM, []) == []
    with pytest.raises(ValueError):
        check_many(FORM, rows, [None])


@pytest.mark.parametrize("value", [10**400, -(10**400)])
def test_numbers_beyond_float_range_are_type_errors(value):
    [finding] = check_report(FORM, {**CLEAN, "revenue": value}).errors
    assert finding.code == "T1-T-revenue"
    assert "不是有效数值" in finding.message
    [finding] = check_report(FORM, {**CLEAN, "revenue": value, "flag": "x"}).errors[:1]
    assert finding.code == "T1-T-revenue"


def test_decimal_values_are_numbers():
    from decimal import Decimal

    assert check_report(FORM, {**CLEAN, "revenue": Decimal("12.5")}).ok


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (120.0, "120"),
        (-5, "-5"),
        (3500.5, "3500.5"),
        (0.1 + 0.2, "0.3"),
        (0.12345678, "0.1235"),
        (1e-7, "1e-07"),
        (1e300, "1e+300"),
        (math.inf, "inf"),
    ],
)
def test_numbers_in_messages(x, text):
    from keju.validation.checks import format_number

    assert format_number(x) == text
