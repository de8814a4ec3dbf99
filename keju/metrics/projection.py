"""Projected target-year value: time-weighted linear regression with a prediction interval.

Method (documented in docs/progress.md):

- weights decay exponentially with age: w = 0.5 ** ((latest_year - year) / half_life), so the
  latest year weighs 1 and a year `half_life` years older (default 3) weighs 1/2 — recent years
  count more, as in UNECE's time-weighted regression, but old years are never thrown away;
- weighted least squares line through (year, value); projected value at the target year;
- prediction interval for the target year's observed value, treating the weights as precisions:
  sigma^2 = sum(w r^2) / (n - 2),  var = sigma^2 * (1/w0 + 1/sum(w) + x0^2 / sum(w x^2)) with x
  centred on the weighted mean year and w0 = 1 (a future year is weighed like the latest);
  bounds = value ± t_{(1+level)/2, n-2} · sqrt(var). Student's t with n − 2 degrees of freedom
  widens the band strongly for few points (3 points: t ≈ 6.3 at 90%);
- fewer than 3 points (after dropping missing values): no projection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

DEFAULT_HALF_LIFE = 3.0
MIN_POINTS = 3


@dataclass(frozen=True)
class Projection:
    year: int
    value: float
    lower: float
    upper: float
    n: int
    slope: float = 0.0  # change per year of the fitted line


# ---------------------------------------------------------------- Student's t quantile


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


@lru_cache(maxsize=256)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t (bisection on the CDF; exact closed forms for df = 1, 2)."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError(f"t 分位数参数无效:p={p}, df={df}")
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-14 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"置信水平应在 0 和 1 之间,实际为 {level}")


# ---------------------------------------------------------------- one series


def project(
    years: Sequence[int],
    values: Sequence[float | None],
    target_year: int,
    *,
    level: float = 0.9,
    half_life: float = DEFAULT_HALF_LIFE,
) -> Projection | None:
    """The projected value at `target_year` and its prediction interval; None for fewer than 3 points.

    Missing values (None/NaN) are dropped first. Raises ValueError for a repeated year or lengths
    that differ.
    """
    _check_level(level)
    if len(years) != len(values):
        raise ValueError("年份和数值的个数不一致")
    pairs = [
        (float(t), float(v))
        for t, v in zip(years, values, strict=True)
        if v is not None and not math.isnan(v)
    ]
    if len({t for t, _ in pairs}) != len(pairs):
        raise ValueError("同一年份出现了多个数值")
    n = len(pairs)
    if n < MIN_POINTS:
        return None
    t = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    w = np.power(0.5, (t.max() - t) / half_life)
    sw = w.sum()
    tbar = (w * t).sum() / sw
    ybar = (w * y).sum() / sw
    x = t - tbar
    sxx = (w * x * x).sum()
    slope = (w * x * (y - ybar)).sum() / sxx
    resid = y - ybar - slope * x
    ssr = (w * resid * resid).sum()
    x0 = float(target_year) - tbar
    value = ybar + slope * x0
    sigma2 = ssr / (n - 2)
    half = t_quantile((1.0 + level) / 2.0, n - 2) * math.sqrt(sigma2 * (1.0 + 1.0 / sw + x0 * x0 / sxx))
    return Projection(
        int(target_year), float(value), float(value - half), float(value + half), n, float(slope)
    )


# ---------------------------------------------------------------- many series


def project_frame(
    long: pl.DataFrame,
    by: Sequence[str],
    target_year: int,
    *,
    level: float = 0.9,
    half_life: float = DEFAULT_HALF_LIFE,
    year: str = "year",
    value: str = "value",
) -> pl.DataFrame:
    """`project` for every group of `long` (columns: *by, year, value) in one vectorised pass.

    Out: *by, year (= target_year), value, lower, upper, n, slope — one row per group with at least
    3 non-missing points (groups with fewer are left out), sorted by the group keys. Raises ValueError naming the group when
    a year repeats within a group.
    """
    _check_level(level)
    keys = list(by)
    missing = [c for c in [*keys, year, value] if c not in long.columns]
    if missing:
        raise ValueError("缺少列:" + "、".join(missing))
    group = keys or ["__all__"]
    key_exprs = [pl.col(k) for k in keys] if keys else [pl.lit(0).alias("__all__")]
    df = long.select(
        *key_exprs,
        pl.col(year).cast(pl.Float64).alias("_t"),
        pl.col(value).cast(pl.Float64).fill_nan(None).alias("_y"),
    )
    df = df.filter(pl.col("_y").is_not_null() & pl.col("_t").is_not_null())
    # Sort once so that every group is a contiguous run; then each sum is one np.add.reduceat.
    df = df.sort([*group, "_t"]).with_columns(pl.struct(group).rle_id().alias("_g"))
    g = df.get_column("_g").to_numpy()
    t = df.get_column("_t").to_numpy()
    y = df.get_column("_y").to_numpy()
    if g.size == 0:
        return _empty(long, keys)
    same = (g[1:] == g[:-1]) & (t[1:] == t[:-1])
    if same.any():
        first = df.row(int(np.flatnonzero(same)[0]), named=True)
        where = "、".join(f"{k}={first[k]}" for k in keys) or "该序列"
        raise ValueError(f"{where} 的 {int(first['_t'])} 年出现了多个数值")
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    n = np.diff(np.r_[starts, g.size])
    t_last = t[np.r_[starts[1:], g.size] - 1]  # sorted: the last year of each group
    w = np.power(0.5, (t_last[g] - t) / half_life)
    sw = np.add.reduceat(w, starts)
    tbar = np.add.reduceat(w * t, starts) / sw
    ybar = np.add.reduceat(w * y, starts) / sw
    x = t - tbar[g]
    sxx = np.add.reduceat(w * x * x, starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.add.reduceat(w * x * (y - ybar[g]), starts) / sxx
        resid = y - ybar[g] - slope[g] * x
        ssr = np.add.reduceat(w * resid * resid, starts)
        x0 = float(target_year) - tbar
        fitted_value = ybar + slope * x0
        q = (1.0 + level) / 2.0
        quantile = {int(m): t_quantile(q, int(m) - 2) for m in np.unique(n) if m >= MIN_POINTS}
        tq = np.array([quantile.get(int(m), np.nan) for m in n])
        half = tq * np.sqrt(ssr / (n - 2) * (1.0 + 1.0 / sw + x0 * x0 / sxx))
    keep = n >= MIN_POINTS
    columns = [df[starts[keep]].get_column(k) for k in keys]
    count = int(keep.sum())
    return pl.DataFrame(
        [
            *columns,
            pl.Series("year", np.full(count, int(target_year)), dtype=pl.Int64),
            pl.Series("value", fitted_value[keep], dtype=pl.Float64),
            pl.Series("lower", (fitted_value - half)[keep], dtype=pl.Float64),
            pl.Series("upper", (fitted_value + half)[keep], dtype=pl.Float64),
            pl.Series("n", n[keep], dtype=pl.Int64),
            pl.Series("slope", slope[keep], dtype=pl.Float64),
        ]
    )


def _empty(long: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    schema: dict[str, Any] = {k: long.schema[k] for k in keys}
    schema.update(
        {
            "year": pl.Int64,
            "value": pl.Float64,
            "lower": pl.Float64,
            "upper": pl.Float64,
            "n": pl.Int64,
            "slope": pl.Float64,
        }
    )
    return pl.DataFrame(schema=schema)
