"""Submitting many reports of one form and period at once (a district's bulk upload).

`submit_many` does what calling `submit_one` for each item would do — the same checks and
refusals, the same reports, versions, explanations, audit entries and idempotency records —
in a constant number of queries: the rows are locked, read and written in bulk and the edit
checks run vectorised over all of them (`check_many`). `submit_one` is the reference: the
per-report services (open_report, submit, save_draft) called in turn.

When the bulk path cannot promise the same result — the same respondent twice, or another
transaction racing it (a report opened or an idempotency key claimed meanwhile) — it rolls
its writes back and runs `submit_one` per item instead.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from keju.orgs.models import Enterprise, EnterprisePlacement, OrgLevel, OrgUnit
from keju.plan.forms import ReportForm
from keju.planning.models import Plan
from keju.reporting.models import (
    ACCEPTED_STATUSES,
    EDITABLE_STATUSES,
    REPORTED_STATUSES,
    AuditAction,
    AuditEntry,
    Explanation,
    IdempotencyRecord,
    Report,
    ReportingPeriod,
    ReportStatus,
    ReportVersion,
)
from keju.reporting.services import access, workflow
from keju.reporting.services.context import HISTORY_PERIODS, PEER_PREFIX, context_from_history, peer_values
from keju.reporting.services.errors import ReportingError
from keju.reporting.services.forms import form_for, period_bounds
from keju.validation.checks import CheckContext, CheckOutcome, Finding, check_many

log = logging.getLogger("keju.reporting")

Status = Literal["submitted", "draft", "refused", "skipped"]


@dataclass
class BulkSubmission:
    """One respondent's figures to submit.

    Warnings without an explanation: with `answer_all`, that text answers every warning not
    explained in `explanations` and the submission is retried under `answer_all_key`; without
    it and with `draft_key`, the figures are kept as a draft (save_draft under that key);
    otherwise the submission is refused ("unexplained_warnings").
    """

    enterprise: Enterprise | None = None
    org_unit: OrgUnit | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    explanations: Mapping[str, str] | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None
    answer_all: str = ""
    answer_all_key: str | None = None
    draft_key: str | None = None


@dataclass
class BulkOutcome:
    status: Status
    report: Report | None = None
    error: ReportingError | None = None
    # The warnings that kept a submission a draft.
    warnings: list[Finding] = field(default_factory=list)


# --- the reference: one item through the per-report services ---------------------------------


def submit_one(
    item: BulkSubmission,
    *,
    actor: Any,
    plan: Plan,
    form_code: str,
    period: str,
    channel: str,
    report: Report | None = None,
) -> BulkOutcome:
    """The item through open_report, submit and (warnings unexplained) save_draft. Raises
    ReportingError on refusal. `report`: the respondent's report, when the caller has it."""
    if report is None:
        report = workflow.open_report(
            actor=actor,
            plan=plan,
            form_code=form_code,
            period=period,
            enterprise=item.enterprise,
            org_unit=item.org_unit,
            channel=channel,
        )
    values = dict(item.values)

    def submit(explanations: Mapping[str, str] | None, key: str | None) -> Report:
        return workflow.submit(
            report,
            actor=actor,
            values=values,
            explanations=explanations,
            channel=channel,
            expected_version=item.expected_version,
            idempotency_key=key,
        )

    try:
        return BulkOutcome("submitted", submit(item.explanations, item.idempotency_key))
    except ReportingError as exc:
        if exc.code != "unexplained_warnings":
            raise
        warnings = [w for w in exc.findings if w.severity == "warning"]
        given = item.explanations or {}
        if item.answer_all and any(w.code not in given for w in warnings):
            extra = {**given, **{w.code: item.answer_all for w in warnings}}
            return BulkOutcome("submitted", submit(extra, item.answer_all_key))
        if item.answer_all or item.draft_key is None:
            raise
        kept = workflow.save_draft(
            report,
            actor=actor,
            values=values,
            channel=channel,
            expected_version=item.expected_version,
            idempotency_key=item.draft_key,
        )
        return BulkOutcome("draft", kept, warnings=warnings)


