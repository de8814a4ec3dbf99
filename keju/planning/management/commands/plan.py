"""`keju plan load [FILE]` (and `check`/`export`, which need no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "载入规划文件到数据库(load),或检查/导出规划文件(check、export)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="校验规划文件并载入数据库(重复载入即更新)")
        load.add_argument("file", nargs="?", help="规划文件,默认为 settings.KEJU_DEFAULT_PLAN")
        # check/export belong to keju.plan.cli; accept anything after them and pass it on.
        for name in ("check", "export"):
            p = sub.add_parser(name, help=f"同 keju plan {name},不需要数据库", add_help=False)
            p.add_argument("rest", nargs="*")

    def run_from_argv(self, argv: list[str]) -> None:
        # `keju plan check …` normally never gets here (keju.cli handles it first); when it
        # does, hand the raw arguments to the plan CLI so its options work unchanged.
        if len(argv) >= 3 and argv[2] in {"check", "export"}:
            from keju.plan.cli import run

            raise SystemExit(run(argv[2:]))
        super().run_from_argv(argv)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action in {"check", "export"}:
            from keju.plan.cli import run

            code = run([action, *options["rest"]])
            if code:
                raise CommandError(f"keju plan {action} 失败", returncode=code)
            return
        self.load(options["file"] or settings.KEJU_DEFAULT_PLAN)

    def load(self, file: str | Path) -> None:
        from keju.planning.services import PlanError, PlanLoadError, load_plan_into_db

        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到规划文件:{path}")
        try:
            plan = load_plan_into_db(path)
        except (PlanError, PlanLoadError) as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{path}: 共{len(exc.problems)}处问题,未载入") from None
        self.stdout.write(self.style.SUCCESS(f"已载入规划“{plan.title}”({plan.code}),来自 {path}"))
