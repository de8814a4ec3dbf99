"""The development index (发展指数) over time, with ranks and their sensitivity intervals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keju.monitoring.models import IndexScore
from keju.orgs.models import OrgUnit
from keju.planning.models import Plan

LEVEL_ORDER = {"zone": 0, "city": 1, "district": 2, "park": 3}


@dataclass
class IndexCell:
    score: float | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    rank_median: float | None


@dataclass
class IndexPage:
    name: str
    years: list[int]
    year: int | None
    units: list[OrgUnit]
    cells: dict[int, dict[int, IndexCell]]  # unit id -> year -> cell

    def rows(self) -> list[tuple[OrgUnit, list[IndexCell | None]]]:
        return [(u, [self.cells[u.pk].get(y) for y in self.years]) for u in self.units]

    def ranked(self) -> list[tuple[OrgUnit, IndexCell]]:
        """Units ranked in the chosen year, best first (the zone is scored, not ranked)."""
        if self.year is None:
            return []
        found = [(u, self.cells[u.pk].get(self.year)) for u in self.units]
        ranked = [(u, c) for u, c in found if c is not None and c.rank is not None]
        return sorted(ranked, key=lambda uc: (uc[1].rank or 0, uc[0].pk))

    def chart(self) -> dict[str, Any]:
        ranked = self.ranked()
        return {
            "years": [str(y) for y in self.years],
            "series": [
                {"name": u.name, "data": [c.score if c else None for c in cells]} for u, cells in self.rows()
            ],
            "ranks": {
                "units": [u.name for u, _ in ranked],
                "rank": [c.rank for _, c in ranked],
                "low": [c.rank_low if c.rank_low is not None else c.rank for _, c in ranked],
                "high": [c.rank_high if c.rank_high is not None else c.rank for _, c in ranked],
                "count": len(ranked),
            },
        }


def index_page(user: Any, plan: Plan, year: int | None) -> IndexPage:
    """The whole index (level 0) of every visible unit and year."""
    scores = list(
        IndexScore.objects.filter(plan=plan, level=0)
        .visible_to(user)
        .select_related("org_unit")
        .order_by("year")
    )
    years = sorted({s.year for s in scores})
    cells: dict[int, dict[int, IndexCell]] = {}
    units: dict[int, OrgUnit] = {}
    for s in scores:
        units[s.org_unit_id] = s.org_unit
        cells.setdefault(s.org_unit_id, {})[s.year] = IndexCell(
            s.score, s.rank, s.rank_low, s.rank_high, s.rank_median
        )
    ordered = sorted(units.values(), key=lambda u: (LEVEL_ORDER.get(u.level, 9), u.pk))
    chosen = year if year in years else (years[-1] if years else None)
    name = next((s.aggregate_name for s in scores if s.aggregate_name), "")
    return IndexPage(name, years, chosen, ordered, cells)
