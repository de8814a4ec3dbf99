"""The fill page of one report: save draft, copy last period, submit; the read-only view; 修订.

Nothing the user typed is lost: on any refusal (a value that cannot be read, a hard error,
a missing explanation, someone else's concurrent change) the page comes back with the
user's input as typed and the reason next to the field. Explanations typed for warnings
are kept in the session until the report is submitted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from keju.plan.forms import ReportForm
from keju.reporting import services
from keju.reporting.forms import EXPLAIN_PREFIX, ReasonForm, ReportValuesForm, fill_empty, initial_for
from keju.reporting.models import EDITABLE_STATUSES, Channel, Report, ReportStatus
from keju.reporting.services import ReportingError, VersionConflict, access
from keju.reporting.views import presenters
from keju.reporting.views.common import (
    REFUSED,
    new_token,
    period_row,
    previous_report,
    report_form_of,
    report_in_scope,
)

SESSION_KEY = "reporting-explanations-{pk}"
ACTIONS = ("save", "submit", "copy")


# --- explanations typed but not yet submitted --------------------------------------------------


def _drafts(request: HttpRequest, report: Report) -> dict[str, str]:
    return dict(request.session.get(SESSION_KEY.format(pk=report.pk), {}))


def _keep_drafts(request: HttpRequest, report: Report, typed: dict[str, str]) -> None:
    if not typed:
        return
    drafts = _drafts(request, report)
    drafts.update(typed)
    request.session[SESSION_KEY.format(pk=report.pk)] = drafts


def _forget_drafts(request: HttpRequest, report: Report) -> None:
    request.session.pop(SESSION_KEY.format(pk=report.pk), None)


def _posted_warning_codes(data: QueryDict) -> list[str]:
    return [k[len(EXPLAIN_PREFIX) :] for k in data if k.startswith(EXPLAIN_PREFIX)]


def _token_key(data: QueryDict, action: str) -> str | None:
    token = (data.get("token") or "").strip()
    return f"web:{token[:64]}:{action}" if token else None


# --- rendering -------------------------------------------------------------------------------------


def _editable_by(request: HttpRequest, report: Report) -> bool:
    """Draft or returned, the user may fill it, and its period is still open."""
    if report.status not in EDITABLE_STATUSES or not access.may_fill_report(request.user, report):
        return False
    period = period_row(report)
    return period is not None and period.is_open


def _outcome(report: Report, values: dict[str, Any] | None = None) -> Any:
    """A dry run of the edit checks (None when there is nothing to check or it cannot run)."""
    if values is None and not report.values:
        return None
    try:
        return services.check(report, values)
    except ReportingError:
        return None


def _render_fill(
    request: HttpRequest,
    report: Report,
    report_form: ReportForm,
    *,
    data: QueryDict | dict[str, Any] | None = None,
    findings: presenters.FillFindings | None = None,
    parse_errors: dict[str, list[str]] | None = None,
    conflict: list[presenters.ConflictRow] | None = None,
    mode: str = "fill",
    reason_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    findings = findings or presenters.FillFindings()
    prior = presenters.latest_explanations(report)
    warning_codes = [w.code for w in findings.warnings]
    known = presenters.explanation_initial(findings.warnings, prior, _drafts(request, report))
    if data is None:
        initial = initial_for(report_form, report.values, report.version)
        initial.update(known)
        form = ReportValuesForm(report_form, initial=initial, warning_codes=warning_codes)
        copied: list[str] = []
    else:
        # A warning that was not on the posted page still gets the explanation known for it.
        data = data.copy()
        for name, text in known.items():
            if not (data.get(name) or "").strip():
                data[name] = text
        form = ReportValuesForm(report_form, data=data, warning_codes=warning_codes)
        copied = form.copied_codes()
    previous = previous_report(report, report_form)
    context = {
        "report": report,
        "report_form": report_form,
        "form": form,
        "mode": mode,
        "reason_form": reason_form,
        "sections": presenters.fill_sections(
            report_form,
            form,
            findings,
            parse_errors=parse_errors or {},
            copied=copied,
            previous_values=previous.values if previous else None,
        ),
        "previous": previous,
        "findings": findings,
        "unplaced_errors": findings.unplaced_errors(f.code for f in report_form.fields),
        "warnings": presenters.warning_items(form, findings, prior),
        "parse_error_count": sum(len(v) for v in (parse_errors or {}).values()),
        "conflict": conflict,
        "returned": presenters.last_return(report),
        "period": period_row(report),
        "token": new_token(),
    }
    return render(request, "reporting/fill.html", context, status=status)


def _render_detail(request: HttpRequest, report: Report) -> HttpResponse:
    from keju.reporting.views.review import detail_context

    return render(request, "reporting/detail.html", detail_context(request, report))


# --- the page --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the fill page while the user may edit the report, else its read-only view.
    POST: save (暂存), copy (复制上期) or submit (上报)."""
    report = report_in_scope(request, pk, "view")
    report_form = report_form_of(report)
    if request.method == "GET":
        if not _editable_by(request, report):
            return _render_detail(request, report)
        return _render_fill(request, report, report_form, findings=presenters.findings_of(_outcome(report)))
    if not access.may_fill_report(request.user, report):
        messages.error(request, _("您无权修改该报表。"))
        return _render_detail(request, report)
    action = request.POST.get("action", "")
    if action == "copy":
        return _copy_last(request, report, report_form)
    if action == "save":
        return _save(request, report, report_form)
    if action == "submit":
        return _submit(request, report, report_form)
    messages.error(request, _("未知的操作。"))
    return _render_fill(request, report, report_form, data=request.POST, status=400)


