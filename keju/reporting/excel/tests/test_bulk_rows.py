"""A district's bulk upload: row-level errors, all-or-nothing, accepting the valid rows,
warnings and their explanations, and idempotent re-uploads."""

from __future__ import annotations

import io

import openpyxl
import pytest

from keju.planning.testing import make_credit_code
from keju.reporting.excel import layout
from keju.reporting.excel.services import import_workbook
from keju.reporting.excel.tests.conftest import fill, kj101_values, template
from keju.reporting.models import AuditEntry, Explanation, IdempotencyRecord, Report, ReportStatus

pytestmark = pytest.mark.django_db


def bulk(zone, rows, **kwargs):
    data = fill(template(zone, zone.reviewer), rows, explanations=kwargs.pop("explanations", None))
    return data, import_workbook(zone.reviewer, zone.plan, data, filename="bulk.xlsx", **kwargs)


def row_of(data: bytes, code: str) -> int:
    ws = openpyxl.load_workbook(io.BytesIO(data))[layout.DATA_SHEET]
    return next(
        r for r in range(layout.BULK_FIRST_ROW, ws.max_row + 1) if ws.cell(row=r, column=1).value == code
    )


def test_template_lists_only_the_districts_expected_enterprises(zone):
    ws = openpyxl.load_workbook(io.BytesIO(template(zone, zone.reviewer)))[layout.DATA_SHEET]
    codes = [ws.cell(row=r, column=1).value for r in range(layout.BULK_FIRST_ROW, ws.max_row + 1)]
    assert codes == sorted(e.credit_code for e in zone.xq)
    assert zone.gx.credit_code not in codes


def test_enterprise_of_another_district_is_refused_and_nothing_is_stored(zone):
    data, result = bulk(zone, {zone.xq[0].credit_code: kj101_values(), zone.gx.credit_code: kj101_values()})
    assert not result.ok and not result.stored
    error = next(e for e in result.errors if e.respondent == zone.gx.credit_code)
    assert error.cell == f"A{row_of(data, zone.gx.credit_code)}"
    assert "不属于" in error.message and zone.lzxq.name in error.message
    assert Report.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def test_credit_code_not_in_the_register(zone):
    stranger = make_credit_code(777)
    _, result = bulk(zone, {stranger: kj101_values()})
    assert [e.message for e in result.errors if e.respondent == stranger][0].count("名录") == 1
    assert Report.objects.count() == 0


def test_duplicate_row_is_refused(zone):
    code = zone.xq[1].credit_code
    data, result = bulk(zone, {code: kj101_values(), (code, 2): kj101_values(revenue=50001.3)})
    duplicates = [e for e in result.errors if "重复" in e.message]
    assert len(duplicates) == 1
    assert duplicates[0].cell != f"A{row_of(data, code)}"  # the second occurrence is the one refused
    assert Report.objects.count() == 0


def test_row_with_values_but_no_credit_code(zone):
    _, result = bulk(zone, {"": kj101_values()})
    assert any("没有统一社会信用代码" in e.message for e in result.errors)
    assert Report.objects.count() == 0


def test_hard_check_failing_points_at_the_cell_of_its_first_field(zone):
    code = zone.xq[1].credit_code
    data, result = bulk(zone, {zone.xq[0].credit_code: kj101_values(), code: kj101_values(rd_personnel=400)})
    r = row_of(data, code)
    hits = [
        e for e in result.errors if e.respondent == code and e.cell == f"J{r}"
    ]  # rd_personnel is column J
    assert hits and "R&D人员" in hits[0].message, result.errors
    assert Report.objects.count() == 0  # the valid row is not stored either: all or nothing
    skipped = [o for o in result.rows if o.respondent == zone.xq[0].credit_code][0]
    assert skipped.status == "skipped"


