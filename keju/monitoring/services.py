"""Recompute and store a plan's indicators, progress, warnings, index and scorecards.

`recompute(plan)` runs the engine over every approved report and replaces the
plan's stored results in ONE transaction (readers see the previous run or the new
one, never half of one). `update_for_report(report)` is the incremental path after
an approval: it recomputes only the indicators that read the report's form, writes
only the rows that changed (the org units above the respondent in the report's year
and the cumulative periods that include it), then refreshes the derived tables from
the stored values.

Both take a lock on the plan's row first, so two approvals never compute from each
other's half-committed state and overwrite one another with stale sums.

Every run is recorded (`ComputationRun`): trigger, duration, per-step timings, row
counts added/changed/removed, and the engine's per-indicator errors in Chinese. One
bad indicator never stops a run: it is listed in `errors` and the run is `partial`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from keju.monitoring import derive
from keju.monitoring.models import (
    ComputationRun,
    EarlyWarning,
    IndexScore,
    IndicatorValue,
    ProgressAssessment,
    RunStatus,
    Scorecard,
    Trigger,
)
from keju.monitoring.objects import object_values
from keju.monitoring.sources import default_years, engine_input, plan_spec, spec_problems, status_form
from keju.orgs.models import OrgUnit
from keju.plan import ReportForm
from keju.plan import schema as plan_schema
from keju.planning.models import Indicator, Plan
from keju.reporting.models import Report

log = logging.getLogger(__name__)
Log = Callable[[str], None]

VALUE_FIELDS: tuple[str, ...] = (
    "numerator",
    "denominator",
    "value",
    "reported",
    "expected",
    "coverage",
    "provisional",
    "flag",
    "note",
)
DERIVED_MODELS: tuple[type[Any], ...] = (ProgressAssessment, EarlyWarning, IndexScore, Scorecard)


class MonitoringError(Exception):
    """A computation that cannot run; the message says why (Chinese)."""


@dataclass
class _Timer:
    laps: dict[str, float] = field(default_factory=dict)
    start: float = field(default_factory=time.perf_counter)
    began: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round((now - self.start) * 1000, 1)
        self.start = now

    @property
    def total_ms(self) -> float:
        return round((time.perf_counter() - self.began) * 1000, 1)


# --- entry points ----------------------------------------------------------------------


def recompute(
    plan: Plan,
    *,
    years: Sequence[int] | None = None,
    trigger: str = Trigger.COMMAND,
    log_to: Log | None = None,
) -> ComputationRun:
    """Recompute everything for `plan` and replace its stored results atomically.

    `years` limits the values recomputed (the other years' stored values are kept);
    progress, warnings, index and scorecards are always rebuilt from all stored values.
    Raises MonitoringError when the run fails as a whole (the run records why).
    """
    chosen = sorted(set(years)) if years is not None else None
    run = ComputationRun.objects.create(plan=plan, trigger=trigger, full=True, years=chosen or [])
    timer = _Timer()
    try:
        with transaction.atomic():
            _lock(plan)
            spec, forms = plan_spec(plan)
            # The engine always sees every year: cumulative periods (2015-2018) and year-on-year
            # quantities need them. `years` only limits which stored rows are replaced.
            every = default_years(plan)
            data = engine_input(plan, every)
            timer.lap("read")
            result = _compute(data, years=every)
            registered = object_values(
                plan, data.tree.units, every, result.values.schema, start_year=plan.baseline_year + 1
            )
            timer.lap("compute")
            values = _checked_values(pl.concat([result.values, registered]), plan)
            frame = values.frame if chosen is None else values.frame.filter(pl.col("year").is_in(chosen))
            run.errors = [*spec_problems(plan), *values.errors, *result.errors]
            run.changes = {"values": _write_values(plan, run, frame, _Scope(years=chosen))}
            timer.lap("write values")
            run.changes.update(_refresh_derived(plan, run, spec, timer))
    except Exception as exc:
        _fail(run, exc, timer)
        raise MonitoringError(run.errors[-1]) from exc
    _finish(run, timer)
    if log_to is not None:
        log_to(summary(run))
    return run


def update_for_report(report: Report, *, trigger: str = Trigger.APPROVAL) -> ComputationRun:
    """Incremental update after `report` was approved: the indicators reading its form.

    Never raises for a computation problem: the error is recorded on the run (and logged),
    so that an approval never fails because of the indicators.
    """
    plan = report.plan
    run = ComputationRun.objects.create(
        plan=plan, trigger=trigger, full=False, report=report, years=[int(report.year)]
    )
    timer = _Timer()
    try:
        with transaction.atomic():
            _lock(plan)
            spec, forms = plan_spec(plan)
            indicators, read = affected(spec, forms, report.form_code)
            run.indicators = sorted(indicators)
            if indicators:
                every = default_years(plan)
                # Decoded reports kept in process: only the approved report (and anything else
                # that changed since) is read and decoded again (keju.monitoring.sources).
                data = engine_input(plan, every, only=read, cached=True, changed=[report.pk])
                timer.lap("read")
                result = _compute(data, years=every, indicators=sorted(indicators))
                timer.lap("compute")
                values = _checked_values(result.values, plan)
                run.errors = [*values.errors, *result.errors]
                # Only rows that differ are rewritten: those of the org units above the respondent
                # in the report's year and the cumulative periods that include it.
                scope = _Scope(indicators=indicators)
                touched: set[tuple[int, str, int]] = set()
                run.changes = {"values": _write_values(plan, run, values.frame, scope, touched)}
                timer.lap("write values")
                changes = _changes(plan, run, touched)
                run.changes.update(
                    _refresh_derived(plan, run, spec, timer, focus_year=int(report.year), changes=changes)
                )
    except Exception as exc:
        log.exception("monitoring update failed for report %s", report.pk)
        _fail(run, exc, timer)
        return run
    _finish(run, timer)
    return run


def summary(run: ComputationRun) -> str:
    """One line about a run, for the command line and logs (Chinese)."""
    changes = run.changes.get("values", {})
    text = (
        f"{run.get_status_display()}:用时{run.duration_ms or 0:.0f}毫秒;指标值新增{changes.get('added', 0)}、"
        f"变化{changes.get('changed', 0)}、删除{changes.get('removed', 0)}"
    )
    if run.errors:
        text += f";{len(run.errors)}个问题"
    return text


# --- what an approval touches -------------------------------------------------------------


def affected(
    spec: plan_schema.Plan, forms: Mapping[str, ReportForm], form_code: str
) -> tuple[set[str], set[str]]:
    """Indicators to recompute after a report on `form_code` changed, and the forms they read.

    An indicator reads a form if its formula names it. The enterprise annual form that
    states the yearly classification (above scale, high-tech enterprise) also decides the
    flags of every other enterprise form and who must report the quarterly form, so a
    change there touches every indicator that reads an enterprise form.
    """
    reads = _formula_forms(spec, forms)
    touched = {form_code}
    if form_code == status_form(forms):
        touched |= {c for c, f in forms.items() if f.respondent_level == "enterprise"}
    indicators = {code for code, used in reads.items() if used & touched}
    read = set().union(*(reads[c] for c in indicators)) if indicators else set()
    return indicators, read


def indicator_forms(plan: Plan, code: str) -> set[str]:
    """The forms an indicator's formula reads (through other indicators too)."""
    spec, forms = plan_spec(plan)
    return _formula_forms(spec, forms).get(code, set())


def _formula_forms(spec: plan_schema.Plan, forms: Mapping[str, ReportForm]) -> dict[str, set[str]]:
    """Indicator code -> the forms its formula reads (through referenced indicators too).

    An indicator whose formula does not resolve reads every form: it is recomputed (and
    its error reported) whenever anything changes.
    """
    from keju.metrics.resolve import resolve_indicators

    with_formula = [i.code for i in spec.indicators if i.formula is not None]
    resolved, errors = resolve_indicators(spec, forms, with_formula)
    reads = {code: set(res.forms) for code, res in resolved.items()}
    reads.update({code: set(forms) for code in errors})
    return reads


# --- engine call -------------------------------------------------------------------------


def _compute(data: Any, *, years: Sequence[int] | None, indicators: Sequence[str] | None = None) -> Any:
    from keju.metrics.engine import compute

    return compute(data, years=years, indicators=indicators)


@dataclass
class _Checked:
    frame: pl.DataFrame
    errors: list[str]


def _checked_values(values: pl.DataFrame, plan: Plan) -> _Checked:
    """The engine's values keyed by database ids; rows naming unknown codes are reported, not stored."""
    indicators = dict(Indicator.objects.filter(plan=plan).values_list("code", "id"))
    units = dict(OrgUnit.objects.filter(plan=plan).values_list("code", "id"))
    frame = values.with_columns(
        pl.col("indicator")
        .replace_strict(indicators, default=None, return_dtype=pl.Int64)
        .alias("indicator_id"),
        pl.col("org_unit").replace_strict(units, default=None, return_dtype=pl.Int64).alias("org_unit_id"),
    )
    errors: list[str] = []
    unknown = frame.filter(pl.col("indicator_id").is_null() | pl.col("org_unit_id").is_null())
    if unknown.height:
        pairs = unknown.select("indicator", "org_unit").unique().head(5).rows()
        shown = "、".join(f"{i}/{u}" for i, u in pairs)
        errors.append(f"计算结果中有{unknown.height}行的指标或组织单元在数据库中不存在(如 {shown}),未保存")
        frame = frame.filter(pl.col("indicator_id").is_not_null() & pl.col("org_unit_id").is_not_null())
    return _Checked(frame, errors)


# --- storing values ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """Which stored values a computation replaces: some years, some indicators, or all."""

    years: Sequence[int] | None = None
    indicators: Iterable[str] | None = None


def _stored_values(plan: Plan, scope: _Scope) -> pl.DataFrame:
    rows = IndicatorValue.objects.filter(plan=plan)
    if scope.years is not None:
        rows = rows.filter(year__in=list(scope.years))
    if scope.indicators is not None:
        rows = rows.filter(indicator__code__in=list(scope.indicators))
    names = ("id", "indicator_id", "org_unit_id", "period", "year", *VALUE_FIELDS)
    schema = {
        "id": pl.Int64,
        "indicator_id": pl.Int64,
        "org_unit_id": pl.Int64,
        "period": pl.String,
        "year": pl.Int64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "value": pl.Float64,
        "reported": pl.Int64,
        "expected": pl.Int64,
        "coverage": pl.Float64,
        "provisional": pl.Boolean,
        "flag": pl.String,
        "note": pl.String,
    }
    return pl.DataFrame(list(rows.values_list(*names)), schema=schema, orient="row")


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """The engine's columns as stored: no NaN/inf (a published figure is never NaN), text not null."""
    floats = ("numerator", "denominator", "value", "coverage")
    return frame.select(
        "indicator_id",
        "org_unit_id",
        pl.col("period").cast(pl.String),
        (pl.col("period_kind") if "period_kind" in frame.columns else pl.lit("year"))
        .cast(pl.String)
        .alias("period_kind"),
        pl.col("year").cast(pl.Int64),
        *[
            pl.when(pl.col(c).cast(pl.Float64).is_finite()).then(pl.col(c).cast(pl.Float64)).alias(c)
            for c in floats
        ],
        pl.col("reported").cast(pl.Int64).fill_null(0),
        pl.col("expected").cast(pl.Int64),
        pl.col("provisional").cast(pl.Boolean).fill_null(False),
        pl.col("flag").cast(pl.String).fill_null(""),
        pl.col("note").cast(pl.String).fill_null(""),
    )


def _write_values(
    plan: Plan,
    run: ComputationRun,
    computed: pl.DataFrame,
    scope: _Scope,
    touched: set[tuple[int, str, int]] | None = None,
) -> dict[str, int]:
    """Make the stored values in `scope` equal to `computed`; return what changed.

    `touched` collects the (indicator id, period, year) of every row added, changed or removed.
    """
    new = _normalised(computed)
    old = _stored_values(plan, scope)
    keys = ["indicator_id", "org_unit_id", "period"]
    joined = new.join(old, on=keys, how="full", suffix="_old", coalesce=True)
    added = joined.filter(pl.col("id").is_null())
    removed = joined.filter(pl.col("year").is_null())
    both = joined.filter(pl.col("id").is_not_null() & pl.col("year").is_not_null())
    differs = pl.lit(False)
    for name in VALUE_FIELDS:
        differs = differs | pl.col(name).ne_missing(pl.col(f"{name}_old"))
    changed = both.filter(differs)
    if touched is not None:
        for part in (added, changed, removed):
            year = pl.coalesce("year", "year_old").alias("y")
            touched.update(part.select("indicator_id", "period", year).drop_nulls().iter_rows())
    now = timezone.now()
    if removed.height:
        IndicatorValue.objects.filter(pk__in=removed.get_column("id").to_list()).delete()
    if changed.height:
        # Replaced rather than updated in place: one DELETE and one INSERT beat a CASE per column.
        IndicatorValue.objects.filter(pk__in=changed.get_column("id").to_list()).delete()
    inserts = pl.concat([added.select(new.columns), changed.select(new.columns)])
    IndicatorValue.objects.bulk_create(
        (_value_row(plan, run, row, now) for row in inserts.iter_rows(named=True)), batch_size=2000
    )
    return {"added": added.height, "changed": changed.height, "removed": removed.height}


def _quarter(period: str, kind: str) -> int | None:
    """The (last) quarter of a quarter ("2016Q3") or year-to-date ("2016Q1-Q3") period."""
    if kind == "quarter":
        return int(period[5:])
    if kind == "ytd":
        return int(period.rsplit("Q", 1)[1])
    return None


def _value_row(plan: Plan, run: ComputationRun, row: Mapping[str, Any], now: Any) -> IndicatorValue:
    period = str(row["period"])
    kind = str(row["period_kind"] or "year")
    return IndicatorValue(
        plan=plan,
        run=run,
        indicator_id=row["indicator_id"],
        org_unit_id=row["org_unit_id"],
        period=period,
        period_kind=kind,
        year=int(row["year"]),
        quarter=_quarter(period, kind),
        numerator=row["numerator"],
        denominator=row["denominator"],
        value=row["value"],
        reported=row["reported"],
        expected=row["expected"],
        coverage=row["coverage"],
        provisional=row["provisional"],
        flag=row["flag"],
        note=row["note"],
        computed_at=now,
    )


# --- derived tables ----------------------------------------------------------------------


def stored_values_frame(plan: Plan) -> pl.DataFrame:
    """Every stored value of `plan` with codes: indicator, org_unit, period, year, value, coverage, …"""
    rows = IndicatorValue.objects.filter(plan=plan).values_list(
        "indicator__code",
        "org_unit__code",
        "period",
        "year",
        "quarter",
        "numerator",
        "denominator",
        "value",
        "reported",
        "expected",
        "coverage",
        "provisional",
        "flag",
    )
    schema = {
        "indicator": pl.String,
        "org_unit": pl.String,
        "period": pl.String,
        "year": pl.Int64,
        "quarter": pl.Int64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "value": pl.Float64,
        "reported": pl.Int64,
        "expected": pl.Int64,
        "coverage": pl.Float64,
        "provisional": pl.Boolean,
        "flag": pl.String,
    }
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def _changes(plan: Plan, run: ComputationRun, touched: set[tuple[int, str, int]]) -> derive.Changes | None:
    """What the values written by `run` changed, for an incremental refresh of the derived tables.

    None (everything derived again) unless the stored derived tables come from a clean run: the
    last finished run before this one succeeded without any error. A run with errors may have
    left a derived table incomplete, so the next one derives everything again.
    """
    last_status = (
        ComputationRun.objects.filter(plan=plan, finished_at__isnull=False)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-id")
        .values_list("status", flat=True)
        .first()
    )
    if last_status != RunStatus.SUCCEEDED:
        return None
    codes = dict(Indicator.objects.filter(plan=plan).values_list("id", "code"))
    return derive.Changes(frozenset((codes.get(i, ""), str(p), int(y)) for i, p, y in touched))


def _refresh_derived(
    plan: Plan,
    run: ComputationRun,
    spec: plan_schema.Plan,
    timer: _Timer,
    *,
    focus_year: int | None = None,
    changes: derive.Changes | None = None,
) -> dict[str, dict[str, int]]:
    """Rebuild progress, warnings, index and scorecards from the stored values (replacing them).

    With `changes`, a table none of whose rows can change (derive.Derived.kept) is left as stored.
    """
    values = stored_values_frame(plan)
    timer.lap("read values")
    results = derive.derive_all(plan, spec, values, focus_year=focus_year, changes=changes)
    timer.lap("derive")
    timer.laps.update({f"derive {k}": v for k, v in results.timings.items()})
    run.errors = [*run.errors, *results.errors]
    counts: dict[str, dict[str, int]] = {}
    for model, rows, part in (
        (ProgressAssessment, results.assessments, "progress"),
        (EarlyWarning, results.warnings, "warnings"),
        (IndexScore, results.index_scores, "index"),
        (Scorecard, results.scorecards, "scorecards"),
    ):
        before = model.objects.filter(plan=plan).count()
        if part in results.kept:
            counts[model._meta.model_name] = {"before": before, "after": before}
            continue
        model.objects.filter(plan=plan).delete()
        for row in rows:
            row.plan = plan
            row.run = run
        model.objects.bulk_create(rows, batch_size=1000)
        counts[model._meta.model_name] = {"before": before, "after": len(rows)}
    timer.lap("write derived")
    return counts


# --- run bookkeeping ---------------------------------------------------------------------


def _lock(plan: Plan) -> None:
    """Serialise computations per plan (see the module docstring)."""
    Plan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True).first()


def _finish(run: ComputationRun, timer: _Timer) -> None:
    run.status = RunStatus.PARTIAL if run.errors else RunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.duration_ms = timer.total_ms
    run.timings = timer.laps
    run.save()


def _fail(run: ComputationRun, exc: BaseException, timer: _Timer) -> None:
    run.status = RunStatus.FAILED
    run.errors = [*run.errors, f"计算失败:{_describe(exc)}"]
    run.finished_at = timezone.now()
    run.duration_ms = timer.total_ms
    run.timings = timer.laps
    run.changes = {}
    run.save()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 500 else text[:500] + "…"
