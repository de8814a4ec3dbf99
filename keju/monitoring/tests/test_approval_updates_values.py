"""After an approval the stored values are updated incrementally, equal to a full recompute."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from keju.monitoring import hooks, services
from keju.monitoring.models import ComputationRun, IndicatorValue, RunStatus, Trigger
from keju.monitoring.services import affected, recompute
from keju.reporting.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


def _value(plan, indicator: str, unit: str, period: str) -> IndicatorValue:
    return IndicatorValue.objects.get(
        plan=plan, indicator__code=indicator, org_unit__code=unit, period=period
    )


def _revise(report: Report, **changes: float) -> None:
    """A new approved version of the report with changed figures (as a 修订 would leave it)."""
    report.values = {**report.values, **changes}
    report.version += 1
    report.status = ReportStatus.APPROVED
    report.save()


def test_an_approval_updates_the_units_above_the_respondent(demo):
    plan = demo.plan
    report = Report.objects.get(plan=plan, form_code="KJ201", period="2019", org_unit__code="lzjjq")
    zone_before = _value(plan, "gdp", "lanbai", "2019").value
    other_before = _value(plan, "gdp", "lzxq", "2019").value
    _revise(report, gdp=report.values["gdp"] + 100_000)  # +10亿元 (form unit 万元)

    run = hooks.report_approved(report)

    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert run.trigger == Trigger.APPROVAL and not run.full and run.report_id == report.pk
    assert "gdp" in run.indicators and "rd_intensity" in run.indicators
    assert _value(plan, "gdp", "lzjjq", "2019").value == pytest.approx(report.values["gdp"] / 10_000)
    assert _value(plan, "gdp", "lanbai", "2019").value == pytest.approx(zone_before + 10)
    assert _value(plan, "gdp", "lanzhou", "2019").run_id == run.pk
    assert _value(plan, "gdp", "lzxq", "2019").value == other_before
    assert _value(plan, "gdp", "lzxq", "2019").run_id != run.pk  # untouched rows keep their run
    changed = run.changes["values"]
    assert changed["changed"] > 0 and changed["added"] == 0 and changed["removed"] == 0


def test_incremental_equals_a_full_recompute(demo):
    plan = demo.plan
    enterprise_report = (
        Report.objects.filter(plan=plan, form_code="KJ101", period="2018").order_by("id").first()
    )
    _revise(
        enterprise_report,
        rd_expenditure=enterprise_report.values["rd_expenditure"] + 5000,
        is_above_scale=True,
    )
    assert hooks.report_approved(enterprise_report).status == RunStatus.SUCCEEDED
    district_report = Report.objects.get(plan=plan, form_code="KJ201", period="2017", org_unit__code="bygxq")
    _revise(district_report, resident_population=district_report.values["resident_population"] * 1.1)
    assert hooks.report_approved(district_report).status == RunStatus.SUCCEEDED

    full = recompute(plan)

    assert full.changes["values"] == {"added": 0, "changed": 0, "removed": 0}


def test_a_returned_report_drops_out_on_the_next_computation(demo):
    plan = demo.plan
    report = Report.objects.get(plan=plan, form_code="KJ201", period="2016", org_unit__code="lzxq")
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RETURNED)
    run = recompute(plan, years=[2016])
    gdp = _value(plan, "gdp", "lzxq", "2016")
    assert gdp.value is None and gdp.flag == "no_data" and gdp.reported == 0
    assert run.changes["values"]["changed"] > 0


def test_the_hook_never_fails_an_approval(demo, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("引擎崩溃")

    monkeypatch.setattr(services, "_compute", broken)
    report = Report.objects.get(plan=demo.plan, form_code="KJ201", period="2018", org_unit__code="lzxq")
    before = _value(demo.plan, "gdp", "lzxq", "2018").value
    _revise(report, gdp=report.values["gdp"] * 2)

    run = hooks.report_approved(report)

    assert run.status == RunStatus.FAILED and "引擎崩溃" in run.errors[-1]
    assert ComputationRun.objects.get(pk=run.pk).status == RunStatus.FAILED
    assert _value(demo.plan, "gdp", "lzxq", "2018").value == before  # nothing half-written


def test_what_a_form_touches(demo):
    indicators, read = affected(demo.spec, demo.forms, "KJ201")
    assert {"gdp", "rd_intensity", "energy_per_gdp"} <= indicators
    assert "high_tech_va_share" not in indicators  # reads KJ101 only
    assert "KJ201" in read
    # The annual enterprise form decides the yearly flags and who reports KJ102.
    indicators, read = affected(demo.spec, demo.forms, "KJ101")
    assert "high_tech_va_share" in indicators and "gdp" not in indicators


def test_the_workflow_approval_calls_the_hook(demo):
    """A 修订 of a district report approved by the office updates the stored indicator."""
    from keju.reporting import services as reporting

    plan = demo.plan
    reporting.open_period(plan, "KJ201", "2019")
    report = Report.objects.get(plan=plan, form_code="KJ201", period="2019", org_unit__code="lzgxq")
    User = get_user_model()
    reviewer = User.objects.get(username="reviewer_lzgxq")
    office = User.objects.get(username="office")
    new_turnover = round(report.values["tech_contract_turnover"] * 1.01, 2)
    try:
        reporting.request_revision(
            report,
            actor=reviewer,
            reason="更正登记数据",
            values={"tech_contract_turnover": new_turnover},
            channel="web",
        )
    except reporting.ReportingError as exc:  # warnings need a written explanation
        explanations = {f.code: "登记机构补录了一批合同,数值经核对无误。" for f in exc.findings}
        reporting.request_revision(
            report,
            actor=reviewer,
            reason="更正登记数据",
            values={"tech_contract_turnover": new_turnover},
            channel="web",
            explanations=explanations,
        )
    report.refresh_from_db()
    reporting.approve(report, actor=office)

    run = ComputationRun.objects.filter(plan=plan).latest("id")
    assert (
        run.trigger == Trigger.APPROVAL and run.report_id == report.pk and run.status == RunStatus.SUCCEEDED
    )
    assert _value(plan, "tech_contract_turnover", "lzgxq", "2019").value == pytest.approx(
        new_turnover / 10_000
    )


def test_a_report_under_revision_counts_with_its_approved_version(demo):
    """修订 sends a report back through review; until then its approved figures stay official."""
    from keju.monitoring.sources import frames_from_db
    from keju.reporting.models import ReportVersion

    plan = demo.plan
    report = Report.objects.get(plan=plan, form_code="KJ201", period="2015", org_unit__code="lzxq")
    approved = dict(report.values)
    ReportVersion.objects.create(
        report=report,
        version=1,
        status=ReportStatus.APPROVED,
        values=approved,
        channel="demo",
        action="approve",
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.SUBMITTED, version=2, values={**approved, "gdp": approved["gdp"] * 3}
    )
    frame = frames_from_db(plan, demo.forms, years=[2015], only=["KJ201"])["KJ201"]
    row = frame.filter(frame["report_id"] == report.pk).row(0, named=True)
    assert row["version"] == 1 and row["gdp"] == approved["gdp"]
    # A report never approved (returned at its first review) does not count at all.
    other = Report.objects.get(plan=plan, form_code="KJ201", period="2015", org_unit__code="lzgxq")
    Report.objects.filter(pk=other.pk).update(status=ReportStatus.RETURNED)
    frame = frames_from_db(plan, demo.forms, years=[2015], only=["KJ201"])["KJ201"]
    assert other.pk not in frame["report_id"].to_list() and frame.height == 3
