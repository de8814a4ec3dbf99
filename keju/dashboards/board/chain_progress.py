"""Progress of each industry chain and industry group toward its 四(一) targets, over the years.

The series are year-end figures of the platform's own registers, counted by the rules that feed
the zone's indicators — `keju.monitoring.objects.register_count` for 创新平台 and 联盟 (entries in
force at 31 December), `keju.pools.services.project_counts` for 重大科技成果转化项目 (projects
建成投产, in their year of completion) — per chain, and per group as the sum of its chains.
Registers are complete by definition: a chain with nothing registered has 0; a register with no
entries at all gives no values (数据不足), as for the zone indicators.

Each target is judged as the zone's targets are (`keju.monitoring.tracking.assess_targets`: the
Open SDG measure of keju.metrics.progress with base year 2014, a zero base counting as 0.001,
and the time-weighted projection of keju.metrics.projection while the target year is ahead). A
chain's or group's figure is read in the unit of the zone target it adds up to (the plan's
checks: chains sum to their group, groups to the zone): 研发平台, 联盟, 新产品 and 团队 are
increments over 2015—2020 (target level = the 2014 year-end count + the increment), 重大科技成果
转化项目 and 产值 cumulative sums over 2015—2020.

`assess_aims` and `with_groups` are pure (Polars over the counts); `chain_progress` reads the
registers and the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.utils.translation import gettext, gettext_lazy

from keju.metrics.progress import required_path
from keju.monitoring.objects import REGISTER_COUNTS, in_use, register_count, register_frames
from keju.monitoring.pages import STATUS_COLOURS, status_label
from keju.monitoring.tracking import BASELINE_SCHEMA, TARGET_SCHEMA, assess_targets, series_detail
from keju.planning.models import Indicator, IndustryChain, Plan, Target

# Every target key of 四(一): the chains' four, and the groups' totals besides.
KEY_LABELS: dict[str, Any] = {
    "platforms": gettext_lazy("创新平台"),
    "alliances": gettext_lazy("产业技术创新战略联盟"),
    "achievements": gettext_lazy("重大科技成果转化项目"),
    "new_products": gettext_lazy("国家级重点新产品"),
    "teams": gettext_lazy("科技创新创业团队"),
    "clusters": gettext_lazy("产业集群"),
    "cumulative_output": gettext_lazy("累计产值"),
}
CHAIN_KEYS: tuple[str, ...] = ("platforms", "alliances", "achievements", "new_products")
# How a target is worded (the plan's comparison), for display.
COMPARISONS: dict[str, Any] = {
    ">=": "≥",
    "<=": "≤",
    "=": "",
    "approx": gettext_lazy("约"),
}

COUNTS_SCHEMA: dict[str, Any] = {"chain": pl.String, "key": pl.String, "year": pl.Int64, "value": pl.Float64}
UNIT_COUNTS_SCHEMA: dict[str, Any] = {
    "unit": pl.String,
    "key": pl.String,
    "year": pl.Int64,
    "value": pl.Float64,
}


@dataclass(frozen=True)
class Aim:
    """One target of one chain or group. `unit`: "chain:<code>" or "group:<code>"."""

    unit: str
    key: str
    kind: str  # increment | cumulative | level, as the zone target the figure adds up to
    start_year: int
    year: int
    value: float  # the plan's figure: an increment, a cumulative sum or a level
    comparison: str = ""


@dataclass
class AimProgress:
    aim: Aim
    label: str
    measure_unit: str
    base_year: int | None
    base_value: float | None
    current_year: int | None
    current_value: float | None
    target_value: float | None  # the target as a level (increment: base + increment)
    progress_value: float | None
    score: float | None
    status: str
    status_label: str
    colour: str
    projection: dict[str, float] | None
    chart: dict[str, list[list[Any]]]
    chart_id: str
    note: str  # why there is nothing to judge, when so

    @property
    def badge(self) -> dict[str, str]:
        """For the dashboards' status partial (dashboards/zone/_status.html)."""
        return {"code": self.status, "label": self.status_label, "colour": self.colour}

    @property
    def comparison(self) -> str:
        return str(COMPARISONS.get(self.aim.comparison, self.aim.comparison))


@dataclass
class ProgressRow:
    code: str
    name: str
    group_name: str
    aims: list[AimProgress]


