"""Who opens the plan-level dashboards, and what each role sees (scoped as the monitoring pages)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.models import OrgUnit
from keju.planning.models import GoverningBody

pytestmark = pytest.mark.django_db

PAGES = ["structure", "chains", "stages", "index", "scorecards", "collection", "tasks"]


@pytest.fixture
def users(zone):
    group = GoverningBody.objects.get(plan=zone.plan, code="wg_policy")
    member = get_user_model().objects.create_user("wg-member")
    assign_role(
        member, Role.WORKING_GROUP_STAFF, org_unit=OrgUnit.objects.zone(zone.plan), working_group=group
    )
    return {**zone.users, "wg": member}


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_are_sent_to_log_in(zone, client, name):
    response = client.get(reverse(f"dashboards:{name}"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["reporter", "nobody"])
@pytest.mark.parametrize("name", PAGES)
def test_reporters_and_users_without_a_role_are_refused(users, client, who, name):
    client.force_login(users[who])
    assert client.get(reverse(f"dashboards:{name}")).status_code == 403


@pytest.mark.parametrize("who", ["office", "evaluator", "wg", "reviewer"])
@pytest.mark.parametrize("name", PAGES)
def test_zone_roles_and_reviewers_open_every_page(users, client, who, name):
    client.force_login(users[who])
    assert client.get(reverse(f"dashboards:{name}")).status_code == 200


def test_a_reviewer_sees_its_district_only_even_after_the_office_filled_the_cache(zone, users, client):
    client.force_login(users["office"])
    office = client.get(reverse("dashboards:structure")).context
    assert {n.code for n in office["nodes"]} == set(
        OrgUnit.objects.filter(plan=zone.plan).values_list("code", flat=True)
    )
    zone_node = next(n for n in office["nodes"] if n.level == "zone")
    assert zone_node.status == "substantial_progress"
    office_index = client.get(reverse("dashboards:index"), {"year": "2019"}).context["page"]
    assert [u.code for u, _c in office_index.ranked()] == ["XQ", "GX", "BG"]

    client.force_login(users["reviewer"])
    mine = client.get(reverse("dashboards:structure")).context
    assert {n.code for n in mine["nodes"]} == {"XQ", "XQ-SH"}
    assert "MZ" not in {t["code"] for t in mine["tree"]}
    index = client.get(reverse("dashboards:index"), {"year": "2019"}).context["page"]
    assert [(u.code, c.rank, c.rank_low, c.rank_high) for u, c in index.ranked()] == [("XQ", 1, 1, 2)]
    cards = client.get(reverse("dashboards:scorecards")).context["page"].cards
    assert [c.org_unit.code for c in cards] == ["XQ"]
    totals = client.get(reverse("dashboards:chains")).context["page"].totals
    assert all(t.assessment is None for t in totals)  # the zone's figures are not the reviewer's


def test_scorecards_of_the_office(zone, users, client):
    client.force_login(users["office"])
    page = client.get(reverse("dashboards:scorecards")).context["page"]
    assert page.period == "2020" and [(c.org_unit.code, c.score, c.rank) for c in page.cards] == [
        ("XQ", 75.0, 1),
        ("GX", 70.0, 2),
        ("BG", 65.0, 3),
    ]
    older = client.get(reverse("dashboards:scorecards"), {"choice": "annual|2019"}).context["page"]
    assert older.period == "2019"
    bogus = client.get(reverse("dashboards:scorecards"), {"choice": "x|<i>"}).context["page"]
    assert bogus.period == "2020"


def test_reviewers_and_readers_cannot_record_task_progress(users, client):
    for who in ("reviewer", "evaluator"):
        client.force_login(users[who])
        response = client.post(
            reverse("dashboards:task_update", args=["t1"]), {"status": "done", "evidence": "x"}
        )
        assert response.status_code == 403
    client.force_login(users["wg"])
    response = client.post(
        reverse("dashboards:task_update", args=["t1"]), {"status": "done", "evidence": "已完成"}
    )
    assert response.status_code == 302
