"""Reviewer pages: the queue with warnings and explanations, approve, return with a required
reason, reject an explanation, the detail with versions and audit trail, 修订, lock."""

from __future__ import annotations

import pytest
from django.urls import reverse

from keju.reporting import services
from keju.reporting.models import (
    Explanation,
    ExplanationStatus,
    Report,
    ReportStatus,
    ReviewAction,
    RevisionRequest,
)
from keju.reporting.testing import kj101_values, shared_zone, zone  # noqa: F401
from keju.reporting.tests.test_web_fill import post_data, snapshot

pytestmark = pytest.mark.django_db

REASON = "出售子公司股权,投资收益1.8亿元计入净利润"


def submitted_with_warning(zone) -> Report:  # noqa: F811
    return services.submit(
        zone.report("a"),
        actor=zone.user("reporter_a"),
        values=kj101_values(net_profit=20000.5),
        explanations={"KJ101-W05": REASON},
        channel="web",
    )


def as_user(client, zone, name: str):  # noqa: F811
    client.force_login(zone.user(name))
    return client


def test_queue_shows_the_districts_submissions_with_warnings_and_explanations(client, zone):  # noqa: F811
    report = submitted_with_warning(zone)
    page = as_user(client, zone, "reviewer_lzgxq").get(reverse("reporting:queue")).content.decode()
    assert "兰州甲材料有限公司" in page
    assert "KJ101-W05" in page and REASON in page
    assert reverse("reporting:detail", args=[report.pk]) in page
    assert "等待审核" in page  # the reminder box


def test_queue_of_another_district_does_not_list_it_and_office_sees_all(client, zone):  # noqa: F811
    submitted_with_warning(zone)
    page = as_user(client, zone, "reviewer_bygxq").get(reverse("reporting:queue")).content.decode()
    assert "兰州甲材料有限公司" not in page and "没有等待您审核的报表" in page
    page = as_user(client, zone, "office").get(reverse("reporting:queue")).content.decode()
    assert "兰州甲材料有限公司" in page


def test_queue_filters_by_district_form_and_warnings(client, zone):  # noqa: F811
    submitted_with_warning(zone)
    services.submit(zone.report("b"), actor=zone.user("reporter_b"), values=kj101_values(), channel="web")
    c = as_user(client, zone, "office")
    page = c.get(reverse("reporting:queue"), {"warnings": "1"}).content.decode()
    assert "兰州甲材料有限公司" in page and "兰州乙电子有限公司" not in page
    page = c.get(reverse("reporting:queue"), {"district": "bygxq"}).content.decode()
    assert "兰州甲材料有限公司" not in page
    page = c.get(reverse("reporting:queue"), {"form": "KJ101", "period": "2020"}).content.decode()
    assert "兰州乙电子有限公司" in page


