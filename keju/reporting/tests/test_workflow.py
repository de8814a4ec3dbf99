"""The reporting workflow: states, refusals that write nothing, audit, versions, explanations."""

from __future__ import annotations

import importlib.machinery
import sys
import types
from datetime import date

import pytest

from keju.orgs.services import register_enterprise
from keju.planning.testing import make_credit_code
from keju.reporting import services, testing
from keju.reporting.models import (
    AuditEntry,
    Explanation,
    ExplanationStatus,
    Report,
    ReportStatus,
    ReportVersion,
    ReviewAction,
    RevisionRequest,
)
from keju.reporting.services import ReportingError, VersionConflict
from keju.reporting.testing import YEAR, kj101_values, kj201_values

pytestmark = pytest.mark.django_db

# The zone fixtures (one zone per module, a savepoint per test).
shared_zone = testing.shared_zone
zone = testing.zone

WARNING_VALUES = kj101_values(net_profit=20000.5)  # KJ101-W05: 净利润大于营业收入
HARD_ERROR_VALUES = kj101_values(rd_personnel=400)  # KJ101-E01: R&D人员多于从业人员


def snapshot() -> tuple:
    """Everything the workflow writes, to prove a refusal wrote nothing."""
    return (
        list(Report.objects.order_by("id").values_list("id", "status", "version", "values")),
        AuditEntry.objects.count(),
        ReportVersion.objects.count(),
        Explanation.objects.order_by("id").values_list("id", "status").count(),
        ReviewAction.objects.count(),
        RevisionRequest.objects.count(),
    )


