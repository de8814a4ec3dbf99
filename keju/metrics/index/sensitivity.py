"""Uncertainty of the ranks: Monte Carlo over weights and method choices (OECD/JRC Handbook step 7).

Each run draws one combination of methods (imputation × normalisation × aggregation, among
the combinations that are valid for the data and the spec) and multiplies every weight — of
indicators and of aggregates — by an independent uniform factor in [1 − noise, 1 + noise]
(the weighted means renormalise). The normalised matrix is computed once per
(imputation, normalisation) pair and all runs of a pair are aggregated together as one
(runs × units × nodes) array, so the cost is a few pipeline passes plus NumPy work.
Seeded: the same seed gives the same table.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import polars as pl

from keju.metrics.index.aggregate import aggregate_tree, build_tree, rank_desc
from keju.metrics.index.build import _prepare, _run
from keju.metrics.index.stages import IndexInputError
from keju.plan.index_spec import (
    AggregateMethodName,
    ImputeMethodName,
    IndexSpec,
    NormaliseMethodName,
)

DEFAULT_NORMALISATIONS: tuple[NormaliseMethodName, ...] = (
    "minmax",
    "zscore",
    "distance_to_target",
    "goalposts",
)
DEFAULT_AGGREGATIONS: tuple[AggregateMethodName, ...] = ("arithmetic", "geometric", "harmonic")
DEFAULT_IMPUTATIONS: tuple[ImputeMethodName, ...] = ("mean", "median", "group_mean", "group_median")


def _valid_normalisations(
    spec: IndexSpec, wanted: Sequence[NormaliseMethodName]
) -> list[NormaliseMethodName]:
    leaves = spec.leaves()
    out: list[NormaliseMethodName] = []
    for method in wanted:
        if method == "goalposts" and any(leaf.goalposts is None for leaf in leaves):
            continue
        if method == "distance_to_target" and any(leaf.target is None for leaf in leaves):
            continue
        out.append(method)
    return out


def sensitivity(
    data: pl.DataFrame,
    spec: IndexSpec,
    *,
    runs: int = 500,
    seed: int = 1,
    weight_noise: float = 0.25,
    normalisations: Sequence[NormaliseMethodName] | None = None,
    aggregations: Sequence[AggregateMethodName] | None = None,
    imputations: Sequence[ImputeMethodName] | None = None,
    denominators: pl.DataFrame | None = None,
    groups: pl.DataFrame | None = None,
    unranked: Sequence[str] = (),
    interval: tuple[float, float] = (5.0, 95.0),
) -> pl.DataFrame:
    """Rank distribution of every unit for every aggregate.

    Returns unit, code, name, level, nominal_rank (the spec's own build), median_rank,
    rank_low, rank_high (the `interval` percentiles of the runs' ranks, rounded outwards),
    mean_rank and runs (how many runs gave the unit a rank). Method lists default to every
    method the data and spec allow (goalposts only when every indicator has goalposts, …);
    pass a one-element list to hold a step fixed. Raises IndexInputError when nothing is valid.
    """
    if runs < 1:
        raise IndexInputError("蒙特卡洛次数必须至少为 1")
    if not 0 <= weight_noise < 1:
        raise IndexInputError(f"权重扰动幅度必须在 0 与 1 之间(不含 1),收到 {weight_noise}")
    prepared = _prepare(data, spec, denominators, groups, unranked)
    m = spec.methods
    norms = _valid_normalisations(spec, list(normalisations or DEFAULT_NORMALISATIONS))
    aggs = list(aggregations or DEFAULT_AGGREGATIONS)
    imps: list[ImputeMethodName] = list(imputations or DEFAULT_IMPUTATIONS)
    if prepared.groups is None:
        imps = [i for i in imps if not i.startswith("group_")]
    combos = [
        (imp, norm, agg)
        for imp, norm, agg in itertools.product(imps, norms, aggs)
        # z-scores are negative for below-average units: no geometric or harmonic mean of them
        if not (norm == "zscore" and agg != "arithmetic")
    ]
    if not combos:
        raise IndexInputError("没有可用的方法组合(检查标准化方法是否有所需的基准值或目标值)")

    rng = np.random.default_rng(seed)
    nodes = build_tree(spec)
    leaves = spec.leaves()
    base_leaf = np.array([1.0 if m.weighting == "equal" else leaf.weight for leaf in leaves])
    base_node = np.array([1.0 if m.weighting == "equal" else node.weight for node in nodes])
    choice = rng.integers(len(combos), size=runs)
    leaf_w = base_leaf * rng.uniform(1 - weight_noise, 1 + weight_noise, size=(runs, len(leaves)))
    node_w = base_node * rng.uniform(1 - weight_noise, 1 + weight_noise, size=(runs, len(nodes)))

    n = len(prepared.units)
    ranks = np.full((runs, n, len(nodes)), np.nan)
    normalised_cache: dict[tuple[str, str], np.ndarray] = {}
    for c, (imp, norm, agg) in enumerate(combos):
        chosen = np.nonzero(choice == c)[0]
        if chosen.size == 0:
            continue
        key = (imp, norm)
        if key not in normalised_cache:
            variant = spec.model_copy(
                update={
                    "methods": m.model_copy(
                        update={
                            "impute": m.impute.model_copy(update={"method": imp}),
                            "normalise": m.normalise.model_copy(update={"method": norm}),
                            "aggregate": m.aggregate.model_copy(update={"method": "arithmetic"}),
                        }
                    )
                }
            )
            built = _run(prepared, variant)
            normalised_cache[key] = (
                built.normalised["value"].fill_null(np.nan).to_numpy().reshape(n, len(leaves))
            )
        normalised = normalised_cache[key]
        scores = aggregate_tree(
            np.broadcast_to(normalised, (chosen.size, *normalised.shape)),
            nodes,
            leaf_w[chosen],
            node_w[chosen],
            agg,
            m.aggregate.shift,
        )
        if spec.rank_decimals is not None:
            scores = np.round(scores, spec.rank_decimals)
        ranks[chosen] = rank_desc(scores, prepared.peers)

    nominal = _run(prepared, spec).scores
    peers = prepared.peers
    r = ranks[:, peers, :]
    counted = (~np.isnan(r)).sum(axis=0)
    filled = np.where(np.isnan(r), np.inf, r)  # percentiles over present ranks only, without NaN warnings
    order = np.sort(filled, axis=0)
    median = _percentile(order, counted, 50.0, "mid")
    low = _percentile(order, counted, interval[0], "lower")
    high = _percentile(order, counted, interval[1], "higher")
    with np.errstate(invalid="ignore"):
        mean = np.where(
            counted > 0, np.where(np.isnan(r), 0.0, r).sum(axis=0) / np.maximum(counted, 1), np.nan
        )
    units = [u for u, ok in zip(prepared.units, peers, strict=True) if ok]
    k = len(nodes)
    frame = pl.DataFrame(
        {
            "unit": np.repeat(np.asarray(units, dtype=object), k).tolist(),
            "code": [node.code for node in nodes] * len(units),
            "name": [node.name for node in nodes] * len(units),
            "level": [node.level for node in nodes] * len(units),
            "median_rank": median.reshape(-1),
            "rank_low": low.reshape(-1),
            "rank_high": high.reshape(-1),
            "mean_rank": mean.reshape(-1),
            "runs": counted.reshape(-1),
        }
    ).with_columns(pl.col(c).fill_nan(None) for c in ("median_rank", "rank_low", "rank_high", "mean_rank"))
    frame = frame.join(
        nominal.select("unit", "code", pl.col("rank").alias("nominal_rank")), on=["unit", "code"], how="left"
    )
    return frame.select(
        "unit",
        "code",
        "name",
        "level",
        "nominal_rank",
        "median_rank",
        "rank_low",
        "rank_high",
        "mean_rank",
        "runs",
    ).sort("level", "code", "median_rank", "unit", descending=[True, False, False, False], nulls_last=True)


def _percentile(ordered: np.ndarray, counts: np.ndarray, q: float, how: str) -> np.ndarray:
    """Percentile q of each column's first `counts` sorted values: lower / higher order statistic or midpoint."""
    pos = (counts - 1).clip(min=0) * q / 100.0
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    take_lo = np.take_along_axis(ordered, lo[None], axis=0)[0]
    take_hi = np.take_along_axis(ordered, hi[None], axis=0)[0]
    if how == "lower":
        out = take_lo
    elif how == "higher":
        out = take_hi
    else:
        out = np.where(lo == hi, take_lo, (take_lo + take_hi) / 2.0)  # the median of an even count
    return np.where(counts > 0, out, np.nan)


def method_combinations(spec: IndexSpec, *, with_groups: bool) -> list[tuple[str, str, str]]:
    """The (imputation, normalisation, aggregation) combinations `sensitivity` would draw by default."""
    norms = _valid_normalisations(spec, list(DEFAULT_NORMALISATIONS))
    imps = [i for i in DEFAULT_IMPUTATIONS if with_groups or not i.startswith("group_")]
    return [
        (i, n, a)
        for i, n, a in itertools.product(imps, norms, DEFAULT_AGGREGATIONS)
        if not (n == "zscore" and a != "arithmetic")
    ]


__all__ = ["method_combinations", "sensitivity"]
