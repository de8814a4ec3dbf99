"""`keju demo`: fill the database with the calibrated demo zone and demo accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from keju.demo.persist import DemoError, DemoResult, run_demo
from keju.plan import PlanError


class Command(BaseCommand):
    help = "生成演示数据:兰白试验区企业名录、2014年起各年报表(按专栏1校准)和各角色演示账号;再次运行将替换上次的演示数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2015, help="随机种子(默认2015)")
        parser.add_argument(
            "--enterprises", type=int, default=None, help="企业名录总户数(默认按规划约6600户)"
        )
        parser.add_argument("--years", type=int, default=7, help="年数,自2014年起(默认7:2014—2020)")
        parser.add_argument("--plan", default=str(settings.KEJU_DEFAULT_PLAN), help="规划文件")
        parser.add_argument("--no-accounts", action="store_true", help="不创建演示账号")
        parser.add_argument("--output-dir", default=None, help="另将数据写为Parquet文件的目录")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["years"] < 1:
            raise CommandError("--years 至少为1")
        try:
            result = run_demo(
                Path(options["plan"]),
                seed=options["seed"],
                enterprises=options["enterprises"],
                years=range(2014, 2014 + options["years"]),
                accounts=not options["no_accounts"],
                output_dir=options["output_dir"],
                log=self.stdout.write,
            )
        except (DemoError, PlanError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self._print(result)

    def _print(self, result: DemoResult) -> None:
        out = self.stdout.write
        zone = result.zone
        out(
            self.style.SUCCESS(
                f"演示数据已写入:企业{zone.enterprises.height}户,{zone.years[0]}—{zone.years[-1]}年,"
                f"随机种子{zone.seed}"
            )
        )
        if result.accounts:
            out("\n演示账号")
            rows = [(a.username, a.password, a.role, a.scope) for a in result.accounts]
            out(_table(("用户名", "密码", "角色", "范围"), rows))
        out(f"\n{zone.years[0]}年试验区主要指标(由数据库中的报表计算)与专栏1对照")
        rows = [
            (
                r["name"],
                r["unit"],
                _number(r["plan"]),
                _number(r["computed"]),
                "" if r["diff_pct"] is None else f"{r['diff_pct']:+.2f}%",
            )
            for r in result.headline.iter_rows(named=True)
        ]
        out(_table(("指标", "单位", "专栏1", "计算值", "偏差"), rows))
        times = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
        out(f"\n用时:{times}")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            str(c) + " " * (w - _width(str(c))) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])
