"""Progress series for the plan's targets, built from computed values (Polars, no database).

A target says where one indicator of one org unit should be by a year. Each becomes a
series that the progress measure (keju.metrics.progress.assess_frame) can judge:

- `level` (the value at the end of `year`): the indicator's yearly values; base = the
  plan's baseline for that unit (the latest before the target year), else the first
  computed year; target = the stated value.
- `increment` (growth over [start_year, year], e.g. a stage's 新增): the same yearly
  values, with base year start_year − 1 and target = base value + increment.
- `cumulative` (a flow summed over [start_year, year], e.g. 累计新增就业): the running
  sum from start_year over consecutive complete years; base = the first year's sum. A
  one-year span is judged on that year alone: achieved, else insufficient_data.

Only complete values count (not null, not provisional): `current` is the latest
complete year not after the target year, and the projection is made only while the
target year is still ahead. Without a target (`trend` rows: headline
indicators of units the plan sets no target for) the series runs from the base to
the latest complete year and the measure's no-target thresholds apply. Shares in
percent have the natural limit 100.
"""

from __future__ import annotations

import polars as pl

from keju.metrics.progress import assess_frame
from keju.metrics.projection import project_frame

PERCENT_LIMIT = 100.0

TARGET_SCHEMA: dict[str, type[pl.DataType]] = {
    "key": pl.String,
    "target_id": pl.Int64,
    "indicator": pl.String,
    "org_unit": pl.String,
    "kind": pl.String,
    "start_year": pl.Int64,
    "year": pl.Int64,
    "value": pl.Float64,
    "direction": pl.String,
    "unit": pl.String,
}
BASELINE_SCHEMA: dict[str, type[pl.DataType]] = {
    "indicator": pl.String,
    "org_unit": pl.String,
    "year": pl.Int64,
    "value": pl.Float64,
}
VALUE_SCHEMA: dict[str, type[pl.DataType]] = {
    "indicator": pl.String,
    "org_unit": pl.String,
    "year": pl.Int64,
    "value": pl.Float64,
    "provisional": pl.Boolean,
}


def complete_values(values: pl.DataFrame) -> pl.DataFrame:
    """Yearly values that may be judged: present, finite and not provisional."""
    return values.filter(
        pl.col("value").is_not_null() & pl.col("value").is_finite() & ~pl.col("provisional").fill_null(False)
    ).select("indicator", "org_unit", "year", "value")