@dataclass
class ChainProgress:
    chains: list[ProgressRow]
    groups: list[ProgressRow]
    last_year: int  # the last year-end counted (before the base year: none yet)
    base_year: int
    sources: list[str] = field(default_factory=list)  # how each counted key is counted


# --------------------------------------------------------------------------- pure part


def with_groups(counts: pl.DataFrame, groups: Mapping[str, str]) -> pl.DataFrame:
    """Chain counts (chain, key, year, value) as unit counts: every chain ("chain:<code>") and every
    group of `groups` (chain code → group code; "group:<code>") as the sum of its chains."""
    chains = counts.select(
        ("chain:" + pl.col("chain")).alias("unit"), "key", pl.col("year").cast(pl.Int64), "value"
    )
    mapping = pl.DataFrame(
        {"chain": list(groups), "group": list(groups.values())},
        schema={"chain": pl.String, "group": pl.String},
    )
    summed = (
        counts.join(mapping, on="chain", how="inner")
        .group_by("group", "key", "year")
        .agg(pl.col("value").sum())
        .select(("group:" + pl.col("group")).alias("unit"), "key", pl.col("year").cast(pl.Int64), "value")
    )
    return pl.concat([chains.cast(UNIT_COUNTS_SCHEMA), summed.cast(UNIT_COUNTS_SCHEMA)]).sort(
        "unit", "key", "year"
    )


def assess_aims(
    aims: Sequence[Aim],
    counts: pl.DataFrame,
    *,
    notes: Mapping[str, str] | None = None,
    measure_units: Mapping[str, str] | None = None,
    level: float = 0.9,
) -> list[AimProgress]:
    """Base, latest, target level, progress value, score, status, projection and sparkline data of
    every aim, in the order given.

    `counts`: unit, key, year, value — year-end counts (stocks) or yearly flows, as the aim's kind
    reads them; an aim whose unit and key have none is 数据不足 with `notes[key]` as the reason.
    """
    notes = notes or {}
    measure_units = measure_units or {}
    if not aims:
        return []
    targets = pl.DataFrame(
        {
            "key": [_series(a) for a in aims],
            "target_id": [None] * len(aims),
            "indicator": [a.key for a in aims],
            "org_unit": [a.unit for a in aims],
            "kind": [a.kind for a in aims],
            "start_year": [a.start_year for a in aims],
            "year": [a.year for a in aims],
            "value": [float(a.value) for a in aims],
            "direction": ["up"] * len(aims),
            "unit": [measure_units.get(a.key, "") for a in aims],
        },
        schema=TARGET_SCHEMA,
    )
    values = counts.select(
        pl.col("key").alias("indicator"),
        pl.col("unit").alias("org_unit"),
        pl.col("year").cast(pl.Int64),
        pl.col("value").cast(pl.Float64),
        pl.lit(False).alias("provisional"),
    )
    judged = {
        r["key"]: r
        for r in assess_targets(targets, pl.DataFrame(schema=BASELINE_SCHEMA), values, level=level).iter_rows(
            named=True
        )
    }
    detail = series_detail(targets, values)
    out = []
    for aim in aims:
        series = _series(aim)
        row = judged[series]
        status = row["status"] or "insufficient_data"
        base_year, base_value = row["base_year"], row["base_value"]
        target_value, target_year = row["target_value"], row["target_year"]
        path: list[list[Any]] = []
        if (
            base_value is not None
            and target_value is not None
            and base_year is not None
            and base_year < target_year
        ):
            try:
                path = [
                    [y, required_path(base_value, base_year, target_value, target_year, y)]
                    for y in range(base_year, target_year + 1)
                ]
            except ValueError:  # base and target of opposite signs: no constant-growth path
                path = []
        projection = None
        band: list[list[Any]] = []
        if row["projected_value"] is not None:
            projection = {
                "year": row["projected_year"],
                "value": row["projected_value"],
                "lower": row["projected_lower"],
                "upper": row["projected_upper"],
            }
            band = [
                [row["current_year"], row["current_value"], row["current_value"]],
                [row["projected_year"], row["projected_lower"], row["projected_upper"]],
            ]
        note = notes.get(aim.key, "")
        if not note and row["current_value"] is None:
            no_series = series not in detail
            note = gettext("没有年末数。") if no_series else gettext("基期之后还没有完整年份的年末数。")
        out.append(
            AimProgress(
                aim=aim,
                label=str(KEY_LABELS.get(aim.key, aim.key)),
                measure_unit=measure_units.get(aim.key, ""),
                base_year=base_year,
                base_value=base_value,
                current_year=row["current_year"],
                current_value=row["current_value"],
                target_value=target_value,
                progress_value=row["progress_value"],
                score=row["score"],
                status=status,
                status_label=status_label(status),
                colour=STATUS_COLOURS.get(status, "#8a94a6"),
                projection=projection,
                chart={
                    "actual": [[y, v, False] for y, v in detail.get(series, [])],
                    "path": path,
                    "band": band,
                },
                chart_id="spark-" + series.replace(":", "-").replace("|", "-"),
                note=note,
            )
        )
    return out


