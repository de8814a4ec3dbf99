"""Index specs from COINr-style metadata tables (iMeta / aggregation metadata).

COINr (and the JRC COIN Tool) describe an index by one row per indicator — code, direction
(±1), weight, denominator column, target, and its parent at each aggregation level
(`Agg1`, `Agg2`, …) — and one row per aggregate (level, code, name, weight). This lets an
index published in that form (e.g. the ASEM conformance example) run through build_index.
"""

from __future__ import annotations

from typing import Any, overload

import polars as pl

from keju.plan.index_spec import IndexGroup, IndexIndicator, IndexMethods, IndexSpec


def spec_from_coinr(ind_meta: pl.DataFrame, agg_meta: pl.DataFrame, methods: IndexMethods) -> IndexSpec:
    """ind_meta: IndCode, Direction, IndWeight, Denominator, Target, Agg1..AggN;
    agg_meta: AgLevel, Code, Name, Weight (levels 2..N+1, the top level holding the index)."""
    agg_cols = sorted(
        (c for c in ind_meta.columns if c.startswith("Agg") and c[3:].isdigit()), key=lambda c: int(c[3:])
    )
    if not agg_cols:
        raise ValueError("指标元数据没有 Agg1… 列,无法确定指数结构")
    aggs = {row["Code"]: row for row in agg_meta.iter_rows(named=True)}
    rows = list(ind_meta.iter_rows(named=True))
    top_codes = {r[agg_cols[-1]] for r in rows}
    if len(top_codes) != 1:
        raise ValueError(f"最高层聚合不唯一:{sorted(map(str, top_codes))}")
    top = next(iter(top_codes))

    def leaf(r: dict[str, Any]) -> IndexIndicator:
        den = r.get("Denominator")
        return IndexIndicator(
            indicator=str(r["IndCode"]),
            weight=_number(r.get("IndWeight"), 1.0),
            direction="up" if _number(r.get("Direction"), 1.0) > 0 else "down",
            denominator=str(den) if den not in (None, "") else None,
            target=_number(r.get("Target"), None),
        )

    def group(code: str, depth: int) -> IndexGroup:
        meta = aggs.get(code, {})
        mine = [r for r in rows if r[agg_cols[depth]] == code]
        name = str(meta.get("Name") or code)
        weight = _number(meta.get("Weight"), 1.0)
        if depth == 0:
            return IndexGroup(code=code, name=name, weight=weight, indicators=[leaf(r) for r in mine])
        children = list(dict.fromkeys(r[agg_cols[depth - 1]] for r in mine))
        return IndexGroup(
            code=code, name=name, weight=weight, groups=[group(str(c), depth - 1) for c in children]
        )

    depth = len(agg_cols) - 1
    children = list(dict.fromkeys(r[agg_cols[depth - 1]] for r in rows)) if depth > 0 else []
    if depth == 0:
        raise ValueError("指数至少需要两层聚合(指标之上的分组和指数本身)")
    name = str(aggs.get(top, {}).get("Name") or top)
    return IndexSpec(
        code=str(top), name=name, methods=methods, groups=[group(str(c), depth - 1) for c in children]
    )


@overload
def _number(value: object, default: float) -> float: ...
@overload
def _number(value: object, default: None) -> float | None: ...
def _number(value: object, default: float | None) -> float | None:
    """A metadata cell as a number (CSV cells may be text); blank gives the default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"元数据中的值“{value}”不是数字") from None
