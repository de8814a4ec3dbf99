"""End to end in chromium: a reporter fills a form, meets a hard error and a warning, explains
the warning and submits; the reviewer returns it with a reason; the reporter sees the reason,
fixes and resubmits; the reviewer approves. Statuses are checked in the database, the pages
must log no console errors, and each step leaves a screenshot."""

from __future__ import annotations

from typing import Any

import pytest

from keju.reporting.models import Explanation, ExplanationStatus, Report, ReportStatus, ReviewAction
from keju.reporting.testing import YEAR, build_zone
from keju.testing.browser import browser, log_in, page, screenshot_dir  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-e2e-123456"
EXPLANATION = "本年出售子公司股权,投资收益1.8亿元计入净利润"
RETURN_REASON = "年末从业人员与社保缴费人数(318人)不一致,请核对后重报"

# What the reporter types, as people type it: separators, full-width digits.
TYPED = {
    "employees": "320",
    "revenue": "18,234.5",
    "gross_output": "16012.3",
    "value_added": "4821.7",
    "net_profit": "20,000.5",  # more than the revenue: warning KJ101-W05
    "taxes_paid": "612.8",
    "exports": "0",
    "rd_personnel": "400",  # more than the employees: hard error KJ101-E01
    "rd_personnel_fte": "３３.５",
    "rd_expenditure": "731.2",
    "invention_patents_valid": "12",
    "new_product_sales": "2501.7",
    "tech_contract_turnover": "0",
    "energy_consumption": "5123.4",
}
CHOSEN = {
    "has_rd_institution": "true",
    "is_above_scale": "true",
    "is_high_tech_enterprise": "true",
    "is_innovative_enterprise": "false",
}


@pytest.fixture
def zone(transactional_db: None) -> Any:
    built = build_zone()
    for name in ("reporter_a", "reviewer_lzgxq"):
        user = built.user(name)
        user.set_password(PASSWORD)
        user.save()
    return built


def log_out(page: Any) -> None:  # noqa: F811
    page.click("header form button[type=submit]")
    page.wait_for_load_state("networkidle")


def shot(page: Any, directory: Any, name: str) -> None:  # noqa: F811
    page.screenshot(path=str(directory / f"reporting-{name}.png"), full_page=True)


def the_report() -> Report:
    return Report.objects.get(form_code="KJ101", period=str(YEAR))


