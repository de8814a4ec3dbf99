"""The 12 industry chains (四(一)1—2) against their targets, and the zone's totals."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count
from django.utils import timezone

from keju.dashboards.board.chain_progress import (
    CHAIN_KEYS,
    COMPARISONS,
    KEY_LABELS,
    ChainProgress,
    chain_progress,
)
from keju.monitoring.models import IndicatorValue, PeriodKind, ProgressAssessment
from keju.monitoring.objects import REGISTER_COUNTS, register_count, register_frames
from keju.monitoring.pages import STATUS_COLOURS, status_label
from keju.monitoring.querysets import monitoring_unit_q
from keju.orgs.models import OrgLevel, OrgUnit
from keju.planning.models import Indicator, IndustryChain, Plan

# The chain target fields of IndustryChain, in the plan's order (chain_indicators keys).
TARGET_KEYS: dict[str, Any] = {key: KEY_LABELS[key] for key in CHAIN_KEYS}


@dataclass
class ChainFigure:
    """A stored value of an indicator the plan computes for one chain (formula `chain=<code>`)."""

    indicator: Indicator
    period: str
    value: float | None
    provisional: bool
    status: str
    label: str
    colour: str


@dataclass
class ChainRow:
    chain: IndustryChain
    targets: list[int]
    districts: list[OrgUnit]
    parks: list[OrgUnit]
    enterprises: int
    figures: list[ChainFigure]
    # (target, registered in force on ChainsPage.registered_on or None without a register) per key
    cells: list[tuple[int, float | None]]


@dataclass
class ZoneTotal:
    """One target key: the chains' sum, the groups' totals and the zone's stored progress."""

    key: str
    label: str
    chains_sum: int
    groups: list[tuple[str, float, str]]  # group name, total, comparison
    indicator: Indicator | None
    assessment: ProgressAssessment | None
    status_label: str
    colour: str


@dataclass
class ChainsPage:
    rows: list[ChainRow]
    totals: list[ZoneTotal]
    labels: list[str]
    registered_on: date | None  # None: the user may not see zone-wide counts, or no register feeds them
    # Each chain's and group's targets over the years (chain_progress); None for whom registered_on is.
    progress: ChainProgress | None = None


