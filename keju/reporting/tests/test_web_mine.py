"""我的填报: the forms and periods a user must fill, statuses, deadlines, reminders; starting a report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from keju.reporting import services
from keju.reporting.models import Report, ReportStatus
from keju.reporting.testing import YEAR, kj101_values, kj201_values, shared_zone, zone  # noqa: F401

pytestmark = pytest.mark.django_db


def page_of(client, zone, name: str) -> str:  # noqa: F811
    client.force_login(zone.user(name))
    response = client.get(reverse("reporting:mine"))
    assert response.status_code == 200
    return response.content.decode()


def test_reporter_sees_the_forms_its_enterprise_must_fill(client, zone):  # noqa: F811
    page = page_of(client, zone, "reporter_a")
    assert 'data-form="KJ101" data-period="2020"' in page
    assert 'data-form="KJ102" data-period="2020Q1"' in page  # enterprise a is above scale
    assert 'data-form="KJ201"' not in page  # a district form
    assert 'data-period="2019"' not in page  # closed period
    assert "未填报" in page and "开始填报" in page
    assert "已逾期" in page  # the 2020 deadlines are long past


def test_quarterly_form_only_for_its_respondents(client, zone):  # noqa: F811
    page = page_of(client, zone, "reporter_b")  # b is not above scale
    assert 'data-form="KJ101"' in page
    assert 'data-form="KJ102"' not in page


def test_district_reviewer_fills_its_district_form(client, zone):  # noqa: F811
    page = page_of(client, zone, "reviewer_lzgxq")
    assert 'data-form="KJ201" data-period="2020"' in page
    assert "兰州高新区" in page


def test_start_opens_a_draft_once_and_goes_to_its_fill_page(client, zone):  # noqa: F811
    client.force_login(zone.user("reporter_a"))
    data = {"form": "KJ101", "period": str(YEAR), "enterprise_id": zone.enterprises["a"].pk}
    response = client.post(reverse("reporting:start"), data)
    report = Report.objects.get(enterprise=zone.enterprises["a"], form_code="KJ101", period=str(YEAR))
    assert response.status_code == 302 and response["Location"] == reverse(
        "reporting:report", args=[report.pk]
    )
    assert client.post(reverse("reporting:start"), data)["Location"] == response["Location"]
    assert Report.objects.count() == 1


def test_start_for_someone_else_or_a_closed_period_is_refused_and_creates_nothing(client, zone):  # noqa: F811
    client.force_login(zone.user("reporter_a"))
    other = {"form": "KJ101", "period": str(YEAR), "enterprise_id": zone.enterprises["c"].pk}
    response = client.post(reverse("reporting:start"), other, follow=True)
    assert "无权" in response.content.decode()
    closed = {"form": "KJ101", "period": str(YEAR - 1), "enterprise_id": zone.enterprises["a"].pk}
    response = client.post(reverse("reporting:start"), closed, follow=True)
    assert "已关闭" in response.content.decode()
    response = client.post(reverse("reporting:start"), {"form": "KJ101"}, follow=True)
    assert "不完整" in response.content.decode()
    assert Report.objects.count() == 0


def test_statuses_and_returned_reason_on_top(client, zone):  # noqa: F811
    report = services.submit(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    page = page_of(client, zone, "reporter_a")
    assert "已上报" in page
    services.return_report(report, actor=zone.user("reviewer_lzgxq"), reason="从业人员与社保人数不符")
    page = page_of(client, zone, "reporter_a")
    assert page.index("从业人员与社保人数不符") < page.index('data-form="KJ101"')
    assert "被退回" in page  # also as a reminder


def test_due_soon_and_unexplained_warnings_are_reminded(client, zone):  # noqa: F811
    services.set_due_date(zone.period("KJ101", str(YEAR)), timezone.localdate() + timedelta(days=3))
    services.save_draft(
        zone.report("a"),
        actor=zone.user("reporter_a"),
        values=kj101_values(net_profit=20000.5),
        channel="web",
    )
    page = page_of(client, zone, "reporter_a")
    assert "还有3天" in page
    assert "1条核实性审核提示待填写情况说明" in page


def test_reviewer_home_reminds_of_waiting_reports_and_late_respondents(client, zone):  # noqa: F811
    services.submit(zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web")
    zone.report("b")  # a draft past its deadline
    page = page_of(client, zone, "reviewer_lzgxq")
    assert "1份报表等待审核" in page
    assert "1份企业报表已过截止日期仍未上报" in page
    page = page_of(client, zone, "reviewer_bygxq")
    assert "等待审核" not in page and "已过截止日期" not in page


def test_user_without_a_role_is_told_so(client, zone):  # noqa: F811
    page = page_of(client, zone, "nobody")
    assert "没有填报角色" in page


def test_district_form_can_be_started_and_submitted_by_its_reviewer(client, zone):  # noqa: F811
    client.force_login(zone.user("reviewer_lzgxq"))
    data = {"form": "KJ201", "period": str(YEAR), "org_unit_id": zone.districts["lzgxq"].pk}
    response = client.post(reverse("reporting:start"), data)
    report = Report.objects.get(org_unit=zone.districts["lzgxq"], form_code="KJ201")
    assert response["Location"] == reverse("reporting:report", args=[report.pk])
    fill = client.get(response["Location"]).content.decode()
    assert "地区生产总值" in fill and 'name="v_gdp"' in fill
    services.submit(report, actor=zone.user("reviewer_lzgxq"), values=kj201_values(), channel="web")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    page = page_of(client, zone, "reviewer_lzgxq")
    assert "已上报" in page


def test_anonymous_is_sent_to_log_in(client, zone):  # noqa: F811
    for name in ("reporting:mine", "reporting:queue", "reporting:completeness"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]