def test_accepting_the_valid_rows_stores_them_and_returns_the_others(zone):
    good, bad = zone.xq[0].credit_code, zone.xq[1].credit_code
    _, result = bulk(
        zone,
        {good: kj101_values(), bad: kj101_values(revenue="很多"), zone.gx.credit_code: kj101_values()},
        accept_valid=True,
    )
    assert result.stored and result.submitted == 1 and result.rejected == 2
    assert list(Report.objects.values_list("enterprise_id", flat=True)) == [zone.xq[0].pk]
    assert result.correction_workbook is not None
    wb = openpyxl.load_workbook(io.BytesIO(result.correction_workbook))
    ws = wb[layout.DATA_SHEET]
    rows = {ws.cell(row=r, column=1).value: r for r in range(layout.BULK_FIRST_ROW, ws.max_row + 1)}
    assert set(rows) == {bad, zone.gx.credit_code}
    revenue_col = layout.BULK_FIRST_FIELD_COLUMN + 1
    assert ws.cell(row=rows[bad], column=revenue_col).value == "很多"  # what was typed comes back
    error_col = layout.BULK_FIRST_FIELD_COLUMN + len(kj101_values()) + 1
    assert "营业收入" in ws.cell(row=rows[bad], column=error_col).value
    # Corrected and uploaded again, the returned workbook goes through.
    ws.cell(row=rows[bad], column=revenue_col).value = 45210.5
    ws.delete_rows(rows[zone.gx.credit_code])
    out = io.BytesIO()
    wb.save(out)
    again = import_workbook(zone.reviewer, zone.plan, out.getvalue(), filename="corrected.xlsx")
    assert again.ok and again.submitted == 1, again.errors
    assert Report.objects.count() == 2


def test_warning_without_explanation_keeps_the_row_as_a_draft(zone):
    code = zone.xq[0].credit_code
    _, result = bulk(zone, {code: kj101_values(revenue=50000)})  # a suspiciously round number
    assert result.ok and result.drafts == 1 and result.submitted == 0
    report = Report.objects.get()
    assert report.status == ReportStatus.DRAFT
    assert report.values["revenue"] == 50000
    outcome = result.rows[0]
    assert outcome.status == "draft" and any("草稿" in m for m in outcome.messages)
    assert result.correction_workbook is not None  # the row comes back to be explained


def test_warning_with_explanation_is_submitted_with_it(zone):
    code = zone.xq[0].credit_code
    text = "本年度营业收入经审计确认为整数"
    _, result = bulk(zone, {code: kj101_values(revenue=50000)}, explanations={code: text})
    assert result.ok and result.submitted == 1, result.errors
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED
    explanation = Explanation.objects.get(report=report)
    assert explanation.text == text and explanation.check_code.startswith("KJ101-W30")


def test_too_short_explanation_is_refused_with_the_reason(zone):
    code = zone.xq[0].credit_code
    _, result = bulk(zone, {code: kj101_values(revenue=50000)}, explanations={code: "对"})
    assert not result.ok
    assert any("说明" in e.message for e in result.errors)
    assert Report.objects.count() == 0


def test_uploading_the_same_file_twice_stores_one_report_once(zone):
    data, first = bulk(
        zone, {zone.xq[0].credit_code: kj101_values(), zone.xq[1].credit_code: kj101_values(revenue=50000)}
    )
    assert first.ok and first.submitted == 1 and first.drafts == 1
    reports = {r.pk: r.version for r in Report.objects.all()}
    audit = AuditEntry.objects.count()
    second = import_workbook(zone.reviewer, zone.plan, data, filename="bulk.xlsx")
    assert second.ok and second.submitted == 1 and second.drafts == 1, second.errors
    assert {r.pk: r.version for r in Report.objects.all()} == reports
    assert AuditEntry.objects.count() == audit
    assert [o.report_id for o in second.rows] == [o.report_id for o in first.rows]


def test_a_second_file_for_an_already_submitted_report_is_refused_for_that_row(zone):
    code = zone.xq[0].credit_code
    bulk(zone, {code: kj101_values()})
    _, result = bulk(zone, {code: kj101_values(revenue=45300.7)})
    assert not result.ok
    assert any("已上报" in e.message for e in result.errors)
    assert Report.objects.get().values["revenue"] == pytest.approx(45210.5)
