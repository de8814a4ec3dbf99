"""What a user has to fill and the in-app reminders (due soon, overdue, returned, warnings
awaiting explanation, reports waiting for review)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.accounts.models import Role
from keju.accounts.scoping import roles_of
from keju.orgs.models import EnterprisePlacement
from keju.orgs.querysets import covering_q
from keju.plan.forms import ReportForm
from keju.planning.models import Plan
from keju.reporting import services
from keju.reporting.models import EDITABLE_STATUSES, Explanation, ExplanationStatus, Report, ReportingPeriod
from keju.reporting.views.presenters import Reminder, TodoRow, last_return

# Checking drafts for unexplained warnings costs a dry run each; a reporter has a handful.
MAX_CHECKED_DRAFTS = 20


def _expected(plan: Plan, form: ReportForm, period: ReportingPeriod, enterprise_id: int) -> bool:
    """Must this enterprise report this form for this period? (placed in the zone at the period's
    end, not closed then, and of the form's respondents, e.g. above-scale)."""
    placed = EnterprisePlacement.objects.filter(
        covering_q(period.ends_on), enterprise_id=enterprise_id, enterprise__plan=plan
    ).exclude(enterprise__closed_on__lte=period.ends_on)
    if not placed.exists():
        return False
    if form.respondents == "all":
        return True
    # The same rule the completeness figures use (the latest stated classification, else the register).
    flags = services.classification_flags(plan, form.respondents, [enterprise_id], period.year)
    return bool(flags.height and flags["flag"][0])


def todo_rows(user: Any, today: date | None = None) -> list[TodoRow]:
    """The forms and periods the user fills: its enterprise's (reporter) or its district's own
    (district reviewer), for every open period."""
    today = today or timezone.localdate()
    rows: list[TodoRow] = []
    for role in roles_of(user):
        if role.role == Role.ENTERPRISE_REPORTER:
            enterprise = role.enterprise
            rows += _rows_for(
                enterprise.plan, "enterprise", {"enterprise_id": enterprise.pk}, enterprise.name
            )
        elif role.role == Role.DISTRICT_REVIEWER:
            unit = role.org_unit
            rows += _rows_for(unit.plan, "district", {"org_unit_id": unit.pk}, unit.name)
    # Returned first (someone is waiting for a fix), then overdue, then by deadline.
    rows.sort(
        key=lambda r: (r.done, not r.return_reason, not r.is_overdue(today), r.due_on, r.form.code, r.period)
    )
    return rows


def _rows_for(plan: Plan, level: str, respondent: dict[str, int], label: str) -> list[TodoRow]:
    try:
        forms = {c: f for c, f in services.forms_for(plan).items() if f.respondent_level == level}
    except services.ReportingError:
        return []
    periods = ReportingPeriod.objects.filter(plan=plan, form_code__in=list(forms), is_open=True)
    reports = {
        (r.form_code, r.period): r
        for r in Report.objects.filter(plan=plan, form_code__in=list(forms), **respondent)
    }
    rows = []
    for period in periods.order_by("due_on", "form_code"):
        form = forms[period.form_code]
        report = reports.get((period.form_code, period.period))
        if (
            report is None
            and "enterprise_id" in respondent
            and not _expected(plan, form, period, respondent["enterprise_id"])
        ):
            continue
        start = {"form": form.code, "period": period.period, **respondent}
        ret = last_return(report) if report is not None else None
        rows.append(
            TodoRow(
                form=form,
                period=period.period,
                due_on=period.due_on,
                respondent_label=label,
                report=report,
                start_kwargs=start,
                return_reason=ret.reason if ret else "",
            )
        )
    return rows


def _unexplained(report: Report) -> int:
    """Warnings of the report's current values without an explanation that would carry over."""
    outcome = services.check(report)
    if not outcome.warnings:
        return 0
    usable = set(
        Explanation.objects.filter(report=report)
        .exclude(status=ExplanationStatus.REJECTED)
        .values_list("check_code", flat=True)
    )
    return sum(1 for w in outcome.warnings if w.code not in usable)


def reporter_reminders(rows: list[TodoRow], today: date | None = None) -> list[Reminder]:
    today = today or timezone.localdate()
    reminders: list[Reminder] = []
    checked = 0
    for row in rows:
        what = f"{row.form.name}({row.form.code})· {row.period}"
        url = reverse("reporting:report", args=[row.report.pk]) if row.report else ""
        if row.return_reason:
            reminders.append(
                Reminder(
                    "bad", _("%(what)s 被退回:%(reason)s") % {"what": what, "reason": row.return_reason}, url
                )
            )
        if row.is_overdue(today):
            reminders.append(
                Reminder(
                    "bad",
                    _("%(what)s 已逾期%(n)d天(截止日期 %(due)s)")
                    % {"what": what, "n": (today - row.due_on).days, "due": row.due_on},
                    url,
                )
            )
        elif row.is_due_soon(today):
            reminders.append(
                Reminder(
                    "",
                    _("%(what)s 将于 %(due)s 截止,还有%(n)d天")
                    % {"what": what, "due": row.due_on, "n": row.days_left(today)},
                    url,
                )
            )
        report = row.report
        if (
            report is not None
            and report.status in EDITABLE_STATUSES
            and report.values
            and checked < MAX_CHECKED_DRAFTS
        ):
            checked += 1
            try:
                n = _unexplained(report)
            except services.ReportingError:
                n = 0
            if n:
                reminders.append(
                    Reminder(
                        "", _("%(what)s 有%(n)d条核实性审核提示待填写情况说明") % {"what": what, "n": n}, url
                    )
                )
    return reminders


def reviewer_reminders(user: Any, today: date | None = None) -> list[Reminder]:
    """For reviewers: reports waiting, the oldest wait, reports overdue in their scope, and their
    district's own forms (returned, due soon, overdue)."""
    today = today or timezone.localdate()
    reminders: list[Reminder] = []
    waiting = Report.objects.review_queue(user)
    count = waiting.count()
    if count:
        with_warnings = waiting.filter(warning_count__gt=0).count()
        oldest = waiting.exclude(submitted_at=None).order_by("submitted_at").first()
        text = _("%(n)d份报表等待审核,其中%(w)d份带有核实性审核提示及情况说明") % {
            "n": count,
            "w": with_warnings,
        }
        if oldest is not None and oldest.submitted_at is not None:
            text += _(";最早的于 %(d)s 上报") % {"d": timezone.localtime(oldest.submitted_at).date()}
        reminders.append(Reminder("", text, reverse("reporting:queue")))
    # Started but not submitted past the deadline: a cheap query. Respondents who have not even
    # started need the expected-respondent list, which the completeness page computes.
    late = Report.objects.overdue(user, today=today).filter(enterprise__isnull=False)
    late_count = late.count()
    if late_count:
        reminders.append(
            Reminder(
                "bad",
                _("%(n)d份企业报表已过截止日期仍未上报(草稿或退回未重报);未开始填报的名单见报送情况")
                % {"n": late_count},
                reverse("reporting:completeness"),
            )
        )
    own = [r for r in todo_rows(user, today) if r.form.respondent_level == "district"]
    reminders += reporter_reminders(own, today)
    return reminders
