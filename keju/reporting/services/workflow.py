"""The reporting workflow: 草稿 → 已上报 → 审核通过 / 退回 → 已锁定, and 修订 after approval.

Every function runs in one transaction on the report's row (locked with SELECT … FOR
UPDATE where the database has it; SQLite's IMMEDIATE transactions serialise writers),
writes one AuditEntry per changed field or status, and on refusal raises ReportingError
with nothing written (the refusal is logged to the "keju.reporting" logger).

Idempotency: a call with an `idempotency_key` first inserts (actor, key) into
IdempotencyRecord inside the same transaction. A retry — even a concurrent one — hits the
unique index, waits for the first call's transaction, and returns the first call's result
instead of acting again. A refused call rolls its record back, so retrying it after a fix
works.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from keju.orgs.models import Enterprise, EnterprisePlacement, OrgLevel, OrgUnit
from keju.plan.forms import ReportForm
from keju.planning.models import Plan
from keju.reporting.models import (
    EDITABLE_STATUSES,
    AuditAction,
    AuditEntry,
    Channel,
    Explanation,
    ExplanationStatus,
    IdempotencyRecord,
    Report,
    ReportingPeriod,
    ReportStatus,
    ReportVersion,
    ReviewAction,
    ReviewDecision,
    RevisionRequest,
)
from keju.reporting.services import access
from keju.reporting.services.context import build_context
from keju.reporting.services.errors import ReportingError, VersionConflict
from keju.reporting.services.forms import form_for, period_bounds
from keju.validation.checks import CheckOutcome, Finding, check_report

log = logging.getLogger("keju.reporting")

# Explanations must say something; "已核实" alone is the rubber stamp reviewers complain about.
MIN_EXPLANATION_CHARS = 4
MAX_TEXT_CHARS = 2000
MAX_KEY_CHARS = 128
STATUS_LABELS = dict(ReportStatus.choices)

T = TypeVar("T")


# --- small helpers -----------------------------------------------------------------------


def _name(actor: Any) -> str:
    return str(getattr(actor, "username", "") or "")


def _actor(actor: Any) -> Any:
    """The user to store in a foreign key (None for anonymous)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _channel(channel: str) -> str:
    if channel not in Channel.values:
        raise ReportingError(
            _("未知的填报渠道“%(channel)s”(可选:%(known)s)")
            % {"channel": channel, "known": "、".join(Channel.values)},
            code="invalid_channel",
        )
    return channel


@contextmanager
def _refusals(operation: str, actor: Any, report: Report | None = None) -> Iterator[None]:
    """Log refusals (the transaction inside has already rolled back when this sees them)."""
    try:
        yield
    except ReportingError as exc:
        log.info(
            "refused %s by %s on report %s: %s (%s)",
            operation,
            _name(actor) or "anonymous",
            getattr(report, "pk", None),
            exc.code,
            exc.message,
        )
        raise


