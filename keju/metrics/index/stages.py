"""The column-wise steps of the OECD/JRC pipeline on a units × indicators matrix (NumPy).

Every function takes a float matrix `x` (rows = units, columns = indicators, NaN = missing)
and returns the new matrix plus boolean masks of the cells it touched, so that the caller
can record per cell which steps were applied. Statistics (means, min/max, skewness) are
taken over the rows in `peers` only; other rows (e.g. the zone, scored but not compared)
are transformed with the peers' parameters.

The formulas follow COINr (bluefoxr/COINr; COINr6 for the outlier treatment), so that the
ASEM example is reproduced exactly; docs/index.md explains every option.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from keju.plan.index_spec import Imputation, Normalisation, Treatment

Matrix = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


class IndexInputError(ValueError):
    """Input the index cannot be built from; the message is Chinese and names the culprit."""


def _empty_mask(x: Matrix) -> Mask:
    return np.zeros(x.shape, dtype=bool)


# ---------------------------------------------------------------- denomination


@dataclass
class Denominated:
    x: Matrix
    applied: Mask
    missing_denominator: Mask
    zero_denominator: Mask


def denominate(x: Matrix, denominators: Matrix, has_denominator: Sequence[bool]) -> Denominated:
    """x / denominator in the columns that have one; a missing or zero denominator gives NaN (flagged)."""
    cols = np.asarray(has_denominator, dtype=bool)
    out = x.copy()
    applied = np.zeros(x.shape, dtype=bool)
    missing = np.zeros(x.shape, dtype=bool)
    zero = np.zeros(x.shape, dtype=bool)
    if cols.any():
        den = denominators[:, cols]
        num = x[:, cols]
        present = ~np.isnan(num)
        den_missing = np.isnan(den) & present
        den_zero = (den == 0) & present
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = num / den
        quotient[den_missing | den_zero] = np.nan
        out[:, cols] = quotient
        applied[:, cols] = present & ~den_missing & ~den_zero
        missing[:, cols] = den_missing
        zero[:, cols] = den_zero
    return Denominated(out, applied, missing, zero)


# ---------------------------------------------------------------- imputation


@dataclass
class Imputed:
    x: Matrix
    imputed: Mask
    detail: list[str]  # per column: how the imputed cells were filled
    fallback: Mask = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))  # group had no value


def _fill_values(x: Matrix, how: str) -> npt.NDArray[np.float64]:
    """Column means or medians over non-missing cells (NaN for an all-missing column), without warnings."""
    present = ~np.isnan(x)
    counts = present.sum(axis=0)
    if how == "mean":
        sums = np.where(present, x, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    # median: sort with NaN last, pick the middle of the present values per column
    ordered = np.sort(x, axis=0)
    n = x.shape[0]
    lo = np.clip((counts - 1) // 2, 0, max(n - 1, 0))
    hi = np.clip(counts // 2, 0, max(n - 1, 0))
    cols = np.arange(x.shape[1])
    if n == 0:
        return np.full(x.shape[1], np.nan)
    med = (ordered[lo, cols] + ordered[hi, cols]) / 2.0
    return np.where(counts > 0, med, np.nan)


def impute(x: Matrix, spec: Imputation, peers: Mask, groups: Sequence[str] | None = None) -> Imputed:
    """Fill missing cells with the column mean/median, overall or of the unit's group.

    A unit whose group has no value for the indicator gets the overall statistic (flagged as
    a fallback). Columns without any value stay missing: the caller drops them.
    """
    missing = np.isnan(x)
    out = x.copy()
    detail = [""] * x.shape[1]
    fallback = np.zeros(x.shape, dtype=bool)
    if spec.method == "none" or not missing.any():
        return Imputed(out, np.zeros(x.shape, dtype=bool), detail, fallback)
    how = "mean" if spec.method in ("mean", "group_mean") else "median"
    overall = _fill_values(x[peers], how)
    if spec.method in ("mean", "median"):
        fill = np.broadcast_to(overall, x.shape)
        for j in range(x.shape[1]):
            detail[j] = {"mean": "均值", "median": "中位数"}[how]
    else:
        if groups is None:
            raise IndexInputError(f"按组插补需要每个单元的分组(“{spec.by}”),但没有提供分组")
        labels = np.asarray(groups, dtype=object)
        fill = np.full(x.shape, np.nan)
        for label in sorted(set(labels.tolist())):
            rows = labels == label
            stat = _fill_values(x[rows & peers], how)
            fill[rows] = stat
        no_group_value = np.isnan(fill) & missing
        fallback = no_group_value & ~np.isnan(np.broadcast_to(overall, x.shape))
        fill = np.where(np.isnan(fill), np.broadcast_to(overall, x.shape), fill)
        word = {"mean": "组均值", "median": "组中位数"}[how]
        for j in range(x.shape[1]):
            detail[j] = f"{word}(按{spec.by})"
    out = np.where(missing, fill, x)
    imputed = missing & ~np.isnan(out)
    return Imputed(out, imputed, detail, fallback)


# ---------------------------------------------------------------- outlier treatment


def moments(v: npt.NDArray[np.float64]) -> tuple[float, float]:
    """(skewness, kurtosis) of the sample, type 2 (e1071/Excel/COINr), in one pass over the deviations.

    NaN when undefined: fewer than 3 (skewness) or 4 (kurtosis) values, or no spread.
    """
    n = v.size
    if n < 3:
        return float("nan"), float("nan")
    d = v - v.mean()
    d2 = d * d
    m2 = float(d2.sum())
    if m2 == 0.0:
        return float("nan"), float("nan")
    skew = np.sqrt(n) * float((d2 * d).sum()) / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    if n < 4:
        return float(skew), float("nan")
    r = n * float((d2 * d2).sum()) / m2**2
    kurt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return float(skew), float(kurt)


def skewness(v: npt.NDArray[np.float64]) -> float:
    """Sample skewness, type 2 (e1071/Excel/COINr); NaN when undefined (fewer than 3 values, no spread)."""
    return moments(v)[0]


def kurtosis(v: npt.NDArray[np.float64]) -> float:
    """Sample excess kurtosis, type 2 (e1071/Excel/COINr); NaN when undefined (fewer than 4 values, no spread)."""
    return moments(v)[1]


def _passes(skew: float, kurt: float, spec: Treatment) -> bool:
    return bool(abs(skew) < spec.skew_threshold or kurt < spec.kurtosis_threshold)


def passes(v: npt.NDArray[np.float64], spec: Treatment) -> bool:
    """COINr's test: |skew| < threshold OR kurtosis < threshold."""
    return _passes(*moments(v), spec)


