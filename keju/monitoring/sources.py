"""The engine's input from the database: approved reports, expected respondents, the org tree.

`engine_input(plan)` builds a `keju.metrics.engine.EngineInput` from the stored
reports of a plan. Only reports that passed review (审核通过, 已锁定) count; a report
under 修订 counts with its last approved version until the revision is approved. Reads
go through raw SQL and `values_list` into Polars: the demo zone holds ~6,000
enterprises × 7 years × 5 reports, too many to build model instances for.

Each report row carries the district fixed in the report (where the respondent
sat in that period) and the park of the enterprise's placement in that district
that covers the end of the period, so a move never rewrites history.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from keju.metrics.cube import order_by_place
from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
from keju.plan import ReportForm, load_forms, load_plan
from keju.plan import schema as plan_schema
from keju.plan.schema import ENTERPRISE_FLAGS
from keju.planning.models import Plan
from keju.reporting.models import Report, ReportStatus, ReportVersion

if TYPE_CHECKING:
    from keju.metrics.engine import EngineInput, OrgTree

# Reports that passed review; indicators are computed from these only.
COUNTED_STATUSES: tuple[str, ...] = (ReportStatus.APPROVED, ReportStatus.LOCKED)
POLARS_TYPES: dict[str, type[pl.DataType]] = {
    "decimal": pl.Float64,
    "integer": pl.Int64,
    "boolean": pl.Boolean,
    "text": pl.String,
}
# Industry chain code of the enterprise (register), the column keju.metrics.formula filters `chain=` on.
CHAIN_COLUMN = "chain"
# Yearly classification flags an enterprise states on its annual form (the rest come from the register).
STATUS_FIELDS: dict[str, str] = {
    "above_scale": "is_above_scale",
    "high_tech_enterprise": "is_high_tech_enterprise",
}


class SourceError(Exception):
    """The plan's files cannot be read back (moved or invalid); the message says why (Chinese)."""


# --- the plan as a pure object ---------------------------------------------------------

_spec_cache: dict[tuple[str, str], tuple[plan_schema.Plan, dict[str, ReportForm]]] = {}
_spec_lock = threading.Lock()


def plan_spec(plan: Plan) -> tuple[plan_schema.Plan, dict[str, ReportForm]]:
    """The validated plan and its forms, read from the file the plan was loaded from.

    Cached per (file, content hash): the approval hook runs after every approval and
    must not re-parse the YAML each time; loading a changed file changes the hash.
    """
    key = (plan.source_file, plan.content_hash)
    with _spec_lock:
        cached = _spec_cache.get(key)
    if cached is not None:
        return cached
    path = Path(plan.source_file)
    if not plan.source_file or not path.is_file():
        raise SourceError(
            f"找不到规划“{plan.title}”的规划文件 {plan.source_file or '(未记录)'},请重新载入规划"
        )
    spec = load_plan(path)
    forms = load_forms(spec, path)
    with _spec_lock:
        _spec_cache[key] = (spec, forms)
    return spec, forms


def remember_spec(plan: Plan, spec: plan_schema.Plan, forms: dict[str, ReportForm]) -> None:
    """Cache a plan already parsed by the caller (e.g. `keju demo`, which just loaded it)."""
    with _spec_lock:
        _spec_cache[(plan.source_file, plan.content_hash)] = (spec, forms)


def spec_problems(plan: Plan) -> list[str]:
    """Why the plan file may no longer match what the database holds (Chinese; empty when it does)."""
    from keju.planning.services import file_hash

    path = Path(plan.source_file)
    if not plan.source_file or not path.is_file():
        return [f"找不到规划文件 {plan.source_file or '(未记录)'}"]
    if plan.content_hash and file_hash(path) != plan.content_hash:
        return [
            f"规划文件 {path.name} 在载入数据库后已被修改:指标按文件中的公式计算,目标和基期值仍是载入时的,请运行 keju plan load 重新载入"
        ]
    return []


# --- periods ---------------------------------------------------------------------------


