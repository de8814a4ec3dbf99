"""A zone with a plan but no (approved) reports: the pages explain it, the computation runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.monitoring.models import IndicatorValue, ProgressAssessment, RunStatus
from keju.monitoring.services import recompute
from keju.orgs.models import OrgUnit
from keju.planning.services import load_plan_into_db

pytestmark = pytest.mark.django_db

PLAN_PATH = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"


@pytest.fixture
def office(client):
    plan = load_plan_into_db(PLAN_PATH)
    user = get_user_model().objects.create(username="staff")
    assign_role(user, Role.OFFICE_STAFF, org_unit=OrgUnit.objects.zone(plan))
    client.force_login(user)
    return plan


@pytest.mark.parametrize(
    "page", ["monitoring:progress", "monitoring:values", "monitoring:warnings", "monitoring:index"]
)
def test_pages_explain_that_nothing_is_reported_yet(office, client, page):
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert "还没有任何报表" in response.content.decode()


def test_recompute_of_an_empty_zone(office, client):
    run = recompute(office)
    assert run.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    assert not IndicatorValue.objects.filter(value__isnull=False).exists()
    statuses = set(ProgressAssessment.objects.values_list("status", flat=True))
    assert statuses == {"insufficient_data"}
    response = client.get(reverse("monitoring:progress"))
    assert response.status_code == 200 and "数据不足" in response.content.decode()


def test_without_a_plan(client, db):
    user = get_user_model().objects.create(username="root", is_superuser=True)
    client.force_login(user)
    response = client.get(reverse("monitoring:progress"))
    assert response.status_code == 200 and "尚未载入规划" in response.content.decode()
