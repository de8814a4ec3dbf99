"""Registered objects as indicator values: the talent and project pools, the contract register and
the registers of platforms, alliances, incubators and enterprise recognitions (`keju.registers`).

The engine computes indicators from reports; some of the plan's indicators count things the
platform itself registers (专栏15 talents, 重大科技成果转化 projects, 技术合同登记, 二(四) 研发平台,
产业技术创新战略联盟, 孵化器, 众创空间, 创新型企业, 骨干企业…). Their values come from the registers here, in the engine's
value layout, so progress, warnings and publications treat them like any other value. Registers
are complete by definition: a district with nothing registered has 0, not a missing value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
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


@dataclass(frozen=True)
class Part:
    """The entries of one register that an indicator counts (or whose `measure` it sums).

    `where`: (column, allowed values) pairs over the columns of
    `keju.registers.frames.register_frame` — type, level, chain, group, specialised, park.
    A "recognition" part counts enterprises holding a recognition of the kinds in `type`, in the
    district and park where each sits at the date (`keju.registers.frames.recognition_frame`).
    """

    register: str  # "platform" | "alliance" | "incubator" | "recognition"
    where: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    measure: str | None = None  # None: count the entries; else the column summed
    scale: float = 1.0  # e.g. 平方米 → 万平方米


@dataclass(frozen=True)
class RegisterCount:
    """An indicator whose value at a year's end is what the registers hold in force then (a stock)."""

    parts: tuple[Part, ...]
    note: str


_NATIONAL_PROVINCIAL = ("level", ("national", "provincial"))
# Which entries each plan indicator counts. The conventions (e.g. 研发平台 = 国家级和省级) are
# stated in the indicators' descriptions in the plan file and in docs/registers.md.
REGISTER_COUNTS: dict[str, RegisterCount] = {
    "rd_platforms": RegisterCount(
        (Part("platform", (_NATIONAL_PROVINCIAL,)),), "创新平台登记:国家级和省级,年末在册"
    ),
    "national_key_labs": RegisterCount(
        (Part("platform", (("level", ("national",)), ("type", ("key_lab",)))),),
        "创新平台登记:国家重点实验室,年末在册",
    ),
    "national_engineering_centres": RegisterCount(
        (Part("platform", (("level", ("national",)), ("type", ("engineering_centre",)))),),
        "创新平台登记:国家工程(技术)研究中心,年末在册",
    ),
    "national_enterprise_tech_centres": RegisterCount(
        (Part("platform", (("level", ("national",)), ("type", ("enterprise_tech_centre",)))),),
        "创新平台登记:国家企业技术中心,年末在册",
    ),
    "national_local_joint_centres": RegisterCount(
        (Part("platform", (("type", ("joint_centre",)),)),),
        "创新平台登记:国家地方联合工程研究中心(工程实验室),年末在册",
    ),
    "industry_alliances": RegisterCount((Part("alliance"),), "产业技术创新战略联盟登记,年末在册"),
    "platforms_and_alliances": RegisterCount(
        (Part("platform"), Part("alliance")), "创新平台(各级)与产业技术创新战略联盟登记之和,年末在册"
    ),
    "incubators": RegisterCount(
        (Part("incubator", (("type", ("incubator",)),)),), "孵化载体登记:科技企业孵化器,年末在册"
    ),
    "specialised_incubators": RegisterCount(
        (Part("incubator", (("type", ("incubator",)), ("specialised", (True,)))),),
        "孵化载体登记:专业孵化器,年末在册",
    ),
    "incubator_area": RegisterCount(
        (Part("incubator", (("type", ("incubator",)),), "area_m2", 1e-4),), "孵化载体登记:孵化器场地面积之和"
    ),
    "incubated_enterprises": RegisterCount(
        (Part("incubator", (("type", ("incubator",)),), "residents"),), "孵化载体登记:孵化器在孵企业数之和"
    ),
    "maker_spaces": RegisterCount(
        (Part("incubator", (("type", ("maker_space",)),)),), "孵化载体登记:众创空间,年末在册"
    ),
    "provincial_maker_spaces": RegisterCount(
        (Part("incubator", (("type", ("maker_space",)), _NATIONAL_PROVINCIAL)),),
        "孵化载体登记:省级及以上众创空间,年末在册",
    ),
    "maker_space_area": RegisterCount(
        (Part("incubator", (("type", ("maker_space",)),), "area_m2", 1e-4),), "孵化载体登记:众创空间面积之和"
    ),
    "maker_space_teams": RegisterCount(
        (Part("incubator", (("type", ("maker_space",)),), "residents"),),
        "孵化载体登记:众创空间入驻企业和团队数之和",
    ),
    "specialised_parks": RegisterCount(
        (Part("incubator", (("type", ("accelerator",)),)),), "孵化载体登记:加速器(特色专业园区),年末在册"
    ),
    # Enterprise recognitions: each kind at every level (an enterprise holds one recognition of a
    # kind at a time, so this counts enterprises), where the enterprise sits at the year's end.
    **{
        code: RegisterCount(
            (Part("recognition", (("type", (kind,)),)),), f"企业认定登记:{label},年末有效,按企业年末所在区"
        )
        for code, kind, label in (
            ("innovative_enterprises", "innovative", "创新型企业"),
            ("national_innovative_pilot_enterprises", "national_innovative_pilot", "国家创新型试点企业"),
            ("ip_advantage_enterprises", "ip_advantage", "知识产权优势企业"),
            (
                "strategic_emerging_backbone_enterprises",
                "strategic_emerging_backbone",
                "战略性新兴产业骨干企业",
            ),
            ("backbone_enterprises", "backbone", "骨干企业"),
            ("bio_backbone_enterprises", "bio_backbone", "生物产业重点骨干企业"),
        )
    },
}
# Registers whose kinds are separate lists kept by different bodies: a kind with no entry at all
# means its list is not kept here yet (no values), not that there are none (zeros).
SEPARATE_LISTS = frozenset({"recognition"})


