"""The plan as a JSON-ready document, for the database loader, the web pages and other tools.

Everything in the schema is kept. Each indicator also gets `baseline` and `target` for the
zone even when the plan file states them only in the `baselines` / `targets` lists, so
that a reader finds them in one place; `kind` says whether a target is an end-of-period
level, an increment or a cumulative sum.
"""

from __future__ import annotations

from typing import Any

from keju.plan.schema import Indicator, Plan, Target


def export_plan(plan: Plan) -> dict[str, Any]:
    doc: dict[str, Any] = plan.model_dump(mode="json")
    doc["indicators"] = [_indicator(plan, ind) for ind in plan.indicators]
    doc["summary"] = {
        "org_units": len(plan.org_units),
        "governance": len(plan.governance),
        "indicators": len(plan.indicators),
        "headline_indicators": sum(1 for i in plan.indicators if i.headline),
        "targets": len(plan.targets),
        "baselines": len(plan.baselines),
        "stages": len(plan.stages),
        "industry_groups": len(plan.industry_groups),
        "industry_chains": len(plan.industry_chains),
        "tasks": len(plan.tasks),
        "forms": len(plan.forms),
    }
    return doc


def _indicator(plan: Plan, ind: Indicator) -> dict[str, Any]:
    doc: dict[str, Any] = ind.model_dump(mode="json")
    doc["baseline"] = _baseline(plan, ind)
    doc["target"] = _target(plan, ind)
    return doc


def _is_zone(plan: Plan, org_unit: str | None, scope: str | None) -> bool:
    return not scope and (org_unit or plan.zone.code) == plan.zone.code


def _baseline(plan: Plan, ind: Indicator) -> dict[str, Any] | None:
    if ind.baseline is not None:
        return {"year": ind.baseline.year, "value": ind.baseline.value, "source": ind.source}
    year = plan.zone.baseline_year
    for b in plan.baselines:
        if (
            b.indicator == ind.code
            and b.kind == "level"
            and b.year == year
            and _is_zone(plan, b.org_unit, b.scope)
        ):
            return {"year": b.year, "value": b.value, "source": b.source}
    return None


def _target(plan: Plan, ind: Indicator) -> dict[str, Any] | None:
    if ind.target is not None:
        t = ind.target
        return {
            "year": t.year,
            "value": t.value,
            "comparison": t.comparison,
            "kind": "level",
            "source": ind.source,
        }
    candidates = [
        t
        for t in plan.targets
        if t.indicator == ind.code and t.year == plan.zone.plan_end and _is_zone(plan, t.org_unit, t.scope)
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda t: t.kind != "level")  # an end-of-period level first
    return _target_doc(best)


def _target_doc(t: Target) -> dict[str, Any]:
    doc: dict[str, Any] = {"year": t.year, "value": t.value, "comparison": t.comparison, "kind": t.kind}
    if t.start_year is not None:
        doc["start_year"] = t.start_year
    doc["source"] = t.source
    return doc
