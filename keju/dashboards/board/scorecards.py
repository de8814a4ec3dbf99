"""District scorecards (考核评价) per year or half-year: total, rank, grade and every item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F

from keju.monitoring.models import Scorecard
from keju.planning.models import Plan


@dataclass
class ScorecardPage:
    choices: list[tuple[str, str, str]]  # scorecard code, period, scorecard name (latest first)
    scorecard: str
    period: str
    name: str
    cards: list[Scorecard]

    def chart(self) -> dict[str, Any]:
        return {
            "units": [c.org_unit.name for c in self.cards],
            "scores": [c.score for c in self.cards],
        }


def scorecard_page(user: Any, plan: Plan, scorecard: str = "", period: str = "") -> ScorecardPage:
    cards = Scorecard.objects.filter(plan=plan).visible_to(user)
    choices = sorted(
        set(cards.values_list("scorecard", "period", "scorecard_name")),
        key=lambda c: (c[1], c[0]),
        reverse=True,
    )
    if not choices:
        return ScorecardPage([], "", "", "", [])
    chosen = next((c for c in choices if c[0] == scorecard and c[1] == period), choices[0])
    rows = list(
        cards.filter(scorecard=chosen[0], period=chosen[1])
        .select_related("org_unit")
        .order_by(F("rank").asc(nulls_last=True), "org_unit_id")
    )
    return ScorecardPage(choices, chosen[0], chosen[1], chosen[2] or chosen[0], rows)
