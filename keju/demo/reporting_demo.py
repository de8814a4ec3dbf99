"""The reporting workflow of the demo zone: periods with deadlines and a cycle in progress.

`keju demo` writes every generated report as approved. This module then turns the latest
year into a reporting cycle that is under way, through the real workflow services (so the
audit trail, versions and explanations are as the product makes them):

- every period of the demo years gets a reporting period; earlier years are closed;
- the latest annual forms are open, due 30 days from today (the office moved the date);
  the latest quarter is open and already past due, so the overdue list has entries;
- in every district a few enterprise reports are back in 已上报 with warnings and their
  explanations (the reviewer's queue), one is 退回 with a rejected explanation, one is a
  修订 waiting for review, a few are drafts or not started;
- the demo reporter's own annual report has been returned to it.

The other enterprises' figures are entered by the office account (as from their paper
forms; no extra accounts are made), so each district's reviewer reviews someone else's entry;
the demo reporter's own report is entered by the demo reporter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import FloatField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from keju.accounts.models import Role, RoleAssignment
from keju.demo.models import DemoRun
from keju.orgs.models import OrgUnit
from keju.planning.models import Plan
from keju.reporting import services
from keju.reporting.models import (
    AuditEntry,
    Explanation,
    IdempotencyRecord,
    Report,
    ReportingPeriod,
    ReportStatus,
    ReportVersion,
    ReviewAction,
    RevisionRequest,
)
from keju.reporting.services import ReportingError

Log = Callable[[str], None]

SUBMITTED_PER_DISTRICT = 3
NOT_STARTED_PER_DISTRICT = 2
OVERDUE_PER_DISTRICT = 3
# Enough approved reports per district to pick the cycle's cases from (some may not fit).
CANDIDATES = 20
ANNUAL_DUE_IN_DAYS = 30
QUARTER_OVERDUE_DAYS = 10

# Explanations as reporters write them, by the kind of warning.
EXPLANATIONS = {
    "W05": "本年处置子公司股权取得投资收益,计入净利润,已附审计报告",
    "W10": "本年新生产线投产,订单大幅增加,数据与年度财务报表一致",
    "W11": "本年扩建项目投产,新招聘员工较多,人数按社保缴纳名单统计",
    "W12": "新生产线投产,能耗随产量增加,数据取自能源计量台账",
    "W20": "企业规模大于同行业一般企业,数据已与财务报表逐项核对",
    "W30": "数据取自审计后的年度财务报表,恰为整数",
    "W40": "本期经营情况与上期基本持平,数据经财务部门核对无误",
}
DEFAULT_EXPLANATION = "数据已与企业财务报表和统计台账核对,情况属实"


@dataclass
class ReportingDemo:
    submitted: int = 0
    returned: int = 0
    revised: int = 0
    drafts: int = 0
    not_started: int = 0


def _explanation_for(code: str) -> str:
    for key, text in EXPLANATIONS.items():
        if f"-{key}" in code:
            return text
    return DEFAULT_EXPLANATION


def clear_orphans() -> None:
    """Workflow rows of reports that the demo's raw deletes removed (foreign keys are checked
    at commit, so cleaning up before the commit keeps the database consistent)."""
    report = connection.ops.quote_name(Report._meta.db_table)
    with connection.cursor() as cursor:
        for model in (
            AuditEntry,
            Explanation,
            ReportVersion,
            ReviewAction,
            RevisionRequest,
            IdempotencyRecord,
        ):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"DELETE FROM {table} WHERE report_id IS NOT NULL AND report_id NOT IN (SELECT id FROM {report})"
            )


def build_reporting_demo(
    plan: Plan, run: DemoRun | None, years: Sequence[int], *, log: Log = lambda _: None
) -> ReportingDemo:
    """Periods for `years` and the latest year's cycle in progress (see the module docstring)."""
    clear_orphans()
    ReportingPeriod.objects.filter(plan=plan).delete()
    result = ReportingDemo()
    if not years:
        return result
    latest = max(years)
    earlier = [y for y in years if y < latest]
    services.ensure_periods(plan, earlier, open_=False)
    forms = services.forms_for(plan)
    today = timezone.localdate()
    quarter_periods: list[str] = []
    for code, form in forms.items():
        periods = services.periods_of_year(form, latest)
        for period in periods:
            if form.period_type == "annual":
                services.open_period(plan, code, period, due_on=today + timedelta(days=ANNUAL_DUE_IN_DAYS))
            elif period == periods[-1]:
                _, _, ends_on = services.period_bounds(form, period)
                row = services.open_period(plan, code, period)
                # The quarter's deadline has passed (the demo's "today" is after it).
                row.due_on = max(ends_on, today - timedelta(days=QUARTER_OVERDUE_DAYS))
                row.due_overridden = True
                row.save(update_fields=["due_on", "due_overridden"])
                quarter_periods.append(f"{code} {period}")
            else:
                services.close_period(services.open_period(plan, code, period))
    reviewers = _reviewers(plan)
    if not reviewers:
        log("演示填报流程:没有审核员账号,只建立了填报期")
        return result
    enterprise_forms = [
        c for c, f in forms.items() if f.respondent_level == "enterprise" and f.period_type == "annual"
    ]
    annual = enterprise_forms[0] if enterprise_forms else None
    quarterly = next(
        (c for c, f in forms.items() if f.respondent_level == "enterprise" and f.period_type == "quarterly"),
        None,
    )
    district_form = next((c for c, f in forms.items() if f.respondent_level == "district"), None)
    own = _reporter(plan)
    if annual is not None:
        for district, reviewer in reviewers.items():
            _annual_cycle(plan, annual, str(latest), district, reviewer, own, result)
        if own is not None:
            _own_report_returned(plan, annual, str(latest), own, reviewers, result)
    if quarterly is not None:
        last_quarter = services.periods_of_year(forms[quarterly], latest)[-1]
        for district in reviewers:
            _quarter_overdue(plan, quarterly, last_quarter, district, result)
    if district_form is not None:
        _district_submission(plan, district_form, str(latest), reviewers, result)
    log(
        f"演示填报流程:{latest}年 待审核{result.submitted}份,退回{result.returned}份,修订{result.revised}份,"
        f"草稿{result.drafts}份,未填报{result.not_started}份;已逾期的填报期:{'、'.join(quarter_periods) or '无'}"
    )
    return result


