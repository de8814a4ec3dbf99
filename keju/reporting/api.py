"""The direct-reporting JSON API (联网直报接口), mounted at /api/reporting/.

Token authentication (`Authorization: Bearer <token>`, tokens issued with
`keju tokens create`). Every list and object goes through the same scoping as the web
pages: an object the caller may not see is answered 404, an action the caller may not
take on an object it sees 403. Errors have one JSON shape (keju.api.error_body):
{"code", "message", "findings": [{"field", "fields", "code", "severity", "message"}]}.

Writes that a client may retry (save, submit, revision) take an `Idempotency-Key`
header: the same key from the same user returns the first result and stores nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema
from ninja.security import HttpBearer

from keju.accounts.models import Role
from keju.accounts.scoping import roles_of
from keju.accounts.tokens import user_for_token
from keju.orgs.models import Enterprise, OrgUnit
from keju.plan.forms import ReportForm
from keju.planning.models import Plan
from keju.reporting import services
from keju.reporting.models import (
    Channel,
    Explanation,
    Report,
    ReportingPeriod,
    ReportStatus,
    ReviewAction,
)
from keju.reporting.services import NotFound, ReportingError, fastpath
from keju.validation.checks import Finding


class BearerToken(HttpBearer):
    """An API token of an active user; the user becomes request.user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


router = Router(auth=BearerToken(), tags=["联网直报 reporting"])

MAX_PAGE = 500
STATUS_LABELS = dict(ReportStatus.choices)


def fast_path_enabled() -> bool:
    """The submission endpoints take the SQL hot path (services/fastpath.py) for the callers
    it handles; KEJU_REPORTING_FAST_PATH = False sends every call through the ORM path."""
    return bool(getattr(settings, "KEJU_REPORTING_FAST_PATH", True))


# --- schemas --------------------------------------------------------------------------------


class FindingOut(Schema):
    field: str | None = Field(None, description="the field where the finding is shown (first of `fields`)")
    fields: list[str]
    code: str = Field(description="the check's code, e.g. KJ101-E03")
    severity: Literal["error", "warning"]
    message: str


class ErrorOut(Schema):
    code: str = Field(description="stable machine-readable code, e.g. hard_errors, version_conflict")
    message: str = Field(description="Chinese, for the user")
    findings: list[FindingOut] = []
    current_version: int | None = Field(None, description="with version_conflict: the report's version now")


class FieldOut(Schema):
    code: str
    label: str
    unit: str | None
    type: str
    required: bool
    min: float | None
    max: float | None
    help: str
    industrial_only: bool


class CheckRuleOut(Schema):
    code: str
    severity: Literal["error", "warning"]
    name: str
    expr: str
    message: str
    fields: list[str]


class FormOut(Schema):
    code: str
    name: str
    period_type: Literal["annual", "quarterly"]
    respondent_level: Literal["enterprise", "district"]
    respondents: str
    deadline_days: int


class FormDetailOut(FormOut):
    source: str
    fields: list[FieldOut]
    checks: list[CheckRuleOut]
    thresholds: dict[str, float]


class PeriodOut(Schema):
    form_code: str
    period: str
    year: int
    starts_on: date
    ends_on: date
    due_on: date
    is_open: bool


class RespondentOut(Schema):
    kind: Literal["enterprise", "district"]
    id: int
    name: str
    credit_code: str | None = None


class DistrictOut(Schema):
    code: str
    name: str


class ExplanationOut(Schema):
    check_code: str
    fields: list[str]
    warning: str
    text: str
    status: Literal["pending", "accepted", "rejected"]
    review_reason: str


class ReviewOut(Schema):
    decision: Literal["approve", "return", "lock"]
    reason: str
    reviewer: str
    at: datetime


class ReportSummaryOut(Schema):
    id: int
    form_code: str
    period: str
    year: int
    status: str
    status_label: str
    version: int
    respondent: RespondentOut
    district: DistrictOut
    submitted_at: datetime | None
    due_on: date | None = None
    warning_count: int | None = None