def _one_by_one(
    items: Sequence[BulkSubmission],
    *,
    actor: Any,
    plan: Plan,
    form_code: str,
    period: str,
    channel: str,
    keep_valid: bool,
) -> list[BulkOutcome]:
    outcomes: list[BulkOutcome] = []
    for item in items:
        # Keeping valid items: one savepoint each, so a refused one leaves no trace (not even
        # the draft open_report made). All or nothing: the caller's rollback undoes everything.
        try:
            with transaction.atomic() if keep_valid else nullcontext():
                outcomes.append(
                    submit_one(
                        item, actor=actor, plan=plan, form_code=form_code, period=period, channel=channel
                    )
                )
        except ReportingError as exc:
            outcomes.append(BulkOutcome("refused", error=exc))
    return outcomes


# --- the bulk path ----------------------------------------------------------------------------


class _Race(Exception):
    """Another transaction got in the way: redo the items one by one."""


@dataclass
class _Row:
    """An item on its way through the bulk path."""

    index: int
    item: BulkSubmission
    report: Report
    new_report: bool
    new_values: dict[str, Any] = field(default_factory=dict)
    outcome: CheckOutcome | None = None
    done: BulkOutcome | None = None
    # What to write.
    claim: tuple[str, str, str] | None = None  # key, operation, fingerprint
    explanations: list[Explanation] = field(default_factory=list)


def _may_go_bulk(items: Sequence[BulkSubmission]) -> bool:
    """Duplicate respondents depend on each other's outcome: the per-item path handles them."""
    seen: set[tuple[str, int]] = set()
    for item in items:
        who = (
            ("e", item.enterprise.pk) if item.enterprise else ("o", item.org_unit.pk if item.org_unit else 0)
        )
        if who in seen:
            return False
        seen.add(who)
    return True


def submit_many(
    items: Sequence[BulkSubmission],
    *,
    actor: Any,
    plan: Plan,
    form_code: str,
    period: str,
    channel: str,
    keep_valid: bool = False,
) -> list[BulkOutcome]:
    """Submit every item (one outcome per item, same order) in one transaction.

    All or nothing unless `keep_valid`: when an item is refused nothing is written and the
    others come back "skipped". With `keep_valid`, refused items leave no trace and the
    others are stored.
    """
    with transaction.atomic():
        workflow._require_user(actor)
        channel = workflow._channel(channel)
        form = form_for(plan, form_code)
        period = period.strip()
        outcomes: list[BulkOutcome] | None = None
        if _may_go_bulk(items):
            try:
                with transaction.atomic():
                    outcomes = _bulk(items, actor, plan, form, period, channel, keep_valid)
            except _Race:
                outcomes = None
        if outcomes is None:
            outcomes = _one_by_one(
                items,
                actor=actor,
                plan=plan,
                form_code=form_code,
                period=period,
                channel=channel,
                keep_valid=keep_valid,
            )
        if not keep_valid and any(o.status == "refused" for o in outcomes):
            transaction.set_rollback(True)
            outcomes = [o if o.status == "refused" else BulkOutcome("skipped") for o in outcomes]
    for item, o in zip(items, outcomes, strict=True):
        if o.error is not None:
            log.info(
                "refused bulk submit by %s for %s: %s (%s)",
                workflow._name(actor) or "anonymous",
                item.enterprise or item.org_unit,
                o.error.code,
                o.error.message,
            )
    return outcomes


