"""On the demo zone: the cards and drill-down show the engine's values, fast, and enterprises by role."""

from __future__ import annotations

import polars as pl
import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse

from keju.dashboards.zone import services
from keju.metrics.engine import compute
from keju.monitoring.models import IndicatorValue, ProgressAssessment
from keju.monitoring.objects import REGISTER_FED
from keju.monitoring.sources import engine_input
from keju.orgs.models import OrgUnit
from keju.planning.models import Indicator

pytestmark = pytest.mark.django_db


def _card(html: str, code: str) -> str:
    start = html.index(f'data-indicator="{code}"')
    return html[start : html.index("</article>", start)]


def _latest_cell(card: str) -> str:
    return card.split('<dd class="latest value">')[1].split("</dd>")[0]


def test_ten_headline_cards_equal_the_stored_and_the_engines_values(client, demo, demo_users):
    plan = demo.plan
    zone = OrgUnit.objects.zone(plan)
    client.force_login(demo_users["office"])
    html = client.get(reverse("dashboards:overview")).content.decode()
    headline = list(Indicator.objects.filter(plan=plan, headline=True).order_by("id"))
    assert len(headline) == 10
    computed_codes = [i.code for i in headline if i.code not in REGISTER_FED]
    years = sorted(set(IndicatorValue.objects.filter(plan=plan).values_list("year", flat=True)))
    engine = (
        compute(engine_input(plan, years), years=years, indicators=computed_codes)
        .values.filter(
            (pl.col("org_unit") == zone.code) & (pl.col("period") == pl.col("year").cast(pl.String))
        )
        .select("indicator", "period", "value", "provisional")
    )
    checked = 0
    for ind in headline:
        card = _card(html, ind.code)
        stored = (
            IndicatorValue.objects.filter(
                plan=plan, indicator=ind, org_unit=zone, period_kind="year", value__isnull=False
            )
            .order_by("-year")
            .first()
        )
        if stored is None:
            assert "—" in _latest_cell(card)
            continue
        cell = _latest_cell(card)
        assert f">{floatformat(stored.value, '-2')}</a>" in cell, ind.code
        assert reverse("monitoring:value", args=[ind.code, zone.code, stored.period]) in cell
        assert ("初步" in cell) == stored.provisional
        if ind.code in computed_codes:  # an independent computation through keju.metrics
            row = engine.filter((pl.col("indicator") == ind.code) & (pl.col("period") == stored.period))
            assert row.height == 1
            assert row.item(0, "value") == pytest.approx(stored.value, rel=1e-9)
            checked += 1
        pa = ProgressAssessment.objects.filter(
            plan=plan, indicator=ind, org_unit=zone, target__year=plan.plan_end, target__stage__isnull=True
        ).first()
        if pa is not None:
            assert f'data-status="{pa.status}"' in card
    assert checked >= 5


def test_park_drill_down_lists_enterprises_summing_to_the_park(client, demo, demo_users):
    plan = demo.plan
    value = (
        IndicatorValue.objects.filter(
            plan=plan, org_unit__level="park", period_kind="year", numerator__gt=0, value__gt=0
        )
        .exclude(indicator__code__in=list(REGISTER_FED))
        .select_related("indicator", "org_unit")
        .order_by("denominator", "-year", "id")  # nulls (sums, no ratio) last in PostgreSQL, first in SQLite
        .first()
    )
    assert value is not None
    listed = services.enterprise_rows(plan, value.org_unit, value.indicator, value.year)
    assert listed["error"] == "" and listed["rows"]
    # the enterprises' contributions add up to the park's stored numerator (the lineage is complete)
    assert sum(r["share"] for r in listed["rows"]) == pytest.approx(1.0, rel=1e-6)
    if value.denominator is None:
        assert sum(r["value"] for r in listed["rows"]) == pytest.approx(value.value, rel=1e-6)
    url = reverse("dashboards:unit", args=[value.org_unit.code])
    params = {"indicator": value.indicator.code, "year": value.year}
    client.force_login(demo_users["office"])
    html = client.get(url, params).content.decode()
    assert f">{floatformat(value.value, '-2')}</a>" in html.split('id="unit-value"')[1].split("</span>")[0]
    assert html.count("data-enterprise=") == len(listed["rows"])
    top = listed["rows"][0]
    assert f'data-enterprise="{top["id"]}"' in html
    assert reverse("reporting:detail", args=[top["report"]]) in html
    # the park's district reviewer sees the same enterprises; another district's reviewer gets 404
    district = value.org_unit.parent
    client.force_login(demo_users[f"reviewer_{district.code}"])
    assert client.get(url, params).content.decode().count("data-enterprise=") == len(listed["rows"])
    other = next(u for u in demo_users if u.startswith("reviewer_") and u != f"reviewer_{district.code}")
    client.force_login(demo_users[other])
    assert client.get(url, params).status_code == 404


def test_query_budget_on_a_warm_cache(client, demo, demo_users, django_assert_max_num_queries):
    client.force_login(demo_users["office"])
    district = OrgUnit.objects.filter(plan=demo.plan, level="district").order_by("id").first()
    pages = [
        (reverse("dashboards:overview"), {}),
        (reverse("dashboards:districts"), {}),
        (reverse("dashboards:unit", args=[district.code]), {"indicator": "gdp"}),
    ]
    for url, params in pages:
        assert client.get(url, params).status_code == 200  # warm the cache
    for url, params in pages:
        with django_assert_max_num_queries(8):
            assert client.get(url, params).status_code == 200
