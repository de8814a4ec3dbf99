"""The Excel channel: which templates a user may download, building them, and importing uploads.

Uploads go through the reporting services (contract B) with channel "excel", so the
workflow's rules, audit and idempotency apply exactly as for the web and the API.
The whole upload is one transaction unless the user asks to keep the valid rows.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _

from keju.accounts.models import Role
from keju.accounts.scoping import roles_of
from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
from keju.plan.forms import ReportForm
from keju.planning.models import Plan
from keju.reporting import services as reporting
from keju.reporting.excel import layout
from keju.reporting.excel.layout import Scope, Stamp
from keju.reporting.excel.reader import CellError, SheetRow, open_workbook, read_stamp, read_workbook
from keju.reporting.excel.safety import ExcelFileError, inspect_package
from keju.reporting.excel.template import Respondent, TemplateContent, build_workbook, error_report_workbook
from keju.reporting.models import Channel, Report, ReportingPeriod
from keju.reporting.services.bulk import BulkSubmission
from keju.reporting.services.forms import forms_for, period_bounds
from keju.validation.checks import check_many

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- who may fill what --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One template a user may download and upload for a form: a respondent or a district's list."""

    scope: Scope
    code: str  # credit code (enterprise), or the district's org code (district / bulk)
    name: str
    enterprise_id: int | None = None
    district_id: int | None = None

    @property
    def label(self) -> str:
        if self.scope == "bulk":
            return _("%(name)s(本区企业批量填报)") % {"name": self.name}
        return self.name