def _bulk(
    items: Sequence[BulkSubmission],
    actor: Any,
    plan: Plan,
    form: ReportForm,
    period: str,
    channel: str,
    keep_valid: bool,
) -> list[BulkOutcome]:
    year, starts_on, ends_on = period_bounds(form, period)
    window = ReportingPeriod.objects.filter(plan=plan, form_code=form.code, period=period).first()
    outcomes: list[BulkOutcome | None] = [None] * len(items)
    by_enterprise = form.respondent_level == "enterprise"

    # The existing reports, locked (in id order, as concurrent bulk uploads then queue up).
    ent_ids = [i.enterprise.pk for i in items if i.enterprise is not None]
    unit_ids = [i.org_unit.pk for i in items if i.org_unit is not None]
    existing_qs = (
        Report.objects.select_for_update(of=("self",))
        .select_related("plan", "enterprise")
        .defer("plan__document")
        .filter(plan=plan, form_code=form.code, period=period)
        .order_by("pk")
    )
    existing_qs = (
        existing_qs.filter(enterprise_id__in=ent_ids)
        if by_enterprise
        else existing_qs.filter(org_unit_id__in=unit_ids)
    )
    existing = {(r.enterprise_id if by_enterprise else r.org_unit_id): r for r in existing_qs}
    placements = _placements(ent_ids, starts_on, ends_on) if by_enterprise else {}

    rows: list[_Row] = []
    for n, item in enumerate(items):
        try:
            report = _report_for(item, existing, placements, actor, plan, form, period, year, channel, window)
            rows.append(_Row(n, item, report, new_report=report.pk is None))
        except ReportingError as exc:
            outcomes[n] = BulkOutcome("refused", error=exc)

    # Idempotency: the first claim of each item (its submission key).
    records = _records(actor, rows)
    todo: list[_Row] = []
    for row in rows:
        try:
            replay = _replayed(
                row,
                records,
                actor,
                "submit",
                row.item.idempotency_key,
                _submit_payload(row, row.item.explanations, channel),
            )
        except ReportingError as exc:
            outcomes[row.index] = BulkOutcome("refused", error=exc)
            continue
        if replay:
            outcomes[row.index] = BulkOutcome("submitted", row.report)
            continue
        try:
            _editable(row, actor, form, pgettext("refused action", "上报"), _("您无权上报该报表"))
            row.new_values = workflow._merge(row.report.values, workflow.clean_values(form, row.item.values))
        except ReportingError as exc:
            outcomes[row.index] = BulkOutcome("refused", error=exc)
            continue
        todo.append(row)

    # The edit checks of every remaining item at once.
    contexts = _contexts(plan, form, period, todo)
    for row, outcome in zip(todo, check_many(form, [r.new_values for r in todo], contexts), strict=True):
        row.outcome = outcome
    earlier = _earlier_explanations([r.report.pk for r in todo if r.report.pk is not None])
    for row in todo:
        outcomes[row.index] = _judge(row, actor, form, channel, records, earlier.get(row.report.pk, {}))

    final = [o if o is not None else BulkOutcome("refused") for o in outcomes]
    if not keep_valid and any(o.status == "refused" for o in final):
        return final  # the caller rolls back: nothing to write
    _write([r for r in todo if r.done is not None], actor, channel)
    return final


def _placements(enterprise_ids: list[int], starts_on: Any, ends_on: Any) -> dict[int, int]:
    """Enterprise id → its district in the period (the last placement overlapping it, the
    rule of open_report)."""
    rows = (
        EnterprisePlacement.objects.filter(enterprise_id__in=enterprise_ids, valid_from__lte=ends_on)
        .exclude(valid_to__lte=starts_on)
        .order_by("enterprise_id", "valid_from", "pk")
        .values_list("enterprise_id", "district_id")
    )
    return dict(rows)