class ReportOut(ReportSummaryOut):
    channel: str
    values: dict[str, Any]
    first_submitted_at: datetime | None
    reviewed_at: datetime | None
    explanations: list[ExplanationOut]
    last_review: ReviewOut | None


class ReportPage(Schema):
    count: int
    items: list[ReportSummaryOut]


class OpenIn(Schema):
    form: str = Field(description="form code, e.g. KJ101")
    period: str = Field(description="2016 (annual) or 2016Q3 (quarterly)")
    enterprise_id: int | None = Field(
        None, description="enterprise forms: the enterprise (default: the caller's own)"
    )
    district: str | None = Field(
        None, description="district forms: the district's code (default: the caller's)"
    )


class SaveIn(Schema):
    version: int = Field(description="the version the values were read from (optimistic concurrency)")
    values: dict[str, Any] = Field(
        description="field code → value in the form's unit; text as typed ('1,234', '12万') is parsed; null clears"
    )


class CheckIn(Schema):
    values: dict[str, Any] = {}


class CheckOut(Schema):
    ok: bool = Field(description="no hard errors (强制性审核)")
    errors: list[FindingOut]
    warnings: list[FindingOut] = Field(description="核实性审核: each needs an explanation to submit")


class SubmitIn(Schema):
    version: int
    values: dict[str, Any] = {}
    explanations: dict[str, str] = Field(
        {}, description="check code → explanation (情况说明) of that warning"
    )


class ApproveIn(Schema):
    note: str = ""


class ReturnIn(Schema):
    reason: str
    rejected_explanations: list[str] = Field([], description="check codes of explanations rejected")


class RevisionIn(Schema):
    reason: str
    values: dict[str, Any]
    explanations: dict[str, str] = {}


class HistoryEntryOut(Schema):
    at: datetime
    actor: str
    channel: str
    action: str
    field: str
    old_value: Any = None
    new_value: Any = None
    version: int | None
    note: str


class VersionOut(Schema):
    version: int
    status: str
    action: str
    actor: str
    channel: str
    values: dict[str, Any]
    note: str
    created_at: datetime


class HistoryOut(Schema):
    versions: list[VersionOut]
    audit: list[HistoryEntryOut]


class CompletenessOut(Schema):
    form_code: str
    period: str
    due_on: date
    is_open: bool
    district: str
    expected: int
    reported: int
    on_time: int
    approved: int
    rate: float | None
    on_time_rate: float | None


class OverdueOut(Schema):
    form_code: str
    period: str
    due_on: date
    days_overdue: int
    district: str
    respondent: str
    enterprise_id: int | None
    report_id: int | None
    status: str | None


ERRORS: dict[int | tuple[int, ...], Any] = {
    frozenset({400, 401, 403, 404, 409, 422}): ErrorOut,  # type: ignore[dict-item]
}


# --- helpers --------------------------------------------------------------------------------


def finding_out(f: Finding) -> dict[str, Any]:
    return {
        "field": f.fields[0] if f.fields else None,
        "fields": list(f.fields),
        "code": f.code,
        "severity": f.severity,
        "message": f.message,
    }


def _plans(user: Any) -> list[Plan]:
    if user.is_superuser:
        # The document is large and not needed here.
        return list(Plan.objects.defer("document").order_by("id"))
    # The roles bring their plans along (keju.accounts.scoping.roles_of).
    found = {}
    for r in roles_of(user):
        unit = r.enterprise if r.enterprise_id else r.org_unit
        if unit is not None:
            found[unit.plan_id] = unit.plan
    return [found[pk] for pk in sorted(found)]


def _plan(user: Any, code: str | None) -> Plan:
    plans = _plans(user)
    if code:
        plans = [p for p in plans if p.code == code]
        if not plans:
            raise NotFound(f"未找到规划“{code}”,或您无权访问")
    if not plans:
        raise ReportingError("您没有任何填报或审核角色", code="not_allowed")
    if len(plans) > 1:
        raise ReportingError(
            f"您在多个规划中有角色,请用 plan 参数指定:{'、'.join(p.code for p in plans)}",
            code="plan_required",
        )
    return plans[0]


