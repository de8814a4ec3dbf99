"""The `keju` console command.

`keju plan check|export` and `keju progress assess` run on the pure core and need no database; every other
command is a Django management command (`keju migrate`, `keju demo`,
`keju plan load`, `keju runserver` …).
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) >= 2 and args[0] == "plan" and args[1] in {"check", "export"}:
        from keju.plan.cli import run

        return run(args[1:])
    if len(args) >= 2 and args[0] == "progress" and args[1] == "assess":
        from keju.metrics.cli import run as run_progress

        return run_progress(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keju.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["keju", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
