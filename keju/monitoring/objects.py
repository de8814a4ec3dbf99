"""Registered objects as indicator values: the talent and project pools and the contract register.

The engine computes indicators from reports; some of the plan's indicators count things the
platform itself registers (专栏15 talents, 重大科技成果转化 projects, 技术合同登记). Their values
come from the registers here, in the engine's value layout, so progress, warnings and
publications treat them like any other value. Registers are complete by definition: a district
with nothing registered has 0, not a missing value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from keju.planning.models import Indicator, Plan


@dataclass(frozen=True)
class Source:
    """Where an indicator's values come from and what they are.

    `stock`: the value at a year's end counts everything registered up to that year (talents);
    otherwise the value is the year's flow, with cumulative periods from the plan's start.
    """

    rows: Callable[[Plan], list[dict[str, Any]]]  # indicator, district, year, value
    stock: bool
    note: str


def _pool_rows(plan: Plan) -> list[dict[str, Any]]:
    from keju.pools.services import pool_counts

    return pool_counts(plan)


def _contract_rows(plan: Plan) -> list[dict[str, Any]]:
    from keju.transfer.services import contract_turnover

    rows: dict[tuple[str, int], float] = {}
    for r in contract_turnover(plan):
        if r["district"] is None:
            continue  # sellers outside the zone: counted where they are registered, not here
        key = (r["district"], r["year"])
        rows[key] = rows.get(key, 0.0) + float(r["amount"]) / 10_000  # 万元 → 亿元
    return [
        {"indicator": "registered_tech_contract_turnover", "district": d, "year": y, "value": v}
        for (d, y), v in rows.items()
    ]


SOURCES: dict[str, Source] = {
    "industry_leading_talents": Source(_pool_rows, True, "人才库登记数(截至年末)"),
    "talent_innovation_teams": Source(_pool_rows, True, "人才库登记数(截至年末)"),
    "graduate_supervisors": Source(_pool_rows, True, "人才库登记数(截至年末)"),
    "high_skilled_workers_trained": Source(_pool_rows, True, "人才库登记数(截至年末)"),
    "major_achievements_transferred": Source(_pool_rows, False, "储备项目库中当年建成投产的成果转化项目数"),
    "registered_tech_contract_turnover": Source(_contract_rows, False, "科聚网技术合同登记的成交额"),
}


def object_values(
    plan: Plan, units: pl.DataFrame, years: Sequence[int], schema: pl.Schema, *, start_year: int
) -> pl.DataFrame:
    """Values of the register-fed indicators for every district, city and the zone, per year.

    `units`: the org tree (code, parent, level); `schema`: the engine's value schema.
    """
    wanted = set(Indicator.objects.filter(plan=plan).values_list("code", flat=True)) & set(SOURCES)
    fetched: dict[Callable[[Plan], list[dict[str, Any]]], list[dict[str, Any]]] = {}
    rows: list[dict[str, Any]] = []
    tree = {r["code"]: r for r in units.iter_rows(named=True)}
    districts = [c for c, r in tree.items() if r["level"] == "district"]
    for code in sorted(wanted):
        source = SOURCES[code]
        if source.rows not in fetched:
            fetched[source.rows] = source.rows(plan)
        flows: dict[tuple[str, int], float] = {}
        for r in fetched[source.rows]:
            if r["indicator"] == code and r["district"] in tree:
                flows[(r["district"], r["year"])] = flows.get((r["district"], r["year"]), 0.0) + r["value"]
        if not flows:
            continue  # the register is not in use for this indicator: no values, rather than zeros
        for year in years:
            by_unit: dict[str, float] = {}
            cumulative: dict[str, float] = {}
            for district in districts:
                if source.stock:
                    value = sum(v for (d, y), v in flows.items() if d == district and y <= year)
                else:
                    value = flows.get((district, year), 0.0)
                    total = sum(v for (d, y), v in flows.items() if d == district and start_year <= y <= year)
                    _add_up(cumulative, tree, district, total)
                _add_up(by_unit, tree, district, value)
            for unit, value in by_unit.items():
                rows.append(
                    _row(code, unit, tree[unit]["level"], str(year), "year", year, value, source.note)
                )
            if not source.stock and year >= start_year:
                period = f"{start_year}-{year}"
                for unit, value in cumulative.items():
                    rows.append(
                        _row(code, unit, tree[unit]["level"], period, "cumulative", year, value, source.note)
                    )
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows).select(list(schema)).cast(dict(schema))


def _add_up(totals: dict[str, float], tree: dict[str, dict[str, Any]], district: str, value: float) -> None:
    unit: str | None = district
    while unit is not None:
        totals[unit] = totals.get(unit, 0.0) + value
        unit = tree[unit]["parent"]


def _row(
    indicator: str, unit: str, level: str, period: str, kind: str, year: int, value: float, note: str
) -> dict[str, Any]:
    return {
        "indicator": indicator,
        "org_unit": unit,
        "level": level,
        "period": period,
        "period_kind": kind,
        "year": year,
        "numerator": value,
        "denominator": None,
        "value": value,
        "reported": None,
        "expected": None,
        "coverage": None,
        "provisional": False,
        "flag": None,
        "note": note,
    }
