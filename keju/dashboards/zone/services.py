"""What the zone dashboards show: plain data built from the stored monitoring results.

Nothing here recomputes indicators: values, coverage, progress, projections and warnings are
read from the rows keju.monitoring stored for the plan's last computation run. The only
derived numbers are arithmetic on those rows (the required path between the stored base and
target, shares of the parent). The builders return plain dicts and lists so that
keju.dashboards.cache can keep them until the next run; the views pass the user's scope (the
top unit they may see) and the language in the cache key.

Enterprise rows of the drill-down come from the engine's lineage of the unit's stored value
(the approved reports behind it), grouped by enterprise — the same list the lineage page
shows, cached per results version as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language

from keju.accounts.models import ZONE_ROLES, Role
from keju.accounts.scoping import roles_of
from keju.metrics.progress import STATUS_ORDER, required_path
from keju.monitoring.models import EarlyWarning, IndicatorValue, PeriodKind, ProgressAssessment
from keju.monitoring.pages import STATUS_COLOURS, WARNING_COLOURS, WARNING_LEVELS, status_label
from keju.orgs.models import Enterprise, OrgLevel, OrgUnit
from keju.planning.models import Indicator, Plan, Target

LEVEL_ORDER = {OrgLevel.ZONE: 0, OrgLevel.CITY: 1, OrgLevel.DISTRICT: 2, OrgLevel.PARK: 3}
WARNING_LIMIT = 10


# --- scope --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The units whose results a user may see: the whole zone, or districts and their parks."""

    plan_id: int
    whole_zone: bool
    districts: tuple[int, ...] = ()

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.whole_zone, self.districts, get_language())

    def unit_q(self, prefix: str = "") -> Q:
        if self.whole_zone:
            return Q(**{f"{prefix}plan_id": self.plan_id})
        return Q(**{f"{prefix}pk__in": self.districts}) | Q(**{f"{prefix}parent_id__in": self.districts})

    def sees(self, unit: OrgUnit) -> bool:
        if unit.plan_id != self.plan_id:
            return False
        return self.whole_zone or unit.pk in self.districts or unit.parent_id in self.districts


def scope_of(user: Any, plan: Plan) -> Scope:
    """Same rule as keju.monitoring.querysets.monitoring_unit_q, as data for the cache key."""
    if user.is_superuser:
        return Scope(plan.pk, True)
    roles = roles_of(user)
    if any(r.role in ZONE_ROLES and r.org_unit and r.org_unit.plan_id == plan.pk for r in roles):
        return Scope(plan.pk, True)
    districts = sorted(
        r.org_unit_id
        for r in roles
        if r.role == Role.DISTRICT_REVIEWER and r.org_unit and r.org_unit.plan_id == plan.pk
    )
    return Scope(plan.pk, False, tuple(districts))


def may_see_enterprises(user: Any, scope: Scope) -> bool:
    """Zone roles and a district's reviewer see enterprises (the reviewer only its own district's)."""
    return bool(user.is_authenticated and (scope.whole_zone or scope.districts))


def enterprise_ids_visible(user: Any, ids: list[int]) -> set[int]:
    return set(Enterprise.objects.filter(pk__in=ids).visible_to(user).values_list("pk", flat=True))


# --- helpers ------------------------------------------------------------------------------------


def lineage_url(indicator: str, unit: str, period: str) -> str:
    return reverse("monitoring:value", args=[indicator, unit, period])


def _status(status: str | None) -> dict[str, str]:
    status = status or "insufficient_data"
    return {"code": status, "label": status_label(status), "colour": STATUS_COLOURS.get(status, "#8a94a6")}


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


def _main_assessments(
    plan: Plan, units: list[int], indicators: list[int]
) -> dict[tuple[int, int], ProgressAssessment]:
    """Per (indicator, unit): the assessment against the plan's end-of-plan target, else any
    target, else the trend (no target)."""
    rows = ProgressAssessment.objects.filter(
        plan=plan, org_unit_id__in=units, indicator_id__in=indicators
    ).select_related("target")

    def rank(a: ProgressAssessment) -> tuple[int, int]:
        if a.target is None:
            return (3, 0)
        if a.target.stage_id is None and a.target.year == plan.plan_end:
            return (0, -a.target.year)
        return (1 if a.target.stage_id is None else 2, -a.target.year)

    best: dict[tuple[int, int], ProgressAssessment] = {}
    for a in rows:
        key = (a.indicator_id, a.org_unit_id)
        if key not in best or rank(a) < rank(best[key]):
            best[key] = a
    return best


