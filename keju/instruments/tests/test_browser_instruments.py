"""End to end in chromium: search an instrument, book it, the owner approves, the time is used and recorded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from keju.instruments.models import Booking
from keju.testing.browser import browser, log_in, page, screenshot_dir  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_book_and_use_an_instrument_in_the_browser(page, lab, screenshot_dir):  # noqa: F811
    log_in(page, "researcher", "pw-research-1")
    page.goto("/instruments/")
    page.get_by_label("搜索").fill("质谱")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="高分辨质谱仪").click()
    booking_form = page.get_by_role("form", name="预约")
    booking_form.get_by_label("日期").fill(lab.day.isoformat())
    booking_form.get_by_label("开始").fill("09:00")
    booking_form.get_by_label("结束").fill("11:00")
    booking_form.get_by_label("实验内容").fill("代谢组学样品分析")
    booking_form.get_by_role("button", name="提交预约").click()
    assert "预约已提交" in page.inner_text(".messages")

    page.context.clear_cookies()
    log_in(page, "operator", "pw-operator-1")
    page.goto("/instruments/bookings/desk/")
    page.get_by_role("button", name="批准", exact=True).click()
    assert "已批准预约" in page.inner_text(".messages")

    # The day comes: the session took place two hours ago.
    now = timezone.now()
    Booking.objects.update(start=now - timedelta(hours=3), end=now - timedelta(hours=1))
    page.goto("/instruments/bookings/desk/")
    page.get_by_role("form", name="登记使用").get_by_role("button", name="登记使用").click()
    assert "已登记使用记录" in page.inner_text(".messages")

    page.context.clear_cookies()
    log_in(page, "researcher", "pw-research-1")
    page.goto("/instruments/bookings/mine/")
    assert "已使用" in page.inner_text("td.status")
    assert "1200.00" in page.content()
    page.screenshot(path=str(screenshot_dir / "instruments-mine.png"), full_page=True)
    assert page.console_errors == []
