"""In chromium: a district reviewer registers an incubator (refused once, in Chinese, input kept),
finds it in the list, and revokes it; the detail shows the audit trail."""

import pytest

from keju.registers.models import Incubator, RegisterEvent
from keju.testing.browser import browser, log_in, page, screenshot_dir  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_register_find_and_revoke_an_incubator_in_the_browser(page, people, screenshot_dir):  # noqa: F811
    log_in(page, "rbg", "pw-rbg-12345")
    page.goto("/registers/incubator/")
    assert "还没有您可见的条目" in page.inner_text("main")
    page.get_by_role("link", name="登记孵化器、众创空间和加速器").click()
    page.get_by_label("名称").fill("白银科技企业孵化器")
    page.get_by_label("类别").select_option("incubator")
    page.get_by_label("级别").select_option("provincial")
    page.get_by_label("运营机构", exact=False).first.fill("白银创业服务中心")
    page.get_by_label("场地面积(平方米)").fill("５２,０００")  # 全角 digits and 千分位
    page.get_by_label("认定日期").fill("2014-06-01")
    page.get_by_label("所在园区").select_option("BG-YS")
    page.get_by_label("在孵企业和团队数").fill("八十")
    page.get_by_role("button", name="保存").click()
    assert "应为整数" in page.inner_text(".messages")
    assert page.get_by_label("名称").input_value() == "白银科技企业孵化器"  # input kept
    page.get_by_label("在孵企业和团队数").fill("80")
    page.get_by_role("button", name="保存").click()
    assert "已登记" in page.inner_text(".messages")
    entry = Incubator.objects.get()
    assert entry.area_m2 == 52000 and entry.park.code == "BG-YS"

    page.goto("/registers/incubator/?q=白银")
    page.get_by_role("link", name="白银科技企业孵化器").click()
    page.get_by_label("撤销日期").fill("2019-12-31")
    page.get_by_label("撤销原因").fill("年度考核不合格")
    page.get_by_role("button", name="撤销").click()
    assert "已撤销" in page.inner_text(".messages")
    assert "年度考核不合格" in page.inner_text("table >> nth=-1")
    page.screenshot(path=str(screenshot_dir / "registers-incubator-detail.png"), full_page=True)
    assert list(RegisterEvent.objects.filter(incubator=entry).values_list("action", flat=True)) == [
        "revoke",
        "register",
    ]
    # the refused form answers 400 on purpose, which chromium logs; nothing else may fail
    assert [e for e in page.console_errors if "status of 400" not in e] == []
