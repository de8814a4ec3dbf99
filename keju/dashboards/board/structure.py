"""一核4区多园: the org tree coloured by one headline indicator's progress status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from keju.monitoring.models import ProgressAssessment
from keju.monitoring.pages import STATUS_COLOURS, status_label, visible_units
from keju.orgs.models import OrgLevel, OrgUnit
from keju.planning.models import Indicator, Plan

NO_ASSESSMENT = "#d0d5dd"
# The kind of the park the plan calls the core (一核).
CORE_KIND = "核心创新区"


@dataclass
class Node:
    code: str
    name: str
    level: str
    level_label: str
    kind: str
    status: str  # "" when the unit has no assessment of the indicator
    label: str
    colour: str
    current_value: float | None
    current_year: int | None
    target_value: float | None
    target_year: int | None
    url: str
    children: list[Node] = field(default_factory=list)

    @property
    def is_core(self) -> bool:
        return self.kind == CORE_KIND

    def echarts(self) -> dict[str, Any]:
        """The node as ECharts tree data (name, colour, link and the label in the tooltip)."""
        return {
            "name": self.name,
            "code": self.code,
            "url": self.url,
            "status": self.label,
            "value": self.current_value,
            "itemStyle": {"color": self.colour, "borderColor": "#1f2937" if self.is_core else self.colour},
            "symbolSize": 18 if self.is_core or self.level in ("zone", "district") else 12,
            "children": [c.echarts() for c in self.children],
        }

    def walk(self) -> list[Node]:
        return [self, *(n for c in self.children for n in c.walk())]


def headline_choices(plan: Plan) -> QuerySet[Indicator]:
    return Indicator.objects.filter(plan=plan, headline=True).order_by("id")


def _statuses(user: Any, plan: Plan, indicator: Indicator) -> dict[int, ProgressAssessment]:
    """Per org unit the assessment towards the furthest target (the plan's end), else the trend."""
    rows = (
        ProgressAssessment.objects.filter(plan=plan, indicator=indicator)
        .visible_to(user)
        .order_by("org_unit_id", "target_id")
    )
    chosen: dict[int, ProgressAssessment] = {}
    for row in rows:
        best = chosen.get(row.org_unit_id)
        if best is None or _weight(row) > _weight(best):
            chosen[row.org_unit_id] = row
    return chosen


def _weight(row: ProgressAssessment) -> tuple[int, int, int]:
    # A level target of the zone decomposition beats a stage increment; later years beat earlier.
    return (row.target_id is not None, row.target_kind == "level", row.target_year or 0)


def structure(user: Any, plan: Plan, indicator: Indicator) -> list[Node]:
    """The visible org units as a forest (a reviewer's district is its own root)."""
    units = list(visible_units(user, plan))
    statuses = _statuses(user, plan, indicator)
    ids = {u.pk for u in units}
    nodes: dict[int, Node] = {u.pk: _node(u, statuses.get(u.pk)) for u in units}
    roots: list[Node] = []
    for unit in units:
        if unit.parent_id in ids:
            nodes[unit.parent_id].children.append(nodes[unit.pk])
        else:
            roots.append(nodes[unit.pk])
    return roots


def _node(unit: OrgUnit, row: ProgressAssessment | None) -> Node:
    status = row.status if row is not None else ""
    return Node(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        level_label=str(OrgLevel(unit.level).label) if unit.level in OrgLevel.values else unit.level,
        kind=unit.kind,
        status=status,
        label=status_label(status) if status else "",
        colour=STATUS_COLOURS.get(status, NO_ASSESSMENT),
        current_value=row.current_value if row is not None else None,
        current_year=row.current_year if row is not None else None,
        target_value=row.target_value if row is not None else None,
        target_year=row.target_year if row is not None else None,
        url=reverse("dashboards:unit", args=[unit.code]),
    )