def refused(code: str, call, *args, **kwargs) -> ReportingError:
    before = snapshot()
    with pytest.raises(ReportingError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    assert info.value.message
    assert snapshot() == before
    return info.value


def submitted(zone, name: str = "a", values=None, explanations=None) -> Report:
    report = zone.report(name)
    return services.submit(
        report,
        actor=zone.user(f"reporter_{name}"),
        values=values or kj101_values(),
        explanations=explanations,
        channel="web",
    )


# --- opening -------------------------------------------------------------------------------


def test_open_report_creates_one_draft_with_the_district_of_the_period(zone):
    first = zone.report("a")
    again = zone.report("a")
    assert first.pk == again.pk
    assert first.status == ReportStatus.DRAFT
    assert first.version == 1
    assert first.district == zone.districts["lzgxq"]
    assert Report.objects.count() == 1
    entry = AuditEntry.objects.get(report=first)
    assert (entry.action, entry.actor_name, entry.new_value) == ("create", "reporter_a", "draft")


def test_open_report_refusals_write_nothing(zone):
    plan, a = zone.plan, zone.enterprises["a"]
    reporter = zone.user("reporter_a")
    kwargs = {"actor": reporter, "plan": plan, "enterprise": a}
    err = refused("period_closed", services.open_report, form_code="KJ101", period=str(YEAR - 1), **kwargs)
    assert "已关闭" in err.message
    err = refused("period_closed", services.open_report, form_code="KJ101", period="2017", **kwargs)
    assert "尚未开放" in err.message
    err = refused("unknown_form", services.open_report, form_code="KJ999", period=str(YEAR), **kwargs)
    assert "KJ999" in err.message
    refused("invalid_period", services.open_report, form_code="KJ101", period=f"{YEAR}Q1", **kwargs)
    refused("invalid_period", services.open_report, form_code="KJ102", period=str(YEAR), **kwargs)
    refused(
        "wrong_respondent",
        services.open_report,
        actor=reporter,
        plan=plan,
        form_code="KJ201",
        period=str(YEAR),
        enterprise=a,
    )
    for name in ("reporter_b", "reviewer_bygxq", "evaluator", "wg", "nobody"):
        err = refused(
            "not_allowed",
            services.open_report,
            actor=zone.user(name),
            plan=plan,
            form_code="KJ101",
            period=str(YEAR),
            enterprise=a,
        )
        assert err.message == "您无权填报该报表"


def test_enterprise_not_in_the_zone_in_that_period_is_refused(zone):
    late = register_enterprise(
        zone.plan,
        name="后来企业有限公司",
        credit_code=make_credit_code(99),
        industry_code="C2710",
        district_code="lzgxq",
        opened_on=date(YEAR + 1, 3, 1),
    )
    err = refused(
        "not_in_district",
        services.open_report,
        actor=zone.user("office"),
        plan=zone.plan,
        form_code="KJ101",
        period=str(YEAR),
        enterprise=late,
    )
    assert "后来企业有限公司" in err.message


def test_district_reviewer_fills_its_enterprises_and_its_district_form(zone):
    reviewer = zone.user("reviewer_lzgxq")
    report = services.open_report(
        actor=reviewer, plan=zone.plan, form_code="KJ101", period=str(YEAR), enterprise=zone.enterprises["b"]
    )
    assert report.district == zone.districts["lzgxq"]
    own = services.open_report(
        actor=reviewer, plan=zone.plan, form_code="KJ201", period=str(YEAR), org_unit=zone.districts["lzgxq"]
    )
    assert own.org_unit == zone.districts["lzgxq"]
    refused(
        "not_allowed",
        services.open_report,
        actor=reviewer,
        plan=zone.plan,
        form_code="KJ201",
        period=str(YEAR),
        org_unit=zone.districts["bygxq"],
    )
    services.submit(own, actor=reviewer, values=kj201_values(), channel="web")
    # The district's own report is reviewed by the office, not by the district itself.
    refused("not_allowed", services.approve, own, actor=reviewer)
    assert services.approve(own, actor=zone.user("office")).status == ReportStatus.APPROVED


# --- drafts, versions and audit --------------------------------------------------------------


def test_save_draft_merges_values_and_audits_each_changed_field(zone):
    report = zone.report("a")
    reporter = zone.user("reporter_a")
    report = services.save_draft(
        report, actor=reporter, values={"employees": 300, "revenue": 100.5}, channel="web", expected_version=1
    )
    assert report.version == 2
    report = services.save_draft(
        report,
        actor=reporter,
        values={"revenue": 120.0, "rd_personnel": 3},
        channel="api",
        expected_version=2,
    )
    assert report.values == {"employees": 300, "revenue": 120.0, "rd_personnel": 3}
    assert report.version == 3
    saves = list(AuditEntry.objects.filter(report=report, action="save").order_by("id"))
    assert [(e.field, e.old_value, e.new_value, e.channel) for e in saves] == [
        ("employees", None, 300, "web"),
        ("revenue", None, 100.5, "web"),
        ("revenue", 100.5, 120.0, "api"),
        ("rd_personnel", None, 3, "api"),
    ]
    assert all(e.actor == reporter and e.at is not None for e in saves)
    # Saving the same values again changes nothing, not even the version.
    again = services.save_draft(report, actor=reporter, values={"revenue": 120.0}, channel="web")
    assert again.version == 3
    # None clears a field.
    cleared = services.save_draft(report, actor=reporter, values={"rd_personnel": None}, channel="web")
    assert "rd_personnel" not in cleared.values
    assert AuditEntry.objects.filter(report=report, field="rd_personnel", new_value__isnull=True).exists()


def test_stale_version_is_a_conflict_and_overwrites_nothing(zone):
    report = zone.report("a")
    reporter = zone.user("reporter_a")
    services.save_draft(report, actor=reporter, values={"employees": 300}, channel="web", expected_version=1)
    before = snapshot()
    with pytest.raises(VersionConflict) as info:
        services.save_draft(
            report, actor=reporter, values={"employees": 999}, channel="web", expected_version=1
        )
    assert info.value.code == "version_conflict"
    assert info.value.current_version == 2
    assert "第1版" in info.value.message and "第2版" in info.value.message
    assert snapshot() == before
    with pytest.raises(VersionConflict):
        services.submit(report, actor=reporter, values=kj101_values(), channel="web", expected_version=1)
    assert snapshot() == before


def test_values_of_the_wrong_type_are_refused_with_findings(zone):
    report = zone.report("a")
    err = refused(
        "invalid_values",
        services.save_draft,
        report,
        actor=zone.user("reporter_a"),
        values={
            "employees": 12.5,
            "revenue": "12万",
            "nonsense": 1,
            "has_rd_institution": 1,
            "exports": float("nan"),
        },
        channel="web",
    )
    by_field = {f.fields[0]: f for f in err.findings}
    assert set(by_field) == {"employees", "revenue", "nonsense", "has_rd_institution", "exports"}
    assert "整数" in by_field["employees"].message
    assert "年末从业人员" in by_field["employees"].message
    assert all(f.severity == "error" for f in err.findings)


def test_unknown_channel_is_refused(zone):
    refused(
        "invalid_channel",
        services.save_draft,
        zone.report("a"),
        actor=zone.user("reporter_a"),
        values={},
        channel="fax",
    )


# --- idempotency ------------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_first_result_and_stores_nothing_new(zone):
    report = zone.report("a")
    reporter = zone.user("reporter_a")
    first = services.submit(
        report,
        actor=reporter,
        values=kj101_values(),
        channel="api",
        expected_version=1,
        idempotency_key="k-1",
    )
    state = snapshot()
    retry = services.submit(
        report,
        actor=reporter,
        values=kj101_values(),
        channel="api",
        expected_version=1,
        idempotency_key="k-1",
    )
    assert retry.pk == first.pk and retry.version == first.version and retry.status == ReportStatus.SUBMITTED
    assert snapshot() == state
    # The same key with another content is a client bug, not a retry.
    refused(
        "idempotency_mismatch",
        services.submit,
        report,
        actor=reporter,
        values=kj101_values(employees=1),
        channel="api",
        expected_version=1,
        idempotency_key="k-1",
    )


def test_a_refused_call_can_be_retried_with_the_same_key(zone):
    report = zone.report("a")
    reporter = zone.user("reporter_a")
    refused(
        "hard_errors",
        services.submit,
        report,
        actor=reporter,
        values=HARD_ERROR_VALUES,
        channel="api",
        idempotency_key="k-2",
    )
    services.save_draft(report, actor=reporter, values={"rd_personnel": 41}, channel="api")
    done = services.submit(
        report,
        actor=reporter,
        values=HARD_ERROR_VALUES | {"rd_personnel": 41},
        channel="api",
        idempotency_key="k-2",
    )
    assert done.status == ReportStatus.SUBMITTED


def test_idempotency_keys_are_per_user(zone):
    reporter_a, reporter_b = zone.user("reporter_a"), zone.user("reporter_b")
    a = services.save_draft(
        zone.report("a"), actor=reporter_a, values={"employees": 1}, channel="api", idempotency_key="same"
    )
    b = services.save_draft(
        zone.report("b"), actor=reporter_b, values={"employees": 2}, channel="api", idempotency_key="same"
    )
    assert (a.values, b.values) == ({"employees": 1}, {"employees": 2})


# --- submission and explanations ----------------------------------------------------------------


def test_hard_errors_block_submission_and_write_nothing(zone):
    report = zone.report("a")
    err = refused(
        "hard_errors",
        services.submit,
        report,
        actor=zone.user("reporter_a"),
        values=HARD_ERROR_VALUES,
        channel="web",
    )
    codes = {f.code for f in err.findings}
    assert "KJ101-E01" in codes
    assert "强制性审核" in err.message
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_warnings_need_an_explanation(zone):
    report = zone.report("a")
    reporter = zone.user("reporter_a")
    err = refused(
        "unexplained_warnings", services.submit, report, actor=reporter, values=WARNING_VALUES, channel="web"
    )
    assert [f.code for f in err.findings] == ["KJ101-W05"]
    err = refused(
        "unexplained_warnings",
        services.submit,
        report,
        actor=reporter,
        values=WARNING_VALUES,
        explanations={"KJ101-W05": "已核"},
        channel="web",
    )
    assert "过短" in err.message
    done = services.submit(
        report,
        actor=reporter,
        values=WARNING_VALUES,
        explanations={"KJ101-W05": "本年出售子公司股权,投资收益1.8亿元计入净利润", "KJ101-W99": "无关的说明"},
        channel="web",
    )
    assert done.status == ReportStatus.SUBMITTED
    assert done.submitted_at is not None and done.first_submitted_at == done.submitted_at
    explanation = Explanation.objects.get(report=done)
    assert (explanation.check_code, explanation.version, explanation.status) == (
        "KJ101-W05",
        done.version,
        "pending",
    )
    assert "净利润" in explanation.warning
    snap = ReportVersion.objects.get(report=done, version=done.version)
    assert (snap.status, snap.values["net_profit"], snap.action) == ("submitted", 20000.5, "submit")
    assert AuditEntry.objects.filter(report=done, action="explain", field="KJ101-W05").exists()
    assert AuditEntry.objects.filter(
        report=done, action="submit", field="status", old_value="draft", new_value="submitted"
    ).exists()


def test_submitted_report_cannot_be_edited_or_submitted_again(zone):
    report = submitted(zone)
    reporter = zone.user("reporter_a")
    err = refused(
        "invalid_state", services.save_draft, report, actor=reporter, values={"employees": 1}, channel="web"
    )
    assert "已上报" in err.message
    refused("invalid_state", services.submit, report, actor=reporter, channel="web")


def test_return_with_reason_then_resubmit_with_a_new_explanation(zone):
    reporter, reviewer = zone.user("reporter_a"), zone.user("reviewer_lzgxq")
    report = submitted(
        zone, values=WARNING_VALUES, explanations={"KJ101-W05": "投资收益计入净利润,已核对账簿"}
    )
    refused("reason_required", services.return_report, report, actor=reviewer, reason="  ")
    refused(
        "invalid_explanation",
        services.return_report,
        report,
        actor=reviewer,
        reason="请核实",
        rejected_explanations=["KJ101-W01"],
    )
    refused("not_allowed", services.return_report, report, actor=zone.user("reviewer_bygxq"), reason="请核实")
    refused("not_allowed", services.return_report, report, actor=reporter, reason="请核实")
    returned = services.return_report(
        report, actor=reviewer, reason="投资收益应附说明材料", rejected_explanations=["KJ101-W05"]
    )
    assert returned.status == ReportStatus.RETURNED
    e = Explanation.objects.get(report=report)
    assert (e.status, e.review_reason, e.reviewed_by) == ("rejected", "投资收益应附说明材料", reviewer)
    review = ReviewAction.objects.get(report=report)
    assert (review.decision, review.reason, review.actor_name) == (
        "return",
        "投资收益应附说明材料",
        "reviewer_lzgxq",
    )
    # Returned reports can be edited again.
    services.save_draft(returned, actor=reporter, values={"employees": 321}, channel="web")
    # The rejected explanation does not carry over, and the same text is refused.
    err = refused("unexplained_warnings", services.submit, report, actor=reporter, channel="web")
    assert [f.code for f in err.findings] == ["KJ101-W05"]
    err = refused(
        "unexplained_warnings",
        services.submit,
        report,
        actor=reporter,
        explanations={"KJ101-W05": "投资收益计入净利润,已核对账簿"},
        channel="web",
    )
    assert "驳回" in err.message
    again = services.submit(
        report,
        actor=reporter,
        explanations={"KJ101-W05": "出售子公司股权收益1.8亿元,附审计报告第12页"},
        channel="web",
    )
    assert again.status == ReportStatus.SUBMITTED
    assert again.first_submitted_at < again.submitted_at
    assert Explanation.objects.filter(report=report).count() == 2


def test_explanations_not_rejected_carry_over_to_the_resubmission(zone):
    reporter, reviewer = zone.user("reporter_a"), zone.user("reviewer_lzgxq")
    report = submitted(
        zone, values=WARNING_VALUES, explanations={"KJ101-W05": "投资收益计入净利润,已核对账簿"}
    )
    services.return_report(report, actor=reviewer, reason="从业人员请按年末数填报")
    services.save_draft(report, actor=reporter, values={"employees": 330}, channel="web")
    again = services.submit(report, actor=reporter, channel="web")
    carried = Explanation.objects.get(report=report, version=again.version)
    assert carried.text == "投资收益计入净利润,已核对账簿"


def test_approve_accepts_explanations_and_calls_the_monitoring_hook(zone, monkeypatch):
    calls = []
    hooks = types.ModuleType("keju.monitoring.hooks")
    hooks.__spec__ = importlib.machinery.ModuleSpec("keju.monitoring.hooks", None)
    hooks.report_approved = lambda report: calls.append((report.pk, report.status))
    monkeypatch.setitem(sys.modules, "keju.monitoring.hooks", hooks)
    report = submitted(
        zone, values=WARNING_VALUES, explanations={"KJ101-W05": "投资收益计入净利润,已核对账簿"}
    )
    refused("not_allowed", services.approve, report, actor=zone.user("reporter_a"))
    refused("not_allowed", services.approve, report, actor=zone.user("evaluator"))
    refused("not_allowed", services.approve, report, actor=zone.user("reviewer_bygxq"))
    approved = services.approve(report, actor=zone.user("reviewer_lzgxq"), note="数据已核实")
    assert approved.status == ReportStatus.APPROVED
    assert calls == [(report.pk, "approved")]
    assert Explanation.objects.get(report=report).status == ExplanationStatus.ACCEPTED
    refused("invalid_state", services.approve, approved, actor=zone.user("office"))


def test_a_failing_monitoring_hook_does_not_undo_the_approval(zone, monkeypatch):
    def broken(report):
        Report.objects.filter(pk=report.pk).update(status="draft")  # rolled back with the savepoint
        raise RuntimeError("boom")

    hooks = types.ModuleType("keju.monitoring.hooks")
    hooks.__spec__ = importlib.machinery.ModuleSpec("keju.monitoring.hooks", None)
    hooks.report_approved = broken
    monkeypatch.setitem(sys.modules, "keju.monitoring.hooks", hooks)
    report = submitted(zone)
    services.approve(report, actor=zone.user("office"))
    assert Report.objects.get(pk=report.pk).status == ReportStatus.APPROVED


# --- after approval: revision, lock ---------------------------------------------------------------


def test_revision_after_approval_keeps_every_version(zone):
    reporter, reviewer = zone.user("reporter_a"), zone.user("reviewer_lzgxq")
    report = services.approve(submitted(zone), actor=reviewer)
    refused(
        "invalid_state", services.save_draft, report, actor=reporter, values={"employees": 1}, channel="web"
    )
    refused(
        "reason_required",
        services.request_revision,
        report,
        actor=reporter,
        reason="",
        values={"employees": 330},
        channel="web",
    )
    refused(
        "no_change",
        services.request_revision,
        report,
        actor=reporter,
        reason="更正",
        values={"employees": 320},
        channel="web",
    )
    refused(
        "not_allowed",
        services.request_revision,
        report,
        actor=zone.user("reporter_b"),
        reason="更正",
        values={"employees": 330},
        channel="web",
    )
    refused(
        "hard_errors",
        services.request_revision,
        report,
        actor=reporter,
        reason="更正",
        values={"employees": 10},
        channel="web",
    )
    approved_version = report.version
    revised = services.request_revision(
        report,
        actor=reporter,
        reason="年末人数按社保缴纳人数更正",
        values={"employees": 330},
        channel="excel",
    )
    assert revised.status == ReportStatus.SUBMITTED
    assert revised.version == approved_version + 1
    request = RevisionRequest.objects.get(report=report)
    assert (request.old_values["employees"], request.new_values["employees"]) == (320, 330)
    assert (request.from_version, request.to_version, request.reason) == (
        approved_version,
        revised.version,
        "年末人数按社保缴纳人数更正",
    )
    revise = AuditEntry.objects.get(report=report, action="revise", field="employees")
    assert (revise.old_value, revise.new_value, revise.channel) == (320, 330, "excel")
    final = services.approve(revised, actor=reviewer)
    versions = list(
        ReportVersion.objects.filter(report=report).order_by("version").values_list("status", "action")
    )
    assert versions == [
        ("submitted", "submit"),
        ("approved", "approve"),
        ("submitted", "revise"),
        ("approved", "approve"),
    ]
    old = ReportVersion.objects.get(report=report, version=approved_version)
    assert old.values["employees"] == 320
    assert final.values["employees"] == 330


def test_lock_is_the_offices_and_final(zone):
    report = services.approve(submitted(zone), actor=zone.user("reviewer_lzgxq"))
    refused("not_allowed", services.lock, report, actor=zone.user("reviewer_lzgxq"))
    refused("not_allowed", services.lock, report, actor=zone.user("evaluator"))
    locked = services.lock(report, actor=zone.user("office"))
    assert locked.status == ReportStatus.LOCKED
    err = refused(
        "invalid_state",
        services.request_revision,
        locked,
        actor=zone.user("reporter_a"),
        reason="更正",
        values={"employees": 330},
        channel="web",
    )
    assert "已锁定" in err.message


def test_closing_the_period_stops_edits(zone):
    report = zone.report("a")
    services.close_period(zone.period("KJ101", str(YEAR)), actor=zone.user("office"))
    err = refused(
        "period_closed",
        services.save_draft,
        report,
        actor=zone.user("reporter_a"),
        values={"employees": 1},
        channel="web",
    )
    assert "已关闭" in err.message
    refused(
        "period_closed",
        services.submit,
        report,
        actor=zone.user("reporter_a"),
        values=kj101_values(),
        channel="web",
    )


def test_only_the_office_manages_periods(zone):
    with pytest.raises(ReportingError) as info:
        services.close_period(zone.period("KJ101", str(YEAR)), actor=zone.user("reviewer_lzgxq"))
    assert info.value.code == "not_allowed"
    assert zone.period("KJ101", str(YEAR)).is_open


def test_due_date_follows_the_form_and_can_be_moved(zone):
    period = zone.period("KJ101", str(YEAR))
    assert period.due_on == date(YEAR + 1, 3, 31)  # KJ101: 90 days after the year's end
    moved = services.set_due_date(period, date(YEAR + 1, 4, 30), actor=zone.user("office"))
    assert (moved.due_on, moved.due_overridden) == (date(YEAR + 1, 4, 30), True)
    with pytest.raises(ReportingError) as info:
        services.set_due_date(period, date(YEAR, 6, 1), actor=zone.user("office"))
    assert info.value.code == "invalid_due_date"
    back = services.set_due_date(period, None, actor=zone.user("office"))
    assert (back.due_on, back.due_overridden) == (date(YEAR + 1, 3, 31), False)
    assert AuditEntry.objects.filter(period=period, field="due_on").count() == 2


def test_refusals_are_logged(zone, caplog):
    caplog.set_level("INFO", logger="keju.reporting")
    refused(
        "not_allowed",
        services.save_draft,
        zone.report("a"),
        actor=zone.user("reporter_b"),
        values={},
        channel="web",
    )
    record = next(r for r in caplog.records if r.name == "keju.reporting")
    assert "save_draft" in record.getMessage() and "reporter_b" in record.getMessage()
    assert "not_allowed" in record.getMessage()