def _visible(request: HttpRequest, report_id: int) -> Report:
    report = (
        Report.objects.visible_to(request.user, "view")
        .select_related("plan", "enterprise", "org_unit", "district")
        .defer("plan__document")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound()
    return report


def _locked_visible(request: HttpRequest, report_id: int, idempotency_key: str | None) -> Report:
    """The report locked for this request's transaction, if the user may see it (one query,
    with the key's idempotency record): the write service then uses the row as it is."""
    report = services.lock_visible(request.user, report_id, idempotency_key)
    if report is None:
        raise NotFound()
    return report


def _respondent(report: Report) -> dict[str, Any]:
    if report.enterprise_id:
        e = report.enterprise
        return {"kind": "enterprise", "id": e.pk, "name": e.name, "credit_code": e.credit_code}
    u = report.org_unit
    return {"kind": "district", "id": u.pk, "name": u.name, "credit_code": None}


def _summary(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "form_code": report.form_code,
        "period": report.period,
        "year": report.year,
        "status": report.status,
        "status_label": str(STATUS_LABELS.get(report.status, report.status)),
        "version": report.version,
        "respondent": _respondent(report),
        "district": {"code": report.district.code, "name": report.district.name},
        "submitted_at": report.submitted_at,
        "due_on": getattr(report, "due_on", None),
        "warning_count": getattr(report, "warning_count", None),
    }


def _detail(report: Report) -> dict[str, Any]:
    # After a write the service has brought the period's due date and the new explanations.
    if hasattr(report, "window_due_on"):
        due = report.window_due_on
    else:
        due = (
            ReportingPeriod.objects.filter(
                plan_id=report.plan_id, form_code=report.form_code, period=report.period
            )
            .values_list("due_on", flat=True)
            .first()
        )
    if hasattr(report, "current_explanations"):
        shown = list(report.current_explanations)
    else:
        # The explanations of the latest submission (one query; a report has few).
        explanations = list(Explanation.objects.filter(report=report).order_by("-version", "check_code"))
        shown = [e for e in explanations if e.version == explanations[0].version] if explanations else []
    review = (
        ReviewAction.objects.filter(report=report).order_by("-id").first() if report.reviewed_at else None
    )
    return {
        **_summary(report),
        "due_on": due,
        "channel": report.channel,
        "values": report.values,
        "first_submitted_at": report.first_submitted_at,
        "reviewed_at": report.reviewed_at,
        "explanations": [
            {
                "check_code": e.check_code,
                "fields": e.fields,
                "warning": e.warning,
                "text": e.text,
                "status": e.status,
                "review_reason": e.review_reason,
            }
            for e in shown
        ],
        "last_review": (
            {
                "decision": review.decision,
                "reason": review.reason,
                "reviewer": review.actor_name,
                "at": review.at,
            }
            if review
            else None
        ),
    }


def _fresh(result: Report, seen: Report | None = None) -> dict[str, Any]:
    """The response after a write: the service's report, with the related rows the request
    already loaded (`seen`) instead of loading them again."""
    if seen is None or seen.pk != result.pk:
        return _detail(Report.objects.select_related("enterprise", "org_unit", "district").get(pk=result.pk))
    for name in ("enterprise", "org_unit", "district"):
        if getattr(result, f"{name}_id") == getattr(seen, f"{name}_id"):
            setattr(result, name, getattr(seen, name))
    return _detail(result)


# --- forms and periods ---------------------------------------------------------------------------


def _form_out(f: ReportForm) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "period_type": f.period_type,
        "respondent_level": f.respondent_level,
        "respondents": f.respondents,
        "deadline_days": f.deadline_days,
    }


@router.get("/forms", response={200: list[FormOut], **ERRORS}, summary="报表目录")
def list_forms(request: HttpRequest, plan: str | None = None) -> Any:
    forms = services.forms_for(_plan(request.user, plan))
    return [_form_out(f) for f in forms.values()]


