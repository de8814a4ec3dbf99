"""Each plan-level dashboard shows the stored results of the demo zone, figure for figure."""

from __future__ import annotations

import pytest
from django.urls import reverse

from keju.monitoring.models import IndexScore, IndicatorValue, ProgressAssessment, Scorecard
from keju.monitoring.pages import status_label
from keju.orgs.models import OrgUnit
from keju.planning.models import IndustryChain, Stage, Target

pytestmark = pytest.mark.django_db

PAGES = ["structure", "chains", "stages", "index", "scorecards", "collection", "tasks"]


@pytest.fixture
def office(demo, demo_users, client):
    client.force_login(demo_users["office"])
    return client


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_for_the_office(office, name):
    response = office.get(reverse(f"dashboards:{name}"))
    assert response.status_code == 200
    assert response.context["tab"] == name


def test_structure_colours_each_unit_by_its_stored_status(demo, office):
    plan = demo.plan
    response = office.get(reverse("dashboards:structure"), {"indicator": "rd_intensity"})
    nodes = {n.code: n for n in response.context["nodes"]}
    assert set(nodes) == set(OrgUnit.objects.filter(plan=plan).values_list("code", flat=True))
    zone = ProgressAssessment.objects.get(
        plan=plan,
        indicator__code="rd_intensity",
        org_unit__code="lanbai",
        target__year=2020,
        target__stage=None,
    )
    assert nodes["lanbai"].status == zone.status and nodes["lanbai"].current_value == zone.current_value
    assert nodes["lzxq-core"].is_core
    html = response.content.decode()
    assert reverse("dashboards:unit", args=["lzxq"]) in html
    assert status_label(zone.status) in html
    # The chart data is the same tree, nested zone → city → district → park.
    tree = response.context["tree"]
    assert tree[0]["code"] == "lanbai"
    cities = {c["code"]: c for c in tree[0]["children"]}
    assert {d["code"] for d in cities["baiyin"]["children"]} == {"bygxq"}


def test_structure_with_an_unknown_indicator_falls_back_to_the_first_headline(office):
    response = office.get(reverse("dashboards:structure"), {"indicator": "<script>"})
    assert response.status_code == 200
    assert response.context["indicator"].headline
    assert "<script>" not in response.content.decode().split("structure-data")[0][-2000:]


def test_chains_show_the_plan_targets_and_the_zone_progress(demo, office):
    plan = demo.plan
    response = office.get(reverse("dashboards:chains"))
    page = response.context["page"]
    assert len(page.rows) == 12 == IndustryChain.objects.filter(plan=plan).count()
    chemical = next(r for r in page.rows if r.chain.code == "chemical")
    assert chemical.targets == [50, 15, 100, 10]
    assert {d.code for d in chemical.districts} == {"lzxq", "bygxq"}
    assert chemical.enterprises == chemical.chain.enterprises.count()
    platforms = next(t for t in page.totals if t.key == "platforms")
    assert platforms.chains_sum == sum(c.platforms for c in IndustryChain.objects.filter(plan=plan))
    assert platforms.indicator.code == "rd_platforms"
    stored = ProgressAssessment.objects.get(
        plan=plan, indicator__code="rd_platforms", org_unit__code="lanbai", target__code="rd_platforms-new"
    )
    assert platforms.assessment.pk == stored.pk
    assert sorted(g[1] for g in platforms.groups) == [200.0, 300.0]


