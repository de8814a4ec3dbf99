"""From a plan and the engine's indicator values to the index inputs (pure).

The engine (keju.metrics.engine) yields one row per indicator, org unit and period; the
index compares the org units of the spec's level (the districts for Lanbai), scores the zone
alongside without ranking it, and imputes by the units' city when the spec asks for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from keju.metrics.index.build import IndexResult
from keju.metrics.index.panel import build_index_panel
from keju.plan.index_spec import IndexSpec, resolve_index_spec
from keju.plan.schema import Plan


@dataclass(frozen=True)
class PlanIndexInputs:
    spec: IndexSpec  # resolved: directions and goalposts from the plan
    data: pl.DataFrame  # unit, indicator, year, value
    denominators: pl.DataFrame | None  # unit, denominator, year, value
    groups: pl.DataFrame  # unit, parent, city
    unranked: list[str]  # the zone, scored but not ranked


def unit_groups(plan: Plan) -> pl.DataFrame:
    """unit, parent, city for every org unit of the plan (city = the nearest city-level ancestor)."""
    units = {u.code: u for u in plan.org_units}

    def city(code: str) -> str | None:
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            seen.add(current)
            unit = units.get(current)
            if unit is None:
                return None
            if unit.level == "city":
                return unit.code
            current = unit.parent
        return None

    return pl.DataFrame(
        {
            "unit": list(units),
            "parent": [u.parent for u in units.values()],
            "city": [city(code) for code in units],
        },
        schema={"unit": pl.Utf8, "parent": pl.Utf8, "city": pl.Utf8},
    )


def plan_index_inputs(
    plan: Plan, values: pl.DataFrame, *, years: Sequence[int] | None = None
) -> PlanIndexInputs:
    """The inputs of the plan's index from engine values (indicator, org_unit, period, year, value).

    Annual values only (period == the year). Raises ValueError (Chinese) without an index section.
    """
    spec = resolve_index_spec(plan)
    compared = [u.code for u in plan.org_units if u.level == spec.level]
    zone = plan.zone.code
    units = compared + ([zone] if spec.include_zone and zone not in compared else [])
    annual = values.filter(
        (pl.col("period").cast(pl.Utf8) == pl.col("year").cast(pl.Utf8)) & pl.col("org_unit").is_in(units)
    )
    if years is not None:
        annual = annual.filter(pl.col("year").is_in(list(years)))
    codes = spec.indicator_codes()
    data = annual.filter(pl.col("indicator").is_in(codes)).select(
        pl.col("org_unit").alias("unit"),
        "indicator",
        pl.col("year").cast(pl.Int64),
        pl.col("value").cast(pl.Float64),
    )
    names = sorted({leaf.denominator for leaf in spec.leaves() if leaf.denominator})
    denominators = (
        annual.filter(pl.col("indicator").is_in(names)).select(
            pl.col("org_unit").alias("unit"),
            pl.col("indicator").alias("denominator"),
            pl.col("year").cast(pl.Int64),
            pl.col("value").cast(pl.Float64),
        )
        if names
        else None
    )
    unranked = [zone] if spec.include_zone and zone not in compared else []
    return PlanIndexInputs(spec, data, denominators, unit_groups(plan), unranked)


def plan_index(
    plan: Plan, values: pl.DataFrame, *, years: Sequence[int] | None = None
) -> dict[int, IndexResult]:
    """The plan's development index for every year of `values`: {year: IndexResult}."""
    inputs = plan_index_inputs(plan, values)  # every year: the reference year fixes goalposts
    return build_index_panel(
        inputs.data,
        inputs.spec,
        denominators=inputs.denominators,
        groups=inputs.groups,
        unranked=inputs.unranked,
        years=years,
    )