def _parsed(
    report_form: ReportForm, data: QueryDict
) -> tuple[ReportValuesForm, dict[str, Any], dict[str, list[str]], int | None]:
    form = ReportValuesForm(report_form, data=data, warning_codes=_posted_warning_codes(data))
    form.is_valid()
    version = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
    return form, form.values(), form.field_errors(), version


def _with_version(data: QueryDict, version: int) -> QueryDict:
    fresh = data.copy()
    fresh["version"] = str(version)
    return fresh


def _missing_version(request: HttpRequest, report: Report, report_form: ReportForm) -> HttpResponse:
    messages.error(request, _("页面缺少报表版本号,无法判断是否有他人同时修改;请刷新页面后重新填写。"))
    return _render_fill(request, report, report_form, data=request.POST, status=400)


def _conflict(
    request: HttpRequest,
    exc: VersionConflict,
    report: Report,
    report_form: ReportForm,
    values: dict[str, Any],
) -> HttpResponse:
    """Someone changed the report meanwhile: show both, keep the user's input, and let the next
    click knowingly replace the current version (the hidden version moves to it)."""
    current = Report.objects.get(pk=report.pk)
    messages.warning(
        request,
        _(
            "在您填写期间,该报表已被修改(当前为第%(v)d版)。您的输入已保留在下方,未保存;"
            "请对照下表核对,确认后再次点击暂存或上报即以您的数据为准。"
        )
        % {"v": exc.current_version},
    )
    return _render_fill(
        request,
        current,
        report_form,
        data=_with_version(request.POST, exc.current_version),
        conflict=presenters.conflict_rows(report_form, values, current.values),
        status=REFUSED,
    )


def _refused(
    request: HttpRequest, exc: ReportingError, report: Report, report_form: ReportForm, values: dict[str, Any]
) -> HttpResponse:
    messages.error(request, exc.message)
    fresh = Report.objects.get(pk=report.pk)
    return _render_fill(
        request,
        fresh,
        report_form,
        data=request.POST,
        findings=_refusal_findings(exc, report, values),
        status=REFUSED,
    )


def _refusal_findings(exc: ReportingError, report: Report, values: dict[str, Any]) -> presenters.FillFindings:
    """What to show after a refused submission: for check failures the whole picture from a dry
    run (also the warnings already explained), else the refusal's own findings."""
    if exc.code in ("hard_errors", "unexplained_warnings"):
        dry = presenters.findings_of(_outcome(report, values))
        if dry.errors or dry.warnings:
            return dry
    return presenters.findings_from_list(exc.findings)


def _copy_last(request: HttpRequest, report: Report, report_form: ReportForm) -> HttpResponse:
    """Prefill the empty fields from the previous period (nothing is saved yet)."""
    if not _editable_by(request, report):
        messages.error(request, _("报表状态为“%(s)s”,不能修改。") % {"s": report.get_status_display()})
        return _render_detail(request, report)
    previous = previous_report(report, report_form)
    if previous is None:
        messages.warning(request, _("没有找到上期已上报的数据,无法复制。"))
        return _render_fill(request, report, report_form, data=request.POST)
    data, copied = fill_empty(report_form, request.POST.dict(), previous.values)
    if copied:
        messages.success(
            request,
            _("已从上期(%(p)s)复制%(n)d项数据到空白栏目(已填写的栏目未改动)。请逐项核对,然后暂存或上报。")
            % {"p": previous.period, "n": len(copied)},
        )
    else:
        messages.info(request, _("空白栏目在上期也没有数据,未复制任何内容。"))
    return _render_fill(request, report, report_form, data=data)


