"""`keju enterprises import FILE.csv`: enter enterprises in the register from a CSV file."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keju.orgs.services import ROW_FIELDS, RegisterError, bulk_register
from keju.planning.models import Plan

# Column headings accepted besides the field names themselves.
HEADINGS = {
    "企业名称": "name",
    "统一社会信用代码": "credit_code",
    "国民经济行业分类代码": "industry_code",
    "行业代码": "industry_code",
    "区代码": "district_code",
    "园区代码": "park_code",
    "成立日期": "opened_on",
    "注销日期": "closed_on",
    "规模以上工业企业": "is_above_scale",
    "规上": "is_above_scale",
    "高新技术企业": "is_high_tech_enterprise",
    "高技术产业": "high_tech_industry",
    "高技术产业(制造业)分类": "high_tech_industry",
    "战略性新兴产业": "strategic_emerging",
    "战略性新兴产业分类": "strategic_emerging",
    "产业链": "industry_chain",
}
REQUIRED = ("name", "credit_code", "industry_code", "district_code", "opened_on")
# The first heading listed for each field, to name a missing column the way users write it.
LABELS = {field: heading for heading, field in reversed(HEADINGS.items())}


def read_text(path: Path) -> str:
    """CSV files saved by Excel in China are often GB18030, not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


class Command(BaseCommand):
    help = "企业名录:从CSV文件导入企业(import)。任一行有误则不导入任何企业。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="从CSV文件导入企业,首行为列名")
        imp.add_argument("file", help="CSV文件(UTF-8或GB18030编码)")
        imp.add_argument("--plan", help="规划代码;只有一个规划时可省略")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = self.plan(options["plan"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件:{path}")
        reader = csv.DictReader(io.StringIO(read_text(path)))
        columns = {h: HEADINGS.get(h.strip(), h.strip()) for h in reader.fieldnames or []}
        unknown = [h for h, f in columns.items() if f not in ROW_FIELDS]
        missing = [f for f in REQUIRED if f not in columns.values()]
        if unknown or missing:
            for h in unknown:
                self.stderr.write(f"第1行 未知的列“{h}”")
            for f in missing:
                self.stderr.write(f"第1行 缺少列“{LABELS.get(f, f)}”")
            raise CommandError(f"{path}: 列名有误,未导入任何企业")
        # Line numbers as a spreadsheet shows them: the heading is line 1.
        rows = ({columns[h]: v for h, v in row.items() if h is not None} for row in reader)
        try:
            count = bulk_register(plan, rows, first_row=2)
        except RegisterError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{path}: 共{len(exc.messages)}处错误,未导入任何企业") from None
        self.stdout.write(self.style.SUCCESS(f"已导入{count}家企业到“{plan.title}”"))

    def plan(self, code: str | None) -> Plan:
        plans = Plan.objects.all()
        if code:
            plans = plans.filter(code=code)
        found = list(plans[:2])
        if not found:
            raise CommandError(f"找不到规划“{code}”" if code else "数据库中没有规划,请先运行 keju plan load")
        if len(found) > 1:
            raise CommandError("数据库中有多个规划,请用 --plan 指定规划代码")
        return found[0]