def _reviewers(plan: Plan) -> dict[OrgUnit, Any]:
    rows = RoleAssignment.objects.filter(role=Role.DISTRICT_REVIEWER, org_unit__plan=plan).select_related(
        "user", "org_unit"
    )
    return {r.org_unit: r.user for r in rows.order_by("org_unit_id")}


def _reporter(plan: Plan) -> RoleAssignment | None:
    return (
        RoleAssignment.objects.filter(role=Role.ENTERPRISE_REPORTER, enterprise__plan=plan)
        .select_related("user", "enterprise")
        .order_by("id")
        .first()
    )


def _candidates(
    plan: Plan, form_code: str, period: str, district: OrgUnit, own: RoleAssignment | None
) -> list[Report]:
    """Approved demo reports of the district, larger enterprises first (their warnings read well)."""
    rows = (
        Report.objects.filter(
            plan=plan, form_code=form_code, period=period, district=district, status=ReportStatus.APPROVED
        )
        .select_related("enterprise")
        .order_by(Cast(KT("values__revenue"), FloatField()).desc(nulls_last=True), "id")
    )
    if own is not None:
        rows = rows.exclude(enterprise_id=own.enterprise_id)
    picked = list(rows[:CANDIDATES])
    for r in picked:
        r.plan = plan  # the plan at hand: its large document is not read again per report
    return picked


def _office(plan: Plan) -> Any:
    """The 省创新办 account: it enters the other enterprises' figures (as from their paper
    forms), so that their district's reviewer reviews someone else's entry."""
    row = (
        RoleAssignment.objects.filter(role=Role.OFFICE_STAFF, org_unit__plan=plan)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return row.user if row is not None else None


def _reopen(report: Report) -> Report:
    """The generated report back to an unsubmitted draft, as if this cycle had just begun."""
    # The version is kept: versions only grow (earlier states may already be recorded).
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.DRAFT, first_submitted_at=None, submitted_at=None, reviewed_at=None
    )
    fresh = Report.objects.select_related("enterprise").get(pk=report.pk)
    fresh.plan = report.plan
    return fresh


def _changed(values: dict[str, Any], step: int) -> dict[str, Any]:
    """This year's figures as the enterprise reports them: growth that needs explaining."""
    new = dict(values)
    revenue = float(values.get("revenue") or 0)
    new["revenue"] = round(revenue * (1.65 + 0.1 * step), 1)
    if step % 2 == 1 and values.get("net_profit") is not None:
        new["net_profit"] = round(new["revenue"] * 1.05, 1)  # 净利润大于营业收入: investment income
    return new


def _submit_with_explanations(report: Report, actor: Any, values: dict[str, Any]) -> Report | None:
    outcome = services.check(report, values)
    if outcome.errors:
        return None
    explanations = {w.code: _explanation_for(w.code) for w in outcome.warnings}
    try:
        return services.submit(report, actor=actor, values=values, explanations=explanations, channel="demo")
    except ReportingError:
        return None


