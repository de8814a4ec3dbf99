"""Compare a zone's computed indicators with the figures its plan states (pure)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from keju.metrics.formula import evaluate
from keju.plan.schema import Formula, Plan


def plan_formulas(plan: Plan, *, headline_only: bool = False) -> dict[str, Formula]:
    """The plan's indicator formulas by indicator code."""
    return {
        i.code: i.formula
        for i in plan.indicators
        if i.formula is not None and (i.headline or not headline_only)
    }


def headline_comparison(
    plan: Plan, frames: Mapping[str, pl.DataFrame], year: int | None = None
) -> pl.DataFrame:
    """Zone value of each headline indicator in `year` (default: the base year) vs the plan's figure.

    Columns: code, name, unit, plan, computed, diff_pct (relative difference, %).
    """
    year = plan.zone.baseline_year if year is None else year
    rows = []
    for indicator in plan.indicators:
        if not indicator.headline or indicator.formula is None:
            continue
        stated = indicator.baseline.value if indicator.baseline and indicator.baseline.year == year else None
        result = evaluate(
            indicator.formula, {k: f.filter(pl.col("year") == year) for k, f in frames.items()}, []
        )
        computed = result["value"][0] if result.height else None
        diff = (computed - stated) / stated * 100 if computed is not None and stated else None
        rows.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "plan": stated,
                "computed": computed,
                "diff_pct": diff,
            }
        )
    schema = {
        "code": pl.String,
        "name": pl.String,
        "unit": pl.String,
        "plan": pl.Float64,
        "computed": pl.Float64,
        "diff_pct": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)
