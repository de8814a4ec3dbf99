"""A value's lineage lists exactly the approved reports (and versions) it was computed from."""

from __future__ import annotations

import polars as pl
import pytest

from keju.monitoring import pages
from keju.monitoring.models import IndicatorValue
from keju.reporting.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


def _value(plan, indicator: str, unit: str, period: str) -> IndicatorValue:
    return IndicatorValue.objects.select_related("indicator", "org_unit", "plan").get(
        plan=plan, indicator__code=indicator, org_unit__code=unit, period=period
    )


def test_lineage_of_a_district_ratio(demo):
    plan = demo.plan
    value = _value(plan, "rd_intensity", "lzxq", "2017")
    found = pages.lineage(value)
    assert not found.error
    rows = pl.DataFrame(found.rows)
    approved = Report.objects.filter(
        plan=plan,
        period="2017",
        district__code="lzxq",
        status__in=[ReportStatus.APPROVED, ReportStatus.LOCKED],
    )
    # KJ101 (enterprises' R&D) and KJ201 (other R&D and GDP) of 兰州新区 in 2017: all of them, nothing else.
    wanted = set(approved.filter(form_code__in=["KJ101", "KJ201"]).values_list("id", "version"))
    assert set(rows.select("report_id", "version").iter_rows()) == wanted
    assert found.count == len(wanted)
    assert found.totals["numerator"] == pytest.approx(value.numerator)
    assert found.totals["denominator"] == pytest.approx(value.denominator)
    assert {r["respondent_name"] for r in found.rows} and all(
        r["district_name"] == "兰州新区" for r in found.rows
    )


def test_lineage_follows_versions_and_status(demo):
    plan = demo.plan
    reports = list(
        Report.objects.filter(plan=plan, form_code="KJ101", period="2015", district__code="bygxq")[:2]
    )
    Report.objects.filter(pk=reports[0].pk).update(version=3)
    Report.objects.filter(pk=reports[1].pk).update(status=ReportStatus.SUBMITTED)
    value = _value(plan, "high_tech_va_share", "bygxq", "2015")
    rows = {r["report_id"]: r["version"] for r in pages.lineage(value).rows}
    assert rows.get(reports[0].pk) == 3
    assert reports[1].pk not in rows


def test_lineage_is_paged_largest_first(demo):
    value = _value(demo.plan, "gdp", "lanbai", "2019")
    first = pages.lineage(value, limit=2)
    rest = pages.lineage(value, limit=10, offset=2)
    assert first.count == 4 and len(first.rows) == 2 and len(rest.rows) == 2
    sizes = [abs(r["numerator"]) for r in first.rows + rest.rows]
    assert sizes == sorted(sizes, reverse=True)