def _save(request: HttpRequest, report: Report, report_form: ReportForm) -> HttpResponse:
    """暂存: edit checks never block it; values that cannot be read are kept on the page, not saved."""
    form, values, parse_errors, version = _parsed(report_form, request.POST)
    if version is None:
        return _missing_version(request, report, report_form)
    _keep_drafts(request, report, form.explanations())
    try:
        saved = services.save_draft(
            report,
            actor=request.user,
            values=values,
            channel=Channel.WEB,
            expected_version=version,
            idempotency_key=_token_key(request.POST, "save"),
        )
    except VersionConflict as exc:
        return _conflict(request, exc, report, report_form, values)
    except ReportingError as exc:
        return _refused(request, exc, report, report_form, values)
    if parse_errors:
        messages.warning(
            request,
            _("已暂存可识别的数据;有%(n)d项无法识别,未保存,请按提示更正。")
            % {"n": sum(len(v) for v in parse_errors.values())},
        )
        return _render_fill(
            request,
            saved,
            report_form,
            data=_with_version(request.POST, saved.version),
            findings=presenters.findings_of(_outcome(saved)),
            parse_errors=parse_errors,
            status=REFUSED,
        )
    messages.success(
        request, _("已暂存(第%(v)d版)。暂存不做强制审核,上报前请处理下方的审核提示。") % {"v": saved.version}
    )
    return redirect(reverse("reporting:report", args=[saved.pk]))


def _submit(request: HttpRequest, report: Report, report_form: ReportForm) -> HttpResponse:
    form, values, parse_errors, version = _parsed(report_form, request.POST)
    if version is None:
        return _missing_version(request, report, report_form)
    explanations = form.explanations()
    _keep_drafts(request, report, explanations)
    if parse_errors:
        messages.error(
            request,
            _("有%(n)d项数值无法识别,未上报,也未保存;请按提示更正。")
            % {"n": sum(len(v) for v in parse_errors.values())},
        )
        return _render_fill(
            request,
            report,
            report_form,
            data=request.POST,
            findings=presenters.findings_of(_outcome(report, values)),
            parse_errors=parse_errors,
            status=REFUSED,
        )
    try:
        submitted = services.submit(
            report,
            actor=request.user,
            values=values,
            explanations=explanations,
            channel=Channel.WEB,
            expected_version=version,
            idempotency_key=_token_key(request.POST, "submit"),
        )
    except VersionConflict as exc:
        return _conflict(request, exc, report, report_form, values)
    except ReportingError as exc:
        return _refused(request, exc, report, report_form, values)
    _forget_drafts(request, report)
    if submitted.status == ReportStatus.SUBMITTED:
        messages.success(request, _("已上报,等待管委会审核。"))
    return redirect(reverse("reporting:report", args=[submitted.pk]))


# --- 修订 (revision of an approved report) ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    """The 修订 request form: new figures and a required reason, back through review."""
    report = report_in_scope(request, pk, "view")
    report_form = report_form_of(report)
    if report.status != ReportStatus.APPROVED or not access.may_fill_report(request.user, report):
        messages.error(request, _("只有审核通过的报表才能申请修订,且只能由填报单位申请。"))
        return redirect(reverse("reporting:detail", args=[report.pk]))
    if request.method == "GET":
        return _render_fill(request, report, report_form, mode="revise", reason_form=ReasonForm())
    if request.method != "POST":  # pragma: no cover - require_http_methods guards it
        return HttpResponseNotAllowed(["GET", "POST"])
    form, values, parse_errors, version = _parsed(report_form, request.POST)
    reason_form = ReasonForm(request.POST)
    explanations = form.explanations()
    _keep_drafts(request, report, explanations)
    problems = []
    if parse_errors:
        problems.append(_("有%(n)d项数值无法识别。") % {"n": sum(len(v) for v in parse_errors.values())})
    if not reason_form.is_valid():
        problems.append(_("请填写修订原因。"))
    if version is not None and version != report.version:
        problems.append(
            _("报表已被他人修改(您看到的是第%(mine)d版,当前为第%(now)d版),请核对后重新提交。")
            % {"mine": version, "now": report.version}
        )
    if problems:
        messages.error(request, _("修订申请未提交:") + "".join(problems))
        return _render_fill(
            request,
            report,
            report_form,
            data=_with_version(request.POST, report.version),
            findings=presenters.findings_of(_outcome(report, values)) if not parse_errors else None,
            parse_errors=parse_errors,
            mode="revise",
            reason_form=reason_form,
            status=REFUSED,
        )
    try:
        revised = services.request_revision(
            report,
            actor=request.user,
            reason=reason_form.cleaned_data["reason"],
            values=values,
            explanations=explanations,
            channel=Channel.WEB,
            idempotency_key=_token_key(request.POST, "revise"),
        )
    except ReportingError as exc:
        messages.error(request, exc.message)
        return _render_fill(
            request,
            Report.objects.get(pk=report.pk),
            report_form,
            data=request.POST,
            findings=_refusal_findings(exc, report, values),
            mode="revise",
            reason_form=reason_form,
            status=REFUSED,
        )
    _forget_drafts(request, report)
    messages.success(
        request,
        _("修订申请已提交(第%(v)d版),等待管委会审核;原审核通过的版本已保留。") % {"v": revised.version},
    )
    return redirect(reverse("reporting:detail", args=[revised.pk]))