def target_series(targets: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """key, year, value: each target's series up to its target year (cumulative sums for cumulative)."""
    complete = complete_values(values)
    joined = targets.select(
        "key", "indicator", "org_unit", "kind", "start_year", pl.col("year").alias("_ty")
    ).join(complete, on=["indicator", "org_unit"], how="inner")
    joined = joined.filter(pl.col("year") <= pl.col("_ty"))
    plain = joined.filter(pl.col("kind") != "cumulative").select("key", "year", "value")
    cumulative = (
        joined.filter((pl.col("kind") == "cumulative") & (pl.col("year") >= pl.col("start_year")))
        .sort("key", "year")
        .with_columns(
            # Only consecutive years from start_year: a gap makes every later sum unknown.
            ((pl.col("year") - pl.col("start_year")) == pl.int_range(pl.len()).over("key")).alias("_run")
        )
        .filter(pl.col("_run").cum_min().over("key"))
        .with_columns(pl.col("value").cum_sum().over("key"))
        .select("key", "year", "value")
    )
    return pl.concat([plain, cumulative]).sort("key", "year")


def assess_targets(
    targets: pl.DataFrame,
    baselines: pl.DataFrame,
    values: pl.DataFrame,
    *,
    level: float = 0.9,
) -> pl.DataFrame:
    """One row per target (key): base, current, target as a level, progress, score, status, projection.

    `targets`: TARGET_SCHEMA (year/value null for trend rows without a target, whose
    projection year is then `start_year`); `baselines`: BASELINE_SCHEMA (the plan's
    stated levels); `values`: VALUE_SCHEMA (yearly values).
    """
    series = target_series(targets.with_columns(pl.col("year").fill_null(pl.col("start_year"))), values)
    # Plan baselines: the latest before the target year (increments: exactly the year before start).
    stated = (
        targets.select("key", "indicator", "org_unit", "kind", "start_year", "year")
        .join(
            baselines.rename({"year": "b_year", "value": "b_value"}),
            on=["indicator", "org_unit"],
            how="inner",
        )
        .filter(
            pl.when(pl.col("kind") == "increment")
            .then(pl.col("b_year") == pl.col("start_year") - 1)
            .when(pl.col("kind").is_in(["level", "trend"]))
            .then(pl.col("b_year") < pl.col("year").fill_null(pl.col("start_year")))
            .otherwise(False)
        )
        .sort("b_year")
        .group_by("key")
        .agg(pl.col("b_year").last(), pl.col("b_value").last())
    )
    first = series.group_by("key").agg(
        pl.col("year").min().alias("f_year"), pl.col("value").sort_by("year").first().alias("f_value")
    )
    at_start = (
        series.join(targets.select("key", "start_year"), on="key")
        .filter(pl.col("year") == pl.col("start_year") - 1)
        .select("key", pl.col("year").alias("s_year"), pl.col("value").alias("s_value"))
    )
    frame = (
        targets.join(stated, on="key", how="left")
        .join(first, on="key", how="left")
        .join(at_start, on="key", how="left")
        .with_columns(
            pl.when(pl.col("kind") == "increment")
            .then(pl.coalesce("b_year", "s_year"))
            .otherwise(pl.coalesce("b_year", "f_year"))
            .alias("base_year"),
            pl.when(pl.col("kind") == "increment")
            .then(pl.coalesce("b_value", "s_value"))
            .otherwise(pl.coalesce("b_value", "f_value"))
            .alias("base_value"),
            pl.when(pl.col("b_year").is_not_null())
            .then(pl.lit("plan"))
            .when(pl.coalesce("s_year", "f_year").is_not_null())
            .then(pl.lit("computed"))
            .otherwise(pl.lit(""))
            .alias("base_source"),
        )
    )
    latest = (
        series.join(frame.select("key", "base_year", "kind"), on="key")
        # A cumulative sum over one year is judged on that year alone (achieved or not).
        .filter(
            (pl.col("year") > pl.col("base_year"))
            | ((pl.col("kind") == "cumulative") & (pl.col("year") == pl.col("base_year")))
        )
        .sort("year")
        .group_by("key")
        .agg(pl.col("year").last().alias("current_year"), pl.col("value").last().alias("current_value"))
    )
    frame = frame.join(latest, on="key", how="left").with_columns(
        pl.when(pl.col("kind") == "increment")
        .then(pl.col("base_value") + pl.col("value"))
        .otherwise(pl.col("value"))
        .alias("target_value"),
        pl.col("year").alias("target_year"),
        pl.when(pl.col("unit") == "%")
        .then(pl.lit(PERCENT_LIMIT))
        .otherwise(None)
        .cast(pl.Float64)
        .alias("limit"),
    )
    # Rows the measure cannot judge: no base, a base not before the target year, an
    # increment whose base (and so target level) is unknown. They are insufficient_data.
    judgeable = (
        pl.col("base_value").is_not_null()
        & pl.col("current_value").is_not_null()
        & (pl.col("target_year").is_null() | (pl.col("base_year") < pl.col("target_year")))
        & (pl.col("value").is_null() | pl.col("target_value").is_not_null())
    )
    judged = assess_frame(
        frame.select(
            pl.col("key").alias("series"),
            pl.col("base_year").fill_null(0),
            pl.when(judgeable).then(pl.col("base_value")).alias("base_value"),
            pl.col("current_year").fill_null(pl.col("base_year")).fill_null(0),
            pl.when(judgeable).then(pl.col("current_value")).alias("current_value"),
            "direction",
            pl.when(judgeable).then(pl.col("target_value")).alias("target"),
            pl.when(judgeable).then(pl.col("target_year")).alias("target_year"),
            # The limit shapes only the no-target thresholds (Open SDG); a target needs none.
            pl.when(pl.col("target_value").is_null()).then(pl.col("limit")).alias("limit"),
        )
    ).select(pl.col("series").alias("key"), "progress_value", "score", "status")
    frame = frame.join(judged, on="key", how="left")
    # A cumulative target over one year has no growth to measure: met (已达标) or not yet judged.
    one_year = (pl.col("kind") == "cumulative") & (pl.col("base_year") == pl.col("target_year"))
    met = (
        pl.when(pl.col("direction") == "down")
        .then(pl.col("current_value") <= pl.col("target_value"))
        .otherwise(pl.col("current_value") >= pl.col("target_value"))
    )
    frame = frame.with_columns(
        pl.when(one_year & met.fill_null(False))
        .then(pl.lit("target_achieved"))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.when(one_year & met.fill_null(False)).then(pl.lit(5.0)).otherwise(pl.col("score")).alias("score"),
    )
    projections = _projections(frame, series, level)
    frame = frame.join(projections, on="key", how="left")
    return frame.select(
        "key",
        "target_id",
        "indicator",
        "org_unit",
        "kind",
        "direction",
        "base_year",
        "base_value",
        "base_source",
        "current_year",
        "current_value",
        "target_year",
        "target_value",
        "limit",
        "progress_value",
        "score",
        "status",
        "projected_year",
        "projected_value",
        "projected_lower",
        "projected_upper",
        "projection_points",
    ).sort("key")


def _projections(frame: pl.DataFrame, series: pl.DataFrame, level: float) -> pl.DataFrame:
    """Projected value at the target year (trend rows: at start_year, the plan's end)."""
    schema = {
        "key": pl.String,
        "projected_year": pl.Int64,
        "projected_value": pl.Float64,
        "projected_lower": pl.Float64,
        "projected_upper": pl.Float64,
        "projection_points": pl.Int64,
    }
    horizon = frame.select(
        "key", "base_year", pl.col("target_year").fill_null(pl.col("start_year")).alias("_horizon")
    ).filter(pl.col("_horizon").is_not_null())
    # Once the target year is observed a projection says nothing more: only earlier series project.
    horizon = horizon.join(frame.select("key", "current_year"), on="key", how="left").filter(
        pl.col("current_year").is_null() | (pl.col("current_year") < pl.col("_horizon"))
    )
    usable = series.join(horizon.drop("current_year"), on="key").filter(
        pl.col("year") >= pl.col("base_year").fill_null(pl.col("year"))
    )
    parts = []
    for horizon_year in usable.get_column("_horizon").unique().sort().to_list():
        part = usable.filter(pl.col("_horizon") == horizon_year)
        projected = project_frame(
            part.select("key", "year", "value"), ["key"], int(horizon_year), level=level
        )
        parts.append(
            projected.select(
                "key",
                pl.col("year").alias("projected_year"),
                pl.col("value").alias("projected_value"),
                pl.col("lower").alias("projected_lower"),
                pl.col("upper").alias("projected_upper"),
                pl.col("n").alias("projection_points"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat([p.cast(schema) for p in parts])


def series_detail(targets: pl.DataFrame, values: pl.DataFrame) -> dict[str, list[tuple[int, float]]]:
    """The (year, value) pairs behind each assessment, by key (shown on the progress page)."""
    series = target_series(targets.with_columns(pl.col("year").fill_null(pl.col("start_year"))), values)
    grouped = series.group_by("key").agg("year", "value")
    return {key: list(zip(years, vals, strict=True)) for key, years, vals in grouped.iter_rows()}