@router.get("/forms/{code}", response={200: FormDetailOut, **ERRORS}, summary="报表定义:字段、单位、审核规则")
def get_form(request: HttpRequest, code: str, plan: str | None = None) -> Any:
    forms = services.forms_for(_plan(request.user, plan))
    f = forms.get(code)
    if f is None:
        raise NotFound(f"未知的报表“{code}”")
    return {
        **_form_out(f),
        "source": f.source,
        "fields": [x.model_dump() for x in f.fields],
        "checks": [
            {
                "code": c.code,
                "severity": c.severity,
                "name": c.name,
                "expr": c.expr,
                "message": c.message,
                "fields": c.fields or c.each,
            }
            for c in f.checks
        ],
        "thresholds": dict(f.thresholds),
    }


@router.get("/periods", response={200: list[PeriodOut], **ERRORS}, summary="填报期与截止日期")
def list_periods(
    request: HttpRequest, form: str | None = None, open: bool | None = None, plan: str | None = None
) -> Any:
    rows = ReportingPeriod.objects.filter(plan=_plan(request.user, plan))
    if form:
        rows = rows.filter(form_code=form)
    if open is not None:
        rows = rows.filter(is_open=open)
    return list(rows.order_by("form_code", "starts_on"))


# --- reports -----------------------------------------------------------------------------------


class ReportFilter(Schema):
    form: str | None = None
    period: str | None = None
    status: str | None = None
    limit: int = Field(100, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)


@router.get("/reports", response={200: ReportPage, **ERRORS}, summary="我的报表(按权限)")
def list_reports(request: HttpRequest, filters: Query[ReportFilter]) -> Any:
    qs = Report.objects.visible_to(request.user, "view").select_related("enterprise", "org_unit", "district")
    if filters.form:
        qs = qs.filter(form_code=filters.form)
    if filters.period:
        qs = qs.filter(period=filters.period)
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = qs.order_by("-year", "form_code", "period", "id")
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "items": [_summary(r) for r in items]}


def _own(user: Any, role: str) -> list[Any]:
    return [r for r in roles_of(user) if r.role == role]


def _open(user: Any, body: OpenIn) -> Report:
    """The respondent's report for body.form and body.period (see open_report)."""
    enterprise = org_unit = None
    if body.enterprise_id is not None:
        enterprise = (
            Enterprise.objects.visible_to(user, "view")
            .select_related("plan")
            .defer("plan__document")
            .filter(pk=body.enterprise_id)
            .first()
        )
        if enterprise is None:
            raise NotFound("未找到该企业,或您无权为其填报")
        plan = enterprise.plan
    elif body.district is not None:
        org_unit = (
            OrgUnit.objects.visible_to(user, "view")
            .select_related("plan")
            .defer("plan__document")
            .filter(code=body.district, level="district")
            .first()
        )
        if org_unit is None:
            raise NotFound(f"未找到区“{body.district}”,或您无权为其填报")
        plan = org_unit.plan
    else:
        plan = _plan(user, None)
        form = services.form_for(plan, body.form)
        reporters = _own(user, Role.ENTERPRISE_REPORTER)
        reviewers = _own(user, Role.DISTRICT_REVIEWER)
        if form.respondent_level == "enterprise" and len(reporters) == 1:
            enterprise = reporters[0].enterprise
        elif form.respondent_level == "district" and len(reviewers) == 1:
            org_unit = reviewers[0].org_unit
        else:
            raise ReportingError("请指定填报对象(enterprise_id 或 district)", code="respondent_required")
    return services.open_report(
        actor=user,
        plan=plan,
        form_code=body.form,
        period=body.period,
        enterprise=enterprise,
        org_unit=org_unit,
        channel=Channel.API,
    )


@router.post("/reports", response={200: ReportOut, **ERRORS}, summary="打开(或新建草稿)某期报表")
def open_report(request: HttpRequest, body: OpenIn) -> Any:
    """The respondent's report for the form and period. Without enterprise_id / district, a
    reporter's own enterprise or a reviewer's own district is meant."""
    fast = _fast_detail(
        lambda: fastpath.open_report(
            request.user,
            form_code=body.form,
            period=body.period,
            enterprise_id=body.enterprise_id,
            district=body.district,
        )
    )
    if fast is not None:
        return fast
    report = _open(request.user, body)
    return _fresh(report, report)


