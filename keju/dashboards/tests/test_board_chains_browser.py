"""In chromium: the chains page draws a sparkline for every chain target with year-end counts and shows
their statuses; no console errors; screenshot saved."""

from __future__ import annotations

import pytest

from keju.dashboards.tests.chain_fixtures import chains_zone  # noqa: F401
from keju.testing.browser import browser, log_in, page, screenshot_dir  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "chains-Pass-2026"


def test_chain_progress_sparklines_and_statuses_in_chromium(page, screenshot_dir, chains_zone):  # noqa: F811
    office = chains_zone.users["office"]
    office.set_password(PASSWORD)
    office.save()
    log_in(page, office.username, PASSWORD)

    page.goto("/dashboard/chains/")
    page.wait_for_selector("#chain-progress .spark svg")  # ECharts drew the sparklines
    # platforms and achievements of both chains have series (nonferrous: zeros from the project library)
    assert page.locator("#chain-progress .spark").count() == 4
    assert page.locator("#chain-progress .spark svg").count() == 4
    assert page.locator("#group-progress .spark svg").count() == 1  # the group total the mini plan sets
    petrochem = page.locator('#chain-progress tbody[data-unit="petrochem"]')
    assert "已达标" in petrochem.locator('tr[data-key="platforms"]').inner_text()
    nonferrous = page.locator('#chain-progress tbody[data-unit="nonferrous"] tr[data-key="platforms"]')
    assert "进展有限" in nonferrous.inner_text()
    assert "3 (2020)" in nonferrous.locator("td.latest").inner_text()
    assert "数据不足" in petrochem.locator('tr[data-key="new_products"]').inner_text()
    # without figures the plan's increment is shown as such (no level to convert it to)
    assert "+2 (2020)" in petrochem.locator('tr[data-key="alliances"] td.target').inner_text()
    page.screenshot(path=str(screenshot_dir / "board-chains-progress.png"), full_page=True)
    assert page.console_errors == []
