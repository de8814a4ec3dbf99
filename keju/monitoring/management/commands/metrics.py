"""`keju metrics recompute [--plan CODE] [--years 2019 2020]`: recompute and store the indicators."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keju.monitoring.services import MonitoringError, recompute
from keju.planning.models import Plan


class Command(BaseCommand):
    help = "指标计算:recompute 由审核通过的报表重新计算全部指标值、目标进展、预警、发展指数和考核评价,并整体替换已存结果。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="recompute")
        run = sub.add_parser("recompute", help="全量重算并保存(读者只会看到上一次或本次的完整结果)")
        run.add_argument("--plan", default=None, help="规划编码(默认:最近载入的规划)")
        run.add_argument(
            "--years", type=int, nargs="+", default=None, help="只重算这些年份的指标值(默认:全部年份)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = _plan(options.get("plan"))
        years = options.get("years")
        if years and any(y < 1900 or y > 2200 for y in years):
            raise CommandError(f"年份无效:{' '.join(str(y) for y in years)}")
        try:
            run = recompute(plan, years=years, log_to=self.stdout.write)
        except MonitoringError as exc:
            raise CommandError(str(exc)) from exc
        for error in run.errors:
            self.stderr.write(f"  {error}")
        self.stdout.write(self.style.SUCCESS(f"规划“{plan.title}”的指标已重新计算(计算批次 #{run.pk})"))


def _plan(code: str | None) -> Plan:
    plans = Plan.objects.order_by("-loaded_at")
    if code:
        plan = plans.filter(code=code).first()
        if plan is None:
            known = "、".join(Plan.objects.values_list("code", flat=True)) or "无"
            raise CommandError(f"没有编码为“{code}”的规划(已载入:{known})")
        return plan
    plan = plans.first()
    if plan is None:
        raise CommandError("数据库中还没有规划,请先运行 keju plan load 或 keju demo")
    return plan
