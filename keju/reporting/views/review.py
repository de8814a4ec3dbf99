"""Reviewer pages: the queue, a report's detail (versions, audit trail), approve, return, reject
an explanation, lock. A district reviewer reviews its district's enterprise reports, 省创新办 any
report of the zone (keju.accounts.scoping.report_q "review"); the services enforce it again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from keju.orgs.models import OrgUnit
from keju.reporting import services
from keju.reporting.forms import ApproveForm, ReasonForm, ReturnForm
from keju.reporting.models import (
    Explanation,
    ExplanationStatus,
    Report,
    ReportStatus,
    ReviewAction,
    RevisionRequest,
)
from keju.reporting.services import ReportingError, access, forms_for
from keju.reporting.views import presenters
from keju.reporting.views.common import REFUSED, period_row, previous_report, report_form_of, report_in_scope
from keju.reporting.views.reminders import reviewer_reminders

QUEUE_PAGE_SIZE = 50


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Submitted reports waiting for this reviewer, oldest first, with warnings and explanations."""
    reports = Report.objects.review_queue(request.user)
    districts = OrgUnit.objects.visible_to(request.user).filter(level="district").order_by("id")
    chosen = {k: request.GET.get(k, "").strip() for k in ("district", "form", "period", "warnings")}
    if chosen["district"]:
        reports = reports.filter(district__code=chosen["district"])
    if chosen["form"]:
        reports = reports.filter(form_code=chosen["form"])
    if chosen["period"]:
        reports = reports.filter(period=chosen["period"])
    if chosen["warnings"] == "1":
        reports = reports.filter(warning_count__gt=0)
    reports = reports.prefetch_related(
        Prefetch("explanations", queryset=Explanation.objects.order_by("version", "check_code"))
    )
    page = Paginator(reports, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        # Only the explanations of the submitted version are up for review.
        report.current_explanations = [e for e in report.explanations.all() if e.version == report.version]
        # Late is judged on the first submission, in local calendar days (as completeness does).
        first = report.first_submitted_at
        report.is_late = bool(first and report.due_on and timezone.localtime(first).date() > report.due_on)
    form_names = _form_names(request)
    context = {
        "page": page,
        "districts": districts,
        "chosen": chosen,
        "form_names": form_names,
        "reminders": reviewer_reminders(request.user),
        "querystring": "&".join(f"{k}={v}" for k, v in chosen.items() if v),
    }
    return render(request, "reporting/queue.html", context)


def _form_names(request: HttpRequest) -> dict[str, str]:
    from keju.web.summaries import current_plan

    plan = current_plan()
    if plan is None:
        return {}
    try:
        return {code: form.name for code, form in forms_for(plan).items()}
    except ReportingError:
        return {}


def detail_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    """Everything the detail page shows: values against last period, warnings and explanations,
    reviews, revisions, versions and the audit trail; the actions the user may take."""
    report_form = report_form_of(report)
    previous = previous_report(report, report_form)
    explanations = list(Explanation.objects.filter(report=report).order_by("-version", "check_code"))
    # The explanations of the latest submission (a review decision moves the version on).
    latest = presenters.submitted_version(report)
    current = [e for e in explanations if e.version == latest]
    may_review = report.status == ReportStatus.SUBMITTED and access.may_review_report(request.user, report)
    period = period_row(report)
    user = request.user
    return {
        "report": report,
        "report_form": report_form,
        "period": period,
        "previous": previous,
        "sections": presenters.value_rows(report_form, report.values, previous.values if previous else None),
        "warned_fields": {f for e in current for f in e.fields},
        "current_explanations": current,
        "earlier_explanations": [e for e in explanations if e.version != latest],
        "reviews": ReviewAction.objects.filter(report=report).order_by("-id"),
        "revisions": RevisionRequest.objects.filter(report=report).order_by("-id"),
        "versions": presenters.version_rows(report, report_form),
        "audit": presenters.audit_rows(report, report_form),
        "returned": presenters.last_return(report),
        "may_review": may_review,
        "may_edit": report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
        and access.may_fill_report(user, report)
        and bool(period and period.is_open),
        "may_revise": report.status == ReportStatus.APPROVED and access.may_fill_report(user, report),
        "may_lock": report.status == ReportStatus.APPROVED and access.may_lock_report(user, report),
        "approve_form": ApproveForm(),
        "return_form": ReturnForm(explanation_codes=[e.check_code for e in current]),
        "reason_form": ReasonForm(),
        "pending": ExplanationStatus.PENDING,
        "rejected": ExplanationStatus.REJECTED,
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_in_scope(request, pk, "view")
    return render(request, "reporting/detail.html", detail_context(request, report))


def _refuse(request: HttpRequest, report: Report, message: str, **forms: Any) -> HttpResponse:
    """Back to the detail page with the message; the reviewer's typed reason stays in its box."""
    messages.error(request, message)
    context = detail_context(request, report)
    context.update(forms)
    return render(request, "reporting/detail.html", context, status=REFUSED)


def _reviewable(request: HttpRequest, pk: int) -> Report:
    # "view" first so that a report outside the user's scope is a 404, not a hint that it exists.
    return report_in_scope(request, pk, "view")


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    report = _reviewable(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _refuse(request, report, _("审核意见过长。"), approve_form=form)
    try:
        services.approve(report, actor=request.user, note=form.cleaned_data["note"])
    except ReportingError as exc:
        return _refuse(request, report, exc.message, approve_form=form)
    messages.success(request, _("已审核通过:%(r)s %(f)s %(p)s。") % _names(report))
    return redirect(_next_in_queue(request, report))


@login_required
@require_POST
def return_report(request: HttpRequest, pk: int) -> HttpResponse:
    """退回 with a required reason; ticked explanations are rejected with the same reason."""
    report = _reviewable(request, pk)
    codes = list(
        Explanation.objects.filter(report=report, version=report.version).values_list("check_code", flat=True)
    )
    form = ReturnForm(request.POST, explanation_codes=codes)
    if not form.is_valid():
        return _refuse(request, report, _("退回未执行:") + _errors_text(form), return_form=form)
    try:
        services.return_report(
            report,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            rejected_explanations=form.cleaned_data["rejected"],
        )
    except ReportingError as exc:
        return _refuse(request, report, exc.message, return_form=form)
    messages.success(request, _("已退回:%(r)s %(f)s %(p)s,填报单位将看到退回原因。") % _names(report))
    return redirect(_next_in_queue(request, report))


@login_required
@require_POST
def reject_explanation(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Reject one explanation: the report goes back to its respondent with the reason."""
    report = _reviewable(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _refuse(request, report, _("驳回未执行:请填写驳回原因。"), reason_form=form)
    try:
        services.return_report(
            report,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            rejected_explanations=[code],
        )
    except ReportingError as exc:
        return _refuse(request, report, exc.message, reason_form=form)
    messages.success(request, _("已驳回情况说明 %(c)s,报表已退回填报单位。") % {"c": code})
    return redirect(_next_in_queue(request, report))


@login_required
@require_POST
def lock(request: HttpRequest, pk: int) -> HttpResponse:
    report = _reviewable(request, pk)
    try:
        services.lock(report, actor=request.user)
    except ReportingError as exc:
        return _refuse(request, report, exc.message)
    messages.success(request, _("报表已锁定。"))
    return redirect(reverse("reporting:detail", args=[report.pk]))


def _names(report: Report) -> dict[str, str]:
    return {"r": report.respondent_name, "f": report.form_code, "p": report.period}


def _errors_text(form: Any) -> str:
    return "".join(str(e) for errors in form.errors.values() for e in errors)


def _next_in_queue(request: HttpRequest, report: Report) -> str:
    """After a decision, back to the queue (the decided report has left it)."""
    return reverse("reporting:queue")