def _yearly_values(
    plan: Plan, units: list[int], indicators: list[int], **filters: Any
) -> list[IndicatorValue]:
    return list(
        IndicatorValue.objects.filter(
            plan=plan,
            org_unit_id__in=units,
            indicator_id__in=indicators,
            period_kind=PeriodKind.YEAR,
            **filters,
        ).order_by("indicator_id", "org_unit_id", "year")
    )


def _value_cell(v: IndicatorValue | None, indicator: Indicator, unit: OrgUnit) -> dict[str, Any]:
    if v is None:
        return {"value": None, "period": "", "provisional": False, "coverage": None, "url": ""}
    return {
        "value": _number(v.value),
        "numerator": _number(v.numerator),
        "denominator": _number(v.denominator),
        "period": v.period,
        "year": v.year,
        "provisional": v.provisional,
        "coverage": _number(v.coverage),
        "reported": v.reported,
        "expected": v.expected,
        "url": lineage_url(indicator.code, unit.code, v.period) if v.value is not None else "",
    }


# --- overview -----------------------------------------------------------------------------------


def root_unit(plan: Plan, scope: Scope) -> OrgUnit | None:
    """The top unit of the user's view: the zone, or the reviewer's (first) district."""
    if scope.whole_zone:
        return OrgUnit.objects.filter(plan=plan, level=OrgLevel.ZONE).first()
    return OrgUnit.objects.filter(plan=plan, pk__in=scope.districts).order_by("pk").first()


def overview(plan: Plan, scope: Scope) -> dict[str, Any]:
    """The 专栏1 headline cards of the user's top unit, status counts and the latest red/orange warnings."""
    root = root_unit(plan, scope)
    if root is None:
        return {"root": None, "cards": [], "counts": [], "warnings": []}
    indicators = list(Indicator.objects.filter(plan=plan, headline=True).order_by("id"))
    ids = [i.pk for i in indicators]
    values: dict[int, list[IndicatorValue]] = {}
    for v in _yearly_values(plan, [root.pk], ids):
        values.setdefault(v.indicator_id, []).append(v)
    assessments = _main_assessments(plan, [root.pk], ids)
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(
            indicator_id__in=ids, org_unit=root, year=plan.plan_end, stage__isnull=True
        ).order_by("-pk")
    }
    cards = [
        _card(
            plan, root, ind, values.get(ind.pk, []), assessments.get((ind.pk, root.pk)), targets.get(ind.pk)
        )
        for ind in indicators
    ]
    counts_rows = ProgressAssessment.objects.filter(plan=plan, target__isnull=False).filter(
        scope.unit_q("org_unit__")
    )
    counted: dict[str, int] = {}
    for status in counts_rows.values_list("status", flat=True):
        counted[status] = counted.get(status, 0) + 1
    counts = [{**_status(s), "count": counted.get(s, 0)} for s in STATUS_ORDER]
    warnings = [
        {
            "level": w.level,
            "level_label": str(WARNING_LEVELS.get(w.level, w.level)),
            "colour": WARNING_COLOURS.get(w.level, "#8a94a6"),
            "unit": w.org_unit.name,
            "indicator": w.indicator.name if w.indicator else "",
            "period": w.period,
            "message": w.message,
            "url": lineage_url(w.indicator.code, w.org_unit.code, w.period)
            if w.indicator and w.period
            else "",
        }
        for w in EarlyWarning.objects.filter(plan=plan, level__in=["red", "orange"])
        .filter(scope.unit_q("org_unit__"))
        .select_related("org_unit", "indicator")
        .order_by("-period", "-level", "-id")[:WARNING_LIMIT]  # red before orange
    ]
    return {
        "root": {"code": root.code, "name": root.name},
        "cards": cards,
        "counts": counts,
        "warnings": warnings,
    }