def _require_user(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise ReportingError(_("请先登录"), code="not_authenticated")


def _reason(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ReportingError(_("请填写%(what)s") % {"what": what}, code="reason_required")
    if len(text) > MAX_TEXT_CHARS:
        raise ReportingError(
            _("%(what)s不能超过%(limit)s个字") % {"what": what, "limit": MAX_TEXT_CHARS},
            code="reason_too_long",
        )
    return text


def _fingerprint(operation: str, payload: Mapping[str, Any]) -> str:
    data = json.dumps({"op": operation, **payload}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


class _KeyTaken(Exception):
    """The idempotency key was claimed by a concurrent call after the row lock was taken."""


def _valid_key(actor: Any, key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_CHARS:
        raise ReportingError(
            _("幂等键(Idempotency-Key)须为1到%(limit)s个字符") % {"limit": MAX_KEY_CHARS},
            code="invalid_idempotency_key",
        )
    _require_user(actor)
    return key


def _mismatch(key: str) -> ReportingError:
    return ReportingError(
        _("幂等键“%(key)s”已用于另一次内容不同的提交;重试时请原样重发,新的提交请使用新的幂等键")
        % {"key": key},
        code="idempotency_mismatch",
    )


def _prior_claim(actor: Any, key: str, report: Report | None = None) -> tuple[str, str, int] | None:
    """The (operation, fingerprint, report id) an earlier call stored under the key, if any:
    from the locked row's annotations when `_locked` read them, else (or with no report) one
    fresh query."""
    if report is not None and getattr(report, "claim_key", None) == key:
        if report.claim_operation is None:
            return None
        return report.claim_operation, report.claim_fingerprint, report.claim_report_id
    return (
        IdempotencyRecord.objects.filter(actor=actor, key=key)
        .values_list("operation", "fingerprint", "report_id")
        .first()
    )


def _is_replay(
    prior: tuple[str, str, int] | None, key: str, operation: str, fingerprint: str, report: Report
) -> bool:
    if prior is None:
        return False
    if prior != (operation, fingerprint, report.pk):
        raise _mismatch(key)
    return True


def _insert_key(
    actor_id: int, key: str, operation: str, fingerprint: str, report_id: int, result_version: int
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING, at the end of the call with its result: False when
    (actor, key) exists.

    The report's row lock already serialises calls on the same report, so a conflict here
    means a concurrent call with the same key on another report, or a retry that waited for
    our row lock and read its claim before we committed. On PostgreSQL the insert waits
    for a concurrent insert of the same key to commit or roll back; no savepoint is needed.
    SQLite (≥ 3.35) has the same statement.
    """
    q = connection.ops.quote_name
    columns = ["actor_id", "key", "operation", "fingerprint", "report_id", "created_at", "result_version"]
    now = timezone.now()
    sql = (
        f"INSERT INTO {q(IdempotencyRecord._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT ({q('actor_id')}, {q('key')}) DO NOTHING "
        f"RETURNING {q('id')}"
    )
    params = [
        actor_id,
        key,
        operation,
        fingerprint,
        report_id,
        connection.ops.adapt_datetimefield_value(now),
        result_version,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _period_subqueries() -> dict[str, Subquery]:
    period = ReportingPeriod.objects.filter(
        plan_id=OuterRef("plan_id"), form_code=OuterRef("form_code"), period=OuterRef("period")
    )
    return {
        "window_open": Subquery(period.values("is_open")[:1]),
        "window_due_on": Subquery(period.values("due_on")[:1]),
    }


def _claim_subqueries(actor: Any, key: str) -> dict[str, Subquery]:
    record = IdempotencyRecord.objects.filter(actor_id=actor.pk, key=key)
    return {
        "claim_operation": Subquery(record.values("operation")[:1]),
        "claim_fingerprint": Subquery(record.values("fingerprint")[:1]),
        "claim_report_id": Subquery(record.values("report_id")[:1]),
    }


def _still_locked(report: Report) -> bool:
    """Was the row locked (or inserted) by this single-call transaction, still open? Only
    in_one_transaction's calls reuse a row so: there nothing else runs between the lock and
    the write, while elsewhere the caller may change the report or its period meanwhile."""
    held = getattr(report, "locked_in", None)
    return (
        held is not None and held is _single_call.get() and any(b is held for b in connection.atomic_blocks)
    )


def _mark_locked(report: Report) -> None:
    block = _single_call.get()
    report.locked_in = (
        block if block is not None and any(b is block for b in connection.atomic_blocks) else None
    )


def _lock_query(actor: Any = None, key: str | None = None) -> Any:
    """Reports locked for this transaction with their reporting period's state and, given a
    key, the idempotency record an earlier call stored under it (one query in all)."""
    qs = (
        Report.objects.select_for_update(of=("self",))
        .select_related("plan", "enterprise")
        .defer("plan__document")
        .annotate(**_period_subqueries())
    )
    if key is not None and actor is not None and getattr(actor, "is_authenticated", False):
        qs = qs.annotate(**_claim_subqueries(actor, key))
    return qs


def lock_visible(user: Any, report_id: int, key: str | None = None, action: str = "view") -> Report | None:
    """The report, if `user` may see it, locked for the current transaction (call inside
    transaction.atomic) — the visibility check and the row lock in one query, with the
    idempotency record of `key`. A write service called next in the same transaction uses
    the row as it is instead of locking it again."""
    from keju.accounts.scoping import report_q

    if key is not None:
        key = key.strip() or None
    report = (
        _lock_query(user, key)
        .select_related("org_unit", "district")
        .filter(report_q(user, action), pk=report_id)
        .first()
    )
    if report is not None:
        _mark_locked(report)
        report.claim_key = key if hasattr(report, "claim_operation") else None
    return report


_single_call: ContextVar[Any] = ContextVar("keju_reporting_single_call", default=None)


def in_one_transaction(call: Callable[[], T]) -> T:
    """Run call() in one transaction in which the write services need no savepoint of their
    own (a refusal rolls the whole call back; two round trips less per write). For one API
    request. Retried once when a concurrent call claimed the same idempotency key first: the
    retry then finds its record and replays it."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                token = _single_call.set(connection.atomic_blocks[-1])
                try:
                    return call()
                finally:
                    _single_call.reset(token)
        except _KeyTaken:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _is_single_call() -> bool:
    """Directly inside in_one_transaction's block (no savepoint opened since)?"""
    block = _single_call.get()
    return block is not None and bool(connection.atomic_blocks) and connection.atomic_blocks[-1] is block


def _locked(report: Report, actor: Any = None, key: str | None = None) -> Report:
    """The report's row, locked for this transaction, fresh from the database, with its
    reporting period's state (`window_open`, `window_due_on`; None without a period) and
    the claim of `key` — or the report itself when it was locked so in this transaction."""
    if _still_locked(report):
        if key is not None and getattr(report, "claim_key", None) != key:
            # The key's earlier record, if any (a lookup far cheaper than the locking query).
            claim = _prior_claim(actor, key)
            report.claim_operation, report.claim_fingerprint, report.claim_report_id = claim or (None,) * 3
            report.claim_key = key
        return report
    fresh = _lock_query(actor, key).filter(pk=report.pk).first()
    if fresh is None:
        raise ReportingError(_("该报表已不存在"), code="not_found")
    _mark_locked(fresh)
    fresh.claim_key = key if hasattr(fresh, "claim_operation") else None
    return fresh


def _check_version(report: Report, expected: int | None) -> None:
    if expected is not None and expected != report.version:
        raise VersionConflict(
            _(
                "报表已被他人修改(您看到的是第%(expected)s版,当前为第%(current)s版);"
                "为避免覆盖他人的修改,本次保存未执行,请刷新后重新填写"
            )
            % {"expected": expected, "current": report.version},
            current_version=report.version,
        )


def _period_row(report_or_plan: Any, form_code: str, period: str) -> ReportingPeriod | None:
    plan_id = getattr(report_or_plan, "plan_id", None) or report_or_plan.pk
    return ReportingPeriod.objects.filter(plan_id=plan_id, form_code=form_code, period=period).first()


def _require_open(plan_or_report: Any, form: ReportForm, period: str) -> Any:
    """Refuse unless the period is open; returns its due date. A report locked by `_locked`
    brings its period's state along (one query less on the hot path)."""
    if hasattr(plan_or_report, "window_open"):
        is_open, due_on = plan_or_report.window_open, plan_or_report.window_due_on
    else:
        row = _period_row(plan_or_report, form.code, period)
        is_open, due_on = (None, None) if row is None else (row.is_open, row.due_on)
    if is_open is None:
        raise ReportingError(
            _("%(form)s(%(code)s)%(period)s的填报期尚未开放")
            % {"form": form.name, "code": form.code, "period": period},
            code="period_closed",
        )
    if not is_open:
        raise ReportingError(
            _("%(form)s(%(code)s)%(period)s的填报期已关闭,不能再填报或修改;如需更正请联系省创新办")
            % {"form": form.name, "code": form.code, "period": period},
            code="period_closed",
        )
    return due_on


def _state_error(report: Report, doing: str) -> ReportingError:
    """`doing` is the refused action, already translated (pgettext "refused action")."""
    facts = {"status": STATUS_LABELS.get(report.status, report.status), "doing": doing}
    hint = {
        ReportStatus.SUBMITTED: _("报表已上报,正在等待审核;如需修改,请审核员退回"),
        ReportStatus.APPROVED: _("报表已审核通过,只能通过修订申请更改"),
        ReportStatus.LOCKED: _("报表已锁定,不能再更改"),
    }.get(ReportStatus(report.status))
    if hint is None:
        return ReportingError(_("报表状态为“%(status)s”,不能%(doing)s。") % facts, code="invalid_state")
    return ReportingError(
        _("报表状态为“%(status)s”,不能%(doing)s。%(hint)s。") % {**facts, "hint": hint}, code="invalid_state"
    )


def _audit(
    report: Report | None,
    actor: Any,
    channel: str,
    action: str,
    *,
    field: str = "",
    old: Any = None,
    new: Any = None,
    note: str = "",
    version: int | None = None,
    period: ReportingPeriod | None = None,
    make: Callable[..., Any] = AuditEntry,
) -> Any:
    """One audit entry, an AuditEntry unless `make` builds another kind of row from the same
    fields (the API's SQL path writes the rows without making model instances)."""
    return make(
        report=report,
        period=period,
        version=version if version is not None else getattr(report, "version", None),
        actor=_actor(actor),
        actor_name=_name(actor),
        channel=channel,
        action=action,
        field=field,
        old_value=old,
        new_value=new,
        note=note,
    )


def _value_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    keys = list(dict.fromkeys([*old, *new]))
    return [
        (k, old.get(k), new.get(k))
        for k in keys
        if old.get(k) != new.get(k) or type(old.get(k)) is not type(new.get(k))
    ]


def _snapshot(report: Report, actor: Any, channel: str, action: str, note: str = "") -> ReportVersion:
    snapshot = _version_row(report, actor, channel, action, note)
    snapshot.save()
    return snapshot


def _version_row(report: Report, actor: Any, channel: str, action: str, note: str = "") -> ReportVersion:
    return ReportVersion(
        report=report,
        version=report.version,
        status=report.status,
        values=report.values,
        actor=_actor(actor),
        actor_name=_name(actor),
        channel=channel,
        action=action,
        note=note,
    )


# --- values ------------------------------------------------------------------------------


def _value_finding(form: ReportForm, code: str, message: str, check: str = "invalid_value") -> Finding:
    return Finding(code=f"{form.code}-{check}", severity="error", fields=(code,), message=message)


def clean_values(form: ReportForm, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check that `values` are parsed values of the form's fields (None clears a field).

    Raises ReportingError(code="invalid_values") listing every problem; returns the values
    with integral floats of integer fields made int.
    """
    if not isinstance(values, Mapping):
        raise ReportingError(_("数值须为“字段编码: 数值”的映射"), code="invalid_values")
    known = {f.code: f for f in form.fields}
    findings: list[Finding] = []
    cleaned: dict[str, Any] = {}
    for code, value in values.items():
        f = known.get(str(code))
        if f is None:
            findings.append(
                _value_finding(
                    form,
                    str(code),
                    _("%(form)s没有字段“%(code)s”") % {"form": form.name, "code": code},
                    "unknown_field",
                )
            )
            continue
        if value is None:
            cleaned[f.code] = None
            continue
        problem = None
        if f.type in ("decimal", "integer"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                problem = _("“%(label)s”应为数值,收到“%(value)s”") % {"label": f.label, "value": value}
            elif not math.isfinite(value):
                problem = _("“%(label)s”的值“%(value)s”不是有效数值") % {"label": f.label, "value": value}
            elif f.type == "integer":
                if float(value) != int(value):
                    problem = _("“%(label)s”应为整数,收到“%(value)s”") % {"label": f.label, "value": value}
                else:
                    value = int(value)
        elif f.type == "boolean":
            if not isinstance(value, bool):
                problem = _("“%(label)s”应为是或否,收到“%(value)s”") % {"label": f.label, "value": value}
        elif not isinstance(value, str):
            problem = _("“%(label)s”应为文字,收到“%(value)s”") % {"label": f.label, "value": value}
        elif len(value) > MAX_TEXT_CHARS:
            problem = _("“%(label)s”不能超过%(limit)s个字") % {"label": f.label, "limit": MAX_TEXT_CHARS}
        if problem:
            findings.append(_value_finding(form, f.code, problem))
        else:
            cleaned[f.code] = value
    if findings:
        raise ReportingError(
            _("数值有误,未保存:%(problems)s") % {"problems": ";".join(f.message for f in findings)},
            code="invalid_values",
            findings=findings,
        )
    return cleaned


def parse_values(form: ReportForm, values: Mapping[str, Any]) -> dict[str, Any]:
    """Text typed by people ("1,234", "１２万") parsed to the field's unit; JSON numbers and
    booleans pass as they are (clean_values checks their types). The API's first step."""
    from keju.validation.values import CellValueError, parse_value

    known = {f.code: f for f in form.fields}
    parsed: dict[str, Any] = {}
    findings: list[Finding] = []
    for code, raw in values.items():
        f = known.get(code)
        if f is None or not isinstance(raw, str) or f.type == "text":
            parsed[code] = raw
            continue
        try:
            parsed[code] = parse_value(f, raw)
        except CellValueError as exc:
            findings.append(
                Finding(
                    code=f"{form.code}-invalid_value",
                    severity="error",
                    fields=(code,),
                    message=exc.message,
                )
            )
    if findings:
        raise ReportingError(
            _("数值有误,未保存:%(problems)s") % {"problems": ";".join(f.message for f in findings)},
            code="invalid_values",
            findings=findings,
        )
    return parsed


def _merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for code, value in new.items():
        if value is None:
            merged.pop(code, None)
        else:
            merged[code] = value
    return merged


# --- opening a report ----------------------------------------------------------------------


def _placement_in(enterprise: Enterprise, starts_on: date, ends_on: date) -> EnterprisePlacement | None:
    """Where the enterprise sat in the period: the last placement overlapping it."""
    return (
        EnterprisePlacement.objects.filter(enterprise=enterprise, valid_from__lte=ends_on)
        .select_related("district")  # the new report's district, for the response
        .exclude(valid_to__lte=starts_on)
        .order_by("-valid_from")
        .first()
    )


def not_placed(enterprise_name: str, zone_name: str, period: str) -> ReportingError:
    return ReportingError(
        _("企业“%(name)s”在%(period)s不在%(zone)s内(没有该期的隶属记录),无需也不能填报该期报表")
        % {"name": enterprise_name, "period": period, "zone": zone_name},
        code="not_in_district",
    )


def open_report(
    *,
    actor: Any,
    plan: Plan,
    form_code: str,
    period: str,
    enterprise: Enterprise | None = None,
    org_unit: OrgUnit | None = None,
    channel: str = Channel.WEB,
) -> Report:
    """The respondent's report for the form and period, created as 草稿 if there is none.

    Refused (ReportingError) for an unknown form, a malformed, unopened or closed period, a
    respondent of the wrong level, an enterprise not placed in the zone in that period, or an
    actor who may not fill it.
    """
    with _refusals("open", actor):
        _require_user(actor)
        channel = _channel(channel)
        form = form_for(plan, form_code)
        year, starts_on, ends_on = period_bounds(form, period)
        period = period.strip()
        if form.respondent_level == "enterprise":
            if enterprise is None or org_unit is not None:
                raise ReportingError(
                    _("%(form)s由企业填报,请指定企业") % {"form": form.name}, code="wrong_respondent"
                )
            if enterprise.plan_id != plan.pk:
                raise ReportingError(
                    _("企业“%(name)s”不属于%(zone)s") % {"name": enterprise.name, "zone": plan.zone_name},
                    code="not_in_district",
                )
            placement = _placement_in(enterprise, starts_on, ends_on)
            if placement is None:
                raise not_placed(enterprise.name, plan.zone_name, period)
            district_id = placement.district_id
            district = placement.district
            lookup: dict[str, Any] = {"enterprise": enterprise}
        else:
            if org_unit is None or enterprise is not None:
                raise ReportingError(
                    _("%(form)s由区填报,请指定区") % {"form": form.name}, code="wrong_respondent"
                )
            if org_unit.plan_id != plan.pk or org_unit.level != OrgLevel.DISTRICT:
                raise ReportingError(
                    _("“%(unit)s”不是%(zone)s的区,不能填报%(form)s")
                    % {"unit": org_unit.name, "zone": plan.zone_name, "form": form.name},
                    code="wrong_respondent",
                )
            district_id = org_unit.pk
            district = org_unit
            lookup = {"org_unit": org_unit}
        if not access.may_fill(
            actor,
            plan_id=plan.pk,
            district_id=district_id,
            enterprise_id=enterprise.pk if enterprise else None,
            org_unit_id=org_unit.pk if org_unit else None,
        ):
            raise ReportingError(_("您无权填报该报表"), code="not_allowed")
        due_on = _require_open(plan, form, period)
        existing = (
            Report.objects.select_related("enterprise", "org_unit", "district")
            .filter(form_code=form.code, period=period, **lookup)
            .first()
        )
        if existing is not None:
            existing.window_due_on = due_on
            return existing
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    plan=plan,
                    form_code=form.code,
                    period=period,
                    year=year,
                    district=district,
                    values={},
                    status=ReportStatus.DRAFT,
                    channel=channel,
                    version=1,
                    **lookup,
                )
                _audit(
                    report, actor, channel, AuditAction.CREATE, field="status", new=ReportStatus.DRAFT
                ).save()
        except IntegrityError:
            # Opened concurrently by someone else: theirs is the report.
            return Report.objects.get(form_code=form.code, period=period, **lookup)
        report.window_due_on = due_on
        report.window_open = True  # _require_open passed
        # Inserted by this transaction, the row is invisible to others until it commits: as
        # good as locked, so a write service next in the same transaction (the API's one-call
        # submission) need not lock and read it again.
        _mark_locked(report)
        report.claim_key = None
        return report


# --- drafts --------------------------------------------------------------------------------


def _keyed(
    operation: str,
    report: Report,
    actor: Any,
    idempotency_key: str | None,
    payload: Mapping[str, Any],
    body: Callable[[Report], Report],
) -> Report:
    """Run `body` on the locked report in one transaction, once per idempotency key.

    The key's earlier record is read with the row lock; a replay returns the report as the
    first call left it. The record of this call is inserted at the end with its result (a
    refused call stores none, so retrying it after a fix works). A retry racing the first
    call waits for the row lock; if it then misses the record (read before the first call
    committed), its refusal or its insert's conflict sends it to read the record again.
    """
    fingerprint = _fingerprint(operation, payload)
    with _refusals(operation, actor, report):
        key = None if idempotency_key is None else _valid_key(actor, idempotency_key)

        def replay(row: Report, prior: tuple[str, str, int] | None) -> bool:
            assert key is not None
            return _is_replay(prior, key, operation, fingerprint, row)

        single = _is_single_call()
        try:
            # In a single-call transaction a refusal rolls everything back anyway: no savepoint.
            with transaction.atomic(savepoint=not single):
                locked = _locked(report, actor, key)
                if key is None:
                    return body(locked)
                if replay(locked, _prior_claim(actor, key, locked)):
                    return locked
                try:
                    result = body(locked)
                except ReportingError:
                    # Refused: perhaps because a racing first call changed the report; its
                    # record is visible now (a fresh read) and makes this a replay.
                    if replay(locked, _prior_claim(actor, key)):
                        return locked
                    raise
                if not _insert_key(actor.pk, key, operation, fingerprint, locked.pk, result.version):
                    raise _KeyTaken
                return result
        except _KeyTaken:
            if single:
                raise  # in_one_transaction rolls back and runs the call again
            # Rolled back; the concurrent call holding the key has committed.
            assert key is not None
            if replay(report, _prior_claim(actor, key)):
                return Report.objects.get(pk=report.pk)
            raise _mismatch(key) from None


def save_draft(
    report: Report,
    *,
    actor: Any,
    values: Mapping[str, Any],
    channel: str,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> Report:
    """Merge `values` (parsed, in the form's units, keyed by field code; None clears a field)
    into a draft or returned report. Nothing changes → the report is returned as it is."""

    def body(r: Report) -> Report:
        _require_user(actor)
        ch = _channel(channel)
        form = form_for(r.plan, r.form_code)
        if not access.may_fill_report(actor, r):
            raise ReportingError(_("您无权修改该报表"), code="not_allowed")
        _require_open(r, form, r.period)
        if r.status not in EDITABLE_STATUSES:
            raise _state_error(r, pgettext("refused action", "暂存修改"))
        _check_version(r, expected_version)
        cleaned = clean_values(form, values)
        new = _merge(r.values, cleaned)
        changes = _value_changes(r.values, new)
        if not changes:
            return r
        r.values = new
        r.version += 1
        r.channel = ch
        r.save(update_fields=["values", "version", "channel", "updated_at"])
        AuditEntry.objects.bulk_create(
            [_audit(r, actor, ch, AuditAction.SAVE, field=k, old=o, new=n) for k, o, n in changes]
        )
        return r

    return _keyed(
        "save_draft",
        report,
        actor,
        idempotency_key,
        {
            "values": dict(values) if isinstance(values, Mapping) else values,
            "channel": channel,
            "v": expected_version,
        },
        body,
    )


# --- checks ----------------------------------------------------------------------------------


def check(report: Report, values: Mapping[str, Any] | None = None) -> CheckOutcome:
    """Dry run of the edit checks on the report's values merged with `values`, with the
    report's history and its industry peers as context. Writes nothing."""
    form = form_for(report.plan, report.form_code)
    merged = _merge(report.values, clean_values(form, values)) if values else dict(report.values)
    return check_report(form, merged, build_context(report, form))


def _explain(
    report: Report,
    form: ReportForm,
    outcome: CheckOutcome,
    explanations: Mapping[str, str] | None,
    actor: Any,
    earlier: Mapping[str, Explanation] | None = None,
) -> list[Explanation]:
    """The explanations for this submission's warnings, or ReportingError listing what is missing.

    An explanation given for an earlier version that the reviewer did not reject carries
    over when the same warning fires again; a rejected one must be rewritten. `earlier`
    (check code → the report's latest explanation) is read here unless given.
    """
    if not outcome.warnings:
        return []
    given = {str(k): (v or "").strip() for k, v in (explanations or {}).items()}
    if earlier is None:
        earlier = {e.check_code: e for e in Explanation.objects.filter(report=report).order_by("version")}
    rows: list[Explanation] = []
    missing: list[Finding] = []
    problems: list[str] = []
    for w in outcome.warnings:
        text = given.get(w.code, "")
        prior = earlier.get(w.code)
        if not text and prior is not None and prior.status != ExplanationStatus.REJECTED:
            text = prior.text
        if not text:
            missing.append(w)
            continue
        if len(text) < MIN_EXPLANATION_CHARS:
            missing.append(w)
            problems.append(
                _("%(check)s的情况说明过短(至少%(limit)s个字)")
                % {"check": w.code, "limit": MIN_EXPLANATION_CHARS}
            )
            continue
        if len(text) > MAX_TEXT_CHARS:
            missing.append(w)
            problems.append(
                _("%(check)s的情况说明不能超过%(limit)s个字") % {"check": w.code, "limit": MAX_TEXT_CHARS}
            )
            continue
        if prior is not None and prior.status == ExplanationStatus.REJECTED and text == prior.text:
            missing.append(w)
            problems.append(
                _("%(check)s的情况说明已被审核员驳回(%(reason)s),请重新说明")
                % {"check": w.code, "reason": prior.review_reason}
            )
            continue
        rows.append(
            Explanation(
                report=report,
                version=report.version,
                check_code=w.code,
                fields=list(w.fields),
                warning=w.message,
                text=text,
                author=_actor(actor),
                author_name=_name(actor),
            )
        )
    if missing:
        detail = ";".join(problems) if problems else "、".join(w.code for w in missing)
        raise ReportingError(
            ngettext(
                "有%(count)s条核实性审核提示需要填写情况说明后才能上报:%(detail)s",
                "有%(count)s条核实性审核提示需要填写情况说明后才能上报:%(detail)s",
                len(missing),
            )
            % {"count": len(missing), "detail": detail},
            code="unexplained_warnings",
            findings=missing,
        )
    return rows


def _checked_submission(
    r: Report,
    form: ReportForm,
    new: dict[str, Any],
    explanations: Mapping[str, str] | None,
    actor: Any,
    outcome: CheckOutcome | None = None,
    earlier: Mapping[str, Explanation] | None = None,
) -> list[Explanation]:
    """Hard errors refuse; warnings need explanations. `outcome` and `earlier` (the report's
    explanations so far) are computed here unless a bulk caller evaluated them for many."""
    if outcome is None:
        outcome = check_report(form, new, build_context(r, form))
    if outcome.errors:
        raise ReportingError(
            ngettext(
                "有%(count)s处强制性审核错误,须改正后才能上报:%(errors)s",
                "有%(count)s处强制性审核错误,须改正后才能上报:%(errors)s",
                len(outcome.errors),
            )
            % {
                "count": len(outcome.errors),
                "errors": ";".join(f.message for f in outcome.errors[:5])
                + ("……" if len(outcome.errors) > 5 else ""),
            },
            code="hard_errors",
            findings=[*outcome.errors, *outcome.warnings],
        )
    return _explain(r, form, outcome, explanations, actor, earlier)


def _submission_rows(
    r: Report,
    *,
    actor: Any,
    channel: str,
    new: dict[str, Any],
    rows: list[Explanation],
    action: str,
    note: str = "",
    now: Any = None,
    make_audit: Callable[..., Any] = AuditEntry,
) -> tuple[ReportVersion, list[Any]]:
    """Put the submitted state on `r` (in memory): values, status, version, times; number the
    explanations; return the version snapshot and the audit rows (made by `make_audit`), unsaved."""
    changes = _value_changes(r.values, new)
    old_status = r.status
    r.values = new
    r.status = ReportStatus.SUBMITTED
    r.version += 1
    r.channel = channel
    now = now or timezone.now()
    r.submitted_at = now
    r.first_submitted_at = r.first_submitted_at or now
    for e in rows:
        e.version = r.version
    r.current_explanations = rows  # the response shows them without reading them back
    snapshot = _version_row(r, actor, channel, action, note)
    value_action = AuditAction.REVISE if action == "revise" else AuditAction.SAVE
    entries = [
        _audit(r, actor, channel, value_action, field=k, old=o, new=n, make=make_audit) for k, o, n in changes
    ]
    entries.append(
        _audit(
            r,
            actor,
            channel,
            action,
            field="status",
            old=old_status,
            new=r.status,
            note=note,
            make=make_audit,
        )
    )
    entries += [
        _audit(r, actor, channel, AuditAction.EXPLAIN, field=e.check_code, new=e.text, make=make_audit)
        for e in rows
    ]
    return snapshot, entries


SUBMITTED_FIELDS = [
    "values",
    "status",
    "version",
    "channel",
    "submitted_at",
    "first_submitted_at",
    "updated_at",
]


def _store_submission(
    r: Report,
    *,
    actor: Any,
    channel: str,
    new: dict[str, Any],
    rows: list[Explanation],
    action: str,
    note: str = "",
) -> list[AuditEntry]:
    """Write the submitted state: values, status, version, explanations, snapshot; return audit rows."""
    snapshot, entries = _submission_rows(
        r, actor=actor, channel=channel, new=new, rows=rows, action=action, note=note
    )
    r.save(update_fields=SUBMITTED_FIELDS)
    if rows:
        Explanation.objects.bulk_create(rows)
    snapshot.save()
    AuditEntry.objects.bulk_create(entries)
    return entries


def submit(
    report: Report,
    *,
    actor: Any,
    values: Mapping[str, Any] | None = None,
    explanations: Mapping[str, str] | None = None,
    channel: str,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> Report:
    """上报: hard errors refuse (code "hard_errors"), warnings need explanations keyed by check
    code (code "unexplained_warnings"); then the report is 已上报 and waits for review."""

    def body(r: Report) -> Report:
        _require_user(actor)
        ch = _channel(channel)
        form = form_for(r.plan, r.form_code)
        if not access.may_fill_report(actor, r):
            raise ReportingError(_("您无权上报该报表"), code="not_allowed")
        _require_open(r, form, r.period)
        if r.status not in EDITABLE_STATUSES:
            raise _state_error(r, pgettext("refused action", "上报"))
        _check_version(r, expected_version)
        new = _merge(r.values, clean_values(form, values or {}))
        rows = _checked_submission(r, form, new, explanations, actor)
        _store_submission(r, actor=actor, channel=ch, new=new, rows=rows, action=AuditAction.SUBMIT)
        return r

    payload = {
        "values": dict(values or {}),
        "explanations": dict(explanations or {}),
        "channel": channel,
        "v": expected_version,
    }
    return _keyed("submit", report, actor, idempotency_key, payload, body)


# --- review ----------------------------------------------------------------------------------


def _review(r: Report, actor: Any, decision: str, reason: str, new_status: str, channel: str) -> None:
    reviewed = r.version
    old_status = r.status
    r.status = new_status
    r.version += 1
    r.reviewed_at = timezone.now()
    r.save(update_fields=["status", "version", "reviewed_at", "updated_at"])
    ReviewAction.objects.create(
        report=r,
        version=reviewed,
        decision=decision,
        reason=reason,
        actor=_actor(actor),
        actor_name=_name(actor),
    )
    _snapshot(r, actor, channel, decision, reason)
    _audit(r, actor, channel, decision, field="status", old=old_status, new=new_status, note=reason).save()


def _notify_monitoring(report: Report) -> None:
    """Tell keju.monitoring about the approval, if that app is installed. Its failure must not
    undo the approval: it runs in a savepoint and is logged."""
    if importlib.util.find_spec("keju.monitoring.hooks") is None:
        return
    hooks = importlib.import_module("keju.monitoring.hooks")
    hook = getattr(hooks, "report_approved", None)
    if hook is None:
        return
    try:
        with transaction.atomic():
            hook(report)
    except Exception:
        log.exception("monitoring hook failed for report %s", report.pk)


def approve(report: Report, *, actor: Any, note: str = "", channel: str = Channel.WEB) -> Report:
    """审核通过: accepts the version's explanations; the figures then count in the indicators."""
    with _refusals("approve", actor, report), transaction.atomic():
        _require_user(actor)
        r = _locked(report)
        if not access.may_review_report(actor, r):
            raise ReportingError(_("您无权审核该报表"), code="not_allowed")
        if r.status != ReportStatus.SUBMITTED:
            raise _state_error(r, pgettext("refused action", "审核通过"))
        note = (note or "").strip()
        if len(note) > MAX_TEXT_CHARS:
            raise ReportingError(
                _("审核意见不能超过%(limit)s个字") % {"limit": MAX_TEXT_CHARS}, code="reason_too_long"
            )
        Explanation.objects.filter(report=r, version=r.version, status=ExplanationStatus.PENDING).update(
            status=ExplanationStatus.ACCEPTED, reviewed_by=_actor(actor), reviewed_at=timezone.now()
        )
        _review(r, actor, ReviewDecision.APPROVE, note, ReportStatus.APPROVED, _channel(channel))
        _notify_monitoring(r)
        return r


def return_report(
    report: Report,
    *,
    actor: Any,
    reason: str,
    rejected_explanations: Sequence[str] = (),
    channel: str = Channel.WEB,
) -> Report:
    """退回 with a reason; `rejected_explanations` (check codes) must then be rewritten."""
    with _refusals("return", actor, report), transaction.atomic():
        _require_user(actor)
        r = _locked(report)
        if not access.may_review_report(actor, r):
            raise ReportingError(_("您无权审核该报表"), code="not_allowed")
        if r.status != ReportStatus.SUBMITTED:
            raise _state_error(r, pgettext("refused action", "退回"))
        channel = _channel(channel)
        reason = _reason(reason, _("退回原因"))
        form = form_for(r.plan, r.form_code)
        _require_open(r, form, r.period)
        current = {e.check_code: e for e in Explanation.objects.filter(report=r, version=r.version)}
        rejected = list(dict.fromkeys(str(c) for c in rejected_explanations))
        unknown = [c for c in rejected if c not in current]
        if unknown:
            raise ReportingError(
                _("要驳回的情况说明不属于该报表的本次上报:%(checks)s") % {"checks": "、".join(unknown)},
                code="invalid_explanation",
            )
        now = timezone.now()
        entries = []
        for code in rejected:
            e = current[code]
            e.status = ExplanationStatus.REJECTED
            e.reviewed_by = _actor(actor)
            e.reviewed_at = now
            e.review_reason = reason
            e.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
            entries.append(
                _audit(r, actor, channel, AuditAction.REJECT_EXPLANATION, field=code, old=e.text, note=reason)
            )
        AuditEntry.objects.bulk_create(entries)
        _review(r, actor, ReviewDecision.RETURN, reason, ReportStatus.RETURNED, channel)
        return r


def lock(report: Report, *, actor: Any, channel: str = Channel.WEB) -> Report:
    """已锁定: an approved report becomes final (no 修订 afterwards). The office's decision."""
    with _refusals("lock", actor, report), transaction.atomic():
        _require_user(actor)
        r = _locked(report)
        if not access.may_view_report(actor, r) or not access.may_lock_report(actor, r):
            raise ReportingError(_("只有省创新办可以锁定报表"), code="not_allowed")
        if r.status != ReportStatus.APPROVED:
            raise _state_error(r, pgettext("refused action", "锁定"))
        _review(r, actor, ReviewDecision.LOCK, "", ReportStatus.LOCKED, _channel(channel))
        return r


def request_revision(
    report: Report,
    *,
    actor: Any,
    reason: str,
    values: Mapping[str, Any],
    channel: str,
    explanations: Mapping[str, str] | None = None,
    idempotency_key: str | None = None,
) -> Report:
    """修订 of an approved report: the new figures with a reason go back through review as a
    new version (status 已上报); the approved version stays in the report's versions."""

    def body(r: Report) -> Report:
        _require_user(actor)
        ch = _channel(channel)
        form = form_for(r.plan, r.form_code)
        if not access.may_fill_report(actor, r):
            raise ReportingError(_("您无权修订该报表"), code="not_allowed")
        if r.status != ReportStatus.APPROVED:
            if r.status in EDITABLE_STATUSES:
                raise ReportingError(
                    _("报表尚未审核通过,请直接修改后上报,无需修订申请"), code="invalid_state"
                )
            raise _state_error(r, pgettext("refused action", "修订"))
        text = _reason(reason, _("修订原因"))
        _require_open(r, form, r.period)
        new = _merge(r.values, clean_values(form, values))
        if not _value_changes(r.values, new):
            raise ReportingError(_("修订未改变任何数值"), code="no_change")
        rows = _checked_submission(r, form, new, explanations, actor)
        old_values, from_version = dict(r.values), r.version
        _store_submission(
            r, actor=actor, channel=ch, new=new, rows=rows, action=AuditAction.REVISE, note=text
        )
        RevisionRequest.objects.create(
            report=r,
            reason=text,
            old_values=old_values,
            new_values=new,
            from_version=from_version,
            to_version=r.version,
            requested_by=_actor(actor),
            requested_by_name=_name(actor),
            channel=ch,
        )
        return r

    payload = {
        "values": dict(values),
        "reason": reason,
        "explanations": dict(explanations or {}),
        "channel": channel,
    }
    return _keyed("revise", report, actor, idempotency_key, payload, body)


def report_form(report: Report) -> ReportForm:
    return form_for(report.plan, report.form_code)
