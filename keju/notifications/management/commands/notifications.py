"""`keju notifications remind [--today DATE] [--plan CODE]` (daily) and `keju notifications email`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keju.notifications.models import Kind
from keju.notifications.reminders import send_reminders
from keju.notifications.services import email_enabled, send_emails
from keju.planning.models import Plan


class Command(BaseCommand):
    help = (
        "通知:remind 向尚未上报的填报单位发送截止提醒和逾期提醒(每天运行一次,可重复运行,不会重复提醒);"
        "email 重发未成功发送的通知邮件。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="remind|email")
        remind = sub.add_parser("remind", help="发送截止前和逾期提醒")
        remind.add_argument("--today", default=None, help="按这一天计算(YYYY-MM-DD,默认:今天)")
        remind.add_argument("--plan", default=None, help="规划编码(默认:全部规划)")
        sub.add_parser("email", help="重发未成功发送的通知邮件(仅在配置了邮件服务器时)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "email":
            self._email()
            return
        today = _date(options.get("today"))
        plan = _plan(options.get("plan"))
        result = send_reminders(today=today, plan=plan)
        labels = dict(Kind.choices)
        counts = ",".join(f"{labels[k]}{n}条" for k, n in sorted(result.created.items()) if n) or "无新提醒"
        self.stdout.write(
            f"{today or '今天'}:{result.periods}个填报期需要提醒,{result.respondents}个填报单位尚未上报;"
            f"新发通知:{counts}"
        )
        self._email()

    def _email(self) -> None:
        if not email_enabled():
            self.stdout.write("未配置邮件服务器(EMAIL_HOST),只发站内通知")
            return
        sent, failed = send_emails()
        self.stdout.write(f"邮件:发送{sent}封,失败{failed}封")
        if failed:
            self.stderr.write("部分邮件发送失败,原因已记录在通知上;下次运行时重试")


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期“{text}”无法识别,请写成 YYYY-MM-DD,例如 2021-03-25") from None


def _plan(code: str | None) -> Plan | None:
    if not code:
        return None
    plan = Plan.objects.filter(code=code).defer("document").first()
    if plan is None:
        known = "、".join(Plan.objects.values_list("code", flat=True)) or "无"
        raise CommandError(f"没有编码为“{code}”的规划(已载入:{known})")
    return plan
