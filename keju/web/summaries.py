"""Read-only summaries of a loaded plan and its zone for the web pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from keju.orgs.models import EnterprisePlacement, OrgLevel, OrgUnit
from keju.planning.models import Baseline, Indicator, Plan, Target

# Register counts that the plan sets district targets for, with the register flag they count.
REGISTER_COUNTS: dict[str, Q] = {
    "enterprises_total": Q(),
    "industrial_enterprises": Q(enterprise__is_industrial=True),
    "above_scale_industrial_enterprises": Q(enterprise__is_above_scale=True),
    "high_tech_enterprises": Q(enterprise__is_high_tech_enterprise=True),
}


def current_plan(code: str | None = None) -> Plan | None:
    """The chosen (else the latest loaded) plan, without its document: a large JSON that few
    pages read, and that then loads on access."""
    plans = Plan.objects.defer("document").order_by("-loaded_at")
    if code:
        plans = plans.filter(code=code)
    return plans.first()


@dataclass
class HeadlineRow:
    indicator: Indicator
    baseline: Baseline | None
    target: Target | None


def headline_rows(plan: Plan) -> list[HeadlineRow]:
    zone = OrgUnit.objects.zone(plan)
    indicators = list(Indicator.objects.filter(plan=plan, headline=True).order_by("id"))
    baselines = {
        b.indicator_id: b
        for b in Baseline.objects.filter(indicator__in=indicators, org_unit=zone, year=plan.baseline_year)
    }
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(
            indicator__in=indicators, org_unit=zone, year=plan.plan_end, kind="level", stage__isnull=True
        )
    }
    return [HeadlineRow(i, baselines.get(i.id), targets.get(i.id)) for i in indicators]


def register_counts(plan: Plan, on: date) -> dict[int, dict[str, int]]:
    """Enterprises placed in each district on a date, by register count code.

    A placement covers only the days its enterprise is open (closing ends it), so the
    placements covering `on` are exactly the registered enterprises.
    """
    placements = EnterprisePlacement.objects.covering(on).filter(enterprise__plan=plan)
    aggregates = {code: Count("id", filter=condition) for code, condition in REGISTER_COUNTS.items()}
    rows = placements.values("district_id").annotate(**aggregates)
    return {row.pop("district_id"): row for row in rows}


@dataclass
class DistrictRow:
    district: OrgUnit
    cells: list[tuple[int | None, float | None]]  # (registered now, plan target) per count code


def district_rows(plan: Plan, on: date) -> tuple[list[Indicator], list[DistrictRow]]:
    indicators = list(Indicator.objects.filter(plan=plan, code__in=REGISTER_COUNTS).order_by("id"))
    districts = list(OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT).order_by("id"))
    targets = {
        (t.indicator_id, t.org_unit_id): t.value
        for t in Target.objects.filter(
            indicator__in=indicators, org_unit__in=districts, year=plan.plan_end, stage__isnull=True
        )
    }
    counts = register_counts(plan, on)
    rows = [
        DistrictRow(
            d,
            [(counts.get(d.id, {}).get(i.code, 0), targets.get((i.id, d.id))) for i in indicators],
        )
        for d in districts
    ]
    return indicators, rows


def org_tree(plan: Plan) -> list[tuple[OrgUnit, list]]:
    """The org units as nested (unit, children) pairs, from the zone down."""
    units = list(OrgUnit.objects.filter(plan=plan).order_by("id"))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)

    def build(parent_id: int | None) -> list[tuple[OrgUnit, list]]:
        return [(u, build(u.id)) for u in children.get(parent_id, [])]

    return build(None)