def test_stages_compare_required_and_achieved_increments(demo, office):
    plan = demo.plan
    response = office.get(reverse("dashboards:stages"))
    blocks = response.context["blocks"]
    assert [b.stage.code for b in blocks] == list(
        Stage.objects.filter(plan=plan).order_by("start_year").values_list("code", flat=True)
    )
    rows = {r.target.code: r for b in blocks for r in b.rows}
    assert len(rows) == Target.objects.filter(plan=plan, stage__isnull=False).count()
    zone = OrgUnit.objects.get(plan=plan, level="zone")

    def value(code, year):
        return IndicatorValue.objects.get(
            plan=plan, org_unit=zone, indicator__code=code, period=str(year)
        ).value

    gdp = next(
        r for r in rows.values() if r.target.indicator.code == "gdp" and r.target.stage.code == "aggregation"
    )
    assert not gdp.flow and gdp.required == 200
    assert gdp.achieved == pytest.approx(value("gdp", 2017) - value("gdp", 2015))
    jobs = next(
        r
        for r in rows.values()
        if r.target.indicator.code == "new_jobs" and r.target.stage.code == "breakthrough"
    )
    assert jobs.flow
    assert jobs.achieved == pytest.approx(sum(value("new_jobs", y) for y in (2018, 2019, 2020)))
    stored = ProgressAssessment.objects.get(plan=plan, org_unit=zone, target=gdp.target)
    assert gdp.status == stored.status


def test_index_shows_scores_ranks_and_intervals(demo, office):
    plan = demo.plan
    response = office.get(reverse("dashboards:index"), {"year": "2019"})
    page = response.context["page"]
    assert page.year == 2019
    stored = IndexScore.objects.filter(plan=plan, level=0, year=2019, rank__isnull=False).order_by("rank")
    assert [(u.code, c.rank, c.rank_low, c.rank_high) for u, c in page.ranked()] == [
        (s.org_unit.code, s.rank, s.rank_low, s.rank_high) for s in stored
    ]
    assert page.years == sorted(
        set(IndexScore.objects.filter(plan=plan, level=0).values_list("year", flat=True))
    )
    first = stored.first()
    assert first.rank_low is not None and first.rank_low <= first.rank <= first.rank_high
    html = response.content.decode()
    assert f"{first.rank_low}–{first.rank_high}" in html
    chart = response.context["chart"]
    assert chart["ranks"]["rank"] == [s.rank for s in stored]
    # A bad year falls back to the latest.
    assert office.get(reverse("dashboards:index"), {"year": "x"}).context["page"].year == page.years[-1]


def test_scorecards_show_each_district_with_its_items(demo, office):
    plan = demo.plan
    latest = Scorecard.objects.filter(plan=plan).order_by("-period", "-scorecard").first()
    response = office.get(reverse("dashboards:scorecards"))
    page = response.context["page"]
    assert (page.scorecard, page.period) == (latest.scorecard, latest.period)
    stored = list(Scorecard.objects.filter(plan=plan, scorecard=latest.scorecard, period=latest.period))
    assert sorted((c.org_unit.code, c.score, c.rank) for c in page.cards) == sorted(
        (c.org_unit.code, c.score, c.rank) for c in stored
    )
    first = stored[0]
    other = Scorecard.objects.filter(plan=plan).exclude(period=latest.period).order_by("period").first()
    chosen = office.get(reverse("dashboards:scorecards"), {"choice": f"{other.scorecard}|{other.period}"})
    assert chosen.context["page"].period == other.period
    assert (
        first.items
        and str(first.items[0].get("name", first.items[0].get("item"))) in response.content.decode()
    )


def test_collection_counts_equal_the_completeness_service(demo, demo_users, office):
    from keju.reporting.services.completeness import completeness, overdue_respondents

    plan = demo.plan
    response = office.get(reverse("dashboards:collection"))
    page = response.context["page"]
    rows = completeness(plan, user=demo_users["office"], only_open=True)
    assert sum(s.expected for s in page.summaries) == sum(r.expected for r in rows)
    assert sum(s.reported for s in page.summaries) == sum(r.reported for r in rows)
    assert page.overdue_total == len(overdue_respondents(plan, user=demo_users["office"]))
    if page.periods:
        form, period, _open = page.periods[-1]
        chosen = office.get(reverse("dashboards:collection"), {"period": f"{form}:{period}"}).context["page"]
        expected = completeness(plan, form_code=form, period=period, user=demo_users["office"])
        assert [
            (d.district, d.expected, d.reported, d.on_time) for s in chosen.summaries for d in s.districts
        ] == [(r.district, r.expected, r.reported, r.on_time) for r in expected]


