"""From stored indicator values to progress, warnings, index scores and scorecards.

Reads the plan's targets and baselines from the database, hands frames to the pure
modules of keju.metrics (progress, projection, warnings, drag, index, assessment) and
returns unsaved model rows; keju.monitoring.services stores them. Each part is
guarded: a part that fails records a Chinese error and leaves its table empty for
this run instead of stopping the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from keju.monitoring import tracking
from keju.monitoring.models import EarlyWarning, IndexScore, ProgressAssessment, Scorecard
from keju.orgs.models import OrgUnit
from keju.plan import schema as plan_schema
from keju.planning.models import Baseline, Indicator, Plan, Target


@dataclass
class Derived:
    assessments: list[ProgressAssessment] = field(default_factory=list)
    warnings: list[EarlyWarning] = field(default_factory=list)
    index_scores: list[IndexScore] = field(default_factory=list)
    scorecards: list[Scorecard] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    progress: pl.DataFrame | None = None  # the assessed frame, for the parts that build on it
    by_key: dict[str, ProgressAssessment] = field(default_factory=dict)
    index_frame: pl.DataFrame | None = None  # unit, year, score of the whole index
    kept: set[str] = field(default_factory=set)  # tables left as stored: nothing in them can change


@dataclass(frozen=True)
class Changes:
    """What an incremental update changed in the stored values: (indicator code, period, year).

    Given to derive_all, the parts whose inputs did not change keep their stored rows: the index
    when no yearly value of its indicators (or denominators) changed, else the rank intervals of
    the other years (unless the goalposts' reference year changed); the scorecards of the periods
    whose years did not change. The stored derived tables must be those of a complete earlier run.
    """

    values: frozenset[tuple[str, str, int]]

    def yearly(self, indicators: set[str] | None = None) -> set[int]:
        """The years whose yearly value (period = the year) of one of `indicators` (any) changed."""
        return {
            y
            for code, period, y in self.values
            if period == str(y) and (indicators is None or code in indicators)
        }

    def scorecard_years(self) -> set[int]:
        """The years a scorecard reads a changed value of: yearly values and the second quarter's coverage."""
        return {y for _, period, y in self.values if period in (str(y), f"{y}Q2")}


@dataclass(frozen=True)
class Lookup:
    """Database ids by code, for turning frames into rows."""

    indicators: dict[str, int]
    units: dict[str, int]
    targets: dict[str, int]

    @classmethod
    def of(cls, plan: Plan) -> Lookup:
        return cls(
            indicators=dict(Indicator.objects.filter(plan=plan).values_list("code", "id")),
            units=dict(OrgUnit.objects.filter(plan=plan).values_list("code", "id")),
            targets=dict(Target.objects.filter(plan=plan).values_list("code", "id")),
        )


def derive_all(
    plan: Plan,
    spec: plan_schema.Plan,
    values: pl.DataFrame,
    *,
    focus_year: int | None = None,
    changes: Changes | None = None,
) -> Derived:
    """Everything derived from `values` (stored_values_frame of the plan).

    `focus_year` (incremental updates): the index's Monte Carlo sensitivity analysis, the
    slow part, runs for that year only; other years keep their stored rank intervals.
    `changes` (incremental updates): the index is kept as stored when none of its inputs
    changed, and the scorecards of unchanged periods are taken from the stored ones (see
    Changes); the result equals a full recompute.
    """
    out = Derived()
    lookup = Lookup.of(plan)
    focus = {focus_year} if focus_year is not None else None
    if changes is not None:
        focus = changes.yearly(_index_inputs(spec))
        if _reference_year(spec) in focus:
            focus = None  # new goalposts for every year: every year's intervals again
    previous = _stored_intervals(plan) if focus else {}

    def index() -> None:
        if focus is not None and not focus and changes is not None:  # no input of the index changed
            out.index_frame = _stored_index_frame(plan, spec, lookup)
            out.kept.add("index")
            return
        _index(spec, values, lookup, out, focus, previous)

    parts: list[tuple[str, str, Callable[[], None]]] = [
        ("progress", "目标进展", lambda: _progress(plan, spec, values, lookup, out)),
        ("drag", "拖累分析", lambda: _drag(spec, values, lookup, out)),
        ("warnings", "预警", lambda: _warnings(spec, values, lookup, out)),
        ("index", "发展指数", index),
        ("scorecards", "考核评价", lambda: _scorecards(spec, values, lookup, out, plan, changes)),
    ]
    for name, label, part in parts:
        start = time.perf_counter()
        try:
            part()
        except Exception as exc:  # one failing part must not stop the others
            out.errors.append(f"{label}计算失败:{exc}")
        out.timings[name] = round((time.perf_counter() - start) * 1000, 1)
    return out


# --- progress towards targets ----------------------------------------------------------


def target_frame(plan: Plan, spec: plan_schema.Plan) -> pl.DataFrame:
    """Every target of the plan for an org unit of the zone, plus `trend` rows.

    Trend rows judge the headline indicators of each district and city the plan sets no
    target for, without a target (the measure's no-target thresholds), to the plan's end.
    """
    rows = list(
        Target.objects.filter(plan=plan, org_unit__isnull=False).values_list(
            "code",
            "id",
            "indicator__code",
            "org_unit__code",
            "kind",
            "start_year",
            "year",
            "value",
            "indicator__direction",
            "indicator__unit",
        )
    )
    frame = pl.DataFrame(rows, schema=tracking.TARGET_SCHEMA, orient="row")
    # A flow (an indicator the plan also aims at as a cumulative sum, e.g. 新增就业) grows by
    # summing its years: its increment targets (a stage's 新增) are cumulative over the span.
    flows = frame.filter(pl.col("kind") == "cumulative").get_column("indicator").unique().to_list()
    frame = frame.with_columns(
        pl.when((pl.col("kind") == "increment") & pl.col("indicator").is_in(flows))
        .then(pl.lit("cumulative"))
        .otherwise(pl.col("kind"))
        .alias("kind")
    )
    targeted = set(frame.select("indicator", "org_unit").iter_rows())
    headline = list(
        Indicator.objects.filter(plan=plan, headline=True).values_list("code", "direction", "unit")
    )
    units = list(
        OrgUnit.objects.filter(plan=plan, level__in=["city", "district"])
        .order_by("id")
        .values_list("code", flat=True)
    )
    trend = [
        (
            f"trend:{code}:{unit}",
            None,
            code,
            unit,
            "trend",
            spec.zone.plan_end,
            None,
            None,
            direction,
            unit_name,
        )
        for code, direction, unit_name in headline
        for unit in units
        if (code, unit) not in targeted
    ]
    if trend:
        frame = pl.concat([frame, pl.DataFrame(trend, schema=tracking.TARGET_SCHEMA, orient="row")])
    return frame


def baseline_frame(plan: Plan) -> pl.DataFrame:
    rows = Baseline.objects.filter(plan=plan, org_unit__isnull=False, kind="level").values_list(
        "indicator__code", "org_unit__code", "year", "value"
    )
    return pl.DataFrame(list(rows), schema=tracking.BASELINE_SCHEMA, orient="row")


def yearly(values: pl.DataFrame) -> pl.DataFrame:
    """The yearly values (period = the year) in tracking.VALUE_SCHEMA."""
    return values.filter(pl.col("period") == pl.col("year").cast(pl.String)).select(
        "indicator", "org_unit", "year", "value", "provisional"
    )


def _progress(plan: Plan, spec: plan_schema.Plan, values: pl.DataFrame, lookup: Lookup, out: Derived) -> None:
    targets = target_frame(plan, spec)
    annual = yearly(values)
    assessed = tracking.assess_targets(targets, baseline_frame(plan), annual)
    details = tracking.series_detail(targets, annual)
    out.progress = assessed
    for row in assessed.iter_rows(named=True):
        series = details.get(row["key"], [])
        out.by_key[row["key"]] = assessment = ProgressAssessment(
            indicator_id=lookup.indicators[row["indicator"]],
            org_unit_id=lookup.units[row["org_unit"]],
            target_id=row["target_id"],
            target_kind=row["kind"],
            direction=row["direction"],
            base_year=row["base_year"],
            base_value=row["base_value"],
            base_source=row["base_source"] or "",
            current_year=row["current_year"],
            current_value=row["current_value"],
            target_year=row["target_year"],
            target_value=row["target_value"],
            limit=row["limit"],
            progress_value=row["progress_value"],
            score=row["score"],
            status=row["status"],
            projected_year=row["projected_year"],
            projected_value=row["projected_value"],
            projected_lower=row["projected_lower"],
            projected_upper=row["projected_upper"],
            projection_points=row["projection_points"],
            detail={"key": row["key"], "series": [[int(y), float(v)] for y, v in series]},
        )
        out.assessments.append(assessment)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def latest_year(values: pl.DataFrame) -> int | None:
    """The latest year with a yearly value."""
    years = yearly(values).filter(pl.col("value").is_not_null()).get_column("year")
    return int(years.max()) if years.len() else None  # type: ignore[arg-type]


# --- which districts drag a zone total --------------------------------------------------------


def _drag(spec: plan_schema.Plan, values: pl.DataFrame, lookup: Lookup, out: Derived) -> None:
    """For zone targets not yet achieved: each district's drag on the zone's value (stored in detail)."""
    from keju.metrics.drag import drag
    from keju.metrics.progress import required_path

    if out.progress is None:
        return
    zone = spec.zone.code
    districts = [u.code for u in spec.org_units if u.level == "district"]
    names = {u.code: u.name for u in spec.org_units}
    indicators = {i.code: i for i in spec.indicators}
    behind = out.progress.filter(
        (pl.col("org_unit") == zone)
        & pl.col("kind").is_in(["level", "increment"])
        & pl.col("status").is_in(["moderate_progress", "limited_progress", "negative_progress"])
        & pl.col("target_value").is_not_null()
        & pl.col("current_year").is_not_null()
    )
    annual = values.filter(pl.col("period") == pl.col("year").cast(pl.String))
    for row in behind.iter_rows(named=True):
        ind = indicators.get(row["indicator"])
        if ind is None or ind.formula is None:
            continue
        now = annual.filter(
            (pl.col("indicator") == ind.code)
            & (pl.col("year") == row["current_year"])
            & pl.col("org_unit").is_in(districts)
        )
        base = annual.filter(
            (pl.col("indicator") == ind.code)
            & (pl.col("year") == row["base_year"])
            & pl.col("org_unit").is_in(districts)
        ).select(pl.col("org_unit").alias("unit"), (pl.col("value")).alias("base"))
        if now.height < 2 or now.get_column("numerator").null_count():
            continue
        children = now.select(pl.col("org_unit").alias("unit"), "numerator", "denominator").join(
            base, on="unit", how="left"
        )
        required = required_path(
            row["base_value"], row["base_year"], row["target_value"], row["target_year"], row["current_year"]
        )
        try:
            table = drag(
                children,
                required=required,
                direction=row["direction"],
                factor=ind.formula.factor,
                names=names,
                unit=ind.unit,
            )
        except ValueError as exc:
            out.errors.append(f"{ind.name}的拖累分析无法计算:{exc}")
            continue
        assessment = out.by_key.get(row["key"])
        if assessment is not None:
            assessment.detail["drag"] = [
                {
                    "unit": r["unit"],
                    "name": names.get(r["unit"], r["unit"]),
                    "value": _finite(r["value"]),
                    "required": _finite(r["required"]),
                    "drag": _finite(r["drag"]),
                    "share": _finite(r["share"]),
                    "rank": r["rank"],
                    "explanation": r["explanation"],
                }
                for r in table.iter_rows(named=True)
            ]


# --- early warnings ---------------------------------------------------------------------


def _warnings(spec: plan_schema.Plan, values: pl.DataFrame, lookup: Lookup, out: Derived) -> None:
    from keju.metrics import warnings as ew

    year = latest_year(values)
    if out.progress is None or year is None:
        return
    stage_targets = set(
        Target.objects.filter(id__in=list(lookup.targets.values()), stage__isnull=False).values_list(
            "id", flat=True
        )
    )
    assessed = (
        out.progress.filter(~pl.col("target_id").is_in(list(stage_targets)).fill_null(False))
        .filter(pl.col("current_year").is_not_null())
        .with_columns(
            pl.col("target_value").alias("target"),
            pl.when(pl.col("target_value").is_not_null()).then(pl.lit("plan")).alias("target_source"),
        )
    )
    # One aim per unit and target year for projections: a level target first.
    aims = (
        assessed.filter(pl.col("target").is_not_null())
        .sort(pl.col("kind") != "level", "key")
        .unique(["indicator", "org_unit", "target_year"], keep="first", maintain_order=True)
    )
    projections = aims.filter(pl.col("projected_value").is_not_null()).select(
        "indicator",
        "org_unit",
        pl.col("projected_year").alias("year"),
        pl.col("projected_value").alias("value"),
        pl.col("projected_lower").alias("lower"),
        pl.col("projected_upper").alias("upper"),
    )
    frame = pl.concat(
        [
            ew.progress_warnings(spec, assessed),
            ew.projection_warnings(spec, projections, aims),
            ew.stage_warnings(spec, values, year=year),
            ew.coverage_warnings(spec, values, year=year),
        ]
    )
    pairs: dict[tuple[str, str], list[int]] = {}
    for r in out.progress.filter(pl.col("target_id").is_not_null()).iter_rows(named=True):
        pairs.setdefault((r["indicator"], r["org_unit"]), []).append(r["target_id"])
    ranks = ew.LEVEL_RANK
    for r in sorted(
        frame.iter_rows(named=True),
        key=lambda r: (ranks.get(r["level"], 9), r["indicator"] or "", r["org_unit"]),
    ):
        unit = lookup.units.get(r["org_unit"])
        if unit is None:
            continue
        targets = pairs.get((r["indicator"], r["org_unit"]), [])
        out.warnings.append(
            EarlyWarning(
                indicator_id=lookup.indicators.get(r["indicator"]) if r["indicator"] else None,
                org_unit_id=unit,
                target_id=targets[0] if len(targets) == 1 else None,
                code=r["code"],
                level=r["level"],
                period=str(r["year"]) if r["year"] is not None else "",
                message=r["message"],
                detail={"title": r["title"]},
            )
        )


# --- development index ------------------------------------------------------------------


Interval = tuple[float | None, int | None, int | None]


def _stored_intervals(plan: Plan) -> dict[tuple[int, int, str], Interval]:
    rows = IndexScore.objects.filter(plan=plan).values_list(
        "org_unit_id", "year", "aggregate", "rank_median", "rank_low", "rank_high"
    )
    return {(u, y, a): (m, lo, hi) for u, y, a, m, lo, hi in rows}


def _index(
    spec: plan_schema.Plan,
    values: pl.DataFrame,
    lookup: Lookup,
    out: Derived,
    focus: set[int] | None = None,
    previous: dict[tuple[int, int, str], Interval] | None = None,
) -> None:
    from keju.metrics.index import sensitivity
    from keju.metrics.index.panel import build_index_panel
    from keju.plan.index_spec import resolve_index_spec

    if spec.index is None:
        return
    index_spec = resolve_index_spec(spec)
    zone = spec.zone.code
    parents = {u.code: u.parent for u in spec.org_units}
    units = [u.code for u in spec.org_units if u.level == index_spec.level]
    unranked = [zone] if index_spec.include_zone else []
    compared = [*units, *unranked]
    annual = yearly(values).filter(pl.col("org_unit").is_in(compared) & pl.col("value").is_not_null())
    leaves = index_spec.leaves()
    codes = [leaf.indicator for leaf in leaves]
    dens = sorted({leaf.denominator for leaf in leaves if leaf.denominator})
    data = annual.filter(pl.col("indicator").is_in(codes)).select(
        pl.col("org_unit").alias("unit"), "indicator", "value", "year"
    )
    if not data.height:
        return
    denominators = annual.filter(pl.col("indicator").is_in(dens)).select(
        pl.col("org_unit").alias("unit"), pl.col("indicator").alias("denominator"), "value", "year"
    )
    groups = pl.DataFrame(
        {"unit": compared, "city": [parents.get(u) or u if u != zone else u for u in compared]}
    )
    panel = build_index_panel(
        data, index_spec, denominators=denominators if dens else None, groups=groups, unranked=unranked
    )
    fixed = _goalposts_spec(panel)
    totals = []
    for year, result in sorted(panel.items()):
        scores = result.scores
        if focus is not None and year not in focus:
            ranges = _carried_ranges(scores, lookup, year, previous or {})
        else:
            try:
                table = sensitivity(
                    data.filter(pl.col("year") == year).drop("year"),
                    fixed or index_spec,
                    runs=SENSITIVITY_RUNS,
                    seed=year,
                    denominators=denominators.filter(pl.col("year") == year).drop("year") if dens else None,
                    groups=groups,
                    unranked=unranked,
                )
                ranges = {(r["unit"], r["code"]): r for r in table.iter_rows(named=True)}
            except Exception as exc:  # the scores stand without their rank intervals
                ranges = {}
                out.errors.append(f"{year}年发展指数的敏感性分析无法完成:{exc}")
        for r in scores.iter_rows(named=True):
            unit = lookup.units.get(r["unit"])
            if unit is None:
                continue
            spread = ranges.get((r["unit"], r["code"]), {})
            out.index_scores.append(
                IndexScore(
                    org_unit_id=unit,
                    year=year,
                    aggregate=r["code"],
                    aggregate_name=r["name"] or "",
                    level=0 if r["code"] == index_spec.code else int(r["level"]) - 1,
                    score=_finite(r["score"]),
                    rank=r["rank"],
                    rank_median=_finite(spread.get("median_rank")),
                    rank_low=spread.get("rank_low"),
                    rank_high=spread.get("rank_high"),
                )
            )
            if r["code"] == index_spec.code:
                totals.append((r["unit"], year, _finite(r["score"])))
    out.index_frame = pl.DataFrame(
        totals, schema={"unit": pl.String, "year": pl.Int64, "score": pl.Float64}, orient="row"
    )


SENSITIVITY_RUNS = 200


def _index_inputs(spec: plan_schema.Plan) -> set[str]:
    from keju.plan.index_spec import resolve_index_spec

    if spec.index is None:
        return set()
    leaves = resolve_index_spec(spec).leaves()
    return {leaf.indicator for leaf in leaves} | {leaf.denominator for leaf in leaves if leaf.denominator}


def _reference_year(spec: plan_schema.Plan) -> int | None:
    from keju.plan.index_spec import resolve_index_spec

    return resolve_index_spec(spec).reference_year if spec.index is not None else None


def _stored_index_frame(plan: Plan, spec: plan_schema.Plan, lookup: Lookup) -> pl.DataFrame | None:
    """The whole index's scores (unit, year, score) as stored, as _index builds index_frame."""
    from keju.plan.index_spec import resolve_index_spec

    if spec.index is None:
        return None
    code = resolve_index_spec(spec).code
    units = {pk: unit for unit, pk in lookup.units.items()}
    rows = IndexScore.objects.filter(plan=plan, aggregate=code).order_by("id")
    totals = [(units[u], y, s) for u, y, s in rows.values_list("org_unit_id", "year", "score") if u in units]
    return pl.DataFrame(
        totals, schema={"unit": pl.String, "year": pl.Int64, "score": pl.Float64}, orient="row"
    )


def _carried_ranges(
    scores: pl.DataFrame, lookup: Lookup, year: int, previous: dict[tuple[int, int, str], Interval]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored rank intervals of a year an incremental update did not touch."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for unit, code in scores.select("unit", "code").iter_rows():
        stored = previous.get((lookup.units.get(unit, -1), year, code))
        if stored is not None:
            out[(unit, code)] = {"median_rank": stored[0], "rank_low": stored[1], "rank_high": stored[2]}
    return out


def _goalposts_spec(panel: dict[int, Any]) -> Any:
    """The spec with the reference year's goalposts filled in, as the panel built it."""
    for result in panel.values():
        return result.spec
    return None


# --- scorecards (考核评价) -------------------------------------------------------------------


def _scorecards(
    spec: plan_schema.Plan,
    values: pl.DataFrame,
    lookup: Lookup,
    out: Derived,
    plan: Plan | None = None,
    changes: Changes | None = None,
) -> None:
    """Annual scorecards for every assessed year; half-yearly ones for every year with a second quarter.

    Instrument-sharing items read the yearly evaluation of instrument owner units (`plan` given).
    With `changes` (and `plan`), a period none of whose inputs changed keeps its stored rows: its
    year, the year its progress is judged in, the base year and its index scores are as before.
    """
    from keju.metrics.assessment import assess_units
    from keju.metrics.progress import assess_plan

    if spec.assessment is None:
        return
    level = spec.assessment.level
    units = [u.code for u in spec.org_units if u.level == level]
    annual = yearly(values)
    years = sorted(
        {int(y) for y in annual.filter(pl.col("value").is_not_null()).get_column("year").to_list()}
    )
    years = [y for y in years if y >= spec.zone.plan_start]
    cards = {c.code: c for c in spec.assessment.scorecards}
    owners: dict[int, pl.DataFrame | None] = {}
    stored: dict[tuple[str, str], list[Scorecard]] | None = None
    touched: set[int] = set()
    if changes is not None and plan is not None and spec.zone.baseline_year not in changes.scorecard_years():
        stored = _stored_scorecards(plan)
        touched = changes.scorecard_years() | _index_years_changed(plan, spec, lookup, out)
    for code, card in cards.items():
        for year in years:
            if card.frequency == "half_yearly":
                period, progress_year, coverage_period = f"{year}H1", year - 1, f"{year}Q2"
            else:
                period, progress_year, coverage_period = str(year), year, str(year)
            if stored is not None and not {year, progress_year} & touched:
                out.scorecards.extend(stored.get((code, period), []))
                continue
            if progress_year not in years and progress_year != spec.zone.baseline_year:
                continue
            coverage = _coverage(values, units, coverage_period)
            if card.frequency == "half_yearly" and coverage is None:
                continue
            progress = assess_plan(spec, annual, year=progress_year, org_units=units)
            index = None
            if out.index_frame is not None and out.index_frame.height:
                index = out.index_frame.filter(pl.col("year") == year).select("unit", "score")
            instruments = None
            if plan is not None and any(i.kind == "instrument_sharing" for i in card.items):
                if year not in owners:
                    owners[year] = instrument_owner_frame(plan, spec, year)
                instruments = owners[year]
            result = assess_units(
                spec,
                code,
                period=period,
                progress=progress,
                index=index,
                coverage=coverage,
                instruments=instruments,
            )
            items: dict[str, list[dict[str, Any]]] = {}
            for r in result.items.iter_rows(named=True):
                items.setdefault(r["unit"], []).append(
                    {
                        "item": r["item"],
                        "name": r["item_name"],
                        "value": _finite(r["value"]),
                        "score": _finite(r["points"]),
                        "points": _finite(r["max_points"]),
                        "included": r["included"],
                        "explanation": r["explanation"],
                    }
                )
            for r in result.totals.iter_rows(named=True):
                unit = lookup.units.get(r["unit"])
                if unit is None:
                    continue
                out.scorecards.append(
                    Scorecard(
                        org_unit_id=unit,
                        period=period,
                        scorecard=code,
                        scorecard_name=card.name,
                        score=_finite(r["total"]),
                        rank=r["rank"],
                        grade=r["grade_name"] or r["grade"] or "",
                        explanation=r["explanation"] or "",
                        items=items.get(r["unit"], []),
                    )
                )


def _stored_scorecards(plan: Plan) -> dict[tuple[str, str], list[Scorecard]]:
    """The stored scorecards as unsaved rows by (scorecard, period), in the order they were made."""
    names = (
        "org_unit_id",
        "period",
        "scorecard",
        "scorecard_name",
        "score",
        "rank",
        "grade",
        "explanation",
        "items",
    )
    out: dict[tuple[str, str], list[Scorecard]] = {}
    for row in Scorecard.objects.filter(plan=plan).order_by("id").values(*names):
        out.setdefault((row["scorecard"], row["period"]), []).append(Scorecard(**row))
    return out


def _index_years_changed(plan: Plan, spec: plan_schema.Plan, lookup: Lookup, out: Derived) -> set[int]:
    """The years whose whole-index scores differ from the stored ones (none when the index was kept)."""
    if "index" in out.kept:
        return set()
    before = _stored_index_frame(plan, spec, lookup)
    after = out.index_frame
    frames = [f for f in (before, after) if f is not None]
    years = {int(y) for f in frames for y in f.get_column("year").unique().to_list()}
    changed = set()
    for year in years:
        old, new = (
            None if f is None else f.filter(pl.col("year") == year).sort("unit") for f in (before, after)
        )
        if old is None or new is None or not old.equals(new, null_equal=True):
            changed.add(year)
    return changed


OWNER_SCHEMA = {"unit": pl.String, "owner": pl.String, "score": pl.Float64, "instruments": pl.Int64}


def instrument_owner_frame(plan: Plan, spec: plan_schema.Plan, year: int) -> pl.DataFrame:
    """The yearly evaluation of instrument owner units, each in the assessed unit it is located in.

    Owners located in a district count for it (or for its ancestor at the assessment's level);
    owners located nowhere known are left out. Empty (not None) when there is no owner at all.
    """
    from keju.instruments.services import evaluate_owners

    assert spec.assessment is not None
    level = spec.assessment.level
    by_code = {u.code: u for u in spec.org_units}

    def assessed(code: str | None) -> str | None:
        while code is not None and code in by_code:
            if by_code[code].level == level:
                return code
            code = by_code[code].parent
        return None

    rows = [
        (unit, e.owner, e.total, e.instruments)
        for e in evaluate_owners(plan, year)
        if (unit := assessed(e.district)) is not None
    ]
    return pl.DataFrame(rows, schema=OWNER_SCHEMA, orient="row")


def _coverage(values: pl.DataFrame, units: list[str], period: str) -> pl.DataFrame | None:
    """Reporting coverage of each unit in a period: that of the form most respondents must report.

    Every value carries the coverage of the forms it reads; the value with the most expected
    respondents stands for the unit's direct reporting as a whole (KJ101 for the Lanbai forms).
    """
    rows = values.filter(
        (pl.col("period") == period) & pl.col("org_unit").is_in(units) & pl.col("coverage").is_not_null()
    )
    if not rows.height:
        return None
    return (
        rows.sort(["expected", "coverage"], descending=[True, False], nulls_last=True)
        .group_by("org_unit", maintain_order=True)
        .first()
        .select(pl.col("org_unit").alias("unit"), "coverage")
    )
