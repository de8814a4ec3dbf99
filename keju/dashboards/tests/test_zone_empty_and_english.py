"""An empty zone gets an explanation, not an error; the pages render in English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.models import OrgUnit
from keju.planning.testing import load_mini_plan

pytestmark = pytest.mark.django_db
URLS = [
    reverse("dashboards:overview"),
    reverse("dashboards:districts"),
    reverse("dashboards:unit", args=["MZ"]),
]


def test_plan_loaded_without_results_is_explained(client, django_user_model):
    plan = load_mini_plan()
    user = django_user_model.objects.create_user("office-empty")
    assign_role(user, Role.OFFICE_STAFF, org_unit=OrgUnit.objects.zone(plan))
    client.force_login(user)
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'id="dashboard-empty"' in html
        assert "还没有任何报表" in html


def test_no_plan_is_explained(client, django_user_model):
    user = django_user_model.objects.create_superuser("root-empty", password="x")
    client.force_login(user)
    response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 200
    assert "尚未载入规划" in response.content.decode()


def test_english_switch_renders_the_overview(client, zone):
    client.force_login(zone.users["office"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    card = html.split('data-indicator="gdp"')[1].split("</article>")[0]
    # status label and coverage come out in English (the dashboard's own strings follow the .po merge)
    assert "Substantial progress" in card and "进展良好" not in card
    assert "Coverage" in card
    assert "Red" in html  # the red warning's level