class SubmissionIn(OpenIn):
    version: int | None = Field(
        None,
        description="the version the values were read from; omit only when submitting without a prior read",
    )
    values: dict[str, Any] = {}
    explanations: dict[str, str] = {}


@router.post("/submissions", response={200: ReportOut, **ERRORS}, summary="一次调用上报(系统对接)")
def submit_in_one_call(
    request: HttpRequest,
    body: SubmissionIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    """Open the form and period's report and submit `values` in one call — for systems that
    push their figures (an enterprise's ERP, a district's statistics system). Same checks,
    refusals, idempotency and audit as open + submit."""
    fast = _fast_detail(
        lambda: fastpath.submit_in_one_call(
            request.user,
            form_code=body.form,
            period=body.period,
            enterprise_id=body.enterprise_id,
            district=body.district,
            values=body.values,
            explanations=body.explanations,
            version=body.version,
            key=idempotency_key,
        )
    )
    if fast is not None:
        return fast

    # One transaction: a refused submission does not leave a new empty draft behind.
    def call() -> tuple[Report, Report]:
        report = _open(request.user, body)
        values = services.parse_values(services.report_form(report), body.values)
        submitted = services.submit(
            report,
            actor=request.user,
            values=values,
            explanations=body.explanations,
            channel=Channel.API,
            expected_version=body.version,
            idempotency_key=idempotency_key,
        )
        return report, submitted

    report, submitted = services.in_one_transaction(call)
    return _fresh(submitted, report)


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS}, summary="报表详情")
def get_report(request: HttpRequest, report_id: int) -> Any:
    return _detail(_visible(request, report_id))


def _fast_detail(fast: Callable[[], Report]) -> dict[str, Any] | None:
    """The response of the SQL hot path, or None when it is off or does not handle the caller
    (services/fastpath.py raises NotHandled before writing anything; the ORM path answers)."""
    if not fast_path_enabled():
        return None
    try:
        return _detail(fast())
    except fastpath.NotHandled:
        return None


def _write(
    request: HttpRequest,
    report_id: int,
    idempotency_key: str | None,
    raw_values: dict[str, Any],
    fast: Callable[[], Report],
    write: Callable[[Report, dict[str, Any]], Report],
) -> Any:
    """Save or submit a report: `fast()` (the SQL hot path) when it handles the caller, else
    in one transaction the report locked with its visibility check, the values parsed and
    `write(report, values)`. The response shows the result."""
    done = _fast_detail(fast)
    if done is not None:
        return done

    def call() -> tuple[Report, Report]:
        report = _locked_visible(request, report_id, idempotency_key)
        values = services.parse_values(services.report_form(report), raw_values)
        return report, write(report, values)

    report, written = services.in_one_transaction(call)
    return _fresh(written, report)


