"""The API's submission hot path in hand-written SQL: POST /submissions, POST /reports,
POST /reports/{id}/submit and PUT /reports/{id} for an enterprise's reporter.

Why: at a reporting deadline thousands of enterprises push their figures within hours
(benchmarks/deadline_surge.py). Through the ORM a one-call submission cost about 15 ms of CPU,
most of it Django compiling a dozen queries to SQL, and PostgreSQL planning them. Here the same
reads and writes are four statements through `connection.cursor()` — the caller with the
report (opened or locked), history and peers, all writes at once — prepared once per database
session on PostgreSQL (see "prepared statements" below).

What stays shared with the ORM path (workflow.py), so the two cannot drift: every decision
and every row — the checks and their order, the refusals and their wording, the edit checks,
the explanations, the audit entries, the version snapshot, the idempotency record — is made by
the same functions; only reading and writing the database is plain SQL here. Tests
(tests/test_api_fast_path.py) prove that both paths answer the same and write the same rows.

Only the common case comes here: a caller whose one role is an enterprise's reporter, acting
on its own enterprise's report of an enterprise form. Such a caller sees and fills exactly
its enterprise's reports (keju.accounts.scoping.report_q, access.may_fill), which the
statements check in SQL by joining the caller's role. Anything else — office staff,
reviewers, superusers, several roles, another respondent named explicitly, district forms —
raises NotHandled before anything is written, and the API runs the ORM path.

Roles are read with every call (joined into the first statement), not cached: a role revoked
or changed takes effect at the caller's next request, as on the ORM path. Form definitions
and their compiled checks are cached per process by forms_for.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.signals import connection_created
from django.db.models import DateTimeField
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import pgettext

from keju.accounts.models import Role, RoleAssignment
from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
from keju.plan.forms import ReportForm
from keju.planning.models import Plan
from keju.reporting.models import (
    ACCEPTED_STATUSES,
    EDITABLE_STATUSES,
    REPORTED_STATUSES,
    AuditAction,
    AuditEntry,
    Channel,
    Explanation,
    IdempotencyRecord,
    Report,
    ReportingPeriod,
    ReportStatus,
    ReportVersion,
)
from keju.reporting.services import workflow
from keju.reporting.services.context import PEER_PREFIX, context_from_rows
from keju.reporting.services.errors import NotFound, ReportingError
from keju.reporting.services.forms import form_for, period_bounds
from keju.validation.checks import check_report


class NotHandled(Exception):
    """Not the fast path's case; nothing was written: run the ORM path."""


# --- statements -----------------------------------------------------------------------------

_ROLE = RoleAssignment._meta.db_table
_ENTERPRISE = Enterprise._meta.db_table
_PLAN = Plan._meta.db_table
_PLACEMENT = EnterprisePlacement._meta.db_table
_UNIT = OrgUnit._meta.db_table
_PERIOD = ReportingPeriod._meta.db_table
_REPORT = Report._meta.db_table
_KEY = IdempotencyRecord._meta.db_table
_EXPLANATION = Explanation._meta.db_table

# The caller's roles, when the statements below found no report of theirs (is it a reporter?).
ROLES_SQL = f"SELECT role FROM {_ROLE} WHERE user_id = %s ORDER BY id LIMIT 2"

# The caller through its reporter role (`ra`): how many roles it has (the fast path wants
# one), its enterprise and the plan (`p`).
_CALLER_COLUMNS = (
    f"(SELECT COUNT(*) FROM {_ROLE} n WHERE n.user_id = ra.user_id), "
    "e.id, e.name, e.credit_code, e.industry_code, "
    "p.id, p.code, p.title, p.zone_name, p.source_file, p.content_hash"
)
_N_CALLER = 11
_REPORT_COLUMNS = (
    'r.id, r.plan_id, r.form_code, r.period, r.year, r.enterprise_id, r.district_id, r."values", '
    "r.status, r.channel, r.version, r.created_at, r.updated_at, r.first_submitted_at, "
    "r.submitted_at, r.reviewed_at, d.code, d.name"
)

