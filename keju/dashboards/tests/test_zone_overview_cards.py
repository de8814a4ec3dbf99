"""The overview cards show the stored engine values: baseline, latest, target, status, coverage, lineage."""

from __future__ import annotations

import json

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse

from keju.dashboards.tests.conftest import district_gdp
from keju.monitoring.models import IndicatorValue, ProgressAssessment
from keju.publishing.tests.conftest import PROVISIONAL_2020

pytestmark = pytest.mark.django_db


def _card(html: str, code: str) -> str:
    start = html.index(f'data-indicator="{code}"')
    return html[start : html.index("</article>", start)]


def test_card_shows_the_stored_values_of_the_zone(client, zone):
    client.force_login(zone.users["office"])
    response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 200
    card = _card(response.content.decode(), "gdp")
    # latest: 2020, provisional, coverage 1 of 2 (50%), linked to its lineage
    assert floatformat(PROVISIONAL_2020, "-2") in card
    assert "2020" in card and "初步" in card
    assert "1/2 (50%)" in card
    assert reverse("monitoring:value", args=["gdp", "MZ", "2020"]) in card
    # baseline 1000 (plan), target 2000 in 2020, status from the stored assessment
    assert '<dd class="base">1000</dd>' in card
    assert '<dd class="target">2000</dd>' in card
    assert 'data-status="substantial_progress"' in card and "进展良好" in card


def test_sparkline_data_are_the_stored_series_path_and_projection(client, zone):
    client.force_login(zone.users["office"])
    response = client.get(reverse("dashboards:overview"))
    chart = json.loads(
        response.content.decode().split('id="chart-gdp" type="application/json">')[1].split("</script>")[0]
    )
    stored = IndicatorValue.objects.filter(plan=zone.plan, org_unit__code="MZ").order_by("year")
    assert [[p[0], p[1]] for p in chart["actual"]] == [[v.year, v.value] for v in stored]
    assert chart["actual"][-1][2] is True  # 2020 is provisional
    # required path: constant growth from 1000 (2014) to 2000 (2020)
    assert chart["path"][0] == [2014, 1000.0]
    assert chart["path"][-1][0] == 2020 and chart["path"][-1][1] == pytest.approx(2000.0)
    assert chart["path"][3][1] == pytest.approx(1000 * 2 ** (3 / 6))
    pa = ProgressAssessment.objects.get(plan=zone.plan)
    assert chart["band"] == [
        [pa.current_year, pa.current_value, pa.current_value],
        [2020, pa.projected_lower, pa.projected_upper],
    ]
    assert pa.current_value == pytest.approx(sum(district_gdp(c, 2019) for c in ("XQ", "GX", "BG")))


def test_status_counts_and_red_warning_are_listed(client, zone):
    client.force_login(zone.users["office"])
    html = client.get(reverse("dashboards:overview")).content.decode()
    assert 'data-status="substantial_progress"><span' in html
    counts = html.split('class="status-counts"')[1].split("</section>")[0]
    assert (
        'data-status="substantial_progress"><span class="status-badge" style="background:#5aa02c">进展良好</span> <strong>1</strong>'
        in counts
    )
    assert 'data-level="red"' in html and "阶段目标未完成" in html
    assert 'data-level="yellow"' not in html  # only red and orange are listed
