"""Progress toward a target: the Open SDG progress measure (Statistics Canada, after Eurostat).

The measure compares the compound annual growth rate (CAGR) achieved since the base year with
the growth needed to reach the target, or, without a target, with fixed growth thresholds:

    CAGR(v1, v0, t1, t0) = (v1 / v0) ** (1 / (t1 - t0)) - 1
    d = +1 (`up`) or -1 (`down`);  s = -1 when the base value is negative, else +1
    with a target T:    P = s·d·CAGR(current, base) / |CAGR(T, base, target_year, base_year)|
    without a target:   P = s·d·CAGR(current, base)

`assess` is the scalar form, `assess_frame` the vectorised one (NumPy over the columns of a Polars
frame, no per-row Python); both follow the same rules and the tests hold them to agree.
Rules beyond the published method, chosen here and documented in docs/progress.md:

- a target on the other side of zero from the base (no real growth rate reaches it) and a target
  year not after the base year give `insufficient_data` / a ValueError respectively;
- a target equal to the base value that is not achieved (so the series moved away from it) has an
  infinite progress value: reported as `progress_value = None`, score -5, `negative_progress`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from keju.plan.schema import Plan

STATUS_LABELS: dict[str, str] = {
    "target_achieved": "已达标",
    "substantial_progress": "进展良好",
    "moderate_progress": "需加快",
    "limited_progress": "进展有限",
    "negative_progress": "倒退",
    "insufficient_data": "数据不足",
}
# Best first; used to sort and to compare statuses.
STATUS_ORDER: tuple[str, ...] = tuple(STATUS_LABELS)
DIRECTIONS: tuple[str, ...] = ("up", "down")

ZERO_REPLACEMENT = 0.001  # a base or target of 0 has no growth rate; the method uses 0.001 instead
# Thresholds on P with a target: share of the required growth rate achieved.
TARGET_HIGH = 0.95
TARGET_MED = 0.6
# Thresholds on P (a growth rate per year) without a target, before the limit coefficient C.
NO_TARGET_HIGH = 0.015
NO_TARGET_MED = 0.005
LIMIT_EXPONENT = 4.44

INPUT_COLUMNS: tuple[str, ...] = (
    "series",
    "base_year",
    "base_value",
    "current_year",
    "current_value",
    "direction",
    "target",
    "target_year",
    "limit",
)
OUTPUT_COLUMNS: tuple[str, ...] = ("progress_value", "score", "status")


@dataclass(frozen=True)
class Assessment:
    progress_value: float | None
    score: float | None
    status: str

    @property
    def label(self) -> str:
        """The status in Chinese (已达标, 进展良好, …)."""
        return STATUS_LABELS[self.status]


INSUFFICIENT = Assessment(None, None, "insufficient_data")


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def _direction_sign(direction: str) -> int:
    if direction == "up":
        return 1
    if direction == "down":
        return -1
    raise ValueError(f"方向“{direction}”无效,应为 up(越大越好)或 down(越小越好)")


def _check_target_years(target: float | None, target_year: int | None, base_year: int) -> None:
    if _missing(target):
        return
    if target_year is None:
        raise ValueError(f"给出了目标值 {target:g},但没有目标年份")
    if target_year <= base_year:
        raise ValueError(f"目标年份 {target_year} 应晚于基期年份 {base_year}")


def _cagr(v1: float, v0: float, t1: float, t0: float) -> float:
    return float((v1 / v0) ** (1.0 / (t1 - t0)) - 1.0)


def limit_coefficient(base_value: float, limit: float) -> float:
    """C: shrinks the no-target thresholds as the base value nears a natural limit L (e.g. 100%)."""
    b, lim = abs(base_value), abs(limit)
    if b >= 2 * lim:  # first, so that b = L = 0 gives C = 1
        return 1.0
    if b <= lim:
        return float(1.0 - (b / lim) ** LIMIT_EXPONENT)
    return float(1.0 - ((2 * lim - b) / lim) ** LIMIT_EXPONENT)


def status_from_score(score: float) -> str:
    """Status bands on the score, used without a target: [2.5, 5], [0, 2.5), [-2.5, 0), below -2.5."""
    if score >= 2.5:
        return "substantial_progress"
    if score >= 0:
        return "moderate_progress"
    if score >= -2.5:
        return "limited_progress"
    return "negative_progress"


def assess(
    *,
    base_year: int,
    base_value: float | None,
    current_year: int,
    current_value: float | None,
    direction: str,
    target: float | None = None,
    target_year: int | None = None,
    limit: float | None = None,
) -> Assessment:
    """Progress value, score in [-5, 5] and status of one series (rules in the module docstring).

    A missing base or current value, a sign change between them, or fewer than two years gives
    `insufficient_data` (unless the target is already achieved, which is checked first).
    Raises ValueError (Chinese message) for a bad direction, a target without a target year, or a
    target year not after the base year.
    """
    d = _direction_sign(direction)
    _check_target_years(target, target_year, base_year)
    if current_value is None or math.isnan(current_value):
        return INSUFFICIENT
    has_target = target is not None and not math.isnan(target)

    achieved = False
    t_value = 0.0
    if target is not None and has_target:
        t_value = ZERO_REPLACEMENT if target == 0 else float(target)
        achieved = current_value >= t_value if d > 0 else current_value <= t_value
    if base_value is None or math.isnan(base_value):
        return Assessment(None, 5.0, "target_achieved") if achieved else INSUFFICIENT

    original_base = float(base_value)
    base = ZERO_REPLACEMENT if base_value == 0 else float(base_value)
    s = -1 if original_base < 0 else 1
    computable = not (
        (base > 0 and current_value < 0) or (base < 0 and current_value > 0) or current_year - base_year < 1
    )

    if has_target:
        assert target_year is not None
        progress: float | None = None
        infinite = False
        if computable and t_value / base >= 0:
            required = _cagr(t_value, base, target_year, base_year)
            observed = s * d * _cagr(current_value, base, current_year, base_year)
            if required == 0:
                infinite = observed != 0
                progress = None if infinite else 0.0
            else:
                progress = observed / abs(required)
            if progress is not None and not math.isfinite(progress):
                progress = None  # a base so near zero that the growth rates overflow says nothing
        if achieved:
            return Assessment(progress, 5.0, "target_achieved")
        if infinite:
            return Assessment(None, -5.0, "negative_progress")
        if progress is None:
            return INSUFFICIENT
        if progress >= TARGET_MED:
            score = min(7.1429 * progress - 4.2857, 5.0)
        else:
            score = max(4.1667 * progress - 2.5, -5.0)
        if progress >= TARGET_HIGH:
            status = "substantial_progress"
        elif progress >= TARGET_MED:
            status = "moderate_progress"
        elif progress >= 0:
            status = "limited_progress"
        else:
            status = "negative_progress"
        return Assessment(progress, score, status)

    if not computable:
        return INSUFFICIENT
    progress = s * d * _cagr(current_value, base, current_year, base_year)
    if not math.isfinite(progress):
        return INSUFFICIENT
    coeff = 1.0 if limit is None or math.isnan(limit) else limit_coefficient(original_base, limit)
    high, med = NO_TARGET_HIGH * coeff, NO_TARGET_MED * coeff
    if progress < 0:
        score = max(125 * progress - 2.5, -5.0)
    elif coeff == 0:  # the base sits on the limit and is held: nothing more to gain
        score = 5.0
    elif progress >= high:
        score = min(500 * progress / coeff - 5, 5.0)
    elif progress >= med:
        score = 250 * progress / coeff - 1.25
    else:
        score = 500 * progress / coeff - 2.5
    return Assessment(progress, score, status_from_score(score))


# ---------------------------------------------------------------- vectorised


def _column(frame: pl.DataFrame, name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A numeric column as float64 with NaN for missing (nulls and NaN alike)."""
    series = frame.get_column(name)
    if series.dtype == pl.Null:
        return np.full(frame.height, np.nan)
    if not series.dtype.is_numeric():
        raise ValueError(f"列“{name}”应为数值,实际类型为 {series.dtype}")
    return np.asarray(series.cast(pl.Float64).fill_null(float("nan")).to_numpy(), dtype=np.float64)


