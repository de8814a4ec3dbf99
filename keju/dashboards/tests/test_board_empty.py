"""A zone with no reports and no results: every plan-level page explains instead of failing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from keju.dashboards.tests.board_fixtures import mini  # noqa: F401  (fixture)
from keju.planning.models import Plan

pytestmark = pytest.mark.django_db

RESULT_PAGES = ["structure", "chains", "stages", "index", "scorecards"]


@pytest.mark.parametrize("name", RESULT_PAGES)
def test_result_pages_explain_that_nothing_is_computed_yet(mini, client, name):  # noqa: F811
    client.force_login(mini.users["office"])
    response = client.get(reverse(f"dashboards:{name}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="empty-results"' in html and "还没有任何报表" in html


def test_the_structure_is_drawn_grey_without_results(mini, client):  # noqa: F811
    client.force_login(mini.users["office"])
    context = client.get(reverse("dashboards:structure")).context
    assert len(context["nodes"]) == 8 and context["assessed"] == 0
    assert {n.status for n in context["nodes"]} == {""}


def test_stages_list_the_required_increments_without_achievements(mini, client):  # noqa: F811
    client.force_login(mini.users["office"])
    blocks = client.get(reverse("dashboards:stages")).context["blocks"]
    rows = [r for b in blocks for r in b.rows]
    assert rows and all(r.achieved is None and r.status == "" for r in rows)
    assert "暂无数据" in client.get(reverse("dashboards:stages")).content.decode()


def test_collection_without_reporting_periods(mini, client):  # noqa: F811
    client.force_login(mini.users["office"])
    response = client.get(reverse("dashboards:collection"), {"period": "KJ101:1999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="collection-empty"' in html and "还没有开放任何报表期别" in html
    assert 'id="overdue-empty"' in html and 'id="pending-empty"' in html


def test_the_task_board_without_updates(mini, client):  # noqa: F811
    client.force_login(mini.users["office"])
    board = client.get(reverse("dashboards:tasks")).context["board"]
    assert board.total == 2 and all(c.latest is None for _s, _l, cs in board.columns for c in cs)
    assert "还没有进展记录" in client.get(reverse("dashboards:task", args=["t1"])).content.decode()


@pytest.mark.parametrize("name", [*RESULT_PAGES, "collection", "tasks"])
def test_without_a_plan_the_no_plan_page_is_shown(mini, client, name):  # noqa: F811
    client.force_login(mini.users["office"])
    Plan.objects.update(code="elsewhere")
    response = client.get(reverse(f"dashboards:{name}"), {"plan": "missing"})
    assert response.status_code == 200
    assert "web/no_plan.html" in [t.name for t in response.templates]
