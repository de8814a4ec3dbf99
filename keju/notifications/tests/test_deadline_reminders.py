"""Deadline reminders: before the due date, when overdue, to the respondents that have not
submitted and to nobody else; the daily command is idempotent."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from keju.notifications.models import Kind, Notification
from keju.notifications.reminders import send_reminders, stage
from keju.notifications.tests.conftest import told
from keju.reporting import services
from keju.reporting.models import ReportingPeriod
from keju.reporting.testing import YEAR, kj101_values

pytestmark = pytest.mark.django_db


def for_period(period: ReportingPeriod, kind: str | None = None) -> dict[str, list[str]]:
    """username → dedup keys of the reminders about `period`."""
    rows = Notification.objects.filter(dedup_key__contains=f":{period.pk}:").select_related("user")
    if kind:
        rows = rows.filter(kind=kind)
    out: dict[str, list[str]] = {}
    for n in rows.order_by("id"):
        out.setdefault(n.user.username, []).append(n.dedup_key)
    return out


def test_stages_before_and_after_the_deadline():
    due = date(2021, 3, 31)
    at = lambda days: stage(due, due - timedelta(days=days))  # noqa: E731
    assert at(8) is None
    assert at(7) == (Kind.DEADLINE_SOON, "s7")
    assert at(3) == (Kind.DEADLINE_SOON, "s7")
    assert at(1) == (Kind.DEADLINE_SOON, "s1")
    assert at(0) == (Kind.DEADLINE_SOON, "s1")
    assert at(-1) == (Kind.OVERDUE, "o0")
    assert at(-7) == (Kind.OVERDUE, "o0")
    assert at(-8) == (Kind.OVERDUE, "o1")


def test_seven_days_before_due_only_those_who_have_not_submitted_are_reminded(zone):
    services.submit(zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web")
    kj101 = zone.period("KJ101", str(YEAR))
    result = send_reminders(today=kj101.due_on - timedelta(days=7), plan=zone.plan)
    assert set(for_period(kj101)) == {"reporter_b", "reporter_c"}
    assert result.created[Kind.DEADLINE_SOON] >= 2
    (n,) = told(zone, "reporter_b", Kind.DEADLINE_SOON)
    assert n.title == f"还有7天截止:企业创新发展年报表(KJ101){YEAR}"
    assert "兰州乙电子有限公司" in n.body and kj101.due_on.isoformat() in n.body and "尚未开始填报" in n.body
    assert n.url == "/reporting/"
    # Nobody hears about another enterprise.
    assert not Notification.objects.filter(user=zone.user("reporter_b"), body__contains="白银丙").exists()
    assert not Notification.objects.filter(user=zone.user("reporter_c"), body__contains="兰州乙").exists()
    # District forms go to the districts' reviewers; zone staff are not reminded of anyone's forms.
    kj201 = zone.period("KJ201", str(YEAR))
    assert set(for_period(kj201)) == {"reviewer_lzgxq", "reviewer_bygxq"}
    for name in ("office", "wg", "evaluator", "nobody"):
        assert not told(zone, name)
    # reporter_a submitted KJ101; its quarterly forms (long overdue on that day) are another matter.
    assert not [n for n in told(zone, "reporter_a") if "KJ101" in n.title]
    assert {n.kind for n in told(zone, "reporter_a")} == {Kind.OVERDUE}


def test_remind_twice_creates_nothing_new_and_stages_are_sent_once(zone):
    kj101 = zone.period("KJ101", str(YEAR))
    due = kj101.due_on
    first = send_reminders(today=due - timedelta(days=7), plan=zone.plan)
    count = Notification.objects.count()
    assert first.total == count > 0
    again = send_reminders(today=due - timedelta(days=7), plan=zone.plan)
    assert again.total == 0 and Notification.objects.count() == count
    # Within the same stage: nothing.
    send_reminders(today=due - timedelta(days=4), plan=zone.plan)
    assert for_period(kj101)["reporter_b"] == [
        f"deadline_soon:{kj101.pk}:{due}:s7:e{zone.enterprises['b'].pk}"
    ]
    # The day before, then the day itself (same stage), then overdue, then a week later.
    for days, expected in [(1, 2), (0, 2), (-1, 3), (-5, 3), (-8, 4), (-8, 4)]:
        send_reminders(today=due - timedelta(days=days), plan=zone.plan)
        assert len(for_period(kj101)["reporter_b"]) == expected, days
    overdue = told(zone, "reporter_b", Kind.OVERDUE)
    assert [n.title for n in overdue if "KJ101" in n.title] == [
        f"已逾期1天:企业创新发展年报表(KJ101){YEAR}",
        f"已逾期8天:企业创新发展年报表(KJ101){YEAR}",
    ]


def test_a_missed_day_never_sends_two_stages_at_once(zone):
    kj101 = zone.period("KJ101", str(YEAR))
    send_reminders(today=kj101.due_on - timedelta(days=1), plan=zone.plan)
    send_reminders(today=kj101.due_on, plan=zone.plan)
    keys = for_period(kj101)["reporter_b"]
    assert len(keys) == 1 and ":s1:" in keys[0]


def test_draft_and_returned_reports_are_reminded_with_their_state_and_link(zone):
    draft = zone.report("b")
    returned = services.submit(
        zone.report("c"), actor=zone.user("reporter_c"), values=kj101_values(), channel="web"
    )
    services.return_report(returned, actor=zone.user("reviewer_bygxq"), reason="请核对")
    kj101 = zone.period("KJ101", str(YEAR))
    send_reminders(today=kj101.due_on + timedelta(days=2), plan=zone.plan)
    (b,) = [n for n in told(zone, "reporter_b", Kind.OVERDUE) if "KJ101" in n.title]
    assert "已暂存草稿" in b.body and "已逾期2天" in b.title and b.url == f"/reporting/reports/{draft.pk}/"
    (c,) = [n for n in told(zone, "reporter_c", Kind.OVERDUE) if "KJ101" in n.title]
    assert "被退回后尚未重新上报" in c.body and c.url == f"/reporting/reports/{returned.pk}/"


def test_closed_periods_and_submitted_reports_get_no_reminders(zone):
    closed = zone.period("KJ101", str(YEAR - 1))
    send_reminders(today=closed.due_on + timedelta(days=1), plan=zone.plan)
    assert for_period(closed) == {}
    kj101 = zone.period("KJ101", str(YEAR))
    services.close_period(kj101)
    send_reminders(today=kj101.due_on - timedelta(days=1), plan=zone.plan)
    assert for_period(kj101) == {}


def test_moving_the_deadline_starts_the_reminders_afresh(zone):
    kj101 = zone.period("KJ101", str(YEAR))
    old_due = kj101.due_on
    send_reminders(today=old_due - timedelta(days=1), plan=zone.plan)
    assert len(for_period(kj101)["reporter_b"]) == 1
    moved = services.set_due_date(kj101, old_due + timedelta(days=30))
    send_reminders(today=moved.due_on - timedelta(days=7), plan=zone.plan)
    keys = for_period(kj101)["reporter_b"]
    assert len(keys) == 2 and f":{moved.due_on}:s7:" in keys[1]


def test_remind_command_reports_counts_and_is_idempotent(zone):
    due = zone.period("KJ101", str(YEAR)).due_on - timedelta(days=7)
    out = StringIO()
    call_command("notifications", "remind", "--today", due.isoformat(), stdout=out)
    text = out.getvalue()
    assert "即将截止" in text and "未配置邮件服务器" in text
    count = Notification.objects.count()
    assert count > 0
    out = StringIO()
    call_command("notifications", "remind", "--today", due.isoformat(), "--plan", zone.plan.code, stdout=out)
    assert "无新提醒" in out.getvalue()
    assert Notification.objects.count() == count


def test_remind_command_refuses_bad_input_in_chinese(zone):
    with pytest.raises(CommandError, match="日期“2021-13-45”无法识别"):
        call_command("notifications", "remind", "--today", "2021-13-45")
    with pytest.raises(CommandError, match="没有编码为“nope”的规划"):
        call_command("notifications", "remind", "--plan", "nope")
    assert not Notification.objects.exists()


def test_overdue_enterprises_are_listed_to_their_districts_reviewers_only(zone):
    from keju.orgs.services import register_enterprise
    from keju.planning.testing import make_credit_code

    register_enterprise(
        zone.plan,
        name="兰州丁无账号有限公司",  # no reporter account: only the reviewer can chase it
        credit_code=make_credit_code(77),
        industry_code="C2710",
        district_code="lzgxq",
        opened_on=date(2010, 1, 1),
    )
    services.submit(zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web")
    kj101 = zone.period("KJ101", str(YEAR))
    send_reminders(today=kj101.due_on - timedelta(days=7), plan=zone.plan)
    assert not [
        n for n in told(zone, "reviewer_lzgxq") if "KJ101" in n.title
    ]  # before the deadline: no digest
    send_reminders(today=kj101.due_on + timedelta(days=1), plan=zone.plan)
    (lz,) = [n for n in told(zone, "reviewer_lzgxq", Kind.OVERDUE) if "KJ101" in n.title]
    assert lz.title == f"本区2家企业逾期未报:企业创新发展年报表(KJ101){YEAR}"
    assert "兰州乙电子有限公司" in lz.body and "兰州丁无账号有限公司" in lz.body
    assert "兰州甲材料有限公司" not in lz.body and "白银丙" not in lz.body
    assert lz.url == "/reporting/completeness/"
    (by,) = [n for n in told(zone, "reviewer_bygxq", Kind.OVERDUE) if "KJ101" in n.title]
    assert "白银丙有色金属有限公司" in by.body and "兰州" not in by.body
    assert not told(zone, "office") and not told(zone, "evaluator")
    # Run again the same week: nothing new; a week later: a fresh digest.
    send_reminders(today=kj101.due_on + timedelta(days=3), plan=zone.plan)
    send_reminders(today=kj101.due_on + timedelta(days=8), plan=zone.plan)
    assert len([n for n in told(zone, "reviewer_lzgxq", Kind.OVERDUE) if "KJ101" in n.title]) == 2
