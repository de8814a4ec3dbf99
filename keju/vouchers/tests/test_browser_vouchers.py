"""End to end in chromium: an enterprise applies, the office approves, the enterprise buys a test,
the provider delivers and settles, the office pays."""

import pytest

from keju.testing.browser import browser, log_in, page, screenshot_dir  # noqa: F401
from keju.vouchers.models import OrderStatus, Voucher

pytestmark = pytest.mark.django_db(transaction=True)


def as_user(page, username, password):  # noqa: F811
    page.context.clear_cookies()
    log_in(page, username, password)
    page.goto("/vouchers/")


def test_apply_approve_use_and_settle_in_the_browser(page, scheme, screenshot_dir):  # noqa: F811
    as_user(page, "ent", "pw-ent-123")
    form = page.get_by_role("form", name="申领 " + str(scheme.programme))
    form.get_by_label("申领金额(元)").fill("２０,０００")
    form.get_by_label("用途说明").fill("新材料性能检测")
    form.get_by_role("button", name="申领").click()
    assert "申领已提交" in page.inner_text(".messages")

    as_user(page, "office", "pw-office-123")
    page.get_by_role("button", name="批准").click()
    assert "已批准" in page.inner_text(".messages")
    voucher = Voucher.objects.get()

    as_user(page, "ent", "pw-ent-123")
    order_form = page.get_by_role("form", name="用券下单")
    order_form.get_by_label("服务内容").fill("拉伸性能检测")
    order_form.get_by_label("合同金额(元)").fill("12000")
    order_form.get_by_label("用券金额(元)").fill("6000.01")
    order_form.get_by_role("button", name="用券下单").click()
    assert "超过合同金额的 50%" in page.inner_text(".messages")  # refused with a Chinese message
    order_form = page.get_by_role("form", name="用券下单")
    order_form.get_by_label("服务内容").fill("拉伸性能检测")
    order_form.get_by_label("合同金额(元)").fill("12000")
    order_form.get_by_label("用券金额(元)").fill("6000")
    order_form.get_by_role("button", name="用券下单").click()

    as_user(page, "lab", "pw-lab-123")
    page.get_by_role("button", name="确认订单").click()
    page.get_by_label("服务成果").fill("检测报告 JC-2026-118")
    page.get_by_role("button", name="登记完成").click()

    as_user(page, "ent", "pw-ent-123")
    redeem = page.get_by_role("form", name="验收并用券支付")
    redeem.get_by_label("满意度").select_option("5")
    redeem.get_by_label("自付部分付款凭证号").fill("YH-20261127-01")
    redeem.get_by_role("button", name="验收并用券支付").click()
    assert page.inner_text(".balance") == "14000.00"

    as_user(page, "lab", "pw-lab-123")
    page.get_by_label("合同编号").fill("HT-2026-118")
    page.get_by_label("发票号码").fill("FP-00118")
    page.get_by_role("button", name="申请兑付").click()

    as_user(page, "office", "pw-office-123")
    page.get_by_role("button", name="兑付", exact=True).click()
    assert "已兑付" in page.inner_text(".messages")
    page.screenshot(path=str(screenshot_dir / "vouchers-office.png"), full_page=True)

    order = voucher.orders.get()
    assert order.status == OrderStatus.SETTLED
    assert page.console_errors == []
