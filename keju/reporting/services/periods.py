"""Reporting periods: opening, closing and moving deadlines (the office's work)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.planning.models import Plan
from keju.reporting.models import AuditAction, AuditEntry, Channel, ReportingPeriod
from keju.reporting.services import access
from keju.reporting.services.errors import ReportingError
from keju.reporting.services.forms import default_due, form_for, forms_for, period_bounds, periods_of_year


def _name(actor: Any) -> str:
    return str(getattr(actor, "username", "") or "")


def _may_manage(actor: Any, plan: Plan) -> None:
    if actor is not None and not access.may_manage_periods(actor, plan.pk):
        raise ReportingError(_("只有省创新办可以开放、关闭填报期或调整截止日期"), code="not_allowed")


def _log(
    period: ReportingPeriod, actor: Any, channel: str, field: str, old: Any, new: Any, note: str = ""
) -> None:
    AuditEntry.objects.create(
        period=period,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=_name(actor),
        channel=channel,
        action=AuditAction.PERIOD,
        field=field,
        old_value=old,
        new_value=new,
        note=note or f"{period.form_code} {period.period}",
    )


def open_period(
    plan: Plan,
    form_code: str,
    period: str,
    *,
    actor: Any = None,
    due_on: date | None = None,
    channel: str = Channel.WEB,
) -> ReportingPeriod:
    """Open (or reopen) the reporting window of a form for a period.

    The due date is the form's `deadline_days` after the period's end unless `due_on` is
    given. `actor=None` is the system (plan loading, the demo); a user must be the office.
    """
    form = form_for(plan, form_code)
    year, starts_on, ends_on = period_bounds(form, period)
    period = period.strip()
    _may_manage(actor, plan)
    if due_on is not None and due_on < ends_on:
        raise ReportingError(
            _("截止日期%(due)s早于报告期结束日%(end)s") % {"due": due_on, "end": ends_on},
            code="invalid_due_date",
        )
    with transaction.atomic():
        row, created = ReportingPeriod.objects.select_for_update().get_or_create(
            plan=plan,
            form_code=form.code,
            period=period,
            defaults={
                "year": year,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "due_on": due_on or default_due(form, ends_on),
                "due_overridden": due_on is not None,
                "is_open": True,
            },
        )
        if created:
            _log(row, actor, channel, "is_open", None, True)
            return row
        if not row.is_open:
            row.is_open = True
            row.closed_at = None
            row.save(update_fields=["is_open", "closed_at"])
            _log(row, actor, channel, "is_open", False, True)
        if due_on is not None and due_on != row.due_on:
            _log(row, actor, channel, "due_on", row.due_on.isoformat(), due_on.isoformat())
            row.due_on, row.due_overridden = due_on, True
            row.save(update_fields=["due_on", "due_overridden"])
        return row


def close_period(
    period: ReportingPeriod, *, actor: Any = None, channel: str = Channel.WEB
) -> ReportingPeriod:
    """Close the window: no report of the period can be opened, saved, submitted or returned."""
    _may_manage(actor, period.plan)
    with transaction.atomic():
        row = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        if row.is_open:
            row.is_open = False
            row.closed_at = timezone.now()
            row.save(update_fields=["is_open", "closed_at"])
            _log(row, actor, channel, "is_open", True, False)
        return row


def set_due_date(
    period: ReportingPeriod, due_on: date | None, *, actor: Any = None, channel: str = Channel.WEB
) -> ReportingPeriod:
    """Move the deadline (None: back to the form's default)."""
    _may_manage(actor, period.plan)
    form = form_for(period.plan, period.form_code)
    if due_on is not None and due_on < period.ends_on:
        raise ReportingError(
            _("截止日期%(due)s早于报告期结束日%(end)s") % {"due": due_on, "end": period.ends_on},
            code="invalid_due_date",
        )
    new = due_on or default_due(form, period.ends_on)
    with transaction.atomic():
        row = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        if new != row.due_on or row.due_overridden != (due_on is not None):
            _log(row, actor, channel, "due_on", row.due_on.isoformat(), new.isoformat())
            row.due_on, row.due_overridden = new, due_on is not None
            row.save(update_fields=["due_on", "due_overridden"])
        return row


def ensure_periods(
    plan: Plan,
    years: Iterable[int],
    *,
    forms: Sequence[str] | None = None,
    open_: bool = True,
) -> list[ReportingPeriod]:
    """Create the periods of every form (or `forms`) for `years` that do not exist yet, all at
    once, open or closed; existing periods are left as they are. For setup and the demo."""
    wanted = []
    for code, form in forms_for(plan).items():
        if forms is not None and code not in forms:
            continue
        for year in years:
            for period in periods_of_year(form, year):
                _, starts_on, ends_on = period_bounds(form, period)
                wanted.append((form, period, year, starts_on, ends_on))
    existing = set(ReportingPeriod.objects.filter(plan=plan).values_list("form_code", "period"))
    now = timezone.now()
    rows = [
        ReportingPeriod(
            plan=plan,
            form_code=form.code,
            period=period,
            year=year,
            starts_on=starts_on,
            ends_on=ends_on,
            due_on=default_due(form, ends_on),
            is_open=open_,
            closed_at=None if open_ else now,
        )
        for form, period, year, starts_on, ends_on in wanted
        if (form.code, period) not in existing
    ]
    return ReportingPeriod.objects.bulk_create(rows)
