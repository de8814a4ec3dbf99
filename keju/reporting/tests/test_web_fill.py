"""The fill page: typed values parsed, errors next to fields, warnings with explanation boxes,
save draft, copy last period, concurrent edits, read-only once submitted — and nothing typed lost."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from keju.reporting import services
from keju.reporting.forms import display_value, explain_name, value_name
from keju.reporting.models import (
    AuditEntry,
    Explanation,
    Report,
    ReportStatus,
    ReportVersion,
)
from keju.reporting.testing import YEAR, kj101_values, shared_zone, zone  # noqa: F401

pytestmark = pytest.mark.django_db


def post_data(report: Report, values: dict[str, Any], **extra: str) -> dict[str, str]:
    """The fill form as a browser posts it: every field as text, the version, a token."""
    form = services.form_for(report.plan, report.form_code)
    data = {value_name(f.code): display_value(f, values.get(f.code)) for f in form.fields}
    data.update({"version": str(report.version), "copied": "", "token": ""})
    data.update(extra)
    return data


def snapshot() -> tuple:
    return (
        list(Report.objects.order_by("id").values_list("id", "status", "version", "values")),
        AuditEntry.objects.count(),
        ReportVersion.objects.count(),
        Explanation.objects.count(),
    )


@pytest.fixture
def reporter(client, zone):  # noqa: F811
    client.force_login(zone.user("reporter_a"))
    return client


def test_fill_page_shows_labels_units_help_and_the_version(reporter, zone):  # noqa: F811
    report = zone.report("a")
    page = reporter.get(reverse("reporting:report", args=[report.pk])).content.decode()
    assert "企业创新发展年报表" in page
    assert "R&amp;D人员折合全时当量" in page and "人年" in page
    assert "工业企业填报工业增加值" in page  # help text
    assert 'name="version" value="1"' in page
    assert 'name="v_revenue"' in page and 'inputmode="decimal"' in page
    assert "上报" in page and "暂存" in page


def test_typed_numbers_are_parsed_like_people_write_them(reporter, zone):  # noqa: F811
    report = zone.report("a")
    data = post_data(report, {}, action="save")
    data.update(
        {"v_employees": "１２３", "v_revenue": "1,234.5", "v_net_profit": "12万元", "v_taxes_paid": "1 234"}
    )
    data["v_has_rd_institution"] = "true"
    response = reporter.post(reverse("reporting:report", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.values["employees"] == 123
    assert report.values["revenue"] == 1234.5
    assert report.values["taxes_paid"] == 1234
    assert report.values["net_profit"] == pytest.approx(12)  # 12万元 in a 万元 field
    assert report.values["has_rd_institution"] is True
    assert report.status == ReportStatus.DRAFT and report.version == 2
    fields = set(AuditEntry.objects.filter(report=report, action="save").values_list("field", flat=True))
    assert {"employees", "revenue", "taxes_paid", "net_profit", "has_rd_institution"} <= fields
    assert set(AuditEntry.objects.filter(report=report, action="save").values_list("channel", flat=True)) == {
        "web"
    }


def test_unreadable_value_is_shown_at_its_field_and_kept_while_the_rest_is_saved(reporter, zone):  # noqa: F811
    report = zone.report("a")
    data = post_data(report, {"revenue": 500, "employees": 10}, action="save")
    data["v_net_profit"] = "约三百"
    response = reporter.post(reverse("reporting:report", args=[report.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "约三百" in page  # what the user typed is still in the box
    assert "净利润" in page and "无法识别" in page
    report.refresh_from_db()
    assert report.values["revenue"] == 500 and "net_profit" not in report.values
    # The page now carries the saved version, so the next save is not a false conflict.
    assert f'name="version" value="{report.version}"' in page


def test_hard_error_blocks_submission_shows_next_to_the_field_and_writes_nothing(reporter, zone):  # noqa: F811
    report = zone.report("a")
    before = snapshot()
    data = post_data(report, kj101_values(rd_personnel=400), action="submit")
    response = reporter.post(reverse("reporting:report", args=[report.pk]), data)
    assert response.status_code == 200
    assert snapshot() == before
    page = response.content.decode()
    assert "强制性审核" in page
    assert "R&amp;D人员(400" in page or "R&amp;D人员(400人" in page
    assert 'class="has-error' in page
    assert 'value="400"' in page  # input kept


def test_warning_needs_an_explanation_box_filled_to_submit(reporter, zone):  # noqa: F811
    report = zone.report("a")
    url = reverse("reporting:report", args=[report.pk])
    values = kj101_values(net_profit=20000.5)
    response = reporter.post(url, post_data(report, values, action="submit"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "核实性审核" in page and "KJ101-W05" in page
    assert f'name="{explain_name("KJ101-W05")}"' in page
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT

    too_short = post_data(report, values, action="submit", **{explain_name("KJ101-W05"): "已核"})
    response = reporter.post(url, too_short)
    assert response.status_code == 200
    assert "过短" in response.content.decode()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT

    reason = "出售子公司股权,投资收益1.8亿元计入净利润"
    response = reporter.post(
        url, post_data(report, values, action="submit", **{explain_name("KJ101-W05"): reason})
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    explanation = Explanation.objects.get(report=report, check_code="KJ101-W05")
    assert explanation.text == reason and explanation.version == report.version


def test_explanation_typed_then_saved_as_draft_is_kept_for_the_submission(reporter, zone):  # noqa: F811
    report = zone.report("a")
    url = reverse("reporting:report", args=[report.pk])
    values = kj101_values(net_profit=20000.5)
    reporter.post(url, post_data(report, values, action="submit"))
    reason = "本年出售子公司股权取得投资收益"
    data = post_data(report, values, action="save", **{explain_name("KJ101-W05"): reason})
    assert reporter.post(url, data).status_code == 302
    page = reporter.get(url).content.decode()
    assert reason in page  # the explanation box still holds it after the redirect


def test_save_draft_is_never_blocked_by_edit_checks(reporter, zone):  # noqa: F811
    report = zone.report("a")
    data = post_data(report, kj101_values(rd_personnel=400), action="save")
    response = reporter.post(reverse("reporting:report", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.values["rd_personnel"] == 400 and report.status == ReportStatus.DRAFT
    page = reporter.get(reverse("reporting:report", args=[report.pk])).content.decode()
    assert "KJ101-E01" in page or "不能多于" in page  # the saved draft's findings are shown


def test_clearing_a_field_removes_its_saved_value(reporter, zone):  # noqa: F811
    report = services.save_draft(
        zone.report("a"), actor=zone.user("reporter_a"), values={"revenue": 100.0}, channel="web"
    )
    data = post_data(report, {}, action="save")
    assert reporter.post(reverse("reporting:report", args=[report.pk]), data).status_code == 302
    report.refresh_from_db()
    assert "revenue" not in report.values


def test_copy_last_period_fills_only_empty_fields_marks_them_and_saves_nothing(reporter, zone):  # noqa: F811
    last = Report.objects.create(
        plan=zone.plan,
        form_code="KJ101",
        period=str(YEAR - 1),
        year=YEAR - 1,
        enterprise=zone.enterprises["a"],
        district=zone.districts["lzgxq"],
        values=kj101_values(revenue=15000.0, employees=300),
        status=ReportStatus.APPROVED,
    )
    report = zone.report("a")
    before = snapshot()
    data = post_data(report, {"employees": 333}, action="copy")
    response = reporter.post(reverse("reporting:report", args=[report.pk]), data)
    assert response.status_code == 200
    assert snapshot() == before
    page = response.content.decode()
    assert 'name="v_employees" value="333"' in page  # typed value untouched
    assert 'name="v_revenue" value="15000"' in page
    assert "已复制上期" in page and str(last.period) in page
    assert "employees" not in page.split('name="copied"')[1].split(">")[0]
    assert "revenue" in page.split('name="copied"')[1].split(">")[0]


def test_copy_without_a_previous_period_says_so(reporter, zone):  # noqa: F811
    report = zone.report("a")
    response = reporter.post(
        reverse("reporting:report", args=[report.pk]), post_data(report, {}, action="copy")
    )
    assert "没有找到上期" in response.content.decode()


def test_concurrent_edit_is_a_clear_conflict_and_keeps_the_input(reporter, zone):  # noqa: F811
    report = zone.report("a")
    stale = post_data(report, {"revenue": 999}, action="save")
    services.save_draft(report, actor=zone.user("reporter_a"), values={"revenue": 111.0}, channel="api")
    before = snapshot()
    response = reporter.post(reverse("reporting:report", args=[report.pk]), stale)
    assert response.status_code == 200
    assert snapshot() == before
    page = response.content.decode()
    assert "已被修改" in page and "未保存" in page
    assert 'name="v_revenue" value="999"' in page
    assert "111" in page  # the current value, shown for comparison
    assert 'name="version" value="2"' in page
    # Saving again from the conflict page replaces the current version knowingly.
    again = post_data(Report.objects.get(pk=report.pk), {"revenue": 999}, action="save")
    assert reporter.post(reverse("reporting:report", args=[report.pk]), again).status_code == 302
    assert Report.objects.get(pk=report.pk).values["revenue"] == 999


def test_missing_version_is_refused(reporter, zone):  # noqa: F811
    report = zone.report("a")
    data = post_data(report, {"revenue": 5}, action="save")
    del data["version"]
    before = snapshot()
    response = reporter.post(reverse("reporting:report", args=[report.pk]), data)
    assert response.status_code == 400
    assert "版本号" in response.content.decode()
    assert snapshot() == before


def test_double_submit_with_the_same_token_submits_once(reporter, zone):  # noqa: F811
    report = zone.report("a")
    data = post_data(report, kj101_values(), action="submit", token="abc123")
    url = reverse("reporting:report", args=[report.pk])
    assert reporter.post(url, data).status_code == 302
    assert reporter.post(url, data).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert ReportVersion.objects.filter(report=report).count() == 1


def test_submitted_report_is_read_only_and_cannot_be_saved(reporter, zone):  # noqa: F811
    report = services.submit(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    url = reverse("reporting:report", args=[report.pk])
    page = reporter.get(url).content.decode()
    assert 'name="v_revenue"' not in page
    assert "已上报" in page and "18,234.5 万元" in page
    before = snapshot()
    response = reporter.post(url, post_data(report, kj101_values(revenue=1.0), action="save"))
    assert snapshot() == before
    assert "不能暂存修改" in response.content.decode() or "不能" in response.content.decode()


def test_returned_report_is_editable_again_with_the_reason_on_top(reporter, zone):  # noqa: F811
    report = services.submit(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    services.return_report(report, actor=zone.user("reviewer_lzgxq"), reason="营业收入与税务数据不符,请核对")
    page = reporter.get(reverse("reporting:report", args=[report.pk])).content.decode()
    assert "营业收入与税务数据不符" in page
    assert 'name="v_revenue"' in page


def test_someone_elses_report_does_not_exist_for_the_user(client, zone):  # noqa: F811
    report = zone.report("a")
    for name in ("reporter_b", "reviewer_bygxq", "nobody"):
        client.force_login(zone.user(name))
        assert client.get(reverse("reporting:report", args=[report.pk])).status_code == 404
        before = snapshot()
        response = client.post(
            reverse("reporting:report", args=[report.pk]), post_data(report, {"revenue": 1}, action="save")
        )
        assert response.status_code == 404
        assert snapshot() == before


def test_anonymous_user_is_sent_to_log_in(client, zone):  # noqa: F811
    report = zone.report("a")
    response = client.get(reverse("reporting:report", args=[report.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_unknown_action_changes_nothing(reporter, zone):  # noqa: F811
    report = zone.report("a")
    before = snapshot()
    response = reporter.post(
        reverse("reporting:report", args=[report.pk]), post_data(report, {"revenue": 3}, action="delete")
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_draft_of_a_closed_period_is_read_only_and_saving_is_refused(reporter, zone):  # noqa: F811
    report = services.save_draft(
        zone.report("a"), actor=zone.user("reporter_a"), values={"revenue": 5.0}, channel="web"
    )
    services.close_period(zone.period("KJ101", str(YEAR)), actor=zone.user("office"))
    url = reverse("reporting:report", args=[report.pk])
    page = reporter.get(url).content.decode()
    assert "填报期已关闭" in page and 'name="v_revenue"' not in page
    before = snapshot()
    response = reporter.post(url, post_data(report, {"revenue": 6}, action="save"))
    assert "已关闭" in response.content.decode()
    assert 'value="6"' in response.content.decode()  # the input is still there to copy
    assert snapshot() == before
