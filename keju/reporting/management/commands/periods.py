"""`keju periods list|open|close|due`: reporting periods and their deadlines (the office's tool)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from keju.planning.models import Plan
from keju.reporting.models import ReportingPeriod
from keju.reporting.services import ReportingError, close_period, open_period, set_due_date


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期“{text}”格式错误,应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "List, open and close reporting periods and move their due dates."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--plan", help="plan code (default: the only plan)")
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="periods with due dates")
        for name, text in (
            ("open", "open (or reopen) a period"),
            ("close", "close a period"),
            ("due", "move a due date"),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("form")
            p.add_argument("period")
            if name in ("open", "due"):
                p.add_argument("--due", help="due date YYYY-MM-DD (due: omit to restore the form's default)")

    def _plan(self, code: str | None) -> Plan:
        plans = Plan.objects.defer("document")
        if code:
            plan = plans.filter(code=code).first()
            if plan is None:
                raise CommandError(f"规划“{code}”不存在")
            return plan
        found = list(plans[:2])
        if len(found) != 1:
            raise CommandError(
                "请用 --plan 指定规划" if found else "数据库中还没有规划,请先运行 keju plan load"
            )
        return found[0]

    def handle(self, *args: Any, action: str, plan: str | None = None, **options: Any) -> None:
        chosen = self._plan(plan)
        try:
            if action == "list":
                for p in ReportingPeriod.objects.filter(plan=chosen).order_by("form_code", "starts_on"):
                    state = "开放" if p.is_open else "关闭"
                    moved = "(已调整)" if p.due_overridden else ""
                    self.stdout.write(f"{p.form_code}\t{p.period}\t{state}\t截止 {p.due_on}{moved}")
                return
            if action == "open":
                due = _date(options["due"]) if options.get("due") else None
                row = open_period(chosen, options["form"], options["period"], due_on=due)
                self.stdout.write(f"已开放 {row.form_code} {row.period},截止 {row.due_on}")
                return
            row = ReportingPeriod.objects.filter(
                plan=chosen, form_code=options["form"], period=options["period"]
            ).first()
            if row is None:
                raise CommandError(f"填报期 {options['form']} {options['period']} 不存在")
            if action == "close":
                close_period(row)
                self.stdout.write(f"已关闭 {row.form_code} {row.period}")
            else:
                row = set_due_date(row, _date(options["due"]) if options.get("due") else None)
                self.stdout.write(f"{row.form_code} {row.period} 截止日期为 {row.due_on}")
        except ReportingError as exc:
            raise CommandError(exc.message) from None
