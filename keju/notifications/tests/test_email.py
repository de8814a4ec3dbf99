"""Email goes out only when configured, after the in-app message, and its failures are
recorded on the notification instead of raised."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from keju.notifications.models import Kind, Notification
from keju.notifications.services import Draft, deliver, send_emails
from keju.reporting import services
from keju.reporting.testing import YEAR, kj101_values

pytestmark = pytest.mark.django_db


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


def with_email(zone, *names: str) -> None:
    for name in names:
        user = zone.user(name)
        user.email = f"{name}@example.cn"
        user.save(update_fields=["email"])


def return_report_of_a(zone, reason: str = "请核对从业人员") -> None:
    report = services.submit(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    services.return_report(report, actor=zone.user("reviewer_lzgxq"), reason=reason)


def test_no_email_unless_configured(zone, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.KEJU_SEND_EMAIL = False
    with_email(zone, "reporter_a")
    with django_capture_on_commit_callbacks(execute=True):
        return_report_of_a(zone)
    assert mailoutbox == []
    n = Notification.objects.get(kind=Kind.REPORT_RETURNED)
    assert n.emailed_at is None and n.email_attempts == 0
    assert send_emails() == (0, 0)


def test_configured_email_is_plain_chinese_text_sent_after_commit(
    zone, mail_on, mailoutbox, django_capture_on_commit_callbacks
):
    mail_on.KEJU_SITE_URL = "https://keju.example.cn"
    mail_on.DEFAULT_FROM_EMAIL = "noreply@keju.example.cn"
    with_email(zone, "reporter_a", "reporter_b")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        return_report_of_a(zone, reason="研发人员多于从业人员")
        assert mailoutbox == []  # nothing leaves before the transaction commits
    assert callbacks
    (mail,) = mailoutbox
    assert mail.to == ["reporter_a@example.cn"] and mail.from_email == "noreply@keju.example.cn"
    assert mail.subject == f"[科聚网] 报表被退回:企业创新发展年报表(KJ101) {YEAR}"
    assert "研发人员多于从业人员" in mail.body
    n = Notification.objects.get(kind=Kind.REPORT_RETURNED)
    assert f"https://keju.example.cn{n.url}" in mail.body
    assert mail.content_subtype == "plain"
    assert n.emailed_at is not None and n.email_attempts == 1 and n.email_error == ""
    # Sending again (the retry pass) does not send it twice.
    assert send_emails() == (0, 0)
    assert len(mailoutbox) == 1


def test_users_without_an_address_get_the_in_app_message_only(
    zone, mail_on, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        return_report_of_a(zone)
    assert mailoutbox == []
    n = Notification.objects.get(kind=Kind.REPORT_RETURNED)
    assert n.emailed_at is None and n.email_attempts == 0 and n.email_error == ""


def test_a_failing_mail_server_is_recorded_not_raised_and_retried(
    zone, mail_on, mailoutbox, django_capture_on_commit_callbacks
):
    with_email(zone, "reporter_a")
    mail_on.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        return_report_of_a(zone)  # no exception reaches the reviewer
    n = Notification.objects.get(kind=Kind.REPORT_RETURNED)
    assert n.emailed_at is None and n.email_attempts == 1
    assert "ConnectionRefusedError" in n.email_error and "refused" in n.email_error
    mail_on.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = StringIO()
    call_command("notifications", "email", stdout=out)
    assert "发送1封,失败0封" in out.getvalue()
    n.refresh_from_db()
    assert n.emailed_at is not None and n.email_attempts == 2 and n.email_error == ""
    assert len(mailoutbox) == 1


def test_gives_up_after_three_attempts_and_skips_stale_notifications(zone, mail_on, mailoutbox):
    with_email(zone, "reporter_a", "reporter_b")
    mail_on.KEJU_SEND_EMAIL = False  # write them without sending
    deliver(
        [
            Draft(zone.user("reporter_a").pk, Kind.REPORT_APPROVED, "t:1", "标题一", "内容一"),
            Draft(zone.user("reporter_b").pk, Kind.REPORT_APPROVED, "t:2", "标题二", "内容二"),
        ]
    )
    mail_on.KEJU_SEND_EMAIL = True
    Notification.objects.filter(dedup_key="t:1").update(email_attempts=3)
    Notification.objects.filter(dedup_key="t:2").update(
        created_at=Notification.objects.get(dedup_key="t:2").created_at - timedelta(days=10)
    )
    assert send_emails() == (0, 0)
    assert mailoutbox == []


def test_remind_command_emails_the_reminders(zone, mail_on, mailoutbox):
    with_email(zone, "reporter_b")
    due = zone.period("KJ101", str(YEAR)).due_on
    out = StringIO()
    call_command("notifications", "remind", "--today", (due - timedelta(days=1)).isoformat(), stdout=out)
    mails = [m for m in mailoutbox if "KJ101" in m.subject]
    assert [m.to for m in mails] == [["reporter_b@example.cn"]]
    assert mails[0].subject == f"[科聚网] 还有1天截止:企业创新发展年报表(KJ101){YEAR}"
    assert "邮件:发送" in out.getvalue()