def _card(
    plan: Plan,
    unit: OrgUnit,
    indicator: Indicator,
    series: list[IndicatorValue],
    assessment: ProgressAssessment | None,
    target: Target | None,
) -> dict[str, Any]:
    present = [v for v in series if v.value is not None]
    latest = present[-1] if present else None
    base_year = assessment.base_year if assessment and assessment.base_year else plan.baseline_year
    base_value = assessment.base_value if assessment else None
    if base_value is None:
        base_value = next((v.value for v in present if v.year == plan.baseline_year), None)
    target_year = assessment.target_year if assessment and assessment.target_value is not None else None
    target_level = assessment.target_value if target_year else None
    path: list[list[float]] = []
    if base_value is not None and target_level is not None and target_year and base_year < target_year:
        try:
            path = [
                [y, required_path(base_value, base_year, target_level, target_year, y)]
                for y in range(base_year, target_year + 1)
            ]
        except ValueError:  # base and target of opposite signs: no constant-growth path
            path = []
    band: list[list[float]] = []
    if assessment and assessment.projected_value is not None and assessment.current_year:
        band = [
            [assessment.current_year, assessment.current_value, assessment.current_value],
            [assessment.projected_year, assessment.projected_lower, assessment.projected_upper],
        ]
    cell = _value_cell(latest, indicator, unit)
    return {
        "code": indicator.code,
        "name": indicator.name,
        "name_en": indicator.name_en,
        "unit": indicator.unit,
        "base_year": base_year,
        "base_value": _number(base_value),
        "latest": cell,
        "target_year": target.year if target else target_year,
        "target_value": _number(target.value) if target else _number(target_level),
        "target_kind": target.kind if target else (assessment.target_kind if assessment else ""),
        "target_level": _number(target_level),
        "status": _status(assessment.status if assessment else None),
        "score": _number(assessment.score) if assessment else None,
        "projection": {
            "year": assessment.projected_year,
            "value": _number(assessment.projected_value),
            "lower": _number(assessment.projected_lower),
            "upper": _number(assessment.projected_upper),
        }
        if assessment and assessment.projected_value is not None
        else None,
        "chart_id": f"chart-{indicator.code}",
        "chart": {
            "actual": [[v.year, v.value, v.provisional] for v in present],
            "path": path,
            "band": band,
        },
    }


# --- district comparison ------------------------------------------------------------------------


def value_years(plan: Plan) -> list[int]:
    """Years with stored yearly values, newest first."""
    years = (
        IndicatorValue.objects.filter(plan=plan, period_kind=PeriodKind.YEAR)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return list(years)


def districts_table(plan: Plan, scope: Scope, year: int) -> dict[str, Any]:
    """Every visible district × the headline indicators in `year`: value, coverage, status."""
    districts = list(
        OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT).filter(scope.unit_q()).order_by("pk")
    )
    indicators = list(Indicator.objects.filter(plan=plan, headline=True).order_by("id"))
    ids = [i.pk for i in indicators]
    units = [d.pk for d in districts]
    by_key = {(v.indicator_id, v.org_unit_id): v for v in _yearly_values(plan, units, ids, year=year)}
    assessments = _main_assessments(plan, units, ids)
    rows = []
    for d in districts:
        cells = []
        for ind in indicators:
            cell = _value_cell(by_key.get((ind.pk, d.pk)), ind, d)
            a = assessments.get((ind.pk, d.pk))
            cell["status"] = _status(a.status if a else None)
            cell["indicator"] = ind.code
            cells.append(cell)
        rows.append({"code": d.code, "name": d.name, "cells": cells})
    return {
        "indicators": [{"code": i.code, "name": i.name, "unit": i.unit} for i in indicators],
        "rows": rows,
    }


def headline_codes(plan: Plan) -> list[str]:
    return list(
        Indicator.objects.filter(plan=plan, headline=True).order_by("id").values_list("code", flat=True)
    )


def indicator_choices(plan: Plan) -> list[dict[str, Any]]:
    """Indicators with stored results: the headline ones first, then the others (plan order)."""
    from keju.monitoring.pages import indicator_choices as with_results

    rows = with_results(plan).values("pk", "code", "name", "headline")
    return sorted(rows, key=lambda r: (not r["headline"], r["pk"]))


# --- drill-down ---------------------------------------------------------------------------------


def breadcrumbs(unit: OrgUnit, scope: Scope) -> list[dict[str, str]]:
    """From the top unit the user may see down to `unit`."""
    chain: list[OrgUnit] = []
    current: OrgUnit | None = unit
    while current is not None:
        chain.append(current)
        current = current.parent
    return [{"code": u.code, "name": u.name} for u in reversed(chain) if scope.sees(u)]