def _series_names(frame: pl.DataFrame, mask: np.ndarray[Any, np.dtype[np.bool_]]) -> str:
    names = frame.get_column("series").cast(pl.Utf8).to_numpy()[mask]
    shown: Sequence[object] = list(names[:5])
    more = "等" if len(names) > 5 else ""
    return "、".join(f"“{n}”" for n in shown) + more


def assess_frame(series: pl.DataFrame) -> pl.DataFrame:
    """`assess` for every row of `series` at once.

    In: series, base_year, base_value, current_year, current_value, direction, target, target_year,
    limit (target, target_year and limit may be absent or null). Out: the same columns plus
    progress_value (Float64, null when not computable), score (Float64) and status (Utf8).
    Raises ValueError (Chinese, naming the series) on a missing column, a bad direction, a target
    without a target year or a target year not after the base year.
    """
    needed = ("series", "base_year", "base_value", "current_year", "current_value", "direction")
    missing_cols = [c for c in needed if c not in series.columns]
    if missing_cols:
        raise ValueError("缺少列:" + "、".join(missing_cols))
    frame = series
    for optional in ("target", "target_year", "limit"):
        if optional not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(optional))
    n = frame.height
    if n == 0:
        return frame.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("progress_value"),
            pl.lit(None, dtype=pl.Float64).alias("score"),
            pl.lit(None, dtype=pl.Utf8).alias("status"),
        )

    direction = frame.get_column("direction").cast(pl.Utf8)
    up = (direction == "up").fill_null(False).to_numpy()
    down = (direction == "down").fill_null(False).to_numpy()
    bad = ~(up | down)
    if bad.any():
        raise ValueError(f"方向无效(应为 up 或 down):{_series_names(frame, bad)}")
    d = np.where(up, 1.0, -1.0)

    by = _column(frame, "base_year")
    cy = _column(frame, "current_year")
    b0 = _column(frame, "base_value")
    cur = _column(frame, "current_value")
    tgt = _column(frame, "target")
    ty = _column(frame, "target_year")
    lim = _column(frame, "limit")

    has_target = ~np.isnan(tgt)
    no_year = has_target & np.isnan(ty)
    if no_year.any():
        raise ValueError(f"给出了目标值但没有目标年份:{_series_names(frame, no_year)}")
    early = has_target & ~np.isnan(by) & (ty <= by)
    if early.any():
        raise ValueError(f"目标年份应晚于基期年份:{_series_names(frame, early)}")

    with np.errstate(all="ignore"):
        present = ~np.isnan(cur) & ~np.isnan(b0)
        t_value = np.where(tgt == 0, ZERO_REPLACEMENT, tgt)
        achieved = ~np.isnan(cur) & has_target & np.where(d > 0, cur >= t_value, cur <= t_value)

        base = np.where(b0 == 0, ZERO_REPLACEMENT, b0)
        s = np.where(b0 < 0, -1.0, 1.0)
        sign_change = ((base > 0) & (cur < 0)) | ((base < 0) & (cur > 0))
        span = cy - by
        computable = present & ~sign_change & (span >= 1)
        observed = s * d * (np.power(cur / base, 1.0 / span) - 1.0)

        # with a target
        target_ok = computable & has_target & (t_value / base >= 0)
        required = np.power(t_value / base, 1.0 / (ty - by)) - 1.0
        zero_required = target_ok & (required == 0)
        infinite = zero_required & (observed != 0)
        p_target = np.where(zero_required, 0.0, observed / np.abs(required))
        # A base so near zero that the growth rates overflow says nothing (as in `assess`).
        p_target = np.where(target_ok & ~infinite & np.isfinite(p_target), p_target, np.nan)
        score_target = np.where(
            p_target >= TARGET_MED,
            np.minimum(7.1429 * p_target - 4.2857, 5.0),
            np.maximum(4.1667 * p_target - 2.5, -5.0),
        )

        # without a target
        coeff = np.ones(n)
        with_limit = ~np.isnan(lim)
        ab, al = np.abs(b0), np.abs(lim)
        coeff = np.where(
            with_limit & ~(ab >= 2 * al),
            np.where(
                ab <= al,
                1.0 - np.power(ab / al, LIMIT_EXPONENT),
                1.0 - np.power((2 * al - ab) / al, LIMIT_EXPONENT),
            ),
            coeff,
        )
        p_free = np.where(computable & ~has_target & np.isfinite(observed), observed, np.nan)
        score_free = np.select(
            [p_free < 0, coeff == 0, p_free >= NO_TARGET_HIGH * coeff, p_free >= NO_TARGET_MED * coeff],
            [
                np.maximum(125 * p_free - 2.5, -5.0),
                np.full(n, 5.0),
                np.minimum(500 * p_free / coeff - 5, 5.0),
                250 * p_free / coeff - 1.25,
            ],
            500 * p_free / coeff - 2.5,
        )

    progress = np.where(has_target, p_target, p_free)
    score = np.where(has_target, score_target, score_free)
    score = np.where(infinite, -5.0, score)
    score = np.where(np.isnan(progress) & ~infinite, np.nan, score)
    score = np.where(achieved, 5.0, score)

    # statuses as indexes into STATUS_ORDER, turned into text once by Polars (no object arrays)
    code = {name: i for i, name in enumerate(STATUS_ORDER)}
    band_target = np.select(
        [progress >= TARGET_HIGH, progress >= TARGET_MED, progress >= 0],
        [code["substantial_progress"], code["moderate_progress"], code["limited_progress"]],
        code["negative_progress"],
    )
    band_score = np.select(
        [score >= 2.5, score >= 0, score >= -2.5],
        [code["substantial_progress"], code["moderate_progress"], code["limited_progress"]],
        code["negative_progress"],
    )
    status = np.where(has_target, band_target, band_score)
    status = np.where(infinite, code["negative_progress"], status)
    status = np.where(np.isnan(score), code["insufficient_data"], status)
    status = np.where(achieved, code["target_achieved"], status)
    status_text = pl.Series("status", status.astype(np.int64)).replace_strict(
        dict(enumerate(STATUS_ORDER)), return_dtype=pl.Utf8
    )

    return frame.with_columns(
        pl.Series("progress_value", progress, dtype=pl.Float64).fill_nan(None),
        pl.Series("score", score, dtype=pl.Float64).fill_nan(None),
        status_text,
    )