def _annual_cycle(
    plan: Plan,
    form_code: str,
    period: str,
    district: OrgUnit,
    reviewer: Any,
    own: RoleAssignment | None,
    result: ReportingDemo,
) -> None:
    office = _office(plan)
    if office is None:
        return
    candidates = _candidates(plan, form_code, period, district, own)
    used = 0
    queue: list[Report] = []
    for report in candidates:
        if len(queue) >= SUBMITTED_PER_DISTRICT + 1:
            break
        draft = _reopen(report)
        done = _submit_with_explanations(draft, office, _changed(draft.values, len(queue)))
        used += 1
        if done is None:
            Report.objects.filter(pk=report.pk).update(status=ReportStatus.APPROVED)
            continue
        queue.append(done)
    if queue:
        # The reviewer sent the last one back, rejecting one explanation.
        back = queue.pop()
        codes = list(
            Explanation.objects.filter(report=back, version=back.version).values_list("check_code", flat=True)
        )
        services.return_report(
            back,
            actor=reviewer,
            reason="营业收入增幅明显高于同行业,请补充新增订单或新产品的情况,并附财务报表",
            rejected_explanations=codes[:1],
            channel="demo",
        )
        result.returned += 1
    result.submitted += len(queue)
    rest = candidates[used:]
    # A 修订 of an approved report, waiting for review.
    if rest:
        report = rest.pop(0)
        actor = office
        employees = report.values.get("employees")
        if isinstance(employees, int) and employees > 0:
            try:
                services.request_revision(
                    report,
                    actor=actor,
                    reason="年末从业人员误填为平均人数,按年末社保缴纳人数更正",
                    values={"employees": employees + 3},
                    channel="demo",
                    explanations={},
                )
                result.revised += 1
            except ReportingError:
                pass
    # A draft begun but not submitted, and a few not started at all.
    if rest:
        draft = _reopen(rest.pop(0))
        AuditEntry.objects.create(
            report=draft,
            version=draft.version,
            channel="demo",
            action="create",
            field="status",
            new_value="draft",
        )
        result.drafts += 1
    gone = [r.pk for r in rest[-NOT_STARTED_PER_DISTRICT:]] if rest else []
    Report.objects.filter(pk__in=gone).delete()
    result.not_started += len(gone)


def _own_report_returned(
    plan: Plan,
    form_code: str,
    period: str,
    own: RoleAssignment,
    reviewers: dict[OrgUnit, Any],
    result: ReportingDemo,
) -> None:
    report = (
        Report.objects.filter(plan=plan, form_code=form_code, period=period, enterprise=own.enterprise)
        .select_related("enterprise", "district")
        .first()
    )
    reviewer = reviewers.get(report.district) if report is not None else None
    if report is None or reviewer is None:
        return
    report.plan = plan
    done = _submit_with_explanations(_reopen(report), own.user, _changed(report.values, 1))
    if done is None:
        return
    services.return_report(
        done,
        actor=reviewer,
        reason="净利润大于营业收入,请说明投资收益的来源并核对R&D经费数据",
        rejected_explanations=list(
            Explanation.objects.filter(report=done, version=done.version).values_list(
                "check_code", flat=True
            )[:1]
        ),
        channel="demo",
    )
    result.returned += 1


def _quarter_overdue(
    plan: Plan, form_code: str, period: str, district: OrgUnit, result: ReportingDemo
) -> None:
    """The latest quarter is past due: some reports not started, one still a draft."""
    rows = list(
        Report.objects.filter(plan=plan, form_code=form_code, period=period, district=district).order_by(
            "id"
        )[: OVERDUE_PER_DISTRICT + 1]
    )
    if not rows:
        return
    rows[0].plan = plan
    draft = _reopen(rows[0])
    AuditEntry.objects.create(
        report=draft,
        version=draft.version,
        channel="demo",
        action="create",
        field="status",
        new_value="draft",
    )
    result.drafts += 1
    Report.objects.filter(pk__in=[r.pk for r in rows[1:]]).delete()
    result.not_started += len(rows) - 1


def _district_submission(
    plan: Plan, form_code: str, period: str, reviewers: dict[OrgUnit, Any], result: ReportingDemo
) -> None:
    """One district's own annual report submitted for the office's review."""
    district, reviewer = next(reversed(reviewers.items()))
    report = Report.objects.filter(plan=plan, form_code=form_code, period=period, org_unit=district).first()
    if report is None:
        return
    report.plan = plan
    done = _submit_with_explanations(_reopen(report), reviewer, dict(report.values))
    if done is not None:
        result.submitted += 1