def _is_superuser(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def targets_for(user: Any, plan: Plan, form: ReportForm) -> list[Target]:
    """The templates `user` may use for `form`: its own enterprise (企业填报员); its district's
    own form or its district's enterprises in bulk (管委会审核员); any district (省创新办).
    Working groups and evaluators fill nothing."""
    districts: dict[int, OrgUnit] = {}
    enterprises: dict[int, Enterprise] = {}
    zone_wide = _is_superuser(user)
    for r in roles_of(user):
        if (
            r.role == Role.ENTERPRISE_REPORTER
            and r.enterprise is not None
            and r.enterprise.plan_id == plan.pk
        ):
            enterprises[r.enterprise_id] = r.enterprise
        elif r.role == Role.DISTRICT_REVIEWER and r.org_unit is not None and r.org_unit.plan_id == plan.pk:
            districts[r.org_unit_id] = r.org_unit
        elif r.role == Role.OFFICE_STAFF and r.org_unit is not None and r.org_unit.plan_id == plan.pk:
            zone_wide = True
    if zone_wide:
        districts = {d.pk: d for d in OrgUnit.objects.filter(plan=plan).districts().order_by("id")}
    targets: list[Target] = []
    if form.respondent_level == "enterprise":
        targets += [
            Target("enterprise", e.credit_code, e.name, enterprise_id=e.pk) for e in enterprises.values()
        ]
        targets += [Target("bulk", d.code, d.name, district_id=d.pk) for d in districts.values()]
    else:
        targets += [Target("district", d.code, d.name, district_id=d.pk) for d in districts.values()]
    return targets


def find_target(user: Any, plan: Plan, form: ReportForm, scope: str, code: str) -> Target | None:
    for target in targets_for(user, plan, form):
        if target.scope == scope and target.code == code:
            return target
    return None


def open_periods(plan: Plan, form_code: str) -> list[str]:
    """The form's periods that are open for reporting, latest first."""
    return list(
        ReportingPeriod.objects.filter(plan=plan, form_code=form_code, is_open=True)
        .order_by("-starts_on")
        .values_list("period", flat=True)
    )


def _period_row(plan: Plan, form: ReportForm, period: str) -> ReportingPeriod:
    """The period, if it is open; ExcelFileError with a Chinese message otherwise."""
    try:
        period_bounds(form, period)
    except reporting.ReportingError as exc:
        raise ExcelFileError(exc.message, code="invalid_period") from None
    row = ReportingPeriod.objects.filter(plan=plan, form_code=form.code, period=period).first()
    if row is None:
        raise ExcelFileError(
            _("%(form)s %(period)s 尚未开放填报") % {"form": form.code, "period": period},
            code="period_closed",
        )
    if not row.is_open:
        raise ExcelFileError(
            _("%(form)s %(period)s 的填报期已关闭,不能再上报;如需补报或修改,请联系省创新办")
            % {"form": form.code, "period": period},
            code="period_closed",
        )
    return row


# --- templates ------------------------------------------------------------------------------


def _reference_period(form: ReportForm, period: str) -> str:
    """The period a template shows for reference: last year, or the previous quarter
    (for the first quarter, the first quarter of last year, as YTD figures restart)."""
    year = int(period[:4])
    if form.period_type == "annual":
        return str(year - 1)
    quarter = int(period[5])
    return f"{year - 1}Q1" if quarter == 1 else f"{year}Q{quarter - 1}"


def placement_districts(
    enterprise_ids: Sequence[int] | None, starts_on: Any, ends_on: Any, *, district_id: int | None = None
) -> dict[int, int]:
    """Enterprise id → the district it sat in during the period: its last placement overlapping
    the period (the rule open_report applies), in two queries however many enterprises."""
    overlapping = EnterprisePlacement.objects.filter(valid_from__lte=ends_on).exclude(valid_to__lte=starts_on)
    if enterprise_ids is None:
        assert district_id is not None
        enterprise_ids = list(
            overlapping.filter(district_id=district_id).values_list("enterprise_id", flat=True)
        )
    rows = overlapping.filter(enterprise_id__in=list(enterprise_ids)).order_by("enterprise_id", "valid_from")
    # Ordered by valid_from, so the last assignment per enterprise wins.
    return dict(rows.values_list("enterprise_id", "district_id"))


def bulk_respondents(plan: Plan, form: ReportForm, district_id: int, period: str) -> list[Enterprise]:
    """The enterprises of the district expected to report `form` for `period` (the workflow's
    expected respondents: placed there at the period's end, open, above scale if the form
    asks only those), by credit code."""
    expected = reporting.expected_respondents(plan, form.code, period)
    ids = expected.filter(expected["district_id"] == district_id)["enterprise_id"].to_list()
    return list(Enterprise.objects.filter(pk__in=ids).order_by("credit_code"))


def _previous_values(
    plan: Plan,
    form: ReportForm,
    period: str,
    *,
    enterprise_ids: Sequence[int] = (),
    org_unit_id: int | None = None,
) -> dict[int, dict[str, Any]]:
    ref = _reference_period(form, period)
    qs = Report.objects.filter(plan=plan, form_code=form.code, period=ref)
    if org_unit_id is not None:
        values = qs.filter(org_unit_id=org_unit_id).values_list("values", flat=True).first()
        return {} if values is None else {org_unit_id: values}
    return dict(qs.filter(enterprise_id__in=list(enterprise_ids)).values_list("enterprise_id", "values"))


def template_stamp(plan: Plan, form: ReportForm, period: str, target: Target) -> Stamp:
    return Stamp(
        plan=plan.code,
        form=form.code,
        form_hash=layout.form_hash(form),
        period=period,
        scope=target.scope,
        respondent=target.code,
        fields=tuple(f.code for f in form.fields),
    )


def template_title(form: ReportForm, period: str, target: Target) -> str:
    return f"{form.code} {form.name} · {layout.period_label(period)} · {target.name}"


def template_filename(form: ReportForm, period: str, target: Target, suffix: str = "") -> str:
    return f"{form.code}-{period}-{target.code}{suffix}.xlsx"


def build_template(
    user: Any, plan: Plan, form_code: str, period: str, scope: str, code: str
) -> tuple[str, bytes]:
    """(file name, .xlsx bytes) of the template for a target the user may fill.

    Raises ExcelFileError with a Chinese message for an unknown form, a period that is not
    open, or a target outside the user's scope (another district's enterprises, say)."""
    form = forms_for(plan).get(form_code)
    if form is None:
        raise ExcelFileError(_("未知的报表“%(form)s”") % {"form": form_code}, code="unknown_form")
    target = find_target(user, plan, form, scope, code)
    if target is None:
        raise ExcelFileError(_("您无权下载该填报模板"), code="not_allowed")
    _period_row(plan, form, period)
    ref = _reference_period(form, period)
    previous: dict[str, Mapping[str, Any]] = {}
    if target.scope == "bulk":
        assert target.district_id is not None
        enterprises = bulk_respondents(plan, form, target.district_id, period)
        respondents = [Respondent(e.credit_code, e.name) for e in enterprises]
        by_id = _previous_values(plan, form, period, enterprise_ids=[e.pk for e in enterprises])
        previous = {e.credit_code: by_id[e.pk] for e in enterprises if e.pk in by_id}
    elif target.scope == "enterprise":
        assert target.enterprise_id is not None
        respondents = [Respondent(target.code, target.name)]
        by_id = _previous_values(plan, form, period, enterprise_ids=[target.enterprise_id])
        previous = {target.code: by_id[target.enterprise_id]} if target.enterprise_id in by_id else {}
    else:
        respondents = [Respondent(target.code, target.name)]
        by_id = _previous_values(plan, form, period, org_unit_id=target.district_id)
        previous = {target.code: by_id[target.district_id]} if target.district_id in by_id else {}
    content = TemplateContent(
        form=form,
        stamp=template_stamp(plan, form, period, target),
        title=template_title(form, period, target),
        respondents=respondents,
        previous=previous,
        previous_label=_("上期数值(%(period)s)") % {"period": layout.period_label(ref)},
    )
    return template_filename(form, period, target), build_workbook(content)


# --- import -----------------------------------------------------------------------------------

RowStatus = Literal["submitted", "draft", "error", "skipped"]


@dataclass
class RowOutcome:
    respondent: str
    name: str
    row: int
    status: RowStatus
    report_id: int | None = None
    messages: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an upload did. `stored` is False when nothing at all was written."""

    filename: str
    sha256: str
    form_code: str = ""
    form_name: str = ""
    period: str = ""
    scope: str = ""
    target_name: str = ""
    file_error: str = ""
    file_error_code: str = ""
    errors: list[CellError] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)
    accept_valid: bool = False
    stored: bool = False
    correction_workbook: bytes | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # time per phase, for benchmarks

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def submitted(self) -> int:
        return self.count("submitted")

    @property
    def drafts(self) -> int:
        return self.count("draft")

    @property
    def rejected(self) -> int:
        return self.count("error")

    def error_rows(self) -> list[tuple[str, str, str, str]]:
        if self.file_error:
            return [("", "", "", self.file_error)]
        return [e.as_row() for e in self.errors]

    def error_workbook(self) -> bytes:
        title = _("上传错误报告:%(file)s") % {"file": self.filename}
        return error_report_workbook(self.error_rows(), title)


def import_workbook(
    user: Any,
    plan: Plan,
    data: bytes,
    *,
    filename: str = "",
    accept_valid: bool = False,
    expected_form: str = "",
    expected_period: str = "",
) -> ImportResult:
    """Check an uploaded template and store its reports through the reporting services.

    All rows or none, unless `accept_valid`: then rows without errors are stored and the
    others come back (``correction_workbook``) with their errors for correction. A row with
    warnings (核实性审核) and an explanation is submitted with it; without one it is kept
    as a draft and the result says so. Re-uploading the same file changes nothing.
    `expected_form` / `expected_period`, when given, refuse a template of another form or period.
    """
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.seconds[phase] = result.seconds.get(phase, 0.0) + now - clock
        clock = now

    digest = hashlib.sha256(data).hexdigest()
    result = ImportResult(filename=filename, sha256=digest, accept_valid=accept_valid)
    try:
        inspect_package(data)
        lap("inspect")
        book = open_workbook(data)
        stamp = read_stamp(book)
        _check_expected(stamp, expected_form, expected_period)
        form, target = _check_stamp(user, plan, stamp)
        result.form_code, result.form_name, result.period = form.code, form.name, stamp.period
        result.scope, result.target_name = stamp.scope, target.name
        _period_row(plan, form, stamp.period)
        read = read_workbook(book, stamp, form)
        lap("read")
    except ExcelFileError as exc:
        result.file_error, result.file_error_code = exc.message, exc.code
        return result
    if read.errors:
        result.errors = read.errors
        return result
    rows = read.rows
    if not rows:
        result.file_error, result.file_error_code = _("工作簿中没有填写任何数据"), "empty"
        return result
    respondents = _resolve(plan, form, stamp, target, rows)
    lap("rows")
    _store(user, plan, form, stamp, rows, respondents, digest, result)
    lap("store")
    if result.errors or result.drafts:
        result.correction_workbook = _correction_workbook(plan, form, stamp, target, rows, result)
        lap("corrections")
    return result


def _check_expected(stamp: Stamp, form: str, period: str) -> None:
    if form and stamp.form != form:
        raise ExcelFileError(
            _("您上传的是%(got)s的模板,不是所选的%(want)s;请核对报表后重新上传")
            % {"got": stamp.form, "want": form},
            code="wrong_template",
        )
    if period and stamp.period != period:
        raise ExcelFileError(
            _("您上传的是%(got)s期的模板,不是所选的%(want)s期;请下载本期模板填写")
            % {"got": stamp.period, "want": period},
            code="wrong_template",
        )


def _check_stamp(user: Any, plan: Plan, stamp: Stamp) -> tuple[ReportForm, Target]:
    if stamp.plan != plan.code:
        raise ExcelFileError(
            _("该模板属于另一个规划(%(other)s),不能导入本规划") % {"other": stamp.plan}, code="wrong_template"
        )
    form = forms_for(plan).get(stamp.form)
    if form is None:
        raise ExcelFileError(
            _("模板中的报表“%(form)s”在本规划中不存在") % {"form": stamp.form}, code="wrong_template"
        )
    if stamp.form_hash != layout.form_hash(form) or stamp.fields != tuple(f.code for f in form.fields):
        raise ExcelFileError(
            _("模板对应的是%(form)s的旧版本,报表的指标或审核规则已更新;请重新下载模板,把数据复制过去后再上传")
            % {"form": form.code},
            code="old_template",
        )
    target = find_target(user, plan, form, stamp.scope, stamp.respondent)
    if target is None:
        raise ExcelFileError(
            _("您无权为“%(who)s”上报%(form)s;请下载自己的填报模板")
            % {"who": stamp.respondent, "form": form.code},
            code="not_allowed",
        )
    return form, target


@dataclass(frozen=True)
class _Who:
    enterprise: Enterprise | None = None
    org_unit: OrgUnit | None = None


def _resolve(
    plan: Plan, form: ReportForm, stamp: Stamp, target: Target, rows: list[SheetRow]
) -> dict[int, _Who]:
    """Row index → respondent; row-level errors (unknown code, other district, duplicate) are
    added to the rows."""
    who: dict[int, _Who] = {}
    if stamp.scope == "district":
        unit = OrgUnit.objects.get(pk=target.district_id)
        return {0: _Who(org_unit=unit)}
    if stamp.scope == "enterprise":
        return {0: _Who(enterprise=Enterprise.objects.get(pk=target.enterprise_id))}
    _year, starts_on, ends_on = period_bounds(form, stamp.period)
    codes = {row.respondent for row in rows if row.respondent}
    found = {e.credit_code: e for e in Enterprise.objects.filter(plan=plan, credit_code__in=codes)}
    districts = placement_districts([e.pk for e in found.values()], starts_on, ends_on)
    placed = {e for e, d in districts.items() if d == target.district_id}
    first_row: dict[str, int] = {}
    counts = Counter(row.respondent for row in rows if row.respondent)
    code_label = _("统一社会信用代码")
    for i, row in enumerate(rows):
        if not row.respondent:
            continue
        cell = layout.cell_name(row.row, layout.BULK_CODE_COLUMN)
        if counts[row.respondent] > 1 and row.respondent in first_row:
            row.errors.append(
                CellError(
                    layout.DATA_SHEET,
                    cell,
                    code_label,
                    _("重复行:企业%(code)s在第%(first)d行已填写,同一企业只能填一行")
                    % {"code": row.respondent, "first": first_row[row.respondent]},
                    row.respondent,
                )
            )
            continue
        first_row.setdefault(row.respondent, row.row)
        enterprise = found.get(row.respondent)
        if enterprise is None:
            row.errors.append(
                CellError(
                    layout.DATA_SHEET,
                    cell,
                    code_label,
                    _(
                        "统一社会信用代码“%(code)s”不在试验区企业名录中;新企业请先由管委会登记入库(先进库后有数)"
                    )
                    % {"code": row.respondent},
                    row.respondent,
                )
            )
            continue
        if enterprise.pk not in placed:
            row.errors.append(
                CellError(
                    layout.DATA_SHEET,
                    cell,
                    code_label,
                    _("企业“%(name)s”(%(code)s)在%(period)s不属于%(district)s,不能由本区上报")
                    % {
                        "name": enterprise.name,
                        "code": row.respondent,
                        "period": layout.period_label(stamp.period),
                        "district": target.name,
                    },
                    row.respondent,
                )
            )
            continue
        row.name = row.name or enterprise.name
        who[i] = _Who(enterprise=enterprise)
    return who


def _finding_cell(row: SheetRow, fields: Sequence[str]) -> tuple[str, str]:
    for code in fields:
        if code in row.cells:
            return code, row.cells[code]
    return "", row.anchor


def _existing_reports(
    plan: Plan, form: ReportForm, stamp: Stamp, who: Mapping[int, _Who]
) -> dict[int, Report]:
    """Respondent id → its report of this form and period, if it has one (one query)."""
    # Only the values are read (the pre-check); never the plan's large document per row.
    reports = Report.objects.filter(plan=plan, form_code=form.code, period=stamp.period)
    if stamp.scope == "district":
        return {r.org_unit_id: r for r in reports.filter(org_unit__in=[w.org_unit for w in who.values()])}
    return {r.enterprise_id: r for r in reports.filter(enterprise__in=[w.enterprise for w in who.values()])}


def _respondent_id(who: _Who) -> int:
    respondent = who.enterprise or who.org_unit
    assert respondent is not None
    return int(respondent.pk)


def _precheck(
    form: ReportForm, rows: list[SheetRow], who: Mapping[int, _Who], existing: Mapping[int, Report]
) -> None:
    """Hard checks over all rows at once (vectorised), before anything is written.

    Without history or peers, so it finds a subset of what the services will find on
    submission (checks whose inputs are missing do not fire): whatever it finds is
    certainly refused, and an all-or-nothing upload with such rows stops here, fast.
    """
    labels = {f.code: f.label for f in form.fields}
    todo = [i for i, row in enumerate(rows) if not row.errors and i in who]
    merged = []
    for i in todo:
        report = existing.get(_respondent_id(who[i]))
        base = {k: v for k, v in (report.values if report else {}).items() if v is not None}
        merged.append({**base, **rows[i].values})
    for i, outcome in zip(todo, check_many(form, merged), strict=True):
        row = rows[i]
        for finding in outcome.errors:
            code, cell = _finding_cell(row, finding.fields)
            row.errors.append(
                CellError(
                    layout.DATA_SHEET,
                    cell,
                    labels.get(code, ""),
                    f"[{finding.code}] {finding.message}",
                    row.respondent,
                )
            )


def _store(
    user: Any,
    plan: Plan,
    form: ReportForm,
    stamp: Stamp,
    rows: list[SheetRow],
    who: Mapping[int, _Who],
    digest: str,
    result: ImportResult,
) -> None:
    labels = {f.code: f.label for f in form.fields}
    # Reports that exist already (drafts, earlier uploads); the services check access,
    # period and state again on every write.
    existing = _existing_reports(plan, form, stamp, who)
    _precheck(form, rows, who, existing)
    outcomes = [RowOutcome(row.respondent, row.name, row.row, "skipped") for row in rows]
    all_or_nothing = not result.accept_valid
    if not (all_or_nothing and any(row.errors for row in rows)):
        todo = [i for i, row in enumerate(rows) if not row.errors and i in who]
        # One bulk submission through the reporting services: the same checks, refusals,
        # audit and idempotency as one call per row, in a constant number of queries.
        done = reporting.submit_many(
            [_submission(form, stamp, rows[i], who[i], digest) for i in todo],
            actor=user,
            plan=plan,
            form_code=form.code,
            period=stamp.period,
            channel=Channel.EXCEL,
            keep_valid=not all_or_nothing,
        )
        for i, bulk in zip(todo, done, strict=True):
            row, outcome = rows[i], outcomes[i]
            if bulk.status == "refused":
                assert bulk.error is not None
                _refused(row, bulk.error, labels)
            elif bulk.status in ("submitted", "draft"):
                assert bulk.report is not None
                outcome.status = bulk.status
                outcome.report_id = bulk.report.pk
                if bulk.status == "draft":
                    row.warnings = [f"[{w.code}] {w.message}" for w in bulk.warnings]
                    outcome.messages = [_("有核实性审核提示但未填写说明,已保存为草稿,未上报:"), *row.warnings]
    failed = any(row.errors for row in rows)
    for row, outcome in zip(rows, outcomes, strict=True):
        if row.errors:
            outcome.status = "error"
            outcome.report_id = None
            outcome.messages = [f"{e.cell} {e.label}:{e.message}" for e in row.errors]
            result.errors.extend(row.errors)
        elif failed and all_or_nothing:
            outcome.status = "skipped"
            outcome.report_id = None
            outcome.messages = [_("因其他行有错误,本行未保存(整表要么全部导入,要么全部不导入)")]
    result.rows = outcomes
    result.stored = any(o.status in ("submitted", "draft") for o in outcomes)


def _refused(row: SheetRow, exc: reporting.ReportingError, labels: Mapping[str, str]) -> None:
    """Put a refusal of the reporting services on the row: each finding at the cell of its
    first field, anything else at the row's first cell."""
    where = row.anchor
    if exc.code == "hard_errors":
        for finding in exc.findings:
            code, cell = _finding_cell(row, finding.fields)
            prefix = "" if finding.severity == "error" else _("(核实性审核,上报时须说明)")
            row.errors.append(
                CellError(
                    layout.DATA_SHEET,
                    cell,
                    labels.get(code, ""),
                    f"{prefix}[{finding.code}] {finding.message}",
                    row.respondent,
                )
            )
        return
    row.errors.append(CellError(layout.DATA_SHEET, where, "", exc.message, row.respondent))
    if exc.code == "unexplained_warnings":
        for finding in exc.findings:
            code, cell = _finding_cell(row, finding.fields)
            row.errors.append(
                CellError(
                    layout.DATA_SHEET,
                    cell,
                    labels.get(code, ""),
                    f"[{finding.code}] {finding.message}",
                    row.respondent,
                )
            )


def warning_codes(form: ReportForm) -> list[str]:
    """Codes of the form's declared warnings (rules with `each` expand per field)."""
    codes: list[str] = []
    for rule in form.checks:
        if rule.severity == "warning":
            codes += [f"{rule.code}-{f}" for f in rule.each] if rule.each else [rule.code]
    return codes


def _submission(form: ReportForm, stamp: Stamp, row: SheetRow, who: _Who, digest: str) -> BulkSubmission:
    # One key per file and respondent: a re-uploaded file (or a retried POST) replays the
    # first result instead of writing again.
    key = f"excel:{digest[:48]}:{row.respondent or stamp.respondent}"
    # The row's one explanation answers whichever warnings fire; the services keep only
    # those. Offering it for every declared warning keeps the call (and so its idempotency
    # fingerprint) independent of what the checks find this time; a warning not declared in
    # the form file (a built-in one) is answered by a retry with every warning answered.
    # Without an explanation, figures with warnings are kept as a draft.
    explanations = {code: row.explanation for code in warning_codes(form)} if row.explanation else None
    return BulkSubmission(
        enterprise=who.enterprise,
        org_unit=who.org_unit,
        values=dict(row.values),
        explanations=explanations,
        idempotency_key=key + ":submit",
        answer_all=row.explanation or "",
        answer_all_key=key + ":submit-all",
        draft_key=key + ":draft",
    )


def _correction_workbook(
    plan: Plan, form: ReportForm, stamp: Stamp, target: Target, rows: list[SheetRow], result: ImportResult
) -> bytes | None:
    """The template again with the rows still to deal with: invalid rows with what was typed and
    their errors, and rows kept as drafts with the warnings to explain."""
    back: list[tuple[SheetRow, list[str]]] = []
    for row, outcome in zip(rows, result.rows, strict=True):
        if outcome.status == "error":
            back.append((row, [f"{e.cell} {e.message}" for e in row.errors]))
        elif outcome.status == "draft":
            back.append((row, [_("请填写核实性审核说明:")] + row.warnings))
    if not back:
        return None
    content = TemplateContent(
        form=form,
        stamp=stamp,
        title=template_title(form, stamp.period, target) + " · " + _("待更正"),
        respondents=[
            Respondent(
                row.respondent or stamp.respondent,
                row.name or target.name,
                typed=row.raw,
                explanation=row.explanation,
                errors=messages,
            )
            for row, messages in back
        ],
    )
    return build_workbook(content)