def test_reporter_and_reviewer_round_trip_in_chromium(page, screenshot_dir, zone):  # noqa: F811
    # --- the reporter fills the form and meets a hard error and a warning
    log_in(page, "reporter_a", PASSWORD)
    page.goto("/reporting/")
    page.click(f'tr[data-form="KJ101"][data-period="{YEAR}"] button:has-text("开始填报")')
    page.wait_for_selector("#report-form")
    for code, text in TYPED.items():
        page.fill(f"input[name=v_{code}]", text)
    for code, choice in CHOSEN.items():
        page.select_option(f"select[name=v_{code}]", choice)
    page.click("button[name=action][value=submit]")
    page.wait_for_selector(".field-error")
    error_row = page.locator('tr[data-field="rd_personnel"]')
    assert "不能多于" in error_row.inner_text()
    assert page.input_value("input[name=v_rd_personnel]") == "400"  # nothing typed is lost
    assert page.input_value("input[name=v_revenue]") == "18,234.5"
    warning = page.locator('#warnings .finding[data-check="KJ101-W05"]')
    assert "净利润" in warning.inner_text()
    shot(page, screenshot_dir, "1-hard-error-and-warning")
    assert the_report().status == ReportStatus.DRAFT

    # --- fixes the error, explains the warning, submits
    page.fill("input[name=v_rd_personnel]", "41")
    page.fill('textarea[name="explain_KJ101-W05"]', EXPLANATION)
    page.click("button[name=action][value=submit]")
    page.wait_for_selector("#report-status")
    assert "已上报" in page.inner_text("#report-status")
    shot(page, screenshot_dir, "2-submitted")
    report = the_report()
    assert report.status == ReportStatus.SUBMITTED
    assert report.values["rd_personnel"] == 41 and report.values["revenue"] == 18234.5
    assert report.values["rd_personnel_fte"] == 33.5
    assert Explanation.objects.get(report=report).text == EXPLANATION
    log_out(page)

    # --- the reviewer returns it once, with a reason
    log_in(page, "reviewer_lzgxq", PASSWORD)
    page.goto("/reporting/review/")
    row = page.locator(f'#queue tr[data-report="{report.pk}"]')
    assert EXPLANATION in row.inner_text()
    row.locator("a").click()
    page.wait_for_selector("#return-form")
    page.fill("#return-form textarea[name=reason]", RETURN_REASON)
    shot(page, screenshot_dir, "3-review")
    page.click("#return-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert the_report().status == ReportStatus.RETURNED
    log_out(page)

    # --- the reporter sees the reason, fixes and resubmits
    log_in(page, "reporter_a", PASSWORD)
    page.goto("/reporting/")
    assert RETURN_REASON in page.inner_text(".return-reason")
    shot(page, screenshot_dir, "4-returned")
    page.click(".return-reason a")
    page.wait_for_selector("#report-form")
    assert RETURN_REASON in page.inner_text("#return-reason")
    page.fill("input[name=v_employees]", "318")
    page.click("button[name=action][value=submit]")
    page.wait_for_selector("#report-status")
    if "已上报" not in page.inner_text("#report-status"):
        # The earlier explanation carries over; if the page still asks, it must be prefilled.
        assert page.input_value('textarea[name="explain_KJ101-W05"]') == EXPLANATION
        page.click("button[name=action][value=submit]")
        page.wait_for_selector("#report-status")
    assert "已上报" in page.inner_text("#report-status")
    report = the_report()
    assert report.status == ReportStatus.SUBMITTED and report.values["employees"] == 318
    log_out(page)

    # --- the reviewer approves
    log_in(page, "reviewer_lzgxq", PASSWORD)
    page.goto(f"/reporting/reports/{report.pk}/detail/")
    page.wait_for_selector("#approve-form")
    page.click("#approve-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    shot(page, screenshot_dir, "5-approved-queue")
    page.goto(f"/reporting/reports/{report.pk}/detail/")
    assert "审核通过" in page.inner_text("#report-status")
    assert "年末从业人员" in page.inner_text("#audit")
    shot(page, screenshot_dir, "6-detail-with-audit")

    report = the_report()
    assert report.status == ReportStatus.APPROVED
    decisions = list(
        ReviewAction.objects.filter(report=report).order_by("id").values_list("decision", "reason")
    )
    assert decisions == [("return", RETURN_REASON), ("approve", "")]
    assert Explanation.objects.filter(report=report, version=report.version - 1).get().status == (
        ExplanationStatus.ACCEPTED
    )
    assert page.console_errors == []


def test_input_survives_an_expired_login_and_can_be_restored(page, screenshot_dir, zone):  # noqa: F811
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page with unsaved input?"
    log_in(page, "reporter_a", PASSWORD)
    page.goto("/reporting/")
    page.click(f'tr[data-form="KJ101"][data-period="{YEAR}"] button:has-text("开始填报")')
    page.wait_for_selector("#report-form")
    url = page.url
    page.fill("input[name=v_revenue]", "12,345.6")
    page.fill("input[name=v_employees]", "２１０")
    assert page.is_hidden("#restore-input")
    # The session ends while the reporter is typing; the next request asks to log in again.
    page.context.clear_cookies()
    log_in(page, "reporter_a", PASSWORD)
    page.goto(url)
    page.wait_for_selector("#restore-input", state="visible")
    shot(page, screenshot_dir, "7-restore-input")
    assert page.input_value("input[name=v_revenue]") == ""
    page.click("#restore-input [data-restore]")
    assert page.input_value("input[name=v_revenue]") == "12,345.6"
    page.click("button[name=action][value=save]")
    page.wait_for_selector(".messages")
    report = the_report()
    assert report.values["revenue"] == 12345.6 and report.values["employees"] == 210
    # Saved: the kept copy belongs to an older version and is not offered again.
    page.goto(url)
    page.wait_for_selector("#report-form")
    assert page.is_hidden("#restore-input")
    assert page.console_errors == []
