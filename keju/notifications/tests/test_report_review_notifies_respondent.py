"""A returned or approved report is announced to its respondent, and to nobody else."""

from __future__ import annotations

import pytest

from keju.notifications import triggers
from keju.notifications.models import Kind, Notification
from keju.notifications.tests.conftest import told, who_was_told
from keju.reporting import services
from keju.reporting.models import ReportStatus, ReviewAction
from keju.reporting.testing import YEAR, kj101_values, kj201_values

pytestmark = pytest.mark.django_db

WARNING_VALUES = kj101_values(net_profit=20000.5)  # KJ101-W05: 净利润大于营业收入
EXPLANATION = "本年出售子公司股权,投资收益计入净利润"


def submitted(zone, name="a", values=None, explanations=None):
    return services.submit(
        zone.report(name),
        actor=zone.user(f"reporter_{name}"),
        values=values or kj101_values(),
        explanations=explanations,
        channel="web",
    )


def test_returned_report_tells_the_enterprise_reporter_the_reason_and_rejected_explanations(zone):
    report = submitted(zone, values=WARNING_VALUES, explanations={"KJ101-W05": EXPLANATION})
    services.return_report(
        report,
        actor=zone.user("reviewer_lzgxq"),
        reason="投资收益请附审计报告",
        rejected_explanations=["KJ101-W05"],
    )
    assert who_was_told(Kind.REPORT_RETURNED) == {"reporter_a": 1}
    (n,) = told(zone, "reporter_a", Kind.REPORT_RETURNED)
    assert "企业创新发展年报表(KJ101)" in n.title and str(YEAR) in n.title
    assert "兰州甲材料有限公司" in n.body
    assert "reviewer_lzgxq" in n.body
    assert "投资收益请附审计报告" in n.body
    assert "KJ101-W05" in n.body and EXPLANATION in n.body
    assert n.url == f"/reporting/reports/{report.pk}/"
    assert n.read_at is None


def test_approved_report_tells_the_reporter_only(zone):
    report = submitted(zone, "c")
    services.approve(report, actor=zone.user("reviewer_bygxq"), note="数据完整")
    assert who_was_told(Kind.REPORT_APPROVED) == {"reporter_c": 1}
    (n,) = told(zone, "reporter_c", Kind.REPORT_APPROVED)
    assert "白银丙有色金属有限公司" in n.body and "数据完整" in n.body
    assert not Notification.objects.filter(kind=Kind.REPORT_RETURNED).exists()


def test_returned_district_form_tells_that_districts_reviewers(zone):
    district = zone.districts["lzgxq"]
    reviewer = zone.user("reviewer_lzgxq")
    report = services.open_report(
        actor=reviewer, plan=zone.plan, form_code="KJ201", period=str(YEAR), org_unit=district
    )
    report = services.submit(report, actor=reviewer, values=kj201_values(), channel="web")
    services.return_report(report, actor=zone.user("office"), reason="地区生产总值与统计公报不一致")
    assert who_was_told(Kind.REPORT_RETURNED) == {"reviewer_lzgxq": 1}
    (n,) = told(zone, "reviewer_lzgxq")
    assert district.name in n.body and "地区生产总值与统计公报不一致" in n.body


def test_each_return_is_its_own_event_and_a_resaved_action_tells_nobody_twice(zone):
    reviewer = zone.user("reviewer_lzgxq")
    report = submitted(zone)
    services.return_report(report, actor=reviewer, reason="第一次退回:从业人员偏少")
    action = ReviewAction.objects.get(report=report)
    action.save()  # a second post_save of the same action
    assert triggers.report_reviewed(action) == 0
    assert len(told(zone, "reporter_a", Kind.REPORT_RETURNED)) == 1
    report = services.submit(report, actor=zone.user("reporter_a"), values=kj101_values(), channel="web")
    services.return_report(report, actor=reviewer, reason="第二次退回:请核对税费")
    returned = told(zone, "reporter_a", Kind.REPORT_RETURNED)
    assert [("第一次" in n.body, "第二次" in n.body) for n in returned] == [(True, False), (False, True)]


def test_a_failing_notification_never_undoes_the_return(zone, monkeypatch):
    def broken(action):
        raise RuntimeError("notification store unavailable")

    monkeypatch.setattr(triggers, "report_reviewed", broken)
    report = submitted(zone)
    returned = services.return_report(report, actor=zone.user("reviewer_lzgxq"), reason="请核对")
    returned.refresh_from_db()
    assert returned.status == ReportStatus.RETURNED
    assert not Notification.objects.exists()


def test_reporter_without_an_active_account_is_skipped(zone):
    user = zone.user("reporter_a")
    user.is_active = False
    user.save(update_fields=["is_active"])
    report = submitted(zone, "b")
    services.return_report(report, actor=zone.user("reviewer_lzgxq"), reason="请核对")
    assert who_was_told(Kind.REPORT_RETURNED) == {"reporter_b": 1}
