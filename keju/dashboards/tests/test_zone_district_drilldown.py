"""District comparison (sortable) and the drill-down zone → city → district → park, with lineage links."""

from __future__ import annotations

import json

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse

from keju.dashboards.tests.conftest import district_gdp

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [part.split('"')[0] for part in body.split('data-unit="')[1:]]


def test_districts_compared_on_the_headline_indicators_and_sortable(client, zone):
    client.force_login(zone.users["office"])
    html = client.get(reverse("dashboards:districts"), {"year": 2019}).content.decode()
    for code in ("XQ", "GX", "BG"):
        assert floatformat(district_gdp(code, 2019), "-2") in html
        assert reverse("monitoring:value", args=["gdp", code, "2019"]) in html
    assert _rows(html) == ["XQ", "GX", "BG"]  # largest first by default
    ascending = client.get(reverse("dashboards:districts"), {"year": 2019, "sort": "gdp", "order": "asc"})
    assert _rows(ascending.content.decode()) == ["BG", "GX", "XQ"]
    chart = json.loads(html.split('id="district-chart" type="application/json">')[1].split("</script>")[0])
    assert chart["names"] == ["兰州新区", "兰州高新区", "白银高新区"]
    assert chart["values"] == pytest.approx([district_gdp(c, 2019) for c in ("XQ", "GX", "BG")])


def test_default_year_is_the_latest_and_bad_year_falls_back(client, zone):
    client.force_login(zone.users["office"])
    html = client.get(reverse("dashboards:districts"), {"year": "abc", "sort": "<script>"}).content.decode()
    assert "2020 年" in html
    assert "<script>" not in html.split("<main>")[1].split("<script src")[0]


def test_drill_down_lists_children_with_share_coverage_and_lineage(client, zone):
    client.force_login(zone.users["office"])
    html = client.get(
        reverse("dashboards:unit", args=["LZ"]), {"indicator": "gdp", "year": 2019}
    ).content.decode()
    # 兰州市 has no stored value of its own in the fixture; its districts are listed
    assert _rows(html) == ["XQ", "GX"]
    html = client.get(
        reverse("dashboards:unit", args=["MZ"]), {"indicator": "gdp", "year": 2019}
    ).content.decode()
    assert _rows(html) == ["LZ", "BY"]
    html = client.get(
        reverse("dashboards:unit", args=["XQ"]), {"indicator": "gdp", "year": 2019}
    ).content.decode()
    assert floatformat(district_gdp("XQ", 2019), "-2") in html
    assert reverse("monitoring:value", args=["gdp", "XQ", "2019"]) in html
    assert _rows(html) == ["XQ-SH"]
    # breadcrumbs back up: zone › city › district
    crumbs = html.split('class="breadcrumbs"')[1].split("</ol>")[0]
    assert crumbs.index("迷你试验区") < crumbs.index("兰州市") < crumbs.index("兰州新区")
    assert reverse("dashboards:unit", args=["MZ"]) in crumbs


def test_share_of_parent_is_the_childs_part_of_the_parents_numerator(client, zone):
    from keju.monitoring.models import IndicatorValue
    from keju.orgs.models import OrgUnit

    # give 兰州市 its sum so that the shares of its two districts can be checked
    lz = OrgUnit.objects.get(plan=zone.plan, code="LZ")
    xq = IndicatorValue.objects.get(plan=zone.plan, org_unit__code="XQ", period="2019")
    total = district_gdp("XQ", 2019) + district_gdp("GX", 2019)
    IndicatorValue.objects.create(
        plan=zone.plan,
        run=zone.run,
        org_unit=lz,
        indicator=xq.indicator,
        period="2019",
        year=2019,
        value=total,
        numerator=total,
        reported=4,
        expected=4,
        coverage=1.0,
        computed_at=xq.computed_at,
    )
    client.force_login(zone.users["office"])
    html = client.get(
        reverse("dashboards:unit", args=["LZ"]), {"indicator": "gdp", "year": 2019}
    ).content.decode()
    xq_row = html.split('data-unit="XQ"')[1].split("</tr>")[0]
    expected = round(100 * district_gdp("XQ", 2019) / total)
    assert f'<td class="num share">{expected}%</td>' in xq_row
    assert "2/2 (100%)" in xq_row


def test_unit_names_are_escaped(client, zone):
    from keju.orgs.models import OrgUnit

    OrgUnit.objects.filter(plan=zone.plan, code="GX").update(name="<b>高新区</b>")
    client.force_login(zone.users["office"])
    html = client.get(reverse("dashboards:districts")).content.decode()
    assert "&lt;b&gt;高新区&lt;/b&gt;" in html and "<b>高新区</b>" not in html