def _series(aim: Aim) -> str:
    return f"{aim.unit}|{aim.key}"


# --------------------------------------------------------------------------- reading the sources


def last_year_end(plan: Plan, on: date) -> int:
    """The last 31 December reached on `on`, within the plan period."""
    year = on.year if (on.month, on.day) == (12, 31) else on.year - 1
    return min(year, plan.plan_end)


@dataclass
class Counted:
    counts: pl.DataFrame  # chain, key, year, value (COUNTS_SCHEMA)
    missing: dict[str, str]  # key → why it has no figures
    flows: set[str]  # keys counted as yearly flows (the others are year-end stocks)
    sources: list[str]  # how each counted key is counted, for the page


def year_end_counts(
    plan: Plan,
    mapping: Mapping[str, str],
    chains: Sequence[str],
    years: Sequence[int],
    names: Mapping[str, str] | None = None,
) -> Counted:
    """Every key some register counts, per chain and year, zero-filled over `chains` × `years`.
    `mapping`: target key → indicator code (the plan's chain_indicators); `names`: code → name."""
    names = names or {}
    frames: dict[str, pl.DataFrame] | None = None
    projects: list[dict[str, Any]] | None = None
    parts: list[pl.DataFrame] = []
    missing: dict[str, str] = {}
    sources: list[str] = []
    flows: set[str] = set()
    for key in KEY_LABELS:
        code = mapping.get(key)
        if not code:
            missing[key] = gettext("规划未指定该目标项计入的指标。")
            continue
        name = names.get(code, code)
        if code in REGISTER_COUNTS:
            spec = REGISTER_COUNTS[code]
            frames = frames if frames is not None else register_frames(plan)
            if not in_use(frames, spec):
                missing[key] = gettext("登记簿中还没有条目(未启用的登记簿不按 0 计)。")
                continue
            counted = [
                register_count(frames, spec, date(y, 12, 31), by=("chain",)).with_columns(
                    pl.lit(y).alias("year")
                )
                for y in years
            ]
            found = pl.concat(counted) if counted else pl.DataFrame(schema=COUNTS_SCHEMA)
            sources.append(f"{KEY_LABELS[key]} — {spec.note}")
        elif code in _project_indicators():
            from keju.pools.services import project_counts

            projects = projects if projects is not None else project_counts(plan, by="industry_chain__code")
            rows = [(r["by"], r["year"], float(r["value"])) for r in projects if r["indicator"] == code]
            if not rows:
                missing[key] = gettext("储备项目库中还没有建成投产的项目(未启用时不按 0 计)。")
                continue
            found = pl.DataFrame(
                rows, schema={"chain": pl.String, "year": pl.Int64, "value": pl.Float64}, orient="row"
            )
            sources.append(f"{KEY_LABELS[key]} — " + gettext("储备项目库中当年建成投产的项目数,按年累计"))
            flows.add(key)
        else:
            missing[key] = gettext(
                "“%(name)s”没有按产业链计数的来源:既不由登记簿或储备项目库统计,规划也未给出按产业链的计算公式。"
            ) % {"name": name}
            continue
        grid = pl.DataFrame(
            {"chain": [c for c in chains for _ in years], "year": [y for _ in chains for y in years]},
            schema={"chain": pl.String, "year": pl.Int64},
        )
        found = (
            found.filter(pl.col("chain").is_not_null())
            .select(
                pl.col("chain").cast(pl.String),
                pl.col("year").cast(pl.Int64),
                pl.col("value").cast(pl.Float64),
            )
            .group_by("chain", "year")
            .agg(pl.col("value").sum())
        )
        parts.append(
            grid.join(found, on=["chain", "year"], how="left").select(
                "chain", pl.lit(key).alias("key"), "year", pl.col("value").fill_null(0.0)
            )
        )
    counts = pl.concat(parts).cast(COUNTS_SCHEMA) if parts else pl.DataFrame(schema=COUNTS_SCHEMA)
    return Counted(counts, missing, flows, sources)


