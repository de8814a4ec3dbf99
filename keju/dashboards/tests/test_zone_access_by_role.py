"""Who may open the zone dashboards: zone roles the zone, a reviewer only its district and parks."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("dashboards:overview"),
    reverse("dashboards:districts"),
    reverse("dashboards:unit", args=["XQ"]),
]


@pytest.mark.parametrize("role", ["office", "evaluator"])
def test_zone_roles_see_the_zone_and_every_district(client, zone, role):
    client.force_login(zone.users[role])
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    html = client.get(reverse("dashboards:districts")).content.decode()
    assert all(f'data-unit="{c}"' in html for c in ("XQ", "GX", "BG"))
    assert client.get(reverse("dashboards:unit", args=["MZ"])).status_code == 200
    assert client.get(reverse("dashboards:unit", args=["BG"])).status_code == 200


def test_reviewer_sees_own_district_and_its_parks_only(client, zone):
    client.force_login(zone.users["reviewer"])  # 兰州新区 (XQ)
    overview = client.get(reverse("dashboards:overview")).content.decode()
    assert "兰州新区 · 专栏1 主要指标" in overview
    assert reverse("monitoring:value", args=["gdp", "MZ", "2020"]) not in overview  # not the zone's figure
    assert "阶段目标未完成" not in overview  # the zone's red warning is not theirs
    districts = client.get(reverse("dashboards:districts")).content.decode()
    assert 'data-unit="XQ"' in districts
    assert 'data-unit="GX"' not in districts and 'data-unit="BG"' not in districts
    assert client.get(reverse("dashboards:unit", args=["XQ"])).status_code == 200
    assert client.get(reverse("dashboards:unit", args=["XQ-SH"])).status_code == 200
    for other in ("GX", "BG", "BG-YS", "MZ", "LZ"):
        assert client.get(reverse("dashboards:unit", args=[other])).status_code == 404, other


def test_unknown_unit_is_404(client, zone):
    client.force_login(zone.users["office"])
    assert client.get(reverse("dashboards:unit", args=["NOPE"])).status_code == 404


@pytest.mark.parametrize("role", ["reporter", "nobody"])
def test_enterprise_reporter_and_users_without_role_are_refused(client, zone, role):
    client.force_login(zone.users[role])
    for url in PAGES:
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client, zone):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
