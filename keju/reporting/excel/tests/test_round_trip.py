"""Download a template, fill it as a person would, upload it: the reports hold the right values."""

from __future__ import annotations

import pytest

from keju.reporting.excel.services import import_workbook
from keju.reporting.excel.tests.conftest import fill, kj101_values, kj201_values, template
from keju.reporting.models import AuditEntry, Channel, Report, ReportStatus

pytestmark = pytest.mark.django_db


def test_enterprise_template_round_trip_stores_a_submitted_report_in_form_units(zone):
    data = fill(
        template(zone, zone.reporter),
        # Typed the way people type: a unit in the cell, full-width digits, separators.
        {
            None: kj101_values(
                revenue="4.52105亿元", employees="３２０", exports="8,104,000元", taxes_paid="1 502.7"
            )
        },
    )
    result = import_workbook(zone.reporter, zone.plan, data, filename="kj101.xlsx")
    assert result.ok, result.errors or result.file_error
    assert result.submitted == 1
    report = Report.objects.get(enterprise=zone.xq[0], form_code="KJ101", period="2016")
    assert report.status == ReportStatus.SUBMITTED
    assert report.channel == Channel.EXCEL
    assert report.values["revenue"] == pytest.approx(45210.5)
    assert report.values["employees"] == 320
    assert report.values["exports"] == pytest.approx(810.4)
    assert report.values["taxes_paid"] == pytest.approx(1502.7)
    assert report.values["has_rd_institution"] is True
    assert report.values["is_high_tech_enterprise"] is False
    assert AuditEntry.objects.filter(report=report, channel=Channel.EXCEL).exists()


def test_district_bulk_round_trip_stores_one_report_per_row(zone):
    data = fill(
        template(zone, zone.reviewer),
        {
            zone.xq[0].credit_code: kj101_values(),
            zone.xq[1].credit_code: kj101_values(revenue=52003.4),
        },
    )
    result = import_workbook(zone.reviewer, zone.plan, data, filename="bulk.xlsx")
    assert result.ok, result.errors or result.file_error
    assert result.submitted == 2
    stored = dict(
        Report.objects.filter(form_code="KJ101", period="2016").values_list("enterprise_id", "values")
    )
    assert set(stored) == {zone.xq[0].pk, zone.xq[1].pk}
    assert stored[zone.xq[1].pk]["revenue"] == pytest.approx(52003.4)
    # The third enterprise of the district was listed but left empty: no report for it.
    assert not Report.objects.filter(enterprise=zone.xq[2]).exists()


def test_district_own_form_round_trip(zone):
    data = fill(
        template(zone, zone.reviewer, form="KJ201"),
        {None: kj201_values(gdp="120.3417亿", resident_population="305,000人")},
    )
    result = import_workbook(zone.reviewer, zone.plan, data)
    assert result.ok, result.errors or result.file_error
    report = Report.objects.get(org_unit=zone.lzxq, form_code="KJ201", period="2016")
    assert report.status == ReportStatus.SUBMITTED
    assert report.values["gdp"] == pytest.approx(1_203_417)  # 万元
    assert report.values["resident_population"] == pytest.approx(30.5)  # 万人
