"""Downloaded templates: labels with units, protection, dropdowns, last period's values, the stamp,
no formula injection, and nobody gets a template outside their scope."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from keju.orgs.models import Enterprise
from keju.reporting.excel import layout
from keju.reporting.excel.safety import ExcelFileError
from keju.reporting.excel.services import build_template, import_workbook
from keju.reporting.excel.tests.conftest import fill, kj101_values, template
from keju.reporting.models import Report
from keju.reporting.services import open_period, open_report, submit

pytestmark = pytest.mark.django_db


def book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_enterprise_template_layout(zone):
    wb = book(template(zone, zone.reporter))
    ws = wb[layout.DATA_SHEET]
    assert ws.protection.sheet
    first = layout.SINGLE_FIRST_ROW
    assert ws.cell(row=first, column=2).value == "年末从业人员"
    assert ws.cell(row=first, column=3).value == "人"
    assert ws.cell(row=first + 1, column=3).value == "万元"
    value_cell = ws.cell(row=first, column=layout.SINGLE_VALUE_COLUMN)
    assert value_cell.protection.locked is False
    assert ws.cell(row=first, column=2).protection.locked is True
    # dropdown 是/否 for booleans, number checks for numbers
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "whole", "decimal"} <= kinds
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists[0].formula1 == '"是,否"'
    assert zone.xq[0].name in ws.cell(row=2, column=1).value


def test_stamp_is_on_a_hidden_protected_sheet(zone):
    wb = book(template(zone, zone.reporter))
    ws = wb[layout.STAMP_SHEET]
    assert ws.sheet_state == "hidden" and ws.protection.sheet
    stamp = layout.Stamp.from_rows([[c.value for c in row] for row in ws.iter_rows()])
    assert stamp is not None
    assert (stamp.plan, stamp.form, stamp.period, stamp.scope) == ("mini", "KJ101", "2016", "enterprise")
    assert stamp.respondent == zone.xq[0].credit_code
    assert stamp.format_version == layout.FORMAT_VERSION and len(stamp.form_hash) == 16


def test_bulk_template_headers_carry_units_and_help(zone):
    wb = book(template(zone, zone.reviewer))
    ws = wb[layout.DATA_SHEET]
    headers = [ws.cell(row=layout.BULK_HEADER_ROW, column=c).value for c in range(1, ws.max_column + 1)]
    assert headers[:4] == ["统一社会信用代码", "企业名称", "年末从业人员(人)", "营业收入(万元)"]
    assert headers[-1] == "核实性审核说明"
    assert ws.cell(row=layout.BULK_HEADER_ROW, column=4).comment is not None
    code_cell = ws.cell(row=layout.BULK_FIRST_ROW, column=1)
    assert code_cell.protection.locked is True
    assert ws.cell(row=layout.BULK_FIRST_ROW, column=3).protection.locked is False
    assert layout.NOTES_SHEET in wb.sheetnames


def test_last_periods_values_are_shown_for_reference(zone):
    open_period(zone.plan, "KJ101", "2015")
    report = open_report(
        actor=zone.reporter, plan=zone.plan, form_code="KJ101", period="2015", enterprise=zone.xq[0]
    )
    report = submit(
        report,
        actor=zone.reporter,
        values=kj101_values(
            revenue=40123.4,
            has_rd_institution=True,
            is_above_scale=True,
            is_high_tech_enterprise=False,
            is_innovative_enterprise=False,
        ),
        channel="web",
    )
    ws = book(template(zone, zone.reporter))[layout.DATA_SHEET]
    assert ws.cell(
        row=layout.SINGLE_FIRST_ROW + 1, column=layout.SINGLE_PREVIOUS_COLUMN
    ).value == pytest.approx(40123.4)
    assert "2015" in ws.cell(row=layout.SINGLE_HEADER_ROW, column=layout.SINGLE_PREVIOUS_COLUMN).value
    reference = book(template(zone, zone.reviewer))[layout.REFERENCE_SHEET]
    row = next(
        r
        for r in range(layout.BULK_FIRST_ROW, reference.max_row + 1)
        if reference.cell(row=r, column=1).value == zone.xq[0].credit_code
    )
    assert reference.cell(row=row, column=4).value == pytest.approx(40123.4)


def test_text_that_looks_like_a_formula_is_neutralised(zone):
    Enterprise.objects.filter(pk=zone.xq[1].pk).update(name='=HYPERLINK("http://evil.example","点我")')
    Enterprise.objects.filter(pk=zone.xq[2].pk).update(name="@SUM(1+1)")
    data = template(zone, zone.reviewer)
    names = [c.value for c in book(data)[layout.DATA_SHEET]["B"]]
    assert '\'=HYPERLINK("http://evil.example","点我")' in names and "'@SUM(1+1)" in names
    # and the package holds no formula at all
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) for n in sheets)
    # A neutralised name still uploads (names are not read back).
    filled = fill(data, {zone.xq[1].credit_code: kj101_values()})
    assert import_workbook(zone.reviewer, zone.plan, filled).ok


@pytest.mark.parametrize(
    ("who", "scope", "code"),
    [
        ("other_reviewer", "bulk", "XQ"),  # another district's enterprises
        ("reporter", "enterprise", None),  # another enterprise
        ("reporter", "bulk", "XQ"),  # a reporter is no district
        ("evaluator", "bulk", "XQ"),  # the evaluator fills nothing
        ("reviewer", "district", "GX"),  # another district's own form
    ],
)
def test_nobody_gets_a_template_outside_their_scope(zone, who, scope, code):
    code = code or zone.xq[1].credit_code
    form = "KJ201" if scope == "district" else "KJ101"
    with pytest.raises(ExcelFileError) as err:
        build_template(getattr(zone, who), zone.plan, form, "2016", scope, code)
    assert err.value.code == "not_allowed" and "无权" in err.value.message


def test_office_may_download_any_districts_bulk_template(zone):
    _, data = build_template(zone.office, zone.plan, "KJ101", "2016", "bulk", "GX")
    ws = book(data)[layout.DATA_SHEET]
    assert ws.cell(row=layout.BULK_FIRST_ROW, column=1).value == zone.gx.credit_code


def test_template_for_a_closed_or_unknown_period_is_refused(zone):
    with pytest.raises(ExcelFileError) as err:
        build_template(zone.reporter, zone.plan, "KJ101", "2014", "enterprise", zone.xq[0].credit_code)
    assert err.value.code == "period_closed"
    with pytest.raises(ExcelFileError) as err:
        build_template(zone.reporter, zone.plan, "KJ101", "2016Q1", "enterprise", zone.xq[0].credit_code)
    assert "格式" in err.value.message
    assert Report.objects.count() == 0
