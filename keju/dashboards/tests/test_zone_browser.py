"""Chromium opens the zone overview, a district drill-down and the public page of a published edition:
the figures shown are the engine's stored values, no console errors, screenshots saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.defaultfilters import floatformat

from keju.demo.persist import DEMO_PASSWORD
from keju.monitoring.models import IndicatorValue
from keju.orgs.models import OrgUnit
from keju.planning.models import Indicator
from keju.publishing import render
from keju.publishing.render import number
from keju.publishing.services import create_draft, publish, review
from keju.testing.browser import browser, log_in, page, screenshot_dir  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def _stored_latest(plan: Any, unit: OrgUnit, code: str, *, final_only: bool = False) -> IndicatorValue:
    rows = IndicatorValue.objects.filter(
        plan=plan, indicator__code=code, org_unit=unit, period_kind="year", value__isnull=False
    )
    if final_only:
        rows = rows.filter(provisional=False)
    return rows.order_by("-year").first()


def test_overview_drill_down_public_page_show_engine_values(page, screenshot_dir, demo, monkeypatch):  # noqa: F811
    plan = demo.plan
    zone = OrgUnit.objects.zone(plan)
    assert demo.result.run is not None and demo.result.run.status == "succeeded", demo.result.run

    # 1. the overview: every headline card's latest figure is the stored (engine) value
    log_in(page, "office", DEMO_PASSWORD)
    page.goto("/dashboard/")
    page.wait_for_selector(".kpi .spark svg")  # ECharts drew the sparklines
    cards = page.locator("article.kpi")
    assert cards.count() == 10
    for ind in Indicator.objects.filter(plan=plan, headline=True):
        stored = _stored_latest(plan, zone, ind.code)
        shown = page.locator(f'article[data-indicator="{ind.code}"] dd.latest').inner_text()
        if stored is None:
            assert "—" in shown
        else:
            assert floatformat(stored.value, "-2") in shown, ind.code
    page.screenshot(path=str(screenshot_dir / "dashboard-overview.png"), full_page=True)

    # 2. district comparison → drill down into a district, its figure and its children
    page.goto("/dashboard/districts/")
    page.wait_for_selector("[data-kind=bars] svg")
    district = OrgUnit.objects.filter(plan=plan, level="district").order_by("id").first()
    page.click(f'tr[data-unit="{district.code}"] th a')
    page.wait_for_selector("#unit-value")
    year = int(page.locator("select[name=year]").input_value())
    stored = IndicatorValue.objects.get(plan=plan, indicator__code="gdp", org_unit=district, period=str(year))
    assert floatformat(stored.value, "-2") in page.locator("#unit-value").inner_text()
    crumbs = page.locator(".breadcrumbs").inner_text()
    assert zone.name in crumbs and district.name in crumbs
    page.screenshot(path=str(screenshot_dir / "dashboard-district.png"), full_page=True)
    page.click("#unit-value a")  # the lineage, one click away
    page.wait_for_load_state("networkidle")
    assert f"/monitoring/values/gdp/{district.code}/{year}/" in page.url

    # 3. the public page of a published edition (cheap renderers: the page, not the PDF, is tested)
    monkeypatch.setattr(render, "render_pdf", lambda s, *, edition, internal=False: b"%PDF-1.7 test")
    monkeypatch.setattr(render, "render_docx", lambda s, *, edition, internal=False: b"PK test")
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["office", "evaluator"])}
    final = _stored_latest(plan, zone, "gdp", final_only=True)
    pub = create_draft(actor=users["office"], plan=plan, kind="annual", period=str(final.year))
    review(pub, actor=users["evaluator"])
    pub = publish(pub, actor=users["office"])
    public = page.context.browser.new_context(locale="zh-CN", base_url=page.url.split("/monitoring")[0])
    anonymous = public.new_page()
    errors: list[str] = []
    anonymous.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    anonymous.on("pageerror", lambda e: errors.append(str(e)))
    anonymous.goto(f"/open/{pub.pk}/")
    row = anonymous.locator("tr", has_text="地区生产总值").first.inner_text()
    assert number(final.value) in row
    anonymous.screenshot(path=str(screenshot_dir / "dashboard-public-edition.png"), full_page=True)
    public.close()

    assert page.console_errors == []
    assert errors == []
