"""What people type into cells: accepted when it can only mean one number (converted to the
form's unit), otherwise a Chinese message at the cell, and then nothing is stored."""

from __future__ import annotations

import datetime as dt

import pytest

from keju.reporting.excel import layout
from keju.reporting.excel.services import import_workbook
from keju.reporting.excel.tests.conftest import fill, kj101_values, template
from keju.reporting.models import AuditEntry, Report

pytestmark = pytest.mark.django_db

REVENUE_CELL = "D6"  # the second field of KJ101 in the single layout


def upload(zone, **overrides):
    data = fill(template(zone, zone.reporter), {None: kj101_values(**overrides)})
    return import_workbook(zone.reporter, zone.plan, data, filename="kj101.xlsx")


def stored_revenue(zone) -> float:
    return Report.objects.get(enterprise=zone.xq[0], form_code="KJ101").values["revenue"]


def assert_refused_at(zone, result, cell: str, *words: str) -> None:
    assert not result.ok and not result.stored
    assert not result.file_error
    hits = [e for e in result.errors if e.cell == cell]
    assert hits, result.errors
    assert hits[0].sheet == layout.DATA_SHEET
    for word in words:
        assert word in hits[0].message, hits[0].message
    assert Report.objects.count() == 0
    assert AuditEntry.objects.filter(report__isnull=False).count() == 0


@pytest.mark.parametrize(
    "typed",
    [
        "４５２１０.５",
        "45,210.5",
        "45 210.5",
        "45\u00a0210.5",
        " 45210.5 ",
        "4.52105亿元",
        "4.52105亿",
        "452105000元",
        "45210.5万元",
    ],
)
def test_number_variants_people_type_are_read_in_the_form_unit(zone, typed):
    result = upload(zone, revenue=typed)
    assert result.ok, result.errors
    assert stored_revenue(zone) == pytest.approx(45210.5)


def test_a_unit_typed_into_a_people_cell_is_converted(zone):
    result = upload(zone, employees="0.032万人")
    assert result.ok, result.errors
    assert Report.objects.get().values["employees"] == 320


def test_text_in_a_number_cell(zone):
    assert_refused_at(zone, upload(zone, revenue="约四万五"), REVENUE_CELL, "营业收入", "约四万五")


def test_misplaced_thousands_separator(zone):
    assert_refused_at(zone, upload(zone, revenue="45,21.5"), REVENUE_CELL, "营业收入")


def test_unit_that_does_not_fit_the_field(zone):
    assert_refused_at(zone, upload(zone, revenue="12万人"), REVENUE_CELL, "单位")


def test_negative_value_where_not_allowed(zone):
    result = upload(zone, revenue=-45210.5)
    assert_refused_at(zone, result, REVENUE_CELL, "营业收入")


def test_negative_value_where_allowed_is_kept(zone):
    result = upload(zone, net_profit=-310.25)
    assert result.ok, result.errors
    assert Report.objects.get().values["net_profit"] == pytest.approx(-310.25)


def test_date_in_a_number_cell(zone):
    assert_refused_at(zone, upload(zone, revenue=dt.datetime(2016, 5, 1)), REVENUE_CELL, "日期")


def test_date_typed_as_text_in_a_number_cell(zone):
    assert_refused_at(zone, upload(zone, revenue="2016-05-01"), REVENUE_CELL, "日期")


def test_fraction_in_an_integer_cell(zone):
    assert_refused_at(zone, upload(zone, employees=320.5), "D5", "整数")


def test_yes_no_cell_with_something_else(zone):
    cell = f"D{layout.SINGLE_FIRST_ROW + 14}"  # has_rd_institution
    assert_refused_at(zone, upload(zone, has_rd_institution="也许"), cell, "是", "否")


def test_every_bad_cell_is_reported_at_once(zone):
    result = upload(zone, revenue="abc", employees="12.5", exports="=1")
    # "=1" typed as a cell value is a formula: the whole file is refused for it.
    assert result.file_error_code == "formulas"
    result = upload(zone, revenue="abc", employees="12.5", exports="十万")
    cells = {e.cell for e in result.errors}
    assert {"D5", "D6", "D11"} <= cells
    assert Report.objects.count() == 0


def test_missing_required_value_is_a_hard_error_at_its_cell(zone):
    result = upload(zone, revenue=None)
    assert_refused_at(zone, result, REVENUE_CELL, "营业收入")