@dataclass
class ColumnTreatment:
    values: npt.NDArray[np.float64]
    high: npt.NDArray[np.bool_]  # winsorised at the top
    low: npt.NDArray[np.bool_]  # winsorised at the bottom
    log: str | None  # "log_ct" / "log" when the fallback transform was applied
    log_refused: bool
    skew_before: float
    kurt_before: float
    skew_after: float
    kurt_after: float
    note: str


def winsorise(
    v: npt.NDArray[np.float64], spec: Treatment
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """COINr's stepwise winsorisation of a vector without NaN.

    While the test fails and fewer than `winmax` points are treated: with skew ≥ 0 every value
    equal to the maximum takes the next-highest value, else every value equal to the minimum
    takes the next-lowest. The count is of the points at the current extreme (ties included),
    which also covers the points winsorised before, as COINr counts them.
    """
    x = v.copy()
    imax: npt.NDArray[np.bool_] = np.zeros(x.size, dtype=bool)
    imin: npt.NDArray[np.bool_] = np.zeros(x.size, dtype=bool)
    nwin = 0
    skew, kurt = moments(x)
    while not _passes(skew, kurt, spec) and nwin < spec.winmax:
        if skew >= 0:
            imax = x == x.max()
            if imax.all():
                break
            x[imax] = x[~imax].max()
        else:
            imin = x == x.min()
            if imin.all():
                break
            x[imin] = x[~imin].min()
        nwin = int(imax.sum() + imin.sum())
        skew, kurt = moments(x)
    return x, imax, imin


def treat_column(v: npt.NDArray[np.float64], spec: Treatment, *, allow_log: bool) -> ColumnTreatment:
    """Test, winsorise, and fall back to a log transform of the ORIGINAL values if still failing."""
    n = v.size
    none = np.zeros(n, dtype=bool)
    skew0, kurt0 = skewness(v), kurtosis(v)
    if np.isnan(skew0) or np.isnan(kurt0):
        note = "数值无差异,未处理" if n >= 4 else "有效值少于4个,无法检验偏度和峰度,未处理"
        return ColumnTreatment(v.copy(), none, none.copy(), None, False, skew0, kurt0, skew0, kurt0, note)
    if passes(v, spec):
        return ColumnTreatment(v.copy(), none, none.copy(), None, False, skew0, kurt0, skew0, kurt0, "")
    x, high, low = winsorise(v, spec)
    if passes(x, spec) or spec.fallback == "none":
        note = (
            "" if passes(x, spec) else f"缩尾{int(high.sum() + low.sum())}个点后仍未通过检验(未设置对数变换)"
        )
        return ColumnTreatment(x, high, low, None, False, skew0, kurt0, skewness(x), kurtosis(x), note)
    if not allow_log:
        note = "缩尾后仍未通过检验;固定基准的标准化不能使用对数变换(会改变基准的单位),保留缩尾结果"
        return ColumnTreatment(x, high, low, None, True, skew0, kurt0, skewness(x), kurtosis(x), note)
    if spec.fallback == "log":
        if (v <= 0).any():
            note = "缩尾后仍未通过检验;存在零或负值,不能取自然对数,保留缩尾结果"
            return ColumnTreatment(x, high, low, None, True, skew0, kurt0, skewness(x), kurtosis(x), note)
        logged = np.log(v)
    else:
        spread = float(v.max() - v.min())
        logged = np.log(v - v.min() + 0.01 * spread)
    return ColumnTreatment(
        logged, none, none.copy(), spec.fallback, False, skew0, kurt0, skewness(logged), kurtosis(logged), ""
    )


# ---------------------------------------------------------------- normalisation


@dataclass
class Normalised:
    x: Matrix
    zero_spread: list[bool]  # per column: no spread among peers (or target at the minimum): dropped
    clipped_low: Mask
    clipped_high: Mask


def normalise(
    x: Matrix,
    spec: Normalisation,
    peers: Mask,
    directions: npt.NDArray[np.float64],
    *,
    targets: Sequence[float | None] = (),
    goalposts: Sequence[tuple[float, float] | None] = (),
) -> Normalised:
    """Scale every column to a common range (see docs/index.md for each method)."""
    n, m = x.shape
    clipped_low = np.zeros(x.shape, dtype=bool)
    clipped_high = np.zeros(x.shape, dtype=bool)
    scale = spec.high - spec.low
    if spec.method == "goalposts":
        base = np.array([g[0] if g else np.nan for g in goalposts], dtype=float)
        target = np.array([g[1] if g else np.nan for g in goalposts], dtype=float)
        s = (x - base) / (target - base)
        if spec.clip:
            clipped_low = s < 0
            clipped_high = s > 1
            s = np.clip(s, 0.0, 1.0)
        return Normalised(s * scale + spec.low, [False] * m, clipped_low, clipped_high)

    xd = x * directions  # "higher is better" for every column from here on
    ref = np.where(peers[:, None], xd, np.nan)
    any_value = (~np.isnan(ref)).any(axis=0)
    with np.errstate(invalid="ignore"):
        lo = np.where(any_value, np.nanmin(np.where(any_value, ref, 0.0), axis=0), np.nan)
        hi = np.where(any_value, np.nanmax(np.where(any_value, ref, 0.0), axis=0), np.nan)
    if spec.method == "minmax":
        spread = hi - lo
        zero = ~(spread > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (xd - lo) / spread * scale + spec.low
    elif spec.method == "zscore":
        counts = (~np.isnan(ref)).sum(axis=0)
        mean = np.where(
            counts > 0, np.where(np.isnan(ref), 0.0, ref).sum(axis=0) / np.maximum(counts, 1), np.nan
        )
        dev = np.where(np.isnan(ref), 0.0, ref - mean)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt((dev * dev).sum(axis=0) / (counts - 1))
        zero = ~(sd > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (xd - mean) / sd * spec.sd + spec.mean
    else:  # distance to target: the share of the way from the worst peer to the target
        t = np.array([np.nan if v is None else v for v in targets], dtype=float) * directions
        gap = t - lo
        zero = ~(gap > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (xd - lo) / gap
        if spec.clip:
            clipped_high = s > 1
            s = np.minimum(s, 1.0)
        out = s * scale + spec.low
    out[:, zero] = np.nan
    return Normalised(out, zero.tolist(), clipped_low, clipped_high)
