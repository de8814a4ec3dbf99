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


def _reports(
    plan: Plan, years: Sequence[int] | None, statuses: Sequence[str], forms: Iterable[str] | None = None
) -> pl.DataFrame:
    """Reports in `statuses`, plus — for a report now under 修订 or returned after one — its last
    version that had such a status: an approved figure stays official until its revision is
    approved (the versions are kept in reporting.ReportVersion)."""
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
    report, version, values = _table(Report), _table(ReportVersion), _quote("values")
    head = "r.id, {v}version, r.form_code, r.period, r.year, r.enterprise_id, r.org_unit_id, r.district_id"
    sql = (
        f"SELECT {head.format(v='r.')}, CAST(r.{values} AS TEXT) FROM {report} r"
        f" WHERE r.plan_id = %s AND r.status IN ({marks}){where}"
        f" UNION ALL SELECT {head.format(v='v.')}, CAST(v.{values} AS TEXT) FROM {report} r"
        f" JOIN {version} v ON v.report_id = r.id"
        f" WHERE r.plan_id = %s AND r.status NOT IN ({marks}){where}"
        f" AND v.version = (SELECT MAX(w.version) FROM {version} w WHERE w.report_id = r.id"
        f" AND w.status IN ({marks}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan.pk, *counted, *params, plan.pk, *counted, *params, *counted])
        rows = cursor.fetchall()
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
            "values": pl.String,
        },
        orient="row",
    )


def _unit_codes(plan: Plan) -> dict[int, str]:
    return dict(OrgUnit.objects.filter(plan=plan).values_list("id", "code"))


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
    return pl.DataFrame(
        list(rows),
        schema={
            "enterprise": pl.Int64,
            "industrial": pl.Boolean,
            "hti": pl.String,
            "se": pl.String,
            "reg_above_scale": pl.Boolean,
            "reg_high_tech_enterprise": pl.Boolean,
            CHAIN_COLUMN: pl.String,
        },
        orient="row",
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
    frame = pl.DataFrame(
        list(rows),
        schema={
            "enterprise": pl.Int64,
            "district_id": pl.Int64,
            "park_id": pl.Int64,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.col("district_id").replace_strict(codes, default=None, return_dtype=pl.String).alias("district"),
        pl.col("park_id").replace_strict(codes, default=None, return_dtype=pl.String).alias("park"),
    )


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
) -> dict[str, pl.DataFrame]:
    """One frame per form (as keju.metrics.engine wants them) from the stored reports of `plan`.

    Columns: report_id, version, year, period, quarter (quarterly forms), district (the
    org code fixed in the report), and for enterprise forms park, enterprise (register
    id), the boolean ENTERPRISE_FLAGS and `chain` (the register's industry chain code, null
    when none); then one column per form field, typed as the
    form declares it, in the form's unit. `only` limits the forms read (the status
    form is read too when an enterprise form needs its flags).
    """
    codes = _unit_codes(plan)
    wanted = set(forms if only is None else only)
    yearly = status_form(forms)
    needs_status = any(forms[c].respondent_level == "enterprise" for c in wanted if c in forms)
    to_read = wanted | ({yearly} if yearly and needs_status else set())
    raw = _reports(plan, years, statuses, sorted(c for c in to_read if c in forms))
    raw = raw.with_columns(
        pl.col("district_id").replace_strict(codes, default=None, return_dtype=pl.String).alias("district")
    )
    decoded: dict[str, pl.DataFrame] = {}
    for code in sorted(to_read):
        form = forms.get(code)
        if form is None:
            continue
        decoded[code] = _decode(raw.filter(pl.col("form_code") == code), form)
    register = _register(plan) if needs_status else None
    placements = _placements(plan, codes) if needs_status else None
    status = decoded.get(yearly) if yearly else None
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
        frames[code] = frame.select(*head, *fields).sort("report_id")
    return frames


# --- who should report ------------------------------------------------------------------


def expected_respondents(
    plan: Plan,
    forms: Mapping[str, ReportForm],
    years: Sequence[int],
    *,
    frames: Mapping[str, pl.DataFrame] | None = None,
    today: date | None = None,
) -> pl.DataFrame:
    """Who should report each form in each period: form, period, respondent, district, park.

    Enterprise forms: the enterprises placed in the zone at the end of the period (the
    year-end register for annual forms), where they sat then, filtered by the form's
    `respondents` (a flag such as above_scale, judged by the enterprise's annual form of
    that year, else the register). District forms: every district. A period counts once
    it has ended or once any report for it exists.
    """
    today = today or timezone.localdate()
    codes = _unit_codes(plan)
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
    yearly = status_form(forms)
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
            placements = _placements(plan, codes)
            register = _register(plan)
            if status is None and yearly:
                status = frames_from_db(plan, forms, years=years, only=[yearly]).get(yearly)
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
    plan: Plan, years: Sequence[int] | None = None, *, only: Iterable[str] | None = None
) -> EngineInput:
    """Everything the engine needs to compute `plan`'s indicators from its approved reports.

    `years` default: see default_years. `only` limits the forms read (incremental updates).
    """
    from keju.metrics.engine import EngineInput

    spec, forms = plan_spec(plan)
    chosen = list(default_years(plan) if years is None else years)
    frames = frames_from_db(plan, forms, years=chosen, only=only)
    wanted = {c: f for c, f in forms.items() if c in frames}
    expected = expected_respondents(plan, wanted, chosen, frames=frames)
    return EngineInput(plan=spec, forms=forms, frames=frames, expected=expected, tree=org_tree(plan))