def _project_indicators() -> set[str]:
    from keju.pools.services import PROJECT_INDICATORS

    return set(PROJECT_INDICATORS.values())


def _target_kinds(plan: Plan, codes: Sequence[str]) -> dict[str, tuple[str, int]]:
    """Kind and start year of the zone's plan-period target of each indicator (the plan's end year
    first): the chain and group figures add up to it, so they are read the same way."""
    rows = (
        Target.objects.filter(
            plan=plan, indicator__code__in=list(codes), org_unit__level="zone", stage__isnull=True
        )
        .order_by("id")
        .values_list("indicator__code", "kind", "start_year", "year")
    )
    found: dict[str, tuple[str, int, int]] = {}
    for code, kind, start, year in rows:
        rank = (year == plan.plan_end, year)
        if code not in found or rank > (found[code][2] == plan.plan_end, found[code][2]):
            found[code] = (kind, start or plan.plan_start, year)
    return {code: (kind, start) for code, (kind, start, _year) in found.items()}


def chain_progress(plan: Plan, chains: Sequence[IndustryChain], on: date) -> ChainProgress:
    """Every chain's and group's targets with their year-end series 2014 … the last year-end by `on`."""
    document = plan.document or {}
    mapping: dict[str, str] = document.get("chain_indicators", {})
    groups_doc: list[dict[str, Any]] = document.get("industry_groups", [])
    base_year = plan.baseline_year
    last = last_year_end(plan, on)
    years = list(range(base_year, last + 1))
    codes = [c.code for c in chains]
    indicators = {
        code: (name, unit)
        for code, name, unit in Indicator.objects.filter(
            plan=plan, code__in=list(mapping.values())
        ).values_list("code", "name", "unit")
    }
    counted = year_end_counts(plan, mapping, codes, years, {c: n for c, (n, _u) in indicators.items()})
    kinds = _target_kinds(plan, list(mapping.values()))

    def aim(unit: str, key: str, value: float, year: int, comparison: str = "") -> Aim:
        # Without a zone target: what the chain builds (a stock) or completes (a flow) over the plan period.
        default = ("cumulative" if key in counted.flows else "increment", plan.plan_start)
        kind, start = kinds.get(mapping.get(key, ""), default)
        return Aim(unit, key, kind, start, year, float(value), comparison)

    chain_aims = {
        c.code: [aim(f"chain:{c.code}", k, getattr(c, k), plan.plan_end) for k in CHAIN_KEYS] for c in chains
    }
    group_aims: dict[str, list[Aim]] = {}
    for g in groups_doc:
        code = g.get("code", "")
        aims = [
            aim(f"group:{code}", k, t["value"], int(t.get("year", plan.plan_end)), t.get("comparison", ""))
            for k in KEY_LABELS
            if (t := (g.get("totals") or {}).get(k)) is not None
        ]
        if g.get("cumulative_output") is not None:
            aims.append(aim(f"group:{code}", "cumulative_output", g["cumulative_output"], plan.plan_end))
        group_aims[code] = aims
    measure_units = {k: indicators[code][1] for k, code in mapping.items() if code in indicators}
    everything = [a for aims in chain_aims.values() for a in aims] + [
        a for aims in group_aims.values() for a in aims
    ]
    unit_counts = with_groups(counted.counts, {c.code: c.group_code for c in chains})
    judged = iter(assess_aims(everything, unit_counts, notes=counted.missing, measure_units=measure_units))
    chain_rows = [
        ProgressRow(c.code, c.name, c.group_name, [next(judged) for _ in chain_aims[c.code]]) for c in chains
    ]
    group_rows = [
        ProgressRow(
            g.get("code", ""), g.get("name", ""), "", [next(judged) for _ in group_aims[g.get("code", "")]]
        )
        for g in groups_doc
    ]
    return ChainProgress(chain_rows, group_rows, last, base_year, counted.sources)
