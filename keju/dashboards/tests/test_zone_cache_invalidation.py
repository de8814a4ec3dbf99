"""Figures are built once per results version: a new computation run shows the new numbers."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone

from keju.monitoring.models import ComputationRun, IndicatorValue, RunStatus, Trigger
from keju.publishing.tests.conftest import PROVISIONAL_2020

pytestmark = pytest.mark.django_db

NEW_VALUE = 1888.125


def _latest(client) -> str:
    html = client.get(reverse("dashboards:overview")).content.decode()
    card = html.split('data-indicator="gdp"')[1].split("</article>")[0]
    return card.split('<dd class="latest value">')[1].split("</dd>")[0]


def test_new_run_after_an_approval_shows_the_new_numbers(client, zone):
    client.force_login(zone.users["office"])
    assert floatformat(PROVISIONAL_2020, "-2") in _latest(client)
    # The rows change but no run finished yet: the page keeps the figures of the last run.
    IndicatorValue.objects.filter(plan=zone.plan, org_unit__code="MZ", period="2020").update(value=NEW_VALUE)
    assert floatformat(PROVISIONAL_2020, "-2") in _latest(client)
    run = ComputationRun.objects.create(
        plan=zone.plan,
        trigger=Trigger.APPROVAL,
        full=False,
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    IndicatorValue.objects.filter(plan=zone.plan, org_unit__code="MZ", period="2020").update(run=run)
    latest = _latest(client)
    assert floatformat(NEW_VALUE, "-2") in latest
    assert floatformat(PROVISIONAL_2020, "-2") not in latest


def test_district_page_follows_the_new_run_too(client, zone):
    client.force_login(zone.users["office"])
    url = reverse("dashboards:unit", args=["BG"])
    assert "444.44" in client.get(url, {"indicator": "gdp", "year": 2020}).content.decode()
    IndicatorValue.objects.filter(plan=zone.plan, org_unit__code="BG", period="2020").update(value=555.5)
    assert "444.44" in client.get(url, {"indicator": "gdp", "year": 2020}).content.decode()
    ComputationRun.objects.create(
        plan=zone.plan, trigger=Trigger.APPROVAL, status=RunStatus.SUCCEEDED, finished_at=timezone.now()
    )
    assert "555.5" in client.get(url, {"indicator": "gdp", "year": 2020}).content.decode()