# ---------------------------------------------------------------- the plan's series

# Shares whose natural limit is 100% (used only for series without a target).
SHARE_MARKERS: tuple[str, ...] = ("比重", "占比")
SERIES_COLUMNS: tuple[str, ...] = (
    "series",
    "indicator",
    "org_unit",
    "base_year",
    "base_value",
    "base_source",
    "current_year",
    "current_value",
    "direction",
    "target",
    "target_year",
    "target_source",
    "limit",
)


def _plan_tables(plan: Plan) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(indicators, plan baselines at the base year, plan level targets) as small frames."""
    zone = plan.zone.code
    inds = pl.DataFrame(
        {
            "indicator": [i.code for i in plan.indicators],
            "direction": [i.direction for i in plan.indicators],
            "limit": [
                100.0 if i.unit == "%" and any(m in i.name for m in SHARE_MARKERS) else None
                for i in plan.indicators
            ],
        },
        schema={"indicator": pl.Utf8, "direction": pl.Utf8, "limit": pl.Float64},
    )
    base_rows = [
        (b.indicator, b.org_unit or zone, b.value)
        for b in plan.baselines
        if b.kind == "level" and b.scope is None and b.year == plan.zone.baseline_year
    ]
    for ind in plan.indicators:
        if ind.baseline is not None and ind.baseline.year == plan.zone.baseline_year:
            base_rows.append((ind.code, zone, ind.baseline.value))
    bases = pl.DataFrame(
        base_rows, schema={"indicator": pl.Utf8, "org_unit": pl.Utf8, "plan_base": pl.Float64}, orient="row"
    ).unique(["indicator", "org_unit"], keep="first", maintain_order=True)

    target_rows: list[tuple[str, str, float | None, float | None, int]] = []
    for t in plan.targets:
        if t.scope is not None:
            continue
        org = t.org_unit or zone
        if t.kind == "level":
            target_rows.append((t.indicator, org, t.value, None, t.year))
        elif t.kind == "increment" and (t.start_year or plan.zone.plan_start) - 1 == plan.zone.baseline_year:
            target_rows.append((t.indicator, org, None, t.value, t.year))
    for ind in plan.indicators:
        if ind.target is not None:
            target_rows.append((ind.code, zone, ind.target.value, None, ind.target.year))
    targets = pl.DataFrame(
        target_rows,
        schema={
            "indicator": pl.Utf8,
            "org_unit": pl.Utf8,
            "level_target": pl.Float64,
            "increment": pl.Float64,
            "target_year": pl.Int64,
        },
        orient="row",
    )
    # One aim per series: a level target before an increment, the latest year first.
    targets = targets.sort(
        ["indicator", "org_unit", "level_target", "target_year"],
        descending=[False, False, False, True],
        nulls_last=True,
    ).unique(["indicator", "org_unit"], keep="first", maintain_order=True)
    return inds, bases, targets


def progress_series(
    plan: Plan, values: pl.DataFrame, *, year: int, org_units: Sequence[str] | None = None
) -> pl.DataFrame:
    """The series `assess_frame` takes, for every indicator and org unit with a target, a value in
    `year` or a value in the base year.

    `values`: indicator, org_unit, year, value (e.g. EngineResult.values; with a `period` column,
    only annual rows are used). Base: the plan's own base-year figure where it states one for the
    unit, else the computed base-year value (`base_source` plan/data). Target: the unit's level
    target, or an increment target over the plan period turned into a level (base + increment);
    a unit without one is held to the zone's required growth from its own base
    (target = own base × zone target / zone base, `target_source` implied); see docs/progress.md.
    """
    zone = plan.zone.code
    base_year = plan.zone.baseline_year
    frame = values
    if "period" in frame.columns:
        frame = frame.filter(pl.col("period") == pl.col("year").cast(pl.Utf8))
    frame = frame.select(
        pl.col("indicator").cast(pl.Utf8),
        pl.col("org_unit").cast(pl.Utf8),
        pl.col("year").cast(pl.Int64),
        pl.col("value").cast(pl.Float64).fill_nan(None),
    )
    inds, bases, targets = _plan_tables(plan)
    current = frame.filter(pl.col("year") == year).select(
        "indicator", "org_unit", pl.col("value").alias("current_value")
    )
    data_base = frame.filter(pl.col("year") == base_year).select(
        "indicator", "org_unit", pl.col("value").alias("data_base")
    )
    keys = pl.concat(
        [
            current.select("indicator", "org_unit"),
            data_base.select("indicator", "org_unit"),
            targets.select("indicator", "org_unit"),
        ]
    ).unique(maintain_order=True)
    if org_units is not None:
        keys = keys.filter(pl.col("org_unit").is_in(list(org_units)))
    keys = keys.join(inds.select("indicator"), on="indicator", how="semi")

    zone_aim = (
        targets.filter(pl.col("org_unit") == zone)
        .join(bases.filter(pl.col("org_unit") == zone).drop("org_unit"), on="indicator", how="left")
        .join(data_base.filter(pl.col("org_unit") == zone).drop("org_unit"), on="indicator", how="left")
        .select(
            "indicator",
            (
                pl.coalesce("level_target", pl.coalesce("plan_base", "data_base") + pl.col("increment"))
                / pl.coalesce("plan_base", "data_base")
            ).alias("zone_ratio"),
            pl.col("target_year").alias("zone_target_year"),
        )
    )
    out = (
        keys.join(current, on=["indicator", "org_unit"], how="left")
        .join(bases, on=["indicator", "org_unit"], how="left")
        .join(data_base, on=["indicator", "org_unit"], how="left")
        .join(targets, on=["indicator", "org_unit"], how="left")
        .join(zone_aim, on="indicator", how="left")
        .join(inds, on="indicator", how="left")
        .with_columns(
            pl.coalesce("plan_base", "data_base").alias("base_value"),
            pl.when(pl.col("plan_base").is_not_null())
            .then(pl.lit("plan"))
            .when(pl.col("data_base").is_not_null())
            .then(pl.lit("data"))
            .otherwise(pl.lit(None, dtype=pl.Utf8))
            .alias("base_source"),
        )
        .with_columns(
            pl.coalesce("level_target", pl.col("base_value") + pl.col("increment")).alias("own_target"),
            (pl.col("base_value") * pl.col("zone_ratio")).alias("implied_target"),
        )
        .with_columns(
            pl.coalesce("own_target", "implied_target").alias("target"),
            pl.when(pl.col("own_target").is_not_null())
            .then(pl.col("target_year"))
            .when(pl.col("implied_target").is_not_null())
            .then(pl.col("zone_target_year"))
            .otherwise(pl.lit(None, dtype=pl.Int64))
            .alias("target_year"),
            pl.when(pl.col("own_target").is_not_null())
            .then(pl.lit("plan"))
            .when(pl.col("implied_target").is_not_null())
            .then(pl.lit("implied"))
            .otherwise(pl.lit(None, dtype=pl.Utf8))
            .alias("target_source"),
        )
        .with_columns(
            (pl.col("indicator") + "@" + pl.col("org_unit")).alias("series"),
            pl.lit(base_year, dtype=pl.Int64).alias("base_year"),
            pl.lit(year, dtype=pl.Int64).alias("current_year"),
            # a target that is not after the base year cannot be assessed by growth
            pl.when(pl.col("target_year") > base_year).then(pl.col("target")).alias("target"),
        )
        .with_columns(
            pl.when(pl.col("target").is_not_null()).then(pl.col("target_year")).alias("target_year")
        )
    )
    return out.select(SERIES_COLUMNS).sort(["indicator", "org_unit"])


def assess_plan(
    plan: Plan, values: pl.DataFrame, *, year: int, org_units: Sequence[str] | None = None
) -> pl.DataFrame:
    """`assess_frame(progress_series(...))`: progress of every indicator and org unit of the plan in `year`."""
    return assess_frame(progress_series(plan, values, year=year, org_units=org_units))


def required_path(base_value: float, base_year: int, target: float, target_year: int, year: int) -> float:
    """Where a series should be in `year` to reach `target` at the constant growth rate the measure uses."""
    base = ZERO_REPLACEMENT if base_value == 0 else base_value
    goal = ZERO_REPLACEMENT if target == 0 else target
    if goal / base < 0:
        raise ValueError("目标值与基期值符号相反,无法按固定增速计算要求路径")
    return float(base * (goal / base) ** ((year - base_year) / (target_year - base_year)))