def drill(plan: Plan, scope: Scope, unit: OrgUnit, indicator: Indicator, year: int) -> dict[str, Any]:
    """The unit's value of `indicator` in `year` and its children's (value, share, coverage, status)."""
    children = list(OrgUnit.objects.filter(plan=plan, parent=unit).filter(scope.unit_q()).order_by("pk"))
    units = [unit.pk, *(c.pk for c in children)]
    values = {v.org_unit_id: v for v in _yearly_values(plan, units, [indicator.pk], year=year)}
    assessments = _main_assessments(plan, units, [indicator.pk])
    own = values.get(unit.pk)
    parent_cell = _value_cell(own, indicator, unit)
    parent_cell["status"] = _status(a.status if (a := assessments.get((indicator.pk, unit.pk))) else None)
    rows = []
    for child in children:
        v = values.get(child.pk)
        cell = _value_cell(v, indicator, child)
        cell["status"] = _status(a.status if (a := assessments.get((indicator.pk, child.pk))) else None)
        cell["share"] = _share(v.numerator if v else None, own.numerator if own else None)
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "level": child.level,
                "level_label": child.get_level_display(),
                **cell,
            }
        )
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "indicator": {"code": indicator.code, "name": indicator.name, "unit": indicator.unit},
        "year": year,
        "value": parent_cell,
        "children": rows,
        "breadcrumbs": breadcrumbs(unit, scope),
    }


def _share(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return float(part) / float(whole)


def enterprise_rows(plan: Plan, unit: OrgUnit, indicator: Indicator, year: int) -> dict[str, Any]:
    """The enterprises behind the unit's stored value: their summed contributions from the lineage.

    A park lists all its enterprises; a district those placed in none of its parks (the rest
    are under their park). Every enterprise the lineage names is listed here; the view keeps
    only those the user may see.
    """
    from keju.monitoring.pages import lineage

    stored = IndicatorValue.objects.filter(
        plan=plan, indicator=indicator, org_unit=unit, period=str(year)
    ).first()
    if stored is None or stored.value is None:
        return {"rows": [], "error": ""}
    with transaction.atomic():  # a failing source query must not abort the caller's transaction
        found = lineage(stored)
        if found.error:
            transaction.set_rollback(True)  # back to the savepoint: lineage() reports, not raises
    if found.error:
        return {"rows": [], "error": found.error}
    from keju.reporting.models import Report

    report_ids = [r["report_id"] for r in found.rows]
    placed = dict(
        Report.objects.filter(pk__in=report_ids, enterprise__isnull=False).values_list("pk", "enterprise_id")
    )
    sums: dict[int, dict[str, Any]] = {}
    for row in found.rows:
        enterprise_id = placed.get(row["report_id"])
        if enterprise_id is None:
            continue
        if unit.level == OrgLevel.DISTRICT and row.get("park"):
            continue
        entry = sums.setdefault(
            enterprise_id, {"id": enterprise_id, "numerator": 0.0, "denominator": 0.0, "reports": []}
        )
        entry["numerator"] += float(row.get("numerator") or 0.0)
        entry["denominator"] += float(row.get("denominator") or 0.0)
        entry["reports"].append(row["report_id"])
    names = dict(Enterprise.objects.filter(pk__in=list(sums)).values_list("pk", "name"))
    # The engine's contributions are before the indicator's factor: scale by the stored value's.
    factor = _factor(stored)
    rows = []
    for entry in sums.values():
        num, den = entry["numerator"], entry["denominator"]
        if stored.denominator is None:
            value = num * factor if factor is not None else None
        else:
            value = num / den * factor if den and factor is not None else None
        rows.append(
            {
                "id": entry["id"],
                "name": names.get(entry["id"], ""),
                "value": value,
                "share": _share(num, stored.numerator),
                "report": min(entry["reports"]),
                "reports": len(entry["reports"]),
            }
        )
    rows.sort(key=lambda r: (-(abs(r["value"]) if r["value"] is not None else -1), r["id"]))
    return {"rows": rows, "error": ""}


def _factor(v: IndicatorValue) -> float | None:
    """value = numerator (÷ denominator) × factor; the factor recovered from the stored row."""
    if v.value is None or v.numerator in (None, 0):
        return 1.0 if v.value == 0 else None
    base = v.numerator if v.denominator is None else (v.numerator / v.denominator if v.denominator else None)
    return float(v.value) / float(base) if base else None