def period_bounds(period: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    """year, quarter (null for a year), first day and first day after, of "2016" / "2016Q3"."""
    year = period.str.slice(0, 4).cast(pl.Int32)
    quarter = pl.when(period.str.len_chars() > 4).then(period.str.slice(5).cast(pl.Int32))
    month = pl.when(quarter.is_null()).then(pl.lit(1)).otherwise(quarter * 3 - 2)
    start = pl.date(year, month, 1)
    end = pl.when(quarter.is_null()).then(start.dt.offset_by("1y")).otherwise(start.dt.offset_by("3mo"))
    return year, quarter, start, end


def form_periods(form: ReportForm, years: Iterable[int]) -> list[str]:
    """The periods of a form in `years`: "2016", or "2016Q1" … "2016Q4"."""
    if form.period_type == "quarterly":
        return [f"{y}Q{q}" for y in years for q in range(1, 5)]
    return [str(y) for y in years]


def default_years(plan: Plan) -> list[int]:
    """The years to compute: the base year to the plan's end that have begun, and the span of the
    years reported (a year inside it without reports still gets its rows, flagged no_data)."""
    this_year = timezone.localdate().year
    planned = set(range(plan.baseline_year, min(plan.plan_end, this_year) + 1))
    years = Report.objects.filter(plan=plan).aggregate(first=Min("year"), last=Max("year"))
    reported = set(range(years["first"], years["last"] + 1)) if years["first"] is not None else set()
    return sorted(planned | reported)


def _ended(period: str, today: date) -> bool:
    year = int(period[:4])
    if len(period) == 4:
        return date(year + 1, 1, 1) <= today
    quarter = int(period[5:])
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return end <= today


# --- raw reads -------------------------------------------------------------------------


def _quote(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _table(model: Any) -> str:
    return _quote(model._meta.db_table)


INDEX_SCHEMA: dict[str, type[pl.DataType]] = {
    "report_id": pl.Int64,
    "version": pl.Int64,
    "form_code": pl.String,
    "_stamp": pl.String,
}
# What identifies a counted report's content: the report and version, and when that state was
# written (the report's updated_at, or the kept version's created_at) — a version number written
# in a transaction that was rolled back and written again later carries another stamp.
STATE_KEY = ["report_id", "version", "_stamp"]


def _reports(
    plan: Plan,
    years: Sequence[int] | None,
    statuses: Sequence[str],
    forms: Iterable[str] | None = None,
    *,
    ids: Sequence[int] | None = None,
    index_only: bool = False,
) -> pl.DataFrame:
    """Reports in `statuses`, plus — for a report now under 修订 or returned after one — its last
    version that had such a status: an approved figure stays official until its revision is
    approved (the versions are kept in reporting.ReportVersion).

    `ids` limits the reports read; `index_only` reads only what identifies each counted state
    (INDEX_SCHEMA: no values, nothing to decode), for the cache of decoded reports.
    """
    counted = [str(s) for s in statuses]
    marks = ", ".join(["%s"] * len(counted))
    where = ""
    params: list[Any] = []
    if years is not None:
        where += f" AND r.year IN ({', '.join(['%s'] * len(years))})" if years else " AND 1 = 0"
        params += list(years)
    if forms is not None:
        codes = list(forms)
        where += f" AND r.form_code IN ({', '.join(['%s'] * len(codes))})" if codes else " AND 1 = 0"
        params += codes
    if ids is not None:
        where += f" AND r.id IN ({', '.join(['%s'] * len(ids))})" if ids else " AND 1 = 0"
        params += list(ids)
    report, version, values = _table(Report), _table(ReportVersion), _quote("values")
    if index_only:
        head = "r.id, {v}version, r.form_code, CAST({v}{stamp} AS TEXT)"
        r_cols, v_cols = head.format(v="r.", stamp="updated_at"), head.format(v="v.", stamp="created_at")
    else:
        head = (
            "r.id, {v}version, r.form_code, r.period, r.year, r.enterprise_id, r.org_unit_id, r.district_id,"
            " CAST({v}{stamp} AS TEXT), CAST({v}{values} AS TEXT)"
        )
        r_cols = head.format(v="r.", stamp="updated_at", values=values)
        v_cols = head.format(v="v.", stamp="created_at", values=values)
    sql = (
        f"SELECT {r_cols} FROM {report} r"
        f" WHERE r.plan_id = %s AND r.status IN ({marks}){where}"
        f" UNION ALL SELECT {v_cols} FROM {report} r"
        f" JOIN {version} v ON v.report_id = r.id"
        f" WHERE r.plan_id = %s AND r.status NOT IN ({marks}){where}"
        f" AND v.version = (SELECT MAX(w.version) FROM {version} w WHERE w.report_id = r.id"
        f" AND w.status IN ({marks}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan.pk, *counted, *params, plan.pk, *counted, *params, *counted])
        rows = cursor.fetchall()
    if index_only:
        return pl.DataFrame(rows, schema=INDEX_SCHEMA, orient="row")
    return pl.DataFrame(
        rows,
        schema={
            "report_id": pl.Int64,
            "version": pl.Int64,
            "form_code": pl.String,
            "period": pl.String,
            "year": pl.Int64,
            "enterprise": pl.Int64,
            "org_unit_id": pl.Int64,
            "district_id": pl.Int64,
            "_stamp": pl.String,
            "values": pl.String,
        },
        orient="row",
    )


# --- decoded reports, kept per plan between computations ---------------------------------
#
# Reading and decoding every counted report (JSON values) costs seconds on the demo zone, and an
# approval changes one report. So the decoded rows of each form are kept in process, per plan,
# each row with its state (STATE_KEY). Every read stores what it read; an approval's read
# (`cached=True`) starts from the kept rows:
#   1. the reports it names (`changed`, the approved report) are read again, alone;
#   2. one aggregate query over the counted states — count, Σ report id, Σ version, latest
#      stamp — is compared with the same figures of the kept rows. Every change of a report
#      raises its version and stamp, so anything else that changed (another approval, a
#      return, a revision, a deletion, a rolled-back write that was kept) shows there;
#   3. on a difference, the light index of every counted state (no values) is read, the kept
#      rows whose state is still counted are kept, and only the others are read and decoded.
# The kept rows are only ever rows read from the database, and an entry is replaced, never
# changed in place, so concurrent computations each work on a consistent set; the next read
# checks again. A full recompute (`cached=False`) reads and decodes everything and refreshes
# the entry; an uncached read of a few years reads only those and keeps nothing.

_decoded_cache: dict[int, tuple[str, dict[str, pl.DataFrame]]] = {}  # plan pk -> (content hash, form -> rows)
_decoded_lock = threading.Lock()


def clear_decoded_cache(plan: Plan | None = None) -> None:
    """Forget the decoded reports of `plan` (every plan by default); the next read decodes everything."""
    with _decoded_lock:
        if plan is None:
            _decoded_cache.clear()
        else:
            _decoded_cache.pop(plan.pk, None)


def cached_forms(plan: Plan) -> dict[str, pl.DataFrame]:
    """The decoded rows kept for `plan` (form -> rows with STATE_KEY), for tests and diagnostics."""
    with _decoded_lock:
        entry = _decoded_cache.get(plan.pk)
    return dict(entry[1]) if entry is not None and entry[0] == plan.content_hash else {}


def _fingerprint(
    plan: Plan, statuses: Sequence[str], codes: Sequence[str]
) -> tuple[int, int, int, str | None]:
    """Count, Σ report id, Σ version and latest stamp of the counted states of `codes` (one query)."""
    if not codes:  # indicators fed by no form (registers only): nothing to fingerprint, and no `IN ()`
        return (0, 0, 0, None)
    counted = [str(s) for s in statuses]
    marks = ", ".join(["%s"] * len(counted))
    forms = ", ".join(["%s"] * len(codes))
    report, version = _table(Report), _table(ReportVersion)
    # The latest stamp compared byte by byte, as Polars compares the kept ones.
    latest = 'MAX(st COLLATE "C")' if connection.vendor == "postgresql" else "MAX(st)"
    sql = (
        f"SELECT COUNT(*), SUM(i), SUM(v), {latest} FROM ("
        f"SELECT r.id AS i, r.version AS v, CAST(r.updated_at AS TEXT) AS st FROM {report} r"
        f" WHERE r.plan_id = %s AND r.status IN ({marks}) AND r.form_code IN ({forms})"
        f" UNION ALL SELECT r.id, w.version, CAST(w.created_at AS TEXT) FROM {report} r"
        f" JOIN {version} w ON w.report_id = r.id"
        f" WHERE r.plan_id = %s AND r.status NOT IN ({marks}) AND r.form_code IN ({forms})"
        f" AND w.version = (SELECT MAX(x.version) FROM {version} x WHERE x.report_id = r.id"
        f" AND x.status IN ({marks}))) counted_states"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan.pk, *counted, *codes, plan.pk, *counted, *codes, *counted])
        n, ids, versions, stamp = cursor.fetchone()
    return int(n or 0), int(ids or 0), int(versions or 0), stamp


def _kept_fingerprint(frames: Mapping[str, pl.DataFrame]) -> tuple[int, int, int, str | None]:
    rows = [f.select(STATE_KEY) for f in frames.values() if f.height]
    if not rows:
        return 0, 0, 0, None
    states = pl.concat(rows)
    stamp = states["_stamp"].max()
    return (
        states.height,
        int(states["report_id"].sum()),
        int(states["version"].sum()),
        None if stamp is None else str(stamp),
    )


def _decoded_forms(
    plan: Plan,
    forms: Mapping[str, ReportForm],
    codes: Sequence[str],
    statuses: Sequence[str],
    *,
    cached: bool = False,
    changed: Iterable[int] = (),
    years: Sequence[int] | None = None,
) -> dict[str, pl.DataFrame]:
    """Decoded rows of the counted reports of `codes` (of `years`, or more); see the comment above.

    A read that is not `cached` reads only `years` and keeps what it read when those are every
    year with reports (a full recompute); a `cached` read works on every year.
    """
    counted_only = tuple(str(s) for s in statuses) == tuple(str(s) for s in COUNTED_STATUSES)
    kept = cached_forms(plan) if cached and counted_only else {}
    if not counted_only or any(c not in kept for c in codes):
        raw = _reports(plan, None if cached else years, statuses, codes)
        out = {c: _decode(raw.filter(pl.col("form_code") == c), forms[c]) for c in codes}
        # Only a read of every year with reports can stand for the kept rows.
        store = counted_only and (cached or years is None or set(default_years(plan)) <= set(years))
    else:
        store = True
        out = {c: kept[c] for c in codes}
        ids = sorted(set(changed))
        if ids:
            raw = _reports(plan, None, statuses, codes, ids=ids)
            gone = pl.col("report_id").is_in(ids)
            for c in codes:
                fresh = _decode(raw.filter(pl.col("form_code") == c), forms[c])
                out[c] = pl.concat([out[c].filter(~gone), fresh], how="vertical_relaxed")
        if _fingerprint(plan, statuses, codes) != _kept_fingerprint(out):
            out = _reconciled(plan, forms, codes, statuses, out)
    if store:
        with _decoded_lock:
            entry = _decoded_cache.get(plan.pk)
            mine = dict(entry[1]) if entry is not None and entry[0] == plan.content_hash else {}
            mine.update(out)
            _decoded_cache[plan.pk] = (plan.content_hash, mine)
    return out


def _reconciled(
    plan: Plan,
    forms: Mapping[str, ReportForm],
    codes: Sequence[str],
    statuses: Sequence[str],
    kept: Mapping[str, pl.DataFrame],
) -> dict[str, pl.DataFrame]:
    """Kept rows whose state is still counted, plus the other counted states read and decoded."""
    index = _reports(plan, None, statuses, codes, index_only=True)
    out: dict[str, pl.DataFrame] = {}
    fetch: list[int] = []
    for code in codes:
        states = index.filter(pl.col("form_code") == code).select(STATE_KEY)
        out[code] = kept[code].join(states, on=STATE_KEY, how="semi")
        fetch += states.join(kept[code].select(STATE_KEY), on=STATE_KEY, how="anti")["report_id"].to_list()
    raw = _reports(plan, None, statuses, codes, ids=sorted(set(fetch)))
    # A report that changed between the two reads: its fresh state is not in the index. Read and
    # decode everything instead of mixing two moments.
    if raw.join(index, on=STATE_KEY, how="anti").height:
        raw = _reports(plan, None, statuses, codes)
        out = {c: kept[c].clear() for c in codes}
    for code in codes:
        part = _decode(raw.filter(pl.col("form_code") == code), forms[code])
        out[code] = pl.concat([out[code], part], how="vertical_relaxed")
    return out


def _unit_codes(plan: Plan) -> dict[int, str]:
    return dict(OrgUnit.objects.filter(plan=plan).values_list("id", "code"))


def _raw_frame(rows: Any, schema: Mapping[str, type[pl.DataType]]) -> pl.DataFrame:
    """A values_list queryset's rows through the cursor, typed in Polars (no per-row Django conversion).

    Read on every approval, so worth the shortcut: SQLite gives booleans as 0/1 and dates as
    text, which Polars converts per column.
    """
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        data = cursor.fetchall()
    names = list(schema)
    if not data:
        return pl.DataFrame(schema=dict(schema))
    raw = pl.DataFrame(data, schema=names, orient="row", infer_schema_length=None)
    columns = []
    for name, dtype in schema.items():
        col = pl.col(name)
        if dtype == pl.Date and raw.schema[name] == pl.String:
            col = col.str.slice(0, 10).str.to_date("%Y-%m-%d")
        elif raw.schema[name] == pl.Null:
            col = col.cast(dtype)
        columns.append(col.cast(dtype).alias(name))
    return raw.select(columns)


def _register(plan: Plan) -> pl.DataFrame:
    """Register flags per enterprise: classification, and the current yearly status as a fallback."""
    rows = Enterprise.objects.filter(plan=plan).values_list(
        "id",
        "is_industrial",
        "high_tech_industry",
        "strategic_emerging",
        "is_above_scale",
        "is_high_tech_enterprise",
        "industry_chain__code",
    )
    return _raw_frame(
        rows,
        {
            "enterprise": pl.Int64,
            "industrial": pl.Boolean,
            "hti": pl.String,
            "se": pl.String,
            "reg_above_scale": pl.Boolean,
            "reg_high_tech_enterprise": pl.Boolean,
            CHAIN_COLUMN: pl.String,
        },
    ).select(
        "enterprise",
        "industrial",
        (pl.col("hti") != "").alias("high_tech_industry"),
        (pl.col("se") != "").alias("strategic_emerging"),
        "reg_above_scale",
        "reg_high_tech_enterprise",
        CHAIN_COLUMN,
    )


def _placements(plan: Plan, codes: Mapping[int, str]) -> pl.DataFrame:
    rows = EnterprisePlacement.objects.filter(enterprise__plan=plan).values_list(
        "enterprise_id", "district_id", "park_id", "valid_from", "valid_to"
    )
    frame = _raw_frame(
        rows,
        {
            "enterprise": pl.Int64,
            "district_id": pl.Int64,
            "park_id": pl.Int64,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
    )
    return frame.with_columns(
        pl.col("district_id").replace_strict(codes, default=None, return_dtype=pl.String).alias("district"),
        pl.col("park_id").replace_strict(codes, default=None, return_dtype=pl.String).alias("park"),
    )


class _Registry:
    """The register and placements read once per engine input (frames and expected respondents share them)."""

    def __init__(self, plan: Plan, codes: Mapping[int, str] | None = None) -> None:
        self.plan = plan
        self.codes = codes if codes is not None else _unit_codes(plan)
        self._register: pl.DataFrame | None = None
        self._placements: pl.DataFrame | None = None
        # The annual form's decoded rows (yearly flags) once frames_from_db has read them, and for
        # which years (None: all); a read for other years cannot stand in.
        self.status: pl.DataFrame | None = None
        self.status_years: list[int] | None = None

    def register(self) -> pl.DataFrame:
        if self._register is None:
            self._register = _register(self.plan)
        return self._register

    def placements(self) -> pl.DataFrame:
        if self._placements is None:
            self._placements = _placements(self.plan, self.codes)
        return self._placements


def status_form(forms: Mapping[str, ReportForm]) -> str | None:
    """The enterprise annual form that asks the yearly classification (KJ101 in the Lanbai forms)."""
    wanted = set(STATUS_FIELDS.values())
    for code, form in forms.items():
        if (
            form.respondent_level == "enterprise"
            and form.period_type == "annual"
            and wanted <= {f.code for f in form.fields}
        ):
            return code
    return None


def _decode(part: pl.DataFrame, form: ReportForm) -> pl.DataFrame:
    dtype = pl.Struct({f.code: POLARS_TYPES[f.type] for f in form.fields})
    return part.with_columns(pl.col("values").str.json_decode(dtype)).unnest("values")


def _yearly_status(status: pl.DataFrame | None, register: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """above_scale / high_tech_enterprise per (enterprise, year) of `keys`.

    The enterprise's own annual form of that year decides; without one (not yet
    approved, e.g. during the year for quarterly forms) the register's current flag.
    """
    frame = keys.join(register, on="enterprise", how="left")
    if status is not None and status.height:
        stated = status.select(
            "enterprise",
            "year",
            *[pl.col(field).alias(f"st_{flag}") for flag, field in STATUS_FIELDS.items()],
        ).unique(["enterprise", "year"], keep="last")
        frame = frame.join(stated, on=["enterprise", "year"], how="left")
    else:
        frame = frame.with_columns(*[pl.lit(None, dtype=pl.Boolean).alias(f"st_{f}") for f in STATUS_FIELDS])
    return frame.select(
        "enterprise",
        "year",
        CHAIN_COLUMN,
        *[
            pl.col(flag).fill_null(False)
            for flag in ("industrial", "high_tech_industry", "strategic_emerging")
        ],
        *[pl.coalesce(f"st_{flag}", f"reg_{flag}").fill_null(False).alias(flag) for flag in STATUS_FIELDS],
    )


def _with_park(frame: pl.DataFrame, placements: pl.DataFrame) -> pl.DataFrame:
    """The park of the enterprise's placement in the report's district that covers the period's end.

    When several placements in that district overlap the period (a move between parks), the
    latest one wins; none (a report whose district no placement matches) gives no park.
    """
    _, _, start, end = period_bounds(pl.col("period"))
    keyed = frame.select("report_id", "enterprise", "district", "period").with_columns(
        start.alias("_start"), end.alias("_end")
    )
    matched = (
        keyed.join(
            placements.select("enterprise", "district", "park", "valid_from", "valid_to"),
            on=["enterprise", "district"],
            how="inner",
        )
        .filter(
            (pl.col("valid_from") < pl.col("_end"))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") > pl.col("_start")))
        )
        .sort("valid_from")
        .group_by("report_id")
        .agg(pl.col("park").last())
    )
    return frame.join(matched, on="report_id", how="left")


def frames_from_db(
    plan: Plan,
    forms: Mapping[str, ReportForm],
    *,
    years: Sequence[int] | None = None,
    statuses: Sequence[str] = COUNTED_STATUSES,
    only: Iterable[str] | None = None,
    cached: bool = False,
    changed: Iterable[int] = (),
    registry: _Registry | None = None,
) -> dict[str, pl.DataFrame]:
    """One frame per form (as keju.metrics.engine wants them) from the stored reports of `plan`.

    Columns: report_id, version, year, period, quarter (quarterly forms), district (the
    org code fixed in the report), and for enterprise forms park, enterprise (register
    id), the boolean ENTERPRISE_FLAGS and `chain` (the register's industry chain code, null
    when none); then one column per form field, typed as the
    form declares it, in the form's unit. Rows come ordered by district, park, year and
    period (then report id), the order the engine sums fastest. `only` limits the forms read (the status
    form is read too when an enterprise form needs its flags). `cached`: start from the
    decoded reports kept in process and read again only `changed` reports and whatever
    else changed since (see "decoded reports" above); the frames are the same either way.
    """
    codes = registry.codes if registry is not None else _unit_codes(plan)
    wanted = set(forms if only is None else only)
    yearly = status_form(forms)
    needs_status = any(forms[c].respondent_level == "enterprise" for c in wanted if c in forms)
    to_read = wanted | ({yearly} if yearly and needs_status else set())
    decoded = _decoded_forms(
        plan,
        forms,
        sorted(c for c in to_read if c in forms),
        statuses,
        cached=cached,
        changed=changed,
        years=years,
    )
    district = pl.col("district_id").replace_strict(codes, default=None, return_dtype=pl.String)
    for code, part in decoded.items():
        if years is not None:
            part = part.filter(pl.col("year").is_in(list(years)))
        decoded[code] = part.with_columns(district.alias("district"))
    registry = registry or _Registry(plan, codes)
    register = registry.register() if needs_status else None
    placements = registry.placements() if needs_status else None
    status = decoded.get(yearly) if yearly else None
    if status is not None:
        registry.status, registry.status_years = status, None if years is None else sorted(years)
    frames: dict[str, pl.DataFrame] = {}
    for code in sorted(wanted):
        form = forms.get(code)
        if form is None:
            continue
        frame = decoded[code]
        head = ["report_id", "version", "year", "period"]
        if form.period_type == "quarterly":
            frame = frame.with_columns(pl.col("period").str.slice(5).cast(pl.Int64).alias("quarter"))
            head.append("quarter")
        head.append("district")
        fields = [f.code for f in form.fields]
        if form.respondent_level == "enterprise":
            assert register is not None and placements is not None
            flags = _yearly_status(status, register, frame.select("enterprise", "year").unique())
            frame = _with_park(frame, placements).join(flags, on=["enterprise", "year"], how="left")
            frame = frame.with_columns(pl.col(list(ENTERPRISE_FLAGS)).fill_null(False))
            head += ["park", "enterprise", *ENTERPRISE_FLAGS, CHAIN_COLUMN]
        # Ordered by place and period: the engine then sums each column over runs of rows that
        # sit together, several times faster than a scatter per row.
        frames[code] = order_by_place(frame.select(*head, *fields))
    return frames


# --- who should report ------------------------------------------------------------------


def expected_respondents(
    plan: Plan,
    forms: Mapping[str, ReportForm],
    years: Sequence[int],
    *,
    frames: Mapping[str, pl.DataFrame] | None = None,
    today: date | None = None,
    registry: _Registry | None = None,
    all_forms: Mapping[str, ReportForm] | None = None,
    cached: bool = False,
) -> pl.DataFrame:
    """Who should report each form in each period: form, period, respondent, district, park.

    Enterprise forms: the enterprises placed in the zone at the end of the period (the
    year-end register for annual forms), where they sat then, filtered by the form's
    `respondents` (a flag such as above_scale, judged by the enterprise's annual form of
    that year, else the register). District forms: every district. A period counts once
    it has ended or once any report for it exists. `all_forms`: every form of the plan,
    when `forms` is a part of them (the annual form that states the flags may not be among
    them); `cached`: read that form through the decoded reports kept in process.
    """
    today = today or timezone.localdate()
    registry = registry or _Registry(plan)
    reported = set(
        Report.objects.filter(plan=plan, year__in=list(years))
        .order_by()  # no default ordering: it would join the DISTINCT
        .values_list("form_code", "period")
        .distinct()
    )
    districts = sorted(OrgUnit.objects.filter(plan=plan, level="district").values_list("code", flat=True))
    schema = {
        "form": pl.String,
        "period": pl.String,
        "respondent": pl.String,
        "district": pl.String,
        "park": pl.String,
    }
    parts: list[pl.DataFrame] = []
    placements: pl.DataFrame | None = None
    register: pl.DataFrame | None = None
    every_form = all_forms if all_forms is not None else forms
    # The annual form that states the yearly flags, even when only other forms are wanted.
    yearly = status_form(every_form)
    status = frames.get(yearly) if frames is not None and yearly else None
    for code, form in sorted(forms.items()):
        periods = [p for p in form_periods(form, years) if _ended(p, today) or (code, p) in reported]
        if not periods:
            continue
        if form.respondent_level == "district":
            parts.append(
                pl.DataFrame(
                    [(code, p, d, d, None) for p in periods for d in districts], schema=schema, orient="row"
                )
            )
            continue
        if placements is None:
            placements = registry.placements()
            register = registry.register()
            if status is None and yearly and registry.status_years == sorted(years):
                status = registry.status
            if status is None and yearly:
                status = frames_from_db(
                    plan, every_form, years=years, only=[yearly], cached=cached, registry=registry
                ).get(yearly)
        _, _, _, end = period_bounds(pl.col("period"))
        period_frame = pl.DataFrame({"period": periods}).with_columns(
            pl.col("period").str.slice(0, 4).cast(pl.Int64).alias("year"), end.alias("_end")
        )
        placed = (
            placements.join(period_frame, how="cross")
            .filter(
                (pl.col("valid_from") < pl.col("_end"))
                & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("_end")))
            )
            .select("enterprise", "year", "period", "district", "park")
        )
        if form.respondents != "all":
            assert register is not None
            flag = form.respondents
            if flag not in ENTERPRISE_FLAGS:
                raise SourceError(
                    f"报表{code}的填报范围“{flag}”无法识别,应为 all 或 {'、'.join(ENTERPRISE_FLAGS)} 之一"
                )
            flags = _yearly_status(status, register, placed.select("enterprise", "year").unique())
            placed = placed.join(
                flags.select("enterprise", "year", flag), on=["enterprise", "year"], how="left"
            )
            placed = placed.filter(pl.col(flag).fill_null(False))
        parts.append(
            placed.select(
                pl.lit(code).alias("form"),
                "period",
                pl.col("enterprise").cast(pl.String).alias("respondent"),
                "district",
                "park",
            )
        )
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts, how="vertical_relaxed").sort("form", "period", "respondent")


def org_units_frame(plan: Plan) -> pl.DataFrame:
    """The org tree as a frame: code, parent, level."""
    rows = list(OrgUnit.objects.filter(plan=plan).values_list("code", "parent__code", "level").order_by("id"))
    return pl.DataFrame(
        rows, schema={"code": pl.String, "parent": pl.String, "level": pl.String}, orient="row"
    )


def org_tree(plan: Plan) -> OrgTree:
    from keju.metrics.engine import OrgTree

    return OrgTree(units=org_units_frame(plan))


def engine_input(
    plan: Plan,
    years: Sequence[int] | None = None,
    *,
    only: Iterable[str] | None = None,
    cached: bool = False,
    changed: Iterable[int] = (),
) -> EngineInput:
    """Everything the engine needs to compute `plan`'s indicators from its approved reports.

    `years` default: see default_years. `only` limits the forms read (incremental updates).
    `cached` / `changed`: after an approval, start from the decoded reports kept in process and
    read again the `changed` reports (and whatever else changed since); see frames_from_db.
    """
    from keju.metrics.engine import EngineInput

    spec, forms = plan_spec(plan)
    chosen = list(default_years(plan) if years is None else years)
    registry = _Registry(plan)
    frames = frames_from_db(
        plan, forms, years=chosen, only=only, cached=cached, changed=changed, registry=registry
    )
    wanted = {c: f for c, f in forms.items() if c in frames}
    expected = expected_respondents(
        plan, wanted, chosen, frames=frames, registry=registry, all_forms=forms, cached=cached
    )
    return EngineInput(plan=spec, forms=forms, frames=frames, expected=expected, tree=org_tree(plan))