def _chain_indicators(plan: Plan) -> dict[str, list[Indicator]]:
    """Indicators whose formula filters on one chain, by chain code."""
    found: dict[str, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(plan=plan, formula__isnull=False).order_by("id"):
        text = json.dumps(indicator.formula, ensure_ascii=False)
        for code in set(re.findall(r"chain\s*=\s*([A-Za-z0-9_\-]+)", text)):
            found.setdefault(code, []).append(indicator)
    return found


def _zone(plan: Plan) -> OrgUnit | None:
    return OrgUnit.objects.filter(plan=plan, level=OrgLevel.ZONE).first()


def _figures(user: Any, plan: Plan, zone: OrgUnit | None, indicators: list[Indicator]) -> list[ChainFigure]:
    if zone is None:
        return []
    out: list[ChainFigure] = []
    for indicator in indicators:
        value = (
            IndicatorValue.objects.filter(
                plan=plan, indicator=indicator, org_unit=zone, period_kind=PeriodKind.YEAR
            )
            .visible_to(user)
            .order_by("-year")
            .first()
        )
        progress = (
            ProgressAssessment.objects.filter(plan=plan, indicator=indicator, org_unit=zone)
            .visible_to(user)
            .order_by("-target_year", "-id")
            .first()
        )
        if value is None and progress is None:
            continue
        status = progress.status if progress is not None else ""
        out.append(
            ChainFigure(
                indicator=indicator,
                period=value.period if value else "",
                value=value.value if value else None,
                provisional=bool(value and value.provisional),
                status=status,
                label=status_label(status) if status else "",
                colour=STATUS_COLOURS.get(status, "#d0d5dd"),
            )
        )
    return out


def as_of(plan: Plan) -> date:
    """The day the register counts are taken on: today, or the plan's last day once it is over.
    Part of the page's cache key: a cached page never outlives the day (nor a year's end)."""
    return min(timezone.localdate(), date(plan.plan_end, 12, 31))


def chains_page(user: Any, plan: Plan, on: date | None = None) -> ChainsPage:
    chains = list(
        IndustryChain.objects.filter(plan=plan)
        .prefetch_related("districts", "parks")
        .annotate(n_enterprises=Count("enterprises"))
        .order_by("id")
    )
    zone = _zone(plan)
    # Zone-level figures are the zone's results: a district reviewer does not see them.
    by_chain = _chain_indicators(plan)
    sees_zone = zone is not None and OrgUnit.objects.filter(monitoring_unit_q(user), pk=zone.pk).exists()
    on = on or as_of(plan)
    registered = _registered_by_chain(plan, on) if sees_zone else {}
    # Zone-wide like the counts: shown to the roles that see the zone.
    progress = chain_progress(plan, chains, on) if sees_zone else None
    rows = []
    for c in chains:
        targets = [int(getattr(c, key)) for key in TARGET_KEYS]
        rows.append(
            ChainRow(
                chain=c,
                targets=targets,
                districts=list(c.districts.all()),
                parks=list(c.parks.all()),
                enterprises=c.n_enterprises,
                figures=_figures(user, plan, zone, by_chain.get(c.code, [])),
                cells=[
                    (t, registered[key].get(c.code, 0.0) if key in registered else None)
                    for t, key in zip(targets, TARGET_KEYS, strict=True)
                ],
            )
        )
    return ChainsPage(
        rows,
        _totals(user, plan, zone, chains),
        [str(v) for v in TARGET_KEYS.values()],
        on if registered else None,
        progress,
    )


def _registered_by_chain(plan: Plan, on: date) -> dict[str, dict[str, float]]:
    """Entries in force on `on` per chain, for each target key whose plan indicator a register
    counts (keju.registers through keju.monitoring.objects), by the indicator's own rule."""
    mapping: dict[str, str] = (plan.document or {}).get("chain_indicators", {})
    specs = {
        key: REGISTER_COUNTS[code] for key in TARGET_KEYS if (code := mapping.get(key)) in REGISTER_COUNTS
    }
    if not specs:
        return {}
    frames = register_frames(plan)
    out: dict[str, dict[str, float]] = {}
    for key, spec in specs.items():
        counted = register_count(frames, spec, on, by=("chain",))
        out[key] = {chain: value for chain, value in counted.iter_rows() if chain}
    return out


def _totals(user: Any, plan: Plan, zone: OrgUnit | None, chains: list[IndustryChain]) -> list[ZoneTotal]:
    document = plan.document or {}
    mapping: dict[str, str] = document.get("chain_indicators", {})
    groups = document.get("industry_groups", [])
    indicators = {i.code: i for i in Indicator.objects.filter(plan=plan, code__in=list(mapping.values()))}
    out: list[ZoneTotal] = []
    for key, label in TARGET_KEYS.items():
        indicator = indicators.get(mapping.get(key, ""))
        assessment = None
        if indicator is not None and zone is not None:
            assessment = (
                ProgressAssessment.objects.filter(plan=plan, indicator=indicator, org_unit=zone)
                .visible_to(user)
                .filter(target__isnull=False, target__stage__isnull=True)
                .select_related("target")
                .order_by("-target_year", "-id")
                .first()
            )
        group_totals = [
            (g.get("name", g.get("code", "")), float(t["value"]), _comparison(t.get("comparison", "")))
            for g in groups
            if (t := (g.get("totals") or {}).get(key)) is not None
        ]
        status = assessment.status if assessment is not None else ""
        out.append(
            ZoneTotal(
                key=key,
                label=str(label),
                chains_sum=sum(int(getattr(c, key)) for c in chains),
                groups=group_totals,
                indicator=indicator,
                assessment=assessment,
                status_label=status_label(status) if status else "",
                colour=STATUS_COLOURS.get(status, "#d0d5dd"),
            )
        )
    return out


def _comparison(text: str) -> str:
    return str(COMPARISONS.get(text, text))
