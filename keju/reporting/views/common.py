"""Helpers shared by the reporting pages: finding a report in the user's scope, forms, periods."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from keju.accounts.scoping import Action
from keju.plan.forms import ReportForm
from keju.reporting.models import Report, ReportingPeriod
from keju.reporting.services import ReportingError, form_for

# A refused action comes back as the page with the reason and the user's input (HTTP 200, the
# usual for a re-rendered form): browsers log 4xx pages as console errors, and the message on
# the page, not the status code, is what the user acts on. Tests check the database instead.
REFUSED = 200


def report_in_scope(request: HttpRequest, pk: int, action: Action = "view") -> Report:
    """The report if the user may `action` it; 404 otherwise (someone else's report does not exist)."""
    report = (
        Report.objects.visible_to(request.user, action)
        .select_related("plan", "enterprise", "org_unit", "district")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404(_("未找到该报表,或您无权查看。"))
    return report


def report_form_of(report: Report) -> ReportForm:
    try:
        return form_for(report.plan, report.form_code)
    except ReportingError as exc:
        # A report whose form vanished from the plan file cannot be shown as a form.
        raise Http404(exc.message) from exc


def period_row(report: Report) -> ReportingPeriod | None:
    return ReportingPeriod.objects.filter(
        plan_id=report.plan_id, form_code=report.form_code, period=report.period
    ).first()


def last_period(form: ReportForm, period: str) -> str | None:
    """The reporting period before `period` (the year before; for quarterly forms the quarter before)."""
    period = period.strip()
    if not period[:4].isdigit():
        return None
    year = int(period[:4])
    if form.period_type == "annual":
        return str(year - 1)
    if len(period) == 6 and period[4] == "Q" and period[5] in "1234":
        quarter = int(period[5])
        return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"
    return None


def respondent_filter(report: Report) -> dict[str, Any]:
    if report.enterprise_id:
        return {"enterprise_id": report.enterprise_id}
    return {"org_unit_id": report.org_unit_id}


def previous_report(report: Report, form: ReportForm) -> Report | None:
    """The same respondent's submitted (or reviewed) report of the period before, if any."""
    from keju.reporting.models import REPORTED_STATUSES

    before = last_period(form, report.period)
    if before is None:
        return None
    return (
        Report.objects.filter(
            plan_id=report.plan_id,
            form_code=report.form_code,
            period=before,
            status__in=REPORTED_STATUSES,
            **respondent_filter(report),
        )
        .order_by("-id")
        .first()
    )


def new_token() -> str:
    """A fresh idempotency token for one rendering of a form: a double click or a resent POST
    acts once."""
    return uuid.uuid4().hex