def _report_for(
    item: BulkSubmission,
    existing: Mapping[int, Report],
    placements: Mapping[int, int],
    actor: Any,
    plan: Plan,
    form: ReportForm,
    period: str,
    year: int,
    channel: str,
    window: ReportingPeriod | None,
) -> Report:
    """The respondent's locked report, or a new one (unsaved) after open_report's checks."""
    who = item.enterprise or item.org_unit
    found = existing.get(who.pk) if who is not None else None
    if found is not None:
        found.window_open = window.is_open if window else None
        found.window_due_on = window.due_on if window else None
        return found
    # open_report's refusals, in its order.
    enterprise, org_unit = item.enterprise, item.org_unit
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
        district_id = placements.get(enterprise.pk)
        if district_id is None:
            raise workflow.not_placed(enterprise.name, plan.zone_name, period)
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
    if not access.may_fill(
        actor,
        plan_id=plan.pk,
        district_id=district_id,
        enterprise_id=enterprise.pk if enterprise else None,
        org_unit_id=org_unit.pk if org_unit else None,
    ):
        raise ReportingError(_("您无权填报该报表"), code="not_allowed")
    report = Report(
        plan=plan,
        form_code=form.code,
        period=period,
        year=year,
        district_id=district_id,
        enterprise=enterprise,
        org_unit=org_unit,
        values={},
        status=ReportStatus.DRAFT,
        channel=channel,
        version=1,
    )
    report.window_open = window.is_open if window else None
    report.window_due_on = window.due_on if window else None
    workflow._require_open(report, form, period)
    return report


def _keys(item: BulkSubmission) -> list[str]:
    return [k.strip() for k in (item.idempotency_key, item.answer_all_key, item.draft_key) if k is not None]


def _records(actor: Any, rows: list[_Row]) -> dict[str, IdempotencyRecord]:
    keys = [k for row in rows for k in _keys(row.item)]
    if not keys or actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    found: dict[str, IdempotencyRecord] = {}
    for start in range(0, len(keys), 2000):
        for r in IdempotencyRecord.objects.filter(actor=actor, key__in=keys[start : start + 2000]):
            found[r.key] = r
    return found


def _submit_payload(row: _Row, explanations: Mapping[str, str] | None, channel: str) -> dict[str, Any]:
    return {
        "values": dict(row.item.values or {}),
        "explanations": dict(explanations or {}),
        "channel": channel,
        "v": row.item.expected_version,
    }


def _replayed(
    row: _Row,
    records: Mapping[str, IdempotencyRecord],
    actor: Any,
    operation: str,
    key: str | None,
    payload: Mapping[str, Any],
) -> bool:
    """_claim_key's decision without writing: True for a replay of an earlier call; otherwise
    the claim to write is noted on the row. Refusals as _claim_key's."""
    if key is None:
        row.claim = None
        return False
    key = key.strip()
    if not key or len(key) > workflow.MAX_KEY_CHARS:
        raise ReportingError(
            _("幂等键(Idempotency-Key)须为1到%(limit)s个字符") % {"limit": workflow.MAX_KEY_CHARS},
            code="invalid_idempotency_key",
        )
    workflow._require_user(actor)
    fingerprint = workflow._fingerprint(operation, payload)
    first = records.get(key)
    if first is None:
        row.claim = (key, operation, fingerprint)
        return False
    if first.operation != operation or first.fingerprint != fingerprint or first.report_id != row.report.pk:
        raise workflow._mismatch(key)
    return True


def _editable(row: _Row, actor: Any, form: ReportForm, doing: str, not_allowed: str) -> None:
    """The checks submit and save_draft make before the values: access, period, state, version."""
    r = row.report
    workflow._require_user(actor)
    if not access.may_fill_report(actor, r):
        raise ReportingError(not_allowed, code="not_allowed")
    workflow._require_open(r, form, r.period)
    if r.status not in EDITABLE_STATUSES:
        raise workflow._state_error(r, doing)
    workflow._check_version(r, row.item.expected_version)