# Opening (workflow.open_report) for the caller's enterprise: where it sat in the period
# (workflow._placement_in), the period's state (workflow._require_open), the key's earlier
# record and the report if there is one. No row: the caller is no enterprise's reporter.
OPEN_SQL = f"""
SELECT {_CALLER_COLUMNS},
       pd.id, pd.code, pd.name, per.is_open, per.due_on,
       k.operation, k.fingerprint, k.report_id,
       {_REPORT_COLUMNS}
FROM {_ROLE} ra
JOIN {_ENTERPRISE} e ON e.id = ra.enterprise_id
JOIN {_PLAN} p ON p.id = e.plan_id
LEFT JOIN {_UNIT} pd ON pd.id = (
    SELECT pl.district_id FROM {_PLACEMENT} pl
    WHERE pl.enterprise_id = e.id AND pl.valid_from <= %s AND (pl.valid_to IS NULL OR pl.valid_to > %s)
    ORDER BY pl.valid_from DESC
    LIMIT 1
)
LEFT JOIN {_PERIOD} per ON per.plan_id = p.id AND per.form_code = %s AND per.period = %s
LEFT JOIN {_KEY} k ON k.actor_id = ra.user_id AND k."key" = %s
LEFT JOIN {_REPORT} r ON r.form_code = %s AND r.period = %s AND r.enterprise_id = e.id
LEFT JOIN {_UNIT} d ON d.id = r.district_id
WHERE ra.user_id = %s AND ra.role = %s
ORDER BY ra.id
LIMIT 2
"""

# The report locked for the transaction if it is the caller's enterprise's (as
# workflow.lock_visible for a reporter), with its period's state and the key's earlier record.
_LOCK_SELECT = f"""
SELECT {_CALLER_COLUMNS},
       per.is_open, per.due_on, k.operation, k.fingerprint, k.report_id,
       {_REPORT_COLUMNS}
FROM {_REPORT} r
JOIN {_ROLE} ra ON ra.user_id = %s AND ra.role = %s AND ra.enterprise_id = r.enterprise_id
JOIN {_ENTERPRISE} e ON e.id = r.enterprise_id
JOIN {_PLAN} p ON p.id = r.plan_id
JOIN {_UNIT} d ON d.id = r.district_id
LEFT JOIN {_PERIOD} per ON per.plan_id = r.plan_id AND per.form_code = r.form_code AND per.period = r.period
LEFT JOIN {_KEY} k ON k.actor_id = ra.user_id AND k."key" = %s
WHERE r.id = %s
"""

# build_context's query: the respondent's reported earlier periods and, for an enterprise with
# an industry, the approved reports of the same form and period of its industry division —
# in id order, as the two parts of a UNION ALL, each of which an index serves.
_OWN = (
    f'SELECT r.id, r.period, r."values" FROM {_REPORT} r '
    "WHERE r.enterprise_id = %s AND r.plan_id = %s AND r.form_code = %s "
    "AND r.status IN (%s, %s, %s) AND r.period < %s"
)
_PEERS = (
    f'SELECT r.id, r.period, r."values" FROM {_REPORT} r JOIN {_ENTERPRISE} e ON e.id = r.enterprise_id '
    "WHERE r.plan_id = %s AND r.form_code = %s AND r.period = %s AND r.enterprise_id IS NOT NULL "
    "AND r.status IN (%s, %s) AND e.industry_code LIKE %s ESCAPE '\\' AND r.id <> %s"
)
HISTORY_SQL = f"{_OWN} ORDER BY 1"
HISTORY_AND_PEERS_SQL = f"{_OWN} UNION ALL {_PEERS} ORDER BY 1"

# The report's explanations, oldest version first (workflow._explain's `earlier`).
EARLIER_SQL = f"SELECT check_code, status, text, review_reason FROM {_EXPLANATION} WHERE report_id = %s ORDER BY version"
# The explanations of the latest version that has any (what the API shows).
LATEST_SQL = (
    f"SELECT version, check_code, fields, warning, text, status, review_reason FROM {_EXPLANATION} "
    f"WHERE report_id = %s AND version = (SELECT MAX(version) FROM {_EXPLANATION} WHERE report_id = %s) "
    "ORDER BY check_code"
)
CLAIM_SQL = f'SELECT operation, fingerprint, report_id FROM {_KEY} WHERE actor_id = %s AND "key" = %s'


def _q(name: str) -> str:
    # Double quotes quote names on PostgreSQL and SQLite alike ("values" and "key" need them).
    return f'"{name}"'


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(*_statement(cursor, sql, params))
        return cursor.fetchall()


