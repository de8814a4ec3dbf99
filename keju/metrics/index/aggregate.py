"""Weighted means over the index tree, vectorised over units and (for sensitivity runs) over runs.

Missing children are left out and the remaining weights rescaled (as COINr does). Geometric
and harmonic means add `shift` to every child before and subtract it after: a normalised 0
(the worst unit under min-max) would otherwise make the geometric mean 0 whatever the other
children are, and the harmonic mean undefined. With shift 0 a zero child gives 0 (the limit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from keju.metrics.index.stages import IndexInputError
from keju.plan.index_spec import AggregateMethodName, IndexGroup, IndexSpec

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Node:
    """One aggregate of the tree; `children` index into the indicator columns (leaf_children) or nodes."""

    code: str
    name: str
    level: int
    weight: float
    leaf_children: tuple[int, ...]
    node_children: tuple[int, ...]
    parent: int | None


def build_tree(spec: IndexSpec) -> list[Node]:
    """The aggregates in bottom-up order (every node after its children); the last one is the index."""
    nodes: list[Node] = []
    leaf_counter = iter(range(len(spec.leaves())))

    def visit(group: IndexGroup) -> tuple[int, int]:
        leaf_ids = tuple(next(leaf_counter) for _ in group.indicators)
        child_ids: list[int] = []
        level = 2
        for sub in group.groups:
            idx, sub_level = visit(sub)
            child_ids.append(idx)
            level = max(level, sub_level + 1)
        nodes.append(Node(group.code, group.name, level, group.weight, leaf_ids, tuple(child_ids), None))
        return len(nodes) - 1, level

    top: list[int] = []
    root_level = 2
    for group in spec.groups:
        idx, level = visit(group)
        top.append(idx)
        root_level = max(root_level, level + 1)
    nodes.append(Node(spec.code, spec.name, root_level, 1.0, (), tuple(top), None))
    # parents, for callers that walk upwards
    parents: dict[int, int] = {}
    for i, node in enumerate(nodes):
        for c in node.node_children:
            parents[c] = i
    return [
        Node(n.code, n.name, n.level, n.weight, n.leaf_children, n.node_children, parents.get(i))
        for i, n in enumerate(nodes)
    ]


def weighted_mean(values: Array, weights: Array, method: AggregateMethodName, shift: float) -> Array:
    """Weighted mean over the last axis of `values` (…, units, children) with weights (…, children).

    NaN children are skipped; all children NaN gives NaN.
    """
    w = np.broadcast_to(weights[..., None, :], values.shape)
    present = ~np.isnan(values)
    wsum = np.where(present, w, 0.0).sum(axis=-1)
    if method == "arithmetic":
        total = np.where(present, values * w, 0.0).sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(wsum > 0, total / wsum, np.nan)
    shifted = values + shift
    if (shifted[present] < 0).any():
        raise IndexInputError(
            f"{'几何' if method == 'geometric' else '调和'}平均要求标准化后的值不小于 −{shift:g};"
            "z-score 等可为负的标准化不能与之组合,请改用 min-max、固定基准或距目标距离"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "geometric":
            logs = np.where(present, w * np.log(np.where(present, shifted, 1.0)), 0.0)
            out = np.exp(logs.sum(axis=-1) / wsum) - shift
        else:
            inv = np.where(present, w / np.where(present, shifted, 1.0), 0.0)
            out = wsum / inv.sum(axis=-1) - shift
    return np.where(wsum > 0, out, np.nan)


def aggregate_tree(
    normalised: Array,
    nodes: list[Node],
    leaf_weights: Array,
    node_weights: Array,
    method: AggregateMethodName,
    shift: float,
) -> Array:
    """Scores of every node: array (…, units, nodes) from normalised (…, units, indicators).

    `leaf_weights` (…, indicators) and `node_weights` (…, nodes) may carry a leading runs axis.
    """
    shape = (*normalised.shape[:-1], len(nodes))
    scores = np.full(shape, np.nan)
    for i, node in enumerate(nodes):
        if node.leaf_children:
            cols = list(node.leaf_children)
            vals = normalised[..., cols]
            w = leaf_weights[..., cols]
        else:
            cols = list(node.node_children)
            vals = scores[..., cols]
            w = node_weights[..., cols]
        scores[..., i] = weighted_mean(vals, w, method, shift)
    return scores


def rank_desc(scores: Array, ranked: npt.NDArray[np.bool_]) -> Array:
    """Rank 1 = highest score along axis −2 (units), ties share the best rank; NaN and unranked rows: NaN.

    Sort-based (O(n log n) per column), vectorised over any leading axes (runs) and nodes.
    """
    s = np.where(ranked[:, None], scores, np.nan)
    valid = ~np.isnan(s)
    keyed = np.where(valid, -s, np.inf)  # ascending sort of −score: best first, missing last
    order = np.argsort(keyed, axis=-2, kind="stable")
    ordered = np.take_along_axis(keyed, order, axis=-2)
    position = np.arange(1, s.shape[-2] + 1, dtype=np.float64).reshape((-1, 1))
    first_of_tie = np.ones(ordered.shape, dtype=bool)
    first_of_tie[..., 1:, :] = ordered[..., 1:, :] != ordered[..., :-1, :]
    tied_rank = np.maximum.accumulate(np.where(first_of_tie, position, 0.0), axis=-2)
    ranks = np.empty_like(tied_rank)
    np.put_along_axis(ranks, order, tied_rank, axis=-2)
    return np.where(valid, ranks, np.nan)