def test_the_task_board_lists_every_task_by_status(demo, office):
    from keju.planning.models import Task

    plan = demo.plan
    board = office.get(reverse("dashboards:tasks")).context["board"]
    assert board.total == Task.objects.filter(plan=plan).count()
    for status, _label, cards in board.columns:
        assert all(c.task.status == status for c in cards)
    group = office.get(reverse("dashboards:tasks"), {"group": "wg_science"}).context["board"]
    assert group.total == Task.objects.filter(plan=plan, working_group__code="wg_science").count() > 0


def test_chains_count_the_registered_platforms_and_alliances_of_each_chain(demo, office):
    from datetime import date

    from django.db.models import Q

    from keju.registers.models import InnovationAlliance, InnovationPlatform

    plan = demo.plan
    page = office.get(reverse("dashboards:chains")).context["page"]
    on = date(plan.plan_end, 12, 31)
    assert page.registered_on == on
    in_force = Q(revoked_on__isnull=True) | Q(revoked_on__gt=on)
    for row in page.rows:
        platforms = InnovationPlatform.objects.filter(
            in_force,
            plan=plan,
            industry_chain=row.chain,
            recognised_on__lte=on,
            level__in=["national", "provincial"],
        ).count()
        (platform_target, platform_count), (alliance_target, alliance_count) = row.cells[:2]
        assert (platform_target, platform_count) == (row.chain.platforms, platforms)
        assert alliance_target == row.chain.alliances
        assert (
            alliance_count
            == InnovationAlliance.objects.filter(plan=plan, industry_chain=row.chain, founded_on__lte=on)
            .exclude(dissolved_on__lte=on)
            .count()
        )
        assert row.cells[2][1] is None and row.cells[3][1] is None  # no register counts these
    assert sum(r.cells[0][1] for r in page.rows) > 0
    html = office.get(reverse("dashboards:chains")).content.decode()
    chemical = next(r for r in page.rows if r.chain.code == "chemical")
    assert f"{chemical.cells[0][1]:.0f} / {chemical.chain.platforms}" in html


def test_a_district_reviewer_sees_no_zone_wide_chain_counts(demo, demo_users, client):
    client.force_login(demo_users["reviewer_lzxq"])
    page = client.get(reverse("dashboards:chains")).context["page"]
    assert page.registered_on is None
    assert all(registered is None for r in page.rows for _, registered in r.cells)


def test_chain_progress_ends_on_the_registered_counts_and_groups_add_up(demo, office):
    plan = demo.plan
    page = office.get(reverse("dashboards:chains")).context["page"]
    progress = page.progress
    assert progress.last_year == plan.plan_end == 2020
    rows = {r.chain.code: r for r in page.rows}
    for chain in progress.chains:
        aims = {a.aim.key: a for a in chain.aims}
        assert list(aims) == ["platforms", "alliances", "achievements", "new_products"]
        # the last year-end of the series is the count “在册” at the plan's end, by the same rule
        for i, key in enumerate(["platforms", "alliances"]):
            assert aims[key].aim.kind == "increment"  # as the zone targets 研发平台 +500, 联盟 +160
            assert aims[key].current_value == rows[chain.code].cells[i][1]
            assert aims[key].target_value == aims[key].base_value + getattr(rows[chain.code].chain, key)
            assert aims[key].status != "insufficient_data"
        assert aims["achievements"].aim.kind == "cumulative"  # as the zone target 2000 over 2015—2020
        assert aims["new_products"].status == "insufficient_data" and aims["new_products"].note
    for group in progress.groups:
        members = [c for c in progress.chains if rows[c.code].chain.group_code == group.code]
        platforms = next(a for a in group.aims if a.aim.key == "platforms")
        assert platforms.current_value == sum(
            next(a for a in c.aims if a.aim.key == "platforms").current_value for c in members
        )
        assert {a.aim.key for a in group.aims} >= {
            "platforms",
            "alliances",
            "teams",
            "clusters",
            "cumulative_output",
        }
