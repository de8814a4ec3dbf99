"""The Django form generated from a report form: typed text parsed with parse_value, parse errors
per field, explanations, copying the previous period into empty fields only, sections."""

from __future__ import annotations

from keju.plan.forms import FormField, ReportForm
from keju.reporting.forms import (
    ReportValuesForm,
    display_value,
    explain_name,
    fill_empty,
    initial_for,
    sections,
    value_name,
)

FORM = ReportForm(
    code="T1",
    name="测试表",
    period_type="annual",
    respondent_level="enterprise",
    fields=[
        FormField(code="employees", label="年末从业人员", unit="人", type="integer"),
        FormField(code="revenue", label="营业收入", unit="万元"),
        FormField(code="note", label="备注", type="text", required=False),
        FormField(code="is_above_scale", label="是否规模以上工业企业", type="boolean"),
    ],
)


def bound(**typed: str) -> ReportValuesForm:
    data = {value_name(f.code): "" for f in FORM.fields}
    data.update({"version": "3", "copied": ""})
    data.update({value_name(k): v for k, v in typed.items()})
    form = ReportValuesForm(FORM, data=data)
    form.is_valid()
    return form


def test_typed_text_becomes_values_in_the_form_unit():
    form = bound(employees="１２３", revenue="1,234.5", is_above_scale="true", note="  新设研发中心 ")
    assert form.values() == {
        "employees": 123,
        "revenue": 1234.5,
        "note": "新设研发中心",
        "is_above_scale": True,
    }
    assert bound(revenue="3.5亿元").values()["revenue"] == 35000
    assert bound(revenue="1 234").values()["revenue"] == 1234


def test_empty_fields_are_none_so_saving_clears_them():
    assert bound().values() == {"employees": None, "revenue": None, "note": None, "is_above_scale": None}


def test_unreadable_values_are_errors_of_their_own_field_in_chinese():
    form = bound(employees="12.5", revenue="=SUM(A1:A3)")
    errors = form.field_errors()
    assert set(errors) == {"employees", "revenue"}
    assert "年末从业人员" in errors["employees"][0]
    assert "营业收入" in errors["revenue"][0]
    assert "employees" not in form.values() and "revenue" not in form.values()


def test_explanations_are_keyed_by_check_code_and_must_say_something():
    data = {value_name(f.code): "" for f in FORM.fields}
    data.update(
        {"version": "1", explain_name("T1-W01"): "新增生产线投产,产量翻番", explain_name("T1-W02"): "已核"}
    )
    form = ReportValuesForm(FORM, data=data, warning_codes=["T1-W01", "T1-W02", "T1-W03"])
    form.is_valid()
    assert form.explanations() == {"T1-W01": "新增生产线投产,产量翻番"}
    assert "过短" in form.errors[explain_name("T1-W02")][0]


def test_copy_fills_only_empty_fields_and_remembers_which():
    data = {value_name("employees"): "99", value_name("revenue"): "", "copied": ""}
    filled, copied = fill_empty(FORM, data, {"employees": 120, "revenue": 5000.25, "is_above_scale": False})
    assert filled[value_name("employees")] == "99"
    assert filled[value_name("revenue")] == "5000.25"
    assert filled[value_name("is_above_scale")] == "false"
    assert copied == ["revenue", "is_above_scale"]
    assert filled["copied"] == "revenue,is_above_scale"


def test_stored_values_are_shown_as_typed_back():
    initial = initial_for(FORM, {"employees": 120, "revenue": 0.1 + 0.2, "is_above_scale": True}, 7)
    assert initial["version"] == 7
    assert initial[value_name("revenue")] == "0.3"
    assert initial[value_name("is_above_scale")] == "true"
    assert display_value(FORM.field("note"), None) == ""


def test_sections_put_classification_flags_after_the_figures():
    found = sections(FORM)
    assert [s.title for s in found] == ["主要指标", "分类标志"]
    assert [f.code for f in found[1].fields] == ["is_above_scale"]