def test_approve_moves_the_report_on_and_accepts_its_explanations(client, zone):  # noqa: F811
    report = submitted_with_warning(zone)
    c = as_user(client, zone, "reviewer_lzgxq")
    response = c.post(reverse("reporting:approve", args=[report.pk]), {"note": "已与税务数据核对"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert Explanation.objects.get(report=report).status == ExplanationStatus.ACCEPTED
    assert ReviewAction.objects.get(report=report).reason == "已与税务数据核对"
    # The approved report still shows the explanation of the version that was reviewed.
    page = c.get(reverse("reporting:detail", args=[report.pk])).content.decode()
    current = page.split("核实性审核提示及情况说明")[1].split("<h2>")[0]
    assert REASON in current and "已接受" in current


def test_return_needs_a_reason_and_without_one_changes_nothing(client, zone):  # noqa: F811
    report = submitted_with_warning(zone)
    c = as_user(client, zone, "reviewer_lzgxq")
    before = snapshot()
    response = c.post(reverse("reporting:return", args=[report.pk]), {"reason": "   "})
    assert response.status_code == 200
    assert "请填写原因" in response.content.decode()
    assert snapshot() == before


def test_return_with_reason_reaches_the_reporter(client, zone):  # noqa: F811
    report = submitted_with_warning(zone)
    reason = "营业收入与纳税申报不一致,请核对后重报"
    c = as_user(client, zone, "reviewer_lzgxq")
    assert c.post(reverse("reporting:return", args=[report.pk]), {"reason": reason}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    c = as_user(client, zone, "reporter_a")
    home = c.get(reverse("reporting:mine")).content.decode()
    assert reason in home
    fill = c.get(reverse("reporting:report", args=[report.pk])).content.decode()
    assert reason in fill and 'name="v_revenue"' in fill
    # The explanation was not rejected: it is offered again for the same warning.
    assert REASON in fill


def test_rejecting_an_explanation_returns_the_report_and_asks_for_a_new_one(client, zone):  # noqa: F811
    report = submitted_with_warning(zone)
    c = as_user(client, zone, "reviewer_lzgxq")
    url = reverse("reporting:reject-explanation", args=[report.pk, "KJ101-W05"])
    before = snapshot()
    assert c.post(url, {"reason": ""}).status_code == 200
    assert snapshot() == before
    assert c.post(url, {"reason": "说明未给出投资收益的来源和金额依据"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    explanation = Explanation.objects.get(report=report)
    assert explanation.status == ExplanationStatus.REJECTED
    fill = (
        as_user(client, zone, "reporter_a")
        .get(reverse("reporting:report", args=[report.pk]))
        .content.decode()
    )
    assert "说明未给出投资收益的来源和金额依据" in fill
    assert "审核员驳回了此前的说明" in fill
    # Resubmitting with the rejected text unchanged is refused; with a new one it goes through.
    url = reverse("reporting:report", args=[report.pk])
    data = post_data(
        report, kj101_values(net_profit=20000.5), action="submit", **{"explain_KJ101-W05": REASON}
    )
    assert client.post(url, data).status_code == 200
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RETURNED
    data["explain_KJ101-W05"] = "投资收益来自出售兰州某公司30%股权,成交价2.1亿元,见董事会决议"
    assert client.post(url, data).status_code == 302
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


def test_return_can_reject_ticked_explanations(client, zone):  # noqa: F811
    report = submitted_with_warning(zone)
    c = as_user(client, zone, "reviewer_lzgxq")
    response = c.post(
        reverse("reporting:return", args=[report.pk]), {"reason": "说明不充分", "rejected": ["KJ101-W05"]}
    )
    assert response.status_code == 302
    assert Explanation.objects.get(report=report).status == ExplanationStatus.REJECTED
    before = snapshot()
    # An explanation code that is not the report's is refused.
    report2 = services.submit(
        zone.report("b"), actor=zone.user("reporter_b"), values=kj101_values(), channel="web"
    )
    before = snapshot()
    response = c.post(
        reverse("reporting:return", args=[report2.pk]), {"reason": "x理由", "rejected": ["KJ101-W05"]}
    )
    assert response.status_code == 200
    assert snapshot() == before


def test_only_reviewers_in_scope_decide(client, zone):  # noqa: F811
    report = submitted_with_warning(zone)
    before = snapshot()
    for name in ("reviewer_bygxq", "reporter_b", "nobody"):
        c = as_user(client, zone, name)
        assert c.post(reverse("reporting:approve", args=[report.pk])).status_code == 404
        assert c.post(reverse("reporting:return", args=[report.pk]), {"reason": "不行"}).status_code == 404
    for name in ("reporter_a", "evaluator", "wg"):
        c = as_user(client, zone, name)
        response = c.post(reverse("reporting:approve", args=[report.pk]))
        assert response.status_code == 200 and "无权审核" in response.content.decode()
    assert snapshot() == before


def test_detail_shows_versions_and_the_audit_trail(client, zone):  # noqa: F811
    report = services.save_draft(
        zone.report("a"), actor=zone.user("reporter_a"), values={"revenue": 100.0}, channel="web"
    )
    report = services.submit(report, actor=zone.user("reporter_a"), values=kj101_values(), channel="web")
    page = (
        as_user(client, zone, "reviewer_lzgxq")
        .get(reverse("reporting:detail", args=[report.pk]))
        .content.decode()
    )
    assert 'id="versions"' in page and 'id="audit"' in page
    assert "reporter_a" in page and "网页填报" in page
    assert "营业收入" in page and "100 万元" in page and "18,234.5 万元" in page
    assert "审核通过" in page and "退回" in page  # the actions


def test_revision_of_an_approved_report_needs_a_reason_and_keeps_versions(client, zone):  # noqa: F811
    report = services.submit(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    report = services.approve(report, actor=zone.user("reviewer_lzgxq"))
    c = as_user(client, zone, "reporter_a")
    url = reverse("reporting:revise", args=[report.pk])
    page = c.get(url).content.decode()
    assert "修订原因" in page and 'name="v_revenue"' in page
    data = post_data(report, kj101_values(revenue=18512.3), reason="")
    before = snapshot()
    response = c.post(url, data)
    assert response.status_code == 200 and "请填写修订原因" in response.content.decode()
    assert 'value="18512.3"' in response.content.decode()
    assert snapshot() == before
    data["reason"] = "审计调整:补记12月销售收入"
    response = c.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.values["revenue"] == 18512.3
    revision = RevisionRequest.objects.get(report=report)
    assert revision.old_values["revenue"] == 18234.5 and revision.reason == "审计调整:补记12月销售收入"


def test_revision_is_refused_for_reports_not_approved(client, zone):  # noqa: F811
    report = zone.report("a")
    response = as_user(client, zone, "reporter_a").get(reverse("reporting:revise", args=[report.pk]))
    assert response.status_code == 302


def test_office_locks_an_approved_report(client, zone):  # noqa: F811
    report = services.submit(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    report = services.approve(report, actor=zone.user("reviewer_lzgxq"))
    response = as_user(client, zone, "reviewer_lzgxq").post(reverse("reporting:lock", args=[report.pk]))
    assert response.status_code == 200 and "省创新办" in response.content.decode()
    assert (
        as_user(client, zone, "office").post(reverse("reporting:lock", args=[report.pk])).status_code == 302
    )
    assert Report.objects.get(pk=report.pk).status == ReportStatus.LOCKED


def test_detail_compares_each_value_with_the_previous_period(client, zone):  # noqa: F811
    Report.objects.create(
        plan=zone.plan,
        form_code="KJ101",
        period="2019",
        year=2019,
        enterprise=zone.enterprises["a"],
        district=zone.districts["lzgxq"],
        values=kj101_values(revenue=15000.0),
        status=ReportStatus.APPROVED,
    )
    report = services.save_draft(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    page = (
        as_user(client, zone, "reviewer_lzgxq")
        .get(reverse("reporting:detail", args=[report.pk]))
        .content.decode()
    )
    assert "上期(2019)" in page
    revenue = page.split('data-field="revenue"')[1].split("</tr>")[0]
    assert "18,234.5 万元" in revenue and "15,000 万元" in revenue and "+21.6%" in revenue


def test_queue_marks_late_submissions(client, zone):  # noqa: F811
    submitted_with_warning(zone)  # the 2020 deadline passed long ago
    page = as_user(client, zone, "reviewer_lzgxq").get(reverse("reporting:queue")).content.decode()
    assert "逾期上报" in page