@router.put("/reports/{report_id}", response={200: ReportOut, **ERRORS}, summary="暂存草稿")
def save_report(
    request: HttpRequest,
    report_id: int,
    body: SaveIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    return _write(
        request,
        report_id,
        idempotency_key,
        body.values,
        lambda: fastpath.save_report(
            request.user,
            report_id,
            values=body.values,
            version=body.version,
            key=idempotency_key,
        ),
        lambda report, values: services.save_draft(
            report,
            actor=request.user,
            values=values,
            channel=Channel.API,
            expected_version=body.version,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/reports/{report_id}/check", response={200: CheckOut, **ERRORS}, summary="审核试算(不保存)")
def check_report(request: HttpRequest, report_id: int, body: CheckIn) -> Any:
    report = _visible(request, report_id)
    values = services.parse_values(services.report_form(report), body.values)
    outcome = services.check(report, values)
    return {
        "ok": outcome.ok,
        "errors": [finding_out(f) for f in outcome.errors],
        "warnings": [finding_out(f) for f in outcome.warnings],
    }


@router.post("/reports/{report_id}/submit", response={200: ReportOut, **ERRORS}, summary="上报")
def submit_report(
    request: HttpRequest,
    report_id: int,
    body: SubmitIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    return _write(
        request,
        report_id,
        idempotency_key,
        body.values,
        lambda: fastpath.submit_report(
            request.user,
            report_id,
            values=body.values,
            explanations=body.explanations,
            version=body.version,
            key=idempotency_key,
        ),
        lambda report, values: services.submit(
            report,
            actor=request.user,
            values=values,
            explanations=body.explanations,
            channel=Channel.API,
            expected_version=body.version,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/reports/{report_id}/approve", response={200: ReportOut, **ERRORS}, summary="审核通过")
def approve_report(request: HttpRequest, report_id: int, body: ApproveIn) -> Any:
    report = _visible(request, report_id)
    return _fresh(services.approve(report, actor=request.user, note=body.note, channel=Channel.API), report)


@router.post("/reports/{report_id}/return", response={200: ReportOut, **ERRORS}, summary="退回(须说明原因)")
def return_report(request: HttpRequest, report_id: int, body: ReturnIn) -> Any:
    report = _visible(request, report_id)
    returned = services.return_report(
        report,
        actor=request.user,
        reason=body.reason,
        rejected_explanations=body.rejected_explanations,
        channel=Channel.API,
    )
    return _fresh(returned, report)


@router.post("/reports/{report_id}/lock", response={200: ReportOut, **ERRORS}, summary="锁定")
def lock_report(request: HttpRequest, report_id: int) -> Any:
    report = _visible(request, report_id)
    return _fresh(services.lock(report, actor=request.user, channel=Channel.API), report)


@router.post(
    "/reports/{report_id}/revision", response={200: ReportOut, **ERRORS}, summary="修订申请(审核通过后)"
)
def revise_report(
    request: HttpRequest,
    report_id: int,
    body: RevisionIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    report = _visible(request, report_id)
    values = services.parse_values(services.report_form(report), body.values)
    revised = services.request_revision(
        report,
        actor=request.user,
        reason=body.reason,
        values=values,
        explanations=body.explanations,
        channel=Channel.API,
        idempotency_key=idempotency_key,
    )
    return _fresh(revised, report)


@router.get("/reports/{report_id}/history", response={200: HistoryOut, **ERRORS}, summary="版本与审计记录")
def report_history(request: HttpRequest, report_id: int) -> Any:
    report = _visible(request, report_id)
    return {
        "versions": [
            {
                "version": v.version,
                "status": v.status,
                "action": v.action,
                "actor": v.actor_name,
                "channel": v.channel,
                "values": v.values,
                "note": v.note,
                "created_at": v.created_at,
            }
            for v in report.versions.order_by("version")
        ],
        "audit": [
            {
                "at": a.at,
                "actor": a.actor_name,
                "channel": a.channel,
                "action": a.action,
                "field": a.field,
                "old_value": a.old_value,
                "new_value": a.new_value,
                "version": a.version,
                "note": a.note,
            }
            for a in report.audit.order_by("id")
        ],
    }


# --- review and monitoring of the reporting itself -----------------------------------------------


@router.get("/review-queue", response={200: list[ReportSummaryOut], **ERRORS}, summary="待审核报表")
def review_queue(
    request: HttpRequest, form: str | None = None, limit: int = Query(200, ge=1, le=MAX_PAGE)
) -> Any:
    qs = Report.objects.review_queue(request.user)
    if form:
        qs = qs.filter(form_code=form)
    return [_summary(r) for r in qs[:limit]]


@router.get("/completeness", response={200: list[CompletenessOut], **ERRORS}, summary="报送率与及时率")
def completeness(
    request: HttpRequest, form: str | None = None, period: str | None = None, plan: str | None = None
) -> Any:
    rows = services.completeness(_plan(request.user, plan), form_code=form, period=period, user=request.user)
    return [{**r.__dict__, "rate": r.rate, "on_time_rate": r.on_time_rate} for r in rows]


@router.get("/overdue", response={200: list[OverdueOut], **ERRORS}, summary="逾期未报")
def overdue(request: HttpRequest, form: str | None = None, plan: str | None = None) -> Any:
    rows = services.overdue_respondents(_plan(request.user, plan), user=request.user, form_code=form)
    return [r.__dict__ for r in rows]
