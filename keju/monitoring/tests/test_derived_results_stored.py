"""Warnings, drag, index and scorecards are stored from the values, with their explanations."""

from __future__ import annotations

import pytest

from keju.monitoring.models import EarlyWarning, IndexScore, ProgressAssessment, Scorecard

pytestmark = pytest.mark.django_db


def test_warnings_name_unit_indicator_and_values(demo):
    warnings = list(EarlyWarning.objects.filter(plan=demo.plan).select_related("org_unit", "indicator"))
    assert warnings
    for w in warnings:
        assert w.level in {"red", "orange", "yellow"} and w.code
        assert w.org_unit.name in w.message
        if w.indicator is not None:
            assert w.indicator.name in w.message
    # Progress warnings follow the stored statuses: every zone target 需加快 has one.
    slow = ProgressAssessment.objects.filter(
        plan=demo.plan, org_unit__level="zone", status="moderate_progress", target__stage__isnull=True
    ).values_list("indicator__code", flat=True)
    flagged = set(
        EarlyWarning.objects.filter(code="progress_slow", org_unit__level="zone").values_list(
            "indicator__code", flat=True
        )
    )
    assert set(slow) <= flagged


def test_districts_drag_a_zone_total_behind_its_path(demo):
    behind = ProgressAssessment.objects.filter(
        plan=demo.plan,
        org_unit__level="zone",
        target_kind="level",
        status__in=["moderate_progress", "limited_progress", "negative_progress"],
    )
    with_drag = [a for a in behind if a.detail.get("drag")]
    assert with_drag
    for a in with_drag:
        rows = a.detail["drag"]
        assert {r["unit"] for r in rows} == {"lzxq", "lzgxq", "lzjjq", "bygxq"}
        assert all(r["explanation"] for r in rows)
        ranked = [r for r in rows if r["rank"] is not None]
        assert all(r["drag"] > 0 for r in ranked)


def test_index_scores_every_year_ranks_the_districts_and_not_the_zone(demo):
    scores = IndexScore.objects.filter(plan=demo.plan, level=0)
    years = sorted(set(scores.values_list("year", flat=True)))
    assert years == list(demo.zone.years)
    for year in years:
        rows = scores.filter(year=year).select_related("org_unit")
        districts = [s for s in rows if s.org_unit.level == "district"]
        assert sorted(s.rank for s in districts) == [1, 2, 3, 4] or len({s.score for s in districts}) < 4
        zone = next(s for s in rows if s.org_unit.level == "zone")
        assert zone.rank is None and 0 <= zone.score <= 100
        for s in districts:
            assert s.rank_low is not None and s.rank_low <= s.rank_median <= s.rank_high
    groups = set(IndexScore.objects.filter(plan=demo.plan, level=1).values_list("aggregate", flat=True))
    assert len(groups) == 5


def test_scorecards_rank_the_districts_with_every_item_explained(demo):
    cards = Scorecard.objects.filter(plan=demo.plan, scorecard="annual", period="2019").select_related(
        "org_unit"
    )
    assert {c.org_unit.code for c in cards} == {"lzxq", "lzgxq", "lzjjq", "bygxq"}
    assert (
        sorted(c.rank for c in cards) == sorted(c.rank for c in cards if c.rank)
        and min(c.rank for c in cards) == 1
    )
    for card in cards:
        assert card.items and all(item["explanation"] for item in card.items)
        if all(item["included"] for item in card.items):  # nothing rescaled: the total is the sum
            assert card.score == pytest.approx(sum(item["score"] for item in card.items), abs=1e-6)
    assert Scorecard.objects.filter(plan=demo.plan, scorecard="half_yearly").exists()
