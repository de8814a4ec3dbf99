"""`keju publication list|draft|review|publish|withdraw|reject` — the release workflow from the shell."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from keju.publishing import services
from keju.publishing.models import Publication
from keju.web.summaries import current_plan


class Command(BaseCommand):
    help = "出版物发布流程:起草、审核、发布、撤回(按用户的角色检查权限)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "draft", "review", "publish", "withdraw", "reject"])
        parser.add_argument("id", nargs="?", type=int, help="出版物编号(审核、发布、撤回、作废时)")
        parser.add_argument("--user", help="以该用户名执行(权限按其角色)")
        parser.add_argument("--kind", choices=["annual", "quarterly"], help="起草时:出版物类型")
        parser.add_argument("--period", help="起草时:期别,如 2020 或 2020Q3")
        parser.add_argument("--plan", help="规划代码(默认最近载入的规划)")
        parser.add_argument("--reason", default="", help="撤回或作废原因")
        parser.add_argument("--note", default="", help="审核意见")

    def handle(self, *args: Any, **opts: Any) -> None:
        plan = current_plan(opts["plan"])
        if plan is None:
            raise CommandError("尚未载入规划,请先运行 keju plan load")
        if opts["action"] == "list":
            for pub in Publication.objects.filter(plan=plan).defer("pdf", "docx", "snapshot"):
                self.stdout.write(
                    f"{pub.pk}\t{pub.get_status_display()}\t{pub.number_label or '—'}\t{pub.title}"
                )
            return
        user = get_user_model().objects.filter(username=opts["user"] or "").first()
        if user is None:
            raise CommandError("请用 --user 指定一个存在的用户名")
        try:
            if opts["action"] == "draft":
                if not opts["kind"] or not opts["period"]:
                    raise CommandError("起草需要 --kind 和 --period")
                pub = services.create_draft(actor=user, plan=plan, kind=opts["kind"], period=opts["period"])
                for problem in pub.problems:
                    self.stderr.write(f"问题:{problem}")
            else:
                pub = Publication.objects.filter(plan=plan, pk=opts["id"]).first()
                if pub is None:
                    raise CommandError(f"没有编号为 {opts['id']} 的出版物")
                pub = {
                    "review": lambda: services.review(pub, actor=user, note=opts["note"]),
                    "publish": lambda: services.publish(pub, actor=user),
                    "withdraw": lambda: services.withdraw(pub, actor=user, reason=opts["reason"]),
                    "reject": lambda: services.reject(pub, actor=user, reason=opts["reason"]),
                }[opts["action"]]()
        except services.PublishingError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{pub.pk}\t{pub.get_status_display()}\t{pub.number_label or '—'}\t{pub.title}")
