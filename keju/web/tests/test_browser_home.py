"""The browser harness itself: chromium opens the home page in Chinese without console errors."""

import pytest

from keju.testing.browser import browser, page, screenshot_dir  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_opens_in_chromium_in_chinese_without_console_errors(page, screenshot_dir):  # noqa: F811
    page.goto("/")
    assert "科聚网" in page.title() or "科聚网" in page.content()
    page.screenshot(path=str(screenshot_dir / "home.png"))
    assert page.console_errors == []