REGISTERS = ("platform", "alliance", "incubator", "recognition")


def _selected(frames: dict[str, pl.DataFrame], part: Part) -> pl.DataFrame:
    """The entries of `part`'s register that pass its filters, whatever their dates."""
    frame = frames[part.register]
    for column, allowed in part.where:
        frame = frame.filter(pl.col(column).is_in(list(allowed)))
    return frame


def in_use(frames: dict[str, pl.DataFrame], spec: RegisterCount) -> bool:
    """Whether the registers an indicator counts hold anything, so that its zeros are real."""
    return any(
        not (_selected(frames, p) if p.register in SEPARATE_LISTS else frames[p.register]).is_empty()
        for p in spec.parts
    )


def register_frames(plan: Plan) -> dict[str, pl.DataFrame]:
    from keju.registers.frames import register_frame

    return {name: register_frame(plan, name) for name in REGISTERS}


def part_frame(frames: dict[str, pl.DataFrame], part: Part, on: date) -> pl.DataFrame:
    """The entries of `part` in force at the end of `on`, with a `value` column (1 or the measure)."""
    frame = _selected(frames, part).filter(
        (pl.col("valid_from") <= on) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > on))
    )
    value = pl.lit(1.0) if part.measure is None else pl.col(part.measure).cast(pl.Float64) * part.scale
    return frame.with_columns(value.alias("value"))


def register_count(
    frames: dict[str, pl.DataFrame], spec: RegisterCount, on: date, by: Sequence[str] = ("district",)
) -> pl.DataFrame:
    """The indicator's value at the end of `on` by the `by` columns (district, chain, type, level…)."""
    parts = [part_frame(frames, p, on).select([*by, "value"]) for p in spec.parts]
    return pl.concat(parts).group_by(list(by)).agg(pl.col("value").sum()).sort(list(by))


def register_year_ends(
    frames: dict[str, pl.DataFrame], spec: RegisterCount, years: Sequence[int]
) -> pl.DataFrame:
    """The indicator's value at the end of every year in `years`, by district, in one pass per part:
    columns district, year, value (districts with nothing in force are absent)."""
    ends = pl.DataFrame({"year": list(years)}, schema={"year": pl.Int32}).with_columns(
        pl.date(pl.col("year"), 12, 31).alias("_end")
    )
    parts = []
    for part in spec.parts:
        frame = _selected(frames, part)
        value = pl.lit(1.0) if part.measure is None else pl.col(part.measure).cast(pl.Float64) * part.scale
        parts.append(
            frame.join(ends, how="cross")
            .filter(
                (pl.col("valid_from") <= pl.col("_end"))
                & (pl.col("valid_to").is_null() | (pl.col("valid_to") > pl.col("_end")))
            )
            .select("district", "year", value.alias("value"))
        )
    return pl.concat(parts).group_by("district", "year").agg(pl.col("value").sum()).sort("district", "year")


# Every indicator whose values come from a register rather than from reports.
REGISTER_FED: frozenset[str] = frozenset(SOURCES) | frozenset(REGISTER_COUNTS)


def _register_rows(
    plan: Plan, wanted: set[str], tree: dict[str, dict[str, Any]], years: Sequence[int]
) -> list[dict[str, Any]]:
    codes = sorted(wanted & set(REGISTER_COUNTS))
    if not codes:
        return []
    frames = register_frames(plan)
    districts = [c for c, r in tree.items() if r["level"] == "district"]
    rows: list[dict[str, Any]] = []
    for code in codes:
        spec = REGISTER_COUNTS[code]
        if not in_use(frames, spec):
            continue  # the register is not in use: no values, rather than zeros
        counted = {(d, y): v for d, y, v in register_year_ends(frames, spec, years).iter_rows()}
        for year in years:
            by_unit: dict[str, float] = {}
            for district in districts:  # a handful of districts: roll up the small totals
                _add_up(by_unit, tree, district, float(counted.get((district, year), 0.0)))
            for unit, value in by_unit.items():
                rows.append(_row(code, unit, tree[unit]["level"], str(year), "year", year, value, spec.note))
    return rows


def object_values(
    plan: Plan, units: pl.DataFrame, years: Sequence[int], schema: pl.Schema, *, start_year: int
) -> pl.DataFrame:
    """Values of the register-fed indicators for every district, city and the zone, per year.

    `units`: the org tree (code, parent, level); `schema`: the engine's value schema.
    """
    indicators = set(Indicator.objects.filter(plan=plan).values_list("code", flat=True))
    wanted = indicators & set(SOURCES)
    fetched: dict[Callable[[Plan], list[dict[str, Any]]], list[dict[str, Any]]] = {}
    rows: list[dict[str, Any]] = []
    tree = {r["code"]: r for r in units.iter_rows(named=True)}
    districts = [c for c, r in tree.items() if r["level"] == "district"]
    rows.extend(_register_rows(plan, indicators, tree, years))
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