def _execute(sql: str, params: Sequence[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(*_statement(cursor, sql, params))


# --- prepared statements (PostgreSQL) ------------------------------------------------------------
#
# Planning the statements above costs PostgreSQL more than running them (the opening one joins
# nine relations: about 2 ms of the database's CPU per call, against 0.2 ms to run it). So on
# PostgreSQL each is prepared once per database session (PREPARE, plain SQL) and then run with
# EXECUTE. Prepared statements belong to the session and survive rollbacks; the set of those
# prepared is kept on the connection and emptied whenever Django opens a new one. (Behind a
# pooler in transaction mode, such as pgbouncer's, sessions are shared between clients: turn
# the fast path off there with KEJU_REPORTING_FAST_PATH = False.)

_NAMES: dict[str, tuple[str, str, int]] = {}


def _prepared_names() -> set[str]:
    wrapper = connections[DEFAULT_DB_ALIAS]
    names = getattr(wrapper, "keju_prepared", None)
    if names is None:
        names = wrapper.keju_prepared = set()
    return names


@receiver(connection_created)
def _new_session(sender: Any, connection: Any, **kwargs: Any) -> None:
    connection.keju_prepared = set()


def _statement(cursor: Any, sql: str, params: Sequence[Any]) -> tuple[str, Sequence[Any]]:
    """The statement to run for `sql` with `params`: on PostgreSQL EXECUTE of it prepared."""
    if connection.vendor != "postgresql":
        return sql, params
    known = _NAMES.get(sql)
    if known is None:
        numbered = iter(range(1, sql.count("%s") + 1))
        text = re.sub(r"%s", lambda _: f"${next(numbered)}", sql)
        name = "keju_fast_" + hashlib.sha1(sql.encode()).hexdigest()[:20]
        known = _NAMES.setdefault(sql, (name, text, sql.count("%s")))
    name, text, n = known
    prepared = _prepared_names()
    if name not in prepared:
        cursor.execute(f"PREPARE {name} AS {text}")
        prepared.add(name)
    return (f"EXECUTE {name}({', '.join(['%s'] * n)})" if n else f"EXECUTE {name}"), params


def _lock_sql() -> str:
    # SQLite has no row locks: its IMMEDIATE transactions serialise writers instead.
    return _LOCK_SELECT + (" FOR UPDATE OF r" if connection.features.has_select_for_update_of else "")


# --- values as the database returns them -------------------------------------------------------


def _json(value: Any) -> Any:
    # PostgreSQL's jsonb and SQLite's text both arrive as text through Django's cursor.
    return json.loads(value) if isinstance(value, str | bytes) else value


def _datetime(value: Any) -> datetime | None:
    # SQLite stores naive UTC text (a plain column arrives parsed, a subquery's as text).
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    assert isinstance(value, datetime)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def _date(value: Any) -> date | None:
    return parse_date(value) if isinstance(value, str) else value


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


# --- writes -----------------------------------------------------------------------------------


@dataclass
class _Writes:
    """What a call writes, all at its end: the report (inserted as it is now when it has no
    row yet, else the `updated` fields) and new rows — explanations, the version snapshot,
    audit entries — each table's rows in the order given."""

    report: Report
    updated: Sequence[str] = ()
    rows: list[Any] = dataclass_field(default_factory=list)

    @property
    def new_report(self) -> bool:
        return self.report.pk is None


_REPORT_CONFLICT = '("form_code", "period", "enterprise_id") WHERE "enterprise_id" IS NOT NULL'
_KEY_COLUMNS = ("actor_id", "key", "operation", "fingerprint", "report_id", "created_at", "result_version")


class _AuditRow:
    """An audit entry to write: AuditEntry's fields without the model instance (a submission
    writes one per changed field; making each an instance cost more than writing them all).
    Made by workflow._audit(…, make=_AuditRow) from the same arguments as the ORM path's."""

    model = AuditEntry

    def __init__(self, *, report: Report | None, period: Any, actor: Any, **fields: Any) -> None:
        self.report, self.period, self.actor = report, period, actor
        self.__dict__.update(fields)

    @property
    def report_id(self) -> int | None:
        return None if self.report is None else self.report.pk

    @property
    def period_id(self) -> int | None:
        return None if self.period is None else self.period.pk

    @property
    def actor_id(self) -> int | None:
        return None if self.actor is None else self.actor.pk


@dataclass(frozen=True)
class _Table:
    """The columns a model's rows are written with (all but the id), in order; the times a
    save sets (auto_now every time, auto_now_add on creation)."""

    fields: tuple[Any, ...]
    auto_now: tuple[str, ...]
    auto_now_add: tuple[str, ...]

    @classmethod
    def of(cls, model: Any) -> _Table:
        fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
        times = [f for f in fields if isinstance(f, DateTimeField)]
        return cls(
            fields,
            tuple(f.attname for f in times if f.auto_now),
            tuple(f.attname for f in times if f.auto_now_add),
        )


_ROW_MODELS = (Explanation, ReportVersion, AuditEntry)
_TABLES = {model: _Table.of(model) for model in (Report, *_ROW_MODELS)}


def _model(obj: Any) -> Any:
    return getattr(obj, "model", type(obj))


def _stamp(obj: Any, table: _Table, now: datetime, created: bool) -> None:
    for name in table.auto_now:
        setattr(obj, name, now)
    if created:
        for name in table.auto_now_add:
            setattr(obj, name, now)


def _flush(w: _Writes, actor: Any, claim: tuple[str, str, str] | None) -> None:
    """Write `w` and, given a claim (key, operation, fingerprint), the call's idempotency
    record. Raises _KeyTaken (nothing kept: in_one_transaction runs the call again) when a
    concurrent call created the report or claimed the key first — INSERT … ON CONFLICT DO
    NOTHING, which on PostgreSQL waits for that other transaction to end."""
    now = timezone.now()
    _stamp(w.report, _TABLES[Report], now, w.new_report)
    for obj in w.rows:
        _stamp(obj, _TABLES[_model(obj)], now, True)
    flush = _flush_postgresql if connection.vendor == "postgresql" else _flush_each
    if not flush(w, actor, claim):
        raise workflow._KeyTaken


def _flush_each(w: _Writes, actor: Any, claim: tuple[str, str, str] | None) -> bool:
    """One statement per table, values prepared by their fields as Django's save does."""
    r = w.report

    def prepared(obj: Any, fields: Sequence[Any]) -> list[Any]:
        return [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]

    def insert(model: Any, objs: Sequence[Any], suffix: str = "") -> list[tuple[Any, ...]]:
        fields = _TABLES[model].fields
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {model._meta.db_table} ({', '.join(_q(f.column) for f in fields)}) "
            f"VALUES {', '.join([row] * len(objs))}{suffix}"
        )
        return _rows(sql, [v for obj in objs for v in prepared(obj, fields)])

    if w.new_report:
        inserted = insert(Report, [r], f" ON CONFLICT {_REPORT_CONFLICT} DO NOTHING RETURNING id")
        if not inserted:
            return False
        r.pk = inserted[0][0]
        for obj in w.rows:
            obj.report = r
    elif w.updated:
        fields = [Report._meta.get_field(name) for name in w.updated]
        sql = f"UPDATE {_REPORT} SET {', '.join(f'{_q(f.column)} = %s' for f in fields)} WHERE id = %s"
        _execute(sql, [*prepared(r, fields), r.pk])
    for model in _ROW_MODELS:
        objs = [obj for obj in w.rows if _model(obj) is model]
        if objs:
            insert(model, objs)
    if claim is None:
        return True
    key, operation, fingerprint = claim
    return workflow._insert_key(actor.pk, key, operation, fingerprint, r.pk, r.version)


def _document(obj: Any, fields: Sequence[Any]) -> dict[str, Any]:
    """A row as JSON for jsonb_populate_record(set): JSON columns nested as they are (None is
    SQL NULL, as Django stores it), times in ISO form."""
    doc = {}
    for f in fields:
        value = getattr(obj, f.attname)
        doc[f.column] = value.isoformat() if isinstance(value, datetime) else value
    return doc


def _flush_postgresql(w: _Writes, actor: Any, claim: tuple[str, str, str] | None) -> bool:
    """Everything in one statement (data-modifying CTEs): the rows of each table travel as
    one JSON parameter expanded by jsonb_populate_recordset into the table's row type, so
    the values are typed by the columns themselves and binding costs one parameter."""
    r = w.report
    ctes: list[str] = []
    params: list[Any] = []
    new = w.new_report
    if new:
        fields = _TABLES[Report].fields
        columns = ", ".join(_q(f.column) for f in fields)
        ctes.append(
            f"r AS (INSERT INTO {_REPORT} ({columns}) SELECT {columns} "
            f"FROM jsonb_populate_record(NULL::{_REPORT}, %s::jsonb) "
            f"ON CONFLICT {_REPORT_CONFLICT} DO NOTHING RETURNING id)"
        )
        params.append(json.dumps(_document(r, fields)))
    elif w.updated:
        fields = [Report._meta.get_field(name) for name in w.updated]
        ctes.append(
            f"u AS (UPDATE {_REPORT} SET {', '.join(f'{_q(f.column)} = x.{_q(f.column)}' for f in fields)} "
            f"FROM jsonb_populate_record(NULL::{_REPORT}, %s::jsonb) x WHERE {_REPORT}.id = %s)"
        )
        params += [json.dumps(_document(r, fields)), r.pk]
    report_id = "r.id" if new else "%s::bigint"
    for n, model in enumerate(_ROW_MODELS):
        objs = [obj for obj in w.rows if _model(obj) is model]
        if not objs:
            continue
        fields = _TABLES[model].fields
        table = model._meta.db_table
        picked = ", ".join("r.id" if new and f.column == "report_id" else f"x.{_q(f.column)}" for f in fields)
        ctes.append(
            f"t{n} AS (INSERT INTO {table} ({', '.join(_q(f.column) for f in fields)}) SELECT {picked} "
            f"FROM {'r, ' if new else ''}jsonb_populate_recordset(NULL::{table}, %s::jsonb) WITH ORDINALITY x "
            "ORDER BY x.ordinality)"
        )
        params.append(json.dumps([_document(obj, fields) for obj in objs]))
    if claim is not None:
        key, operation, fingerprint = claim
        ctes.append(
            f"k AS (INSERT INTO {_KEY} ({', '.join(_q(c) for c in _KEY_COLUMNS)}) "
            # Typed: a prepared statement types its parameters from where they stand.
            f"SELECT %s::bigint, %s::varchar, %s::varchar, %s::varchar, {report_id}, %s::timestamptz, "
            f"%s::integer{' FROM r' if new else ''} "
            f"ON CONFLICT ({_q('actor_id')}, {_q('key')}) DO NOTHING RETURNING id)"
        )
        params += [actor.pk, key, operation, fingerprint]
        if not new:
            params.append(r.pk)
        params += [timezone.now(), r.version]
    if not ctes:
        return True
    outcome = ", ".join(
        ["(SELECT id FROM r)" if new else "NULL", "(SELECT COUNT(*) FROM k)" if claim is not None else "1"]
    )
    rows = _rows(f"WITH {', '.join(ctes)} SELECT {outcome}", params)
    if new:
        if rows[0][0] is None:
            return False
        r.pk = rows[0][0]
    return bool(rows[0][1])


# --- the caller ----------------------------------------------------------------------------------


def _may_be_fast(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.is_superuser:
        raise NotHandled


def _caller(row: Sequence[Any]) -> tuple[Enterprise, Plan]:
    """The enterprise and plan from _CALLER_COLUMNS, or NotHandled unless the reporter role
    is the caller's only one."""
    n_roles, enterprise_id, name, credit_code, industry, plan_id, code, title, zone, source, content_hash = (
        row
    )
    if n_roles != 1:
        raise NotHandled
    plan = Plan(
        pk=plan_id, code=code, title=title, zone_name=zone, source_file=source, content_hash=content_hash
    )
    enterprise = Enterprise(
        pk=enterprise_id, plan_id=plan_id, name=name, credit_code=credit_code, industry_code=industry
    )
    return enterprise, plan


def _is_plain_reporter(user: Any) -> bool:
    rows = _rows(ROLES_SQL, [user.pk])
    return len(rows) == 1 and rows[0][0] == Role.ENTERPRISE_REPORTER


def _report_from(row: Sequence[Any], enterprise: Enterprise) -> Report:
    """A Report from _REPORT_COLUMNS, with its enterprise and district for the response."""
    (pk, plan_id, form_code, period, year, _e, district_id, values, status, channel, version) = row[:11]
    created, updated, first_submitted, submitted, reviewed, d_code, d_name = row[11:18]
    return Report(
        pk=pk,
        plan_id=plan_id,
        form_code=form_code,
        period=period,
        year=year,
        enterprise=enterprise,
        district=OrgUnit(pk=district_id, code=d_code, name=d_name),
        values=_json(values),
        status=status,
        channel=channel,
        version=version,
        created_at=_datetime(created),
        updated_at=_datetime(updated),
        first_submitted_at=_datetime(first_submitted),
        submitted_at=_datetime(submitted),
        reviewed_at=_datetime(reviewed),
    )


def _with_claim(report: Report, key: str | None, claim: Sequence[Any]) -> Report:
    """As workflow._locked: the key's earlier record, if any, rides on the locked row."""
    report.claim_key = key
    report.claim_operation, report.claim_fingerprint, report.claim_report_id = (
        tuple(claim) if claim[0] is not None else (None, None, None)
    )
    return report


def _key_of(key: str | None) -> str | None:
    """The key as looked up (stripped; an unusable key finds nothing and is refused later)."""
    if key is None:
        return None
    key = key.strip()
    return key if 0 < len(key) <= workflow.MAX_KEY_CHARS else None


def _lock(user: Any, report_id: int, key: str | None) -> Report:
    """The report locked for this transaction if the caller, a plain reporter, may see it
    (one statement); NotFound if not; NotHandled for other callers."""
    _may_be_fast(user)
    rows = _rows(_lock_sql(), [user.pk, Role.ENTERPRISE_REPORTER, _key_of(key), report_id])
    if not rows:
        if _is_plain_reporter(user):
            raise NotFound()  # a reporter sees its enterprise's reports only
        raise NotHandled
    row = rows[0]
    enterprise, plan = _caller(row[:_N_CALLER])
    is_open, due_on = row[_N_CALLER : _N_CALLER + 2]
    report = _report_from(row[_N_CALLER + 5 :], enterprise)
    report.plan = plan
    report.window_open = _bool(is_open)
    report.window_due_on = _date(due_on)
    return _with_claim(report, _key_of(key), row[_N_CALLER + 2 : _N_CALLER + 5])


# --- reads for the checks and the response ------------------------------------------------------


def _context_rows(report: Report, form: ReportForm, industry: str) -> list[tuple[str, Any]]:
    own = [report.enterprise_id, report.plan_id, form.code, *REPORTED_STATUSES, report.period]
    if not industry:
        return [(p, _json(v)) for _, p, v in _rows(HISTORY_SQL, own)]
    prefix = industry[:PEER_PREFIX].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    peers = [report.plan_id, form.code, report.period, *ACCEPTED_STATUSES, prefix, report.pk or 0]
    return [(p, _json(v)) for _, p, v in _rows(HISTORY_AND_PEERS_SQL, [*own, *peers])]


class _Earlier:
    """The fields of an earlier explanation that workflow._explain reads."""

    __slots__ = ("check_code", "review_reason", "status", "text")

    def __init__(self, check_code: str, status: str, text: str, review_reason: str) -> None:
        self.check_code, self.status, self.text, self.review_reason = check_code, status, text, review_reason


def _earlier(report: Report) -> dict[str, Any]:
    if report.pk is None:
        return {}
    return {row[0]: _Earlier(*row) for row in _rows(EARLIER_SQL, [report.pk])}


def _latest_explanations(report: Report) -> list[Explanation]:
    rows = _rows(LATEST_SQL, [report.pk, report.pk])
    return [
        Explanation(
            report_id=report.pk,
            version=version,
            check_code=check_code,
            fields=_json(fields),
            warning=warning,
            text=text,
            status=status,
            review_reason=review_reason,
        )
        for version, check_code, fields, warning, text, status, review_reason in rows
    ]


def _for_response(report: Report) -> Report:
    """A report read from the database, ready for the API's response (its explanations)."""
    if not hasattr(report, "current_explanations"):
        report.current_explanations = _latest_explanations(report)
    return report


# --- the workflow, as workflow._keyed with submit / save_draft bodies --------------------------


def _check(r: Report, form: ReportForm, new: dict[str, Any], explanations: Any, actor: Any) -> list[Any]:
    """workflow._checked_submission with the context and earlier explanations read here."""
    industry = r.enterprise.industry_code or ""
    context = context_from_rows(form, r.period, _context_rows(r, form, industry), with_peers=bool(industry))
    outcome = check_report(form, new, context)
    earlier = _earlier(r) if outcome.warnings and not outcome.errors else {}
    return workflow._checked_submission(r, form, new, explanations, actor, outcome=outcome, earlier=earlier)


def _editable(r: Report, actor: Any, form: ReportForm, expected_version: int | None, doing: str) -> None:
    """The body's checks before the values (access is the fast path's precondition)."""
    workflow._require_user(actor)
    workflow._require_open(r, form, r.period)
    if r.status not in EDITABLE_STATUSES:
        raise workflow._state_error(r, doing)
    workflow._check_version(r, expected_version)


def _keyed(
    operation: str,
    r: Report,
    actor: Any,
    key: str | None,
    payload: Mapping[str, Any],
    body: Callable[[Report], _Writes],
) -> Report:
    """workflow._keyed for a report locked (or not yet created) in this transaction: a replay
    returns the report as the first call left it; otherwise `body` decides what to write and
    the writes go out with the call's idempotency record."""
    fingerprint = workflow._fingerprint(operation, payload)
    with workflow._refusals(operation, actor, r):
        key = None if key is None else workflow._valid_key(actor, key)

        def replay(prior: Any) -> bool:
            assert key is not None
            return workflow._is_replay(prior, key, operation, fingerprint, r)

        if key is not None and replay(workflow._prior_claim(actor, key, r)):
            return _for_response(r)
        try:
            writes = body(r)
        except ReportingError:
            # As the ORM path: a record stored meanwhile by a racing call makes this a replay.
            if key is not None:
                prior = _rows(CLAIM_SQL, [actor.pk, key])
                if replay(tuple(prior[0]) if prior else None):
                    return _for_response(r)
            raise
        _flush(writes, actor, None if key is None else (key, operation, fingerprint))
        return r


def _created(r: Report, actor: Any) -> _AuditRow:
    """open_report's entry for a report it creates."""
    return workflow._audit(
        r, actor, Channel.API, AuditAction.CREATE, field="status", new=ReportStatus.DRAFT, make=_AuditRow
    )


def _submit(
    r: Report,
    form: ReportForm,
    actor: Any,
    values: Mapping[str, Any],
    explanations: Mapping[str, str] | None,
    expected_version: int | None,
    key: str | None,
) -> Report:
    def body(r: Report) -> _Writes:
        # workflow.submit's body; a new report goes in already submitted, after open_report's
        # creation entry (its only other trace).
        _editable(r, actor, form, expected_version, pgettext("refused action", "上报"))
        new = workflow._merge(r.values, workflow.clean_values(form, values or {}))
        rows = _check(r, form, new, explanations, actor)
        created = [_created(r, actor)] if r.pk is None else []
        snapshot, entries = workflow._submission_rows(
            r,
            actor=actor,
            channel=Channel.API,
            new=new,
            rows=rows,
            action=AuditAction.SUBMIT,
            make_audit=_AuditRow,
        )
        return _Writes(r, workflow.SUBMITTED_FIELDS, [*rows, snapshot, *created, *entries])

    payload = {
        "values": dict(values or {}),
        "explanations": dict(explanations or {}),
        "channel": Channel.API,
        "v": expected_version,
    }
    return _keyed("submit", r, actor, key, payload, body)


def _save(
    r: Report,
    form: ReportForm,
    actor: Any,
    values: Mapping[str, Any],
    expected_version: int | None,
    key: str | None,
) -> Report:
    def body(r: Report) -> _Writes:
        # workflow.save_draft's body.
        _editable(r, actor, form, expected_version, pgettext("refused action", "暂存修改"))
        new = workflow._merge(r.values, workflow.clean_values(form, values))
        changes = workflow._value_changes(r.values, new)
        if not changes:
            return _Writes(r)
        r.values = new
        r.version += 1
        r.channel = Channel.API
        entries = [
            workflow._audit(r, actor, Channel.API, AuditAction.SAVE, field=k, old=o, new=n, make=_AuditRow)
            for k, o, n in changes
        ]
        return _Writes(r, ["values", "version", "channel", "updated_at"], entries)

    payload = {
        "values": dict(values) if isinstance(values, Mapping) else values,
        "channel": Channel.API,
        "v": expected_version,
    }
    return _for_response(_keyed("save_draft", r, actor, key, payload, body))


# --- the endpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Opened:
    report: Report  # locked if it existed; unsaved (pk None) if not
    form: ReportForm


@dataclass(frozen=True)
class _Kind:
    """Enough of a form for period_bounds."""

    period_type: str
    name: str = ""


def _bounds_of(period: str) -> tuple[date, date]:
    """The first and last day of a period by its form ("2016" or "2016Q3"), for the opening
    statement, which runs before the form is known; period_bounds then checks it with the
    form (a malformed period finds nothing and is refused)."""
    for kind in ("annual", "quarterly"):
        try:
            _, starts_on, ends_on = period_bounds(_Kind(kind), period)  # type: ignore[arg-type]
        except ReportingError:
            continue
        return starts_on, ends_on
    return date.min, date.min


def _open(
    user: Any, form_code: str, period: str, key: str | None, enterprise_id: int | None, *, lock: bool
) -> _Opened:
    """workflow.open_report for the caller's enterprise, without writing: the existing
    report (locked with `lock`), or a new draft in memory (written with its first change)."""
    _may_be_fast(user)
    stripped = (period or "").strip()
    starts_on, ends_on = _bounds_of(stripped)
    params = [
        ends_on,
        starts_on,
        form_code,
        stripped,
        _key_of(key),
        form_code,
        stripped,
        user.pk,
        Role.ENTERPRISE_REPORTER,
    ]
    rows = _rows(OPEN_SQL, params)
    if not rows:
        raise NotHandled  # no enterprise's reporter
    row = rows[0]
    enterprise, plan = _caller(row[:_N_CALLER])
    if enterprise_id is not None and enterprise_id != enterprise.pk:
        raise NotHandled  # the ORM path answers 404 in its words
    form = form_for(plan, form_code)
    if form.respondent_level != "enterprise":
        raise NotHandled  # the ORM path words the refusal
    district_id, district_code, district_name, is_open, due_on = row[_N_CALLER : _N_CALLER + 5]
    claim = tuple(row[_N_CALLER + 5 : _N_CALLER + 8])
    with workflow._refusals("open", user):
        workflow._require_user(user)
        year, _, _ = period_bounds(form, period)
        period = stripped
        if district_id is None:
            raise workflow.not_placed(enterprise.name, plan.zone_name, period)
        window = _Window(_bool(is_open), _date(due_on))
        workflow._require_open(window, form, period)
    existing = row[_N_CALLER + 8 :]
    if existing[0] is not None:
        if lock:
            # Locked and read again (workflow._locked): the row as it is once ours.
            return _Opened(_lock(user, existing[0], key), form)
        report = _report_from(existing, enterprise)
        report.plan = plan
        report.window_due_on = window.window_due_on
        return _Opened(report, form)
    report = Report(
        plan=plan,
        form_code=form.code,
        period=period,
        year=year,
        enterprise=enterprise,
        district=OrgUnit(pk=district_id, code=district_code, name=district_name),
        values={},
        status=ReportStatus.DRAFT,
        channel=Channel.API,
        version=1,
    )
    report.window_open = True  # _require_open passed
    report.window_due_on = window.window_due_on
    return _Opened(_with_claim(report, _key_of(key), claim), form)


@dataclass(frozen=True)
class _Window:
    """A period's state, as workflow._require_open reads it from a locked report."""

    window_open: bool | None
    window_due_on: date | None


def submit_in_one_call(
    user: Any,
    *,
    form_code: str,
    period: str,
    enterprise_id: int | None,
    district: str | None,
    values: Mapping[str, Any],
    explanations: Mapping[str, str],
    version: int | None,
    key: str | None,
) -> Report:
    """POST /submissions: open the enterprise's report (created if there is none) and submit
    `values`, in one transaction (a refused submission leaves no new draft behind)."""
    if district is not None:
        raise NotHandled

    def call() -> Report:
        opened = _open(user, form_code, period, key, enterprise_id, lock=True)
        parsed = workflow.parse_values(opened.form, values)
        return _submit(opened.report, opened.form, user, parsed, explanations, version, key)

    return workflow.in_one_transaction(call)


def open_report(
    user: Any, *, form_code: str, period: str, enterprise_id: int | None, district: str | None
) -> Report:
    """POST /reports: the enterprise's report of the form and period, created as a draft."""
    if district is not None:
        raise NotHandled

    def call() -> Report:
        r = _open(user, form_code, period, None, enterprise_id, lock=False).report
        if r.pk is not None:
            return _for_response(r)
        # Opened concurrently by someone else: _KeyTaken, and the call runs again to find theirs.
        _flush(_Writes(r, rows=[_created(r, user)]), user, None)
        r.current_explanations = []  # a new report has none
        return r

    return workflow.in_one_transaction(call)


def _locked_for(
    user: Any, report_id: int, key: str | None, values: Mapping[str, Any]
) -> tuple[Report, ReportForm, dict[str, Any]]:
    r = _lock(user, report_id, key)
    form = form_for(r.plan, r.form_code)
    return r, form, workflow.parse_values(form, values)


def submit_report(
    user: Any,
    report_id: int,
    *,
    values: Mapping[str, Any],
    explanations: Mapping[str, str],
    version: int | None,
    key: str | None,
) -> Report:
    """POST /reports/{id}/submit."""

    def call() -> Report:
        r, form, parsed = _locked_for(user, report_id, key, values)
        return _submit(r, form, user, parsed, explanations, version, key)

    return workflow.in_one_transaction(call)


def save_report(
    user: Any,
    report_id: int,
    *,
    values: Mapping[str, Any],
    version: int | None,
    key: str | None,
) -> Report:
    """PUT /reports/{id}."""

    def call() -> Report:
        r, form, parsed = _locked_for(user, report_id, key, values)
        return _save(r, form, user, parsed, version, key)

    return workflow.in_one_transaction(call)
