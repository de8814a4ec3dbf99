"""Monitoring pages per role: zone roles see the zone, a reviewer its district, others nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from keju.monitoring.models import ProgressAssessment

pytestmark = pytest.mark.django_db

PAGES = ["monitoring:progress", "monitoring:values", "monitoring:warnings", "monitoring:index"]


def _login(client, username: str):
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.mark.parametrize("page", [*PAGES, "monitoring:runs"])
def test_anonymous_users_are_sent_to_log_in(demo, client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("page", [*PAGES, "monitoring:runs"])
def test_enterprise_reporters_see_nothing(demo, client, page):
    assert _login(client, "reporter").get(reverse(page)).status_code == 403


@pytest.mark.parametrize("username", ["office", "evaluator", "wg_science"])
@pytest.mark.parametrize("page", [*PAGES, "monitoring:runs"])
def test_zone_roles_see_every_page(demo, client, username, page):
    response = _login(client, username).get(reverse(page))
    assert response.status_code == 200


def test_zone_roles_see_the_whole_zone(demo, client):
    response = _login(client, "office").get(reverse("monitoring:progress"))
    rows = list(response.context["rows"])
    assert len(rows) == ProgressAssessment.objects.filter(plan=demo.plan).count()
    html = response.content.decode()
    assert "兰白试验区" in html and "白银高新区" in html
    for label in ("已达标", "进展良好", "需加快", "进展有限", "倒退", "数据不足"):
        assert label in html


def test_a_reviewer_sees_its_district_only(demo, client):
    _login(client, "reviewer_bygxq")
    response = client.get(reverse("monitoring:progress"))
    assert response.status_code == 200
    units = {r.org_unit.code for r in response.context["rows"]}
    assert units and units <= {"bygxq", *[u.code for u in demo.spec.org_units if u.parent == "bygxq"]}
    own = client.get(reverse("monitoring:value", args=["gdp", "bygxq", "2018"]))
    assert own.status_code == 200 and "来源报表" in own.content.decode()
    for unit in ("lzxq", "lanbai", "baiyin"):
        assert client.get(reverse("monitoring:value", args=["gdp", unit, "2018"])).status_code == 404
    assert client.get(reverse("monitoring:runs")).status_code == 403
    matrix = client.get(reverse("monitoring:values"), {"indicator": "gdp"}).context["matrix"]
    assert {u.code for u, _ in matrix.rows} == {"bygxq"}


def test_the_value_page_explains_the_figure(demo, client):
    response = _login(client, "evaluator").get(
        reverse("monitoring:value", args=["rd_intensity", "lanbai", "2020"])
    )
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("分子", "分母", "覆盖率", "来源报表", "sum(KJ101.rd_expenditure)", "历年数值"):
        assert text in html
    assert response.context["lineage"].count > 0


def test_filters_and_unknown_values(demo, client):
    _login(client, "office")
    response = client.get(reverse("monitoring:progress"), {"status": "negative_progress"})
    assert {r.status for r in response.context["rows"]} == {"negative_progress"}
    response = client.get(
        reverse("monitoring:progress"), {"status": "bogus", "indicator": "gdp", "trend": "0"}
    )
    rows = list(response.context["rows"])
    assert rows and all(r.indicator.code == "gdp" and r.target_id for r in rows)
    assert client.get(reverse("monitoring:value", args=["gdp", "lanbai", "1999"])).status_code == 404
    assert client.get(reverse("monitoring:index"), {"year": "abc"}).status_code == 200
    assert client.get(reverse("monitoring:warnings"), {"page": "-3"}).status_code == 200