def _contexts(plan: Plan, form: ReportForm, period: str, rows: list[_Row]) -> list[CheckContext]:
    """build_context for every row in two queries: the respondents' own reported history and
    the approved reports of the same form and period (industry peers)."""
    if not rows:
        return []
    by_enterprise = form.respondent_level == "enterprise"
    key = "enterprise_id" if by_enterprise else "org_unit_id"
    ids = [getattr(r.report, key) for r in rows]
    history: dict[int, list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    own = (
        Report.objects.filter(
            plan=plan,
            form_code=form.code,
            status__in=REPORTED_STATUSES,
            period__lt=period,
            **{f"{key}__in": ids},
        )
        .order_by(key, "-period")
        .values_list(key, "period", "values")
    )
    for who, p, values in own:
        if len(history[who]) < HISTORY_PERIODS:
            history[who].append((p, values))
    peers_by_prefix: dict[str, dict[str, list[float]]] = {}
    if by_enterprise:
        prefixes = {
            r.report.enterprise.industry_code[:PEER_PREFIX] for r in rows if r.report.enterprise.industry_code
        }
        if prefixes:
            # Approved reports only: none of the rows is among them (an approved report is not
            # editable, so it never reaches the checks), as build_context's exclusion of itself.
            approved = list(
                Report.objects.filter(
                    plan=plan, form_code=form.code, period=period, status__in=ACCEPTED_STATUSES
                )
                .order_by("pk")
                .values_list("enterprise__industry_code", "values")
            )
            for prefix in prefixes:
                peers_by_prefix[prefix] = peer_values(
                    form, (v for code, v in approved if (code or "").startswith(prefix))
                )
    contexts = []
    for r in rows:
        peers = None
        if by_enterprise and r.report.enterprise.industry_code:
            peers = peers_by_prefix[r.report.enterprise.industry_code[:PEER_PREFIX]]
        contexts.append(context_from_history(form, period, history.get(getattr(r.report, key), []), peers))
    return contexts


def _earlier_explanations(report_ids: list[int]) -> dict[int, dict[str, Explanation]]:
    found: dict[int, dict[str, Explanation]] = defaultdict(dict)
    if report_ids:
        for e in Explanation.objects.filter(report_id__in=report_ids).order_by("report_id", "version"):
            found[e.report_id][e.check_code] = e
    return found


def _judge(
    row: _Row,
    actor: Any,
    form: ReportForm,
    channel: str,
    records: Mapping[str, IdempotencyRecord],
    earlier: Mapping[str, Explanation],
) -> BulkOutcome:
    """submit_one's decision for a checked row: submitted, retried with every warning
    answered, kept as a draft, or refused. Notes on the row what to write."""
    item, r = row.item, row.report
    assert row.outcome is not None

    def attempt(explanations: Mapping[str, str] | None) -> list[Explanation]:
        return workflow._checked_submission(
            r, form, row.new_values, explanations, actor, outcome=row.outcome, earlier=earlier
        )

    try:
        row.explanations = attempt(item.explanations)
        row.done = BulkOutcome("submitted", r)
        return row.done
    except ReportingError as exc:
        if exc.code != "unexplained_warnings":
            return BulkOutcome("refused", error=exc)
        first_error = exc
    warnings = [w for w in first_error.findings if w.severity == "warning"]
    given = item.explanations or {}
    try:
        if item.answer_all and any(w.code not in given for w in warnings):
            extra = {**given, **{w.code: item.answer_all for w in warnings}}
            if _replayed(
                row, records, actor, "submit", item.answer_all_key, _submit_payload(row, extra, channel)
            ):
                return BulkOutcome("submitted", r)
            row.explanations = attempt(extra)
            row.done = BulkOutcome("submitted", r)
            return row.done
        if item.answer_all or item.draft_key is None:
            return BulkOutcome("refused", error=first_error)
        payload = {"values": dict(item.values), "channel": channel, "v": item.expected_version}
        if _replayed(row, records, actor, "save_draft", item.draft_key, payload):
            return BulkOutcome("draft", r, warnings=warnings)
        # save_draft's own checks (the same as submit's, which passed) and its no-change case.
        row.done = BulkOutcome("draft", r, warnings=warnings)
        return row.done
    except ReportingError as exc:
        return BulkOutcome("refused", error=exc)


def _write(rows: list[_Row], actor: Any, channel: str) -> None:
    """Store the rows' outcomes: new reports (created in their final state), updated reports,
    explanations, versions, audit entries and idempotency records, each in bulk statements."""
    now = timezone.now()
    audit: list[AuditEntry] = []
    versions: list[ReportVersion] = []
    explanations: list[Explanation] = []
    created: list[Report] = []
    updated: list[Report] = []
    for row in rows:
        r = row.report
        assert row.done is not None
        if row.new_report:
            # open_report's entry, at the version it created (1).
            audit.append(
                workflow._audit(r, actor, channel, AuditAction.CREATE, field="status", new=ReportStatus.DRAFT)
            )
        if row.done.status == "submitted":
            snapshot, entries = workflow._submission_rows(
                r,
                actor=actor,
                channel=channel,
                new=row.new_values,
                rows=row.explanations,
                action=AuditAction.SUBMIT,
                now=now,
            )
            versions.append(snapshot)
            explanations += row.explanations
            audit += entries
        else:
            changes = workflow._value_changes(r.values, row.new_values)
            if changes:
                # save_draft's writes (nothing at all when nothing changes).
                r.values = row.new_values
                r.version += 1
                r.channel = channel
                audit += [
                    workflow._audit(r, actor, channel, AuditAction.SAVE, field=k, old=o, new=n)
                    for k, o, n in changes
                ]
            elif not row.new_report:
                continue
        r.updated_at = now
        (created if row.new_report else updated).append(r)
    if created:
        try:
            with transaction.atomic():
                Report.objects.bulk_create(created, batch_size=1000)
        except IntegrityError as exc:
            raise _Race from exc  # opened meanwhile by someone else
    _claim_all(actor, rows)
    submitted = [r for r in updated if r.status == ReportStatus.SUBMITTED]
    drafts = [r for r in updated if r.status != ReportStatus.SUBMITTED]
    if submitted:
        Report.objects.bulk_update(submitted, workflow.SUBMITTED_FIELDS, batch_size=500)
    if drafts:
        Report.objects.bulk_update(drafts, ["values", "version", "channel", "updated_at"], batch_size=500)
    _insert(Explanation, explanations)
    _insert(ReportVersion, versions)
    _insert(AuditEntry, audit)


def _insert(model: Any, objs: list[Any]) -> None:
    """INSERT the objects (their ids are not needed afterwards). On PostgreSQL with COPY: a
    5,000-row upload writes about 100,000 audit entries, and COPY streams them without
    building and parsing statements of thousands of parameters."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=1000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    q = connection.ops.quote_name
    sql = f"COPY {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            # As bulk_create: foreign keys to objects saved since, auto_now_add times.
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def _claim_all(actor: Any, rows: list[_Row]) -> None:
    """Insert the rows' idempotency records (INSERT … ON CONFLICT DO NOTHING): a key that
    exists now was claimed by a concurrent call after we looked, so redo item by item."""
    claims = [(row, row.claim) for row in rows if row.claim is not None]
    if not claims:
        return
    q = connection.ops.quote_name
    table = q(IdempotencyRecord._meta.db_table)
    columns = ["actor_id", "key", "operation", "fingerprint", "report_id", "created_at", "result_version"]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    inserted = 0
    for start in range(0, len(claims), 500):
        chunk = claims[start : start + 500]
        params: list[Any] = []
        for row, (key, operation, fingerprint) in chunk:
            params += [actor.pk, key, operation, fingerprint, row.report.pk, now, row.report.version]
        placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
        sql = (
            f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES {placeholders} "
            f"ON CONFLICT ({q('actor_id')}, {q('key')}) DO NOTHING RETURNING {q('id')}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted += len(cursor.fetchall())
    if inserted != len(claims):
        raise _Race
