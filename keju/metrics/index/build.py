"""build_index: the whole composite-index pipeline for one year, with every stage kept.

raw → denominated → imputed → treated → normalised → aggregated (scores and ranks per
aggregate). `steps` records, per cell, what touched it, so that a reader of the index can see
that a value was imputed, winsorised, log-transformed, reversed or clipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from keju.metrics.index.aggregate import Node, aggregate_tree, build_tree, rank_desc
from keju.metrics.index.stages import (
    IndexInputError,
    Mask,
    Matrix,
    denominate,
    impute,
    normalise,
    treat_column,
)
from keju.plan.index_spec import IndexIndicator, IndexSpec

STEP_LABELS: dict[str, str] = {
    "denominated": "已除以分母",
    "missing_denominator": "分母缺失",
    "zero_denominator": "分母为零",
    "missing": "缺失(未插补,聚合时略去)",
    "imputed": "已插补",
    "imputed_overall": "组内无数据,按全体插补",
    "winsorised_high": "上端缩尾",
    "winsorised_low": "下端缩尾",
    "log_transformed": "对数变换",
    "log_refused": "未能对数变换",
    "reversed": "方向反转(越小越好)",
    "clipped_low": "低于基准,记为下限",
    "clipped_high": "达到目标,记为上限",
    "zero_spread": "无差异,不参与聚合",
    "dropped": "全部缺失,不参与聚合",
}


@dataclass(frozen=True)
class IndexResult:
    """Every stage of one build. Stage frames are long: unit, indicator, value."""

    spec: IndexSpec
    units: list[str]
    indicators: list[str]
    raw: pl.DataFrame
    denominated: pl.DataFrame
    imputed: pl.DataFrame
    treated: pl.DataFrame
    normalised: pl.DataFrame
    aggregated: pl.DataFrame  # unit, code, level, value: indicators (level 1, normalised) and every aggregate
    scores: (
        pl.DataFrame
    )  # unit, code, name, level, score, rank (aggregates only; rank null for unranked units)
    steps: pl.DataFrame  # unit, indicator, step, detail
    treatment: pl.DataFrame  # per indicator: skew/kurtosis before and after, points winsorised, log
    warnings: list[str] = field(default_factory=list)

    def wide(self, stage: str) -> pl.DataFrame:
        """A stage as one row per unit and one column per indicator (or aggregate, for `aggregated`)."""
        frame: pl.DataFrame = getattr(self, stage)
        key = "code" if stage == "aggregated" else "indicator"
        order = self.indicators if stage != "aggregated" else list(dict.fromkeys(frame["code"].to_list()))
        wide = frame.pivot(on=key, index="unit", values="value")
        return wide.select("unit", *[c for c in order if c in wide.columns])

    @property
    def index(self) -> pl.DataFrame:
        """unit, score, rank of the top aggregate."""
        return self.scores.filter(pl.col("code") == self.spec.code).select("unit", "score", "rank")


# ---------------------------------------------------------------- input


def _matrix(data: pl.DataFrame, units: list[str], columns: list[str], what: str) -> Matrix:
    """Long (unit, <key>, value) → units × columns matrix; refuses duplicates and non-finite values."""
    key = data.columns[1]
    dup = data.group_by("unit", key).len().filter(pl.col("len") > 1)
    if dup.height:
        row = dup.row(0, named=True)
        raise IndexInputError(f"{what}中单元“{row['unit']}”的“{row[key]}”出现了 {row['len']} 次")
    values = data["value"].cast(pl.Float64, strict=False)
    bad = data.filter(values.is_not_null() & ~values.is_finite())
    if bad.height:
        row = bad.row(0, named=True)
        raise IndexInputError(f"{what}中单元“{row['unit']}”的“{row[key]}”不是有限数值({row['value']})")
    x = np.full((len(units), len(columns)), np.nan)
    # positions by joins, not a Python loop over the rows
    row_ids = pl.DataFrame(
        {"unit": units, "_row": np.arange(len(units))}, schema={"unit": pl.Utf8, "_row": pl.Int64}
    )
    col_ids = pl.DataFrame(
        {key: columns, "_col": np.arange(len(columns))}, schema={key: pl.Utf8, "_col": pl.Int64}
    )
    frame = (
        data.with_columns(values.alias("value"))
        .filter(pl.col("value").is_not_null())
        .join(row_ids, on="unit", how="inner")
        .join(col_ids, on=key, how="inner")
    )
    if frame.height:
        x[frame["_row"].to_numpy(), frame["_col"].to_numpy()] = frame["value"].to_numpy()
    return x


def _long_data(data: pl.DataFrame) -> pl.DataFrame:
    missing = {"unit", "indicator", "value"} - set(data.columns)
    if missing:
        raise IndexInputError(f"指数数据缺少列:{', '.join(sorted(missing))}(需要 unit, indicator, value)")
    return data.select(pl.col("unit").cast(pl.Utf8), pl.col("indicator").cast(pl.Utf8), "value")


def _long_denominators(denominators: pl.DataFrame) -> pl.DataFrame:
    """Accept long (unit, denominator, value) or wide (unit + one column per denominator)."""
    if "unit" not in denominators.columns:
        raise IndexInputError("分母数据缺少 unit 列")
    if {"denominator", "value"} <= set(denominators.columns):
        return denominators.select(pl.col("unit").cast(pl.Utf8), pl.col("denominator").cast(pl.Utf8), "value")
    cols = [c for c in denominators.columns if c != "unit"]
    return denominators.select(
        pl.col("unit").cast(pl.Utf8), *[pl.col(c).cast(pl.Float64, strict=False) for c in cols]
    ).unpivot(index="unit", variable_name="denominator", value_name="value")


_STEP_SCHEMA = {"unit": pl.Utf8, "indicator": pl.Utf8, "step": pl.Utf8, "detail": pl.Utf8}


def _steps_frame(
    units: list[str], indicators: list[str], masks: list[tuple[str, Mask, Sequence[str]]]
) -> pl.DataFrame:
    unit_names = pl.Series("unit", units, dtype=pl.Utf8)
    indicator_names = pl.Series("indicator", indicators, dtype=pl.Utf8)
    parts = []
    for step, mask, details in masks:
        rows, cols = np.nonzero(mask)
        if rows.size == 0:
            continue
        detail = pl.Series("detail", list(details) or [""] * len(indicators), dtype=pl.Utf8)
        parts.append(
            pl.DataFrame(
                [
                    unit_names.gather(rows),
                    indicator_names.gather(cols),
                    pl.Series("step", [step], dtype=pl.Utf8).gather(np.zeros(rows.size, dtype=np.int64)),
                    detail.gather(cols),
                ]
            )
        )
    if not parts:
        return pl.DataFrame(schema=_STEP_SCHEMA)
    return pl.concat(parts).sort("unit", "indicator", maintain_order=True)


def _long(units: list[str], columns: list[str], x: Matrix, key: str = "indicator") -> pl.DataFrame:
    n, m = x.shape
    return pl.DataFrame(
        [
            pl.Series("unit", units, dtype=pl.Utf8).gather(np.repeat(np.arange(n), m)),
            pl.Series(key, columns, dtype=pl.Utf8).gather(np.tile(np.arange(m), n)),
            pl.Series("value", x.reshape(-1), dtype=pl.Float64),
        ]
    ).with_columns(pl.col("value").fill_nan(None))


# ---------------------------------------------------------------- the pipeline


@dataclass
class _Prepared:
    units: list[str]
    leaves: list[IndexIndicator]
    codes: list[str]
    raw: Matrix
    den: Matrix
    has_den: list[bool]
    peers: npt.NDArray[np.bool_]
    groups: list[str] | None


def _prepare(
    data: pl.DataFrame,
    spec: IndexSpec,
    denominators: pl.DataFrame | None,
    groups: pl.DataFrame | None,
    unranked: Sequence[str],
) -> _Prepared:
    long = _long_data(data)
    leaves = spec.leaves()
    codes = [leaf.indicator for leaf in leaves]
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise IndexInputError(f"指数结构中指标“{dup}”出现了不止一次")
    for leaf in leaves:
        if leaf.direction is None:
            raise IndexInputError(f"指标“{leaf.indicator}”没有方向(up/down);请先用规划补全指数设置")
    units = sorted(set(long["unit"].to_list()))
    if not units:
        raise IndexInputError("没有任何单元的数据,无法计算指数")
    raw = _matrix(long, units, codes, "指数数据")
    has_den = [leaf.denominator is not None for leaf in leaves]
    den = np.full(raw.shape, np.nan)
    if any(has_den):
        if denominators is None:
            need = sorted({leaf.denominator for leaf in leaves if leaf.denominator})
            raise IndexInputError(f"指数设置要求分母({', '.join(need)}),但没有提供分母数据")
        dl = _long_denominators(denominators)
        names = sorted({leaf.denominator for leaf in leaves if leaf.denominator})
        absent = [n for n in names if n not in set(dl["denominator"].to_list())]
        if absent:
            raise IndexInputError(f"分母数据中没有:{', '.join(absent)}")
        dm = _matrix(dl.filter(pl.col("unit").is_in(units)), units, names, "分母数据")
        pos = {n: j for j, n in enumerate(names)}
        for j, leaf in enumerate(leaves):
            if leaf.denominator:
                den[:, j] = dm[:, pos[leaf.denominator]]
    peers = np.array([u not in set(unranked) for u in units], dtype=bool)
    if not peers.any():
        raise IndexInputError("所有单元都被排除在比较之外,无法计算指数")
    unit_groups: list[str] | None = None
    by = spec.methods.impute.by
    usable = groups is not None and by is not None and {"unit", by} <= set(groups.columns)
    if spec.methods.impute.method.startswith("group_") and not usable:
        raise IndexInputError(f"按组插补需要分组数据(列 unit 和 {by})")
    if usable and groups is not None and by is not None:
        g = dict(zip(groups["unit"].cast(pl.Utf8).to_list(), groups[by].cast(pl.Utf8).to_list(), strict=True))
        lacking = [u for u, peer in zip(units, peers, strict=True) if peer and g.get(u) is None]
        if lacking and spec.methods.impute.method.startswith("group_"):
            raise IndexInputError(f"单元 {', '.join(lacking[:5])} 没有分组“{by}”")
        # units outside the comparison may lack a group: they are filled with the overall statistic
        unit_groups = [str(g[u]) if g.get(u) is not None else "\x00" for u in units]
    return _Prepared(units, leaves, codes, raw, den, has_den, peers, unit_groups)


def build_index(
    data: pl.DataFrame,
    spec: IndexSpec,
    *,
    denominators: pl.DataFrame | None = None,
    groups: pl.DataFrame | None = None,
    unranked: Sequence[str] = (),
) -> IndexResult:
    """Build the composite index for one period.

    data: unit, indicator, value (indicators outside the spec are ignored; a missing row is a
    missing value). denominators: long (unit, denominator, value) or wide (unit + columns).
    groups: unit + grouping columns, for group imputation. unranked: units scored with the
    other units' parameters but left out of statistics and ranks (e.g. the zone itself).
    Raises IndexInputError (Chinese) for input that cannot give an index.
    """
    p = _prepare(data, spec, denominators, groups, unranked)
    return _run(p, spec)


def _run(p: _Prepared, spec: IndexSpec) -> IndexResult:
    m = spec.methods
    units, codes, leaves = p.units, p.codes, p.leaves
    n, k = p.raw.shape
    warnings: list[str] = []
    blank = [""] * k

    d = denominate(p.raw, p.den, p.has_den)
    den_detail = [f"÷ {leaf.denominator}" if leaf.denominator else "" for leaf in leaves]

    all_missing: npt.NDArray[np.bool_] = np.asarray(np.isnan(d.x[p.peers]).all(axis=0), dtype=bool)
    for j in np.nonzero(all_missing)[0].tolist():
        warnings.append(f"指标“{codes[j]}”在所有比较单元中都没有数据,已从指数中略去(其余权重按比例放大)")

    imp = impute(d.x, m.impute, p.peers, p.groups)
    still_missing = np.isnan(imp.x) & ~all_missing[None, :]

    # outlier treatment, column by column (winsorisation is inherently sequential)
    treated = imp.x.copy()
    high = np.zeros((n, k), dtype=bool)
    low = np.zeros((n, k), dtype=bool)
    logged = np.zeros((n, k), dtype=bool)
    refused = np.zeros((n, k), dtype=bool)
    log_detail = list(blank)
    summary: list[dict[str, object]] = []
    fixed_reference = m.normalise.method in ("goalposts", "distance_to_target")
    for j in range(k):
        row: dict[str, object] = {
            "indicator": codes[j],
            "skew": None,
            "kurtosis": None,
            "winsorised_low": 0,
            "winsorised_high": 0,
            "log": None,
            "skew_after": None,
            "kurtosis_after": None,
            "treatment": "无",
            "note": "",
        }
        if m.treat.method == "none" or all_missing[j]:
            summary.append(row)
            continue
        rows = np.nonzero(p.peers & ~np.isnan(imp.x[:, j]))[0]
        col = treat_column(imp.x[rows, j], m.treat, allow_log=not fixed_reference)
        row.update(
            skew=col.skew_before,
            kurtosis=col.kurt_before,
            winsorised_low=int(col.low.sum()),
            winsorised_high=int(col.high.sum()),
            log=col.log,
            skew_after=col.skew_after,
            kurtosis_after=col.kurt_after,
            note=col.note,
        )
        if col.log:
            row["treatment"] = "对数变换"
            logged[rows, j] = True
            log_detail[j] = "ln(x − min + 0.01·(max − min))" if col.log == "log_ct" else "ln(x)"
            treated[rows, j] = col.values
            _transform_others(treated, imp.x, p.peers, j, col.log, imp.x[rows, j])
        else:
            nwin = int(col.high.sum() + col.low.sum())
            if nwin:
                row["treatment"] = f"缩尾 {nwin} 个点"
            treated[rows, j] = col.values
            high[rows, j] = col.high
            low[rows, j] = col.low
            _cap_others(treated, p.peers, j, col.values)
        if col.log_refused:
            refused[rows, j] = True
            warnings.append(f"指标“{codes[j]}”:{col.note}")
        summary.append(row)
    treat_detail = [f"共 {int(high[:, j].sum() + low[:, j].sum())} 个点" for j in range(k)]

    directions = np.array([1.0 if leaf.direction == "up" else -1.0 for leaf in leaves])
    goalposts = [(g.base, g.target) if (g := leaf.goalposts) else None for leaf in leaves]
    if m.normalise.method == "goalposts":
        lacking = [codes[j] for j, g in enumerate(goalposts) if g is None]
        if lacking:
            raise IndexInputError(f"固定基准标准化需要每个指标的基准值和目标值;缺少:{', '.join(lacking)}")
    targets = [leaf.target for leaf in leaves]
    if m.normalise.method == "distance_to_target":
        lacking = [codes[j] for j, t in enumerate(targets) if t is None]
        if lacking:
            raise IndexInputError(f"距目标距离标准化需要每个指标的目标值;缺少:{', '.join(lacking)}")
    norm = normalise(treated, m.normalise, p.peers, directions, targets=targets, goalposts=goalposts)
    zero = np.array(norm.zero_spread) & ~all_missing
    for j in np.nonzero(zero)[0].tolist():
        warnings.append(
            f"指标“{codes[j]}”在比较单元之间没有差异(或目标不高于最差值),无法标准化,已从指数中略去"
        )
    normalised = norm.x
    normalised[:, all_missing] = np.nan

    nodes = build_tree(spec)
    leaf_w, node_w = _weights(spec, leaves, nodes)
    scores = aggregate_tree(normalised, nodes, leaf_w, node_w, m.aggregate.method, m.aggregate.shift)
    ranked_on = scores if spec.rank_decimals is None else np.round(scores, spec.rank_decimals)
    ranks = rank_desc(ranked_on, p.peers)
    for i, node in enumerate(nodes):
        empty = [units[r] for r in np.nonzero(np.isnan(scores[:, i]))[0]]
        if empty:
            warnings.append(f"“{node.name}”在 {', '.join(empty)} 没有任何可用的下级数据,得分为空")

    reversed_cols = (directions < 0) & (m.normalise.method != "goalposts")
    present = ~np.isnan(d.x)
    masks: list[tuple[str, Mask, Sequence[str]]] = [
        ("denominated", d.applied, den_detail),
        ("missing_denominator", d.missing_denominator, den_detail),
        ("zero_denominator", d.zero_denominator, den_detail),
        ("dropped", np.broadcast_to(all_missing, (n, k)).copy(), blank),
        ("imputed", imp.imputed & ~imp.fallback, imp.detail),
        ("imputed_overall", imp.fallback, imp.detail),
        ("missing", still_missing, blank),
        ("winsorised_high", high, treat_detail),
        ("winsorised_low", low, treat_detail),
        ("log_transformed", logged, log_detail),
        ("log_refused", refused, blank),
        ("reversed", np.broadcast_to(reversed_cols, (n, k)) & ~np.isnan(normalised), blank),
        ("clipped_low", norm.clipped_low & ~np.isnan(treated), blank),
        ("clipped_high", norm.clipped_high & ~np.isnan(treated), blank),
        ("zero_spread", np.broadcast_to(zero, (n, k)) & (present | imp.imputed), blank),
    ]
    steps = _steps_frame(units, codes, masks).with_columns(
        pl.col("step").replace_strict(STEP_LABELS, default=None).alias("label")
    )

    node_codes = [node.code for node in nodes]
    aggregated = pl.concat(
        [
            _long(units, codes, normalised, key="code").with_columns(
                pl.lit(1, dtype=pl.Int64).alias("level")
            ),
            _long(units, node_codes, scores, key="code").with_columns(
                pl.col("code")
                .replace_strict({nd.code: nd.level for nd in nodes})
                .cast(pl.Int64)
                .alias("level")
            ),
        ]
    ).select("unit", "code", pl.col("level").cast(pl.Int64), "value")
    score_frame = (
        _long(units, node_codes, scores, key="code")
        .rename({"value": "score"})
        .with_columns(
            pl.Series("rank", ranks.reshape(-1)).fill_nan(None).cast(pl.Int64),
            pl.col("code").replace_strict({nd.code: nd.name for nd in nodes}).alias("name"),
            pl.col("code").replace_strict({nd.code: nd.level for nd in nodes}).cast(pl.Int64).alias("level"),
        )
        .select("unit", "code", "name", "level", "score", "rank")
    )
    treatment = pl.DataFrame(
        summary,
        schema={
            "indicator": pl.Utf8,
            "skew": pl.Float64,
            "kurtosis": pl.Float64,
            "winsorised_low": pl.Int64,
            "winsorised_high": pl.Int64,
            "log": pl.Utf8,
            "skew_after": pl.Float64,
            "kurtosis_after": pl.Float64,
            "treatment": pl.Utf8,
            "note": pl.Utf8,
        },
    )
    return IndexResult(
        spec=spec,
        units=units,
        indicators=codes,
        raw=_long(units, codes, p.raw),
        denominated=_long(units, codes, d.x),
        imputed=_long(units, codes, imp.x),
        treated=_long(units, codes, treated),
        normalised=_long(units, codes, normalised),
        aggregated=aggregated,
        scores=score_frame,
        steps=steps,
        treatment=treatment,
        warnings=warnings,
    )


def _cap_others(
    treated: Matrix, peers: npt.NDArray[np.bool_], j: int, peer_values: npt.NDArray[np.float64]
) -> None:
    """Units outside the comparison keep their value, capped to the peers' treated range."""
    others = ~peers & ~np.isnan(treated[:, j])
    if others.any() and peer_values.size:
        treated[others, j] = np.clip(treated[others, j], peer_values.min(), peer_values.max())


def _transform_others(
    treated: Matrix,
    original: Matrix,
    peers: npt.NDArray[np.bool_],
    j: int,
    how: str,
    peer_original: npt.NDArray[np.float64],
) -> None:
    """Apply the peers' log transform to units outside the comparison (with the peers' min/max)."""
    others = ~peers & ~np.isnan(original[:, j])
    if not others.any():
        return
    v = original[others, j]
    if how == "log":
        with np.errstate(invalid="ignore", divide="ignore"):
            treated[others, j] = np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)
        return
    lo, hi = peer_original.min(), peer_original.max()
    shifted = v - lo + 0.01 * (hi - lo)
    with np.errstate(invalid="ignore", divide="ignore"):
        treated[others, j] = np.where(shifted > 0, np.log(np.where(shifted > 0, shifted, 1.0)), np.nan)


def _weights(
    spec: IndexSpec, leaves: list[IndexIndicator], nodes: list[Node]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Leaf and node weights: the expert weights of the spec, or all 1 for equal weighting."""
    if spec.methods.weighting == "equal":
        return np.ones(len(leaves)), np.ones(len(nodes))
    return np.array([leaf.weight for leaf in leaves]), np.array([node.weight for node in nodes])
