"""Completeness (报送率/及时率) and the overdue list on the demo zone, on PostgreSQL.

Run: .venv/bin/python benchmarks/reporting_completeness.py [--database-url postgres://…/keju_bench_completeness] [--keep]

The script drops and recreates its own database (default keju_bench_completeness on this
machine), loads the default demo zone (`keju demo`: about 6,600 enterprises, 2014–2020, every
reporting period), unless --keep reuses what is there. It then times, best of 3:

- floor:        reading the state of every report of the zone once (one query, no JSON) —
                the least any completeness figure over every period has to read;
- completeness: `services.completeness(plan)` over every form and period (the page with no
                filter), with its number of queries;
- one period:   the same for KJ102 of the last quarter (the page filtered on one period);
- overdue:      `services.overdue_respondents(plan)` (the overdue list);

and prints each with its ratio to the floor.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/keju_bench_completeness"


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def best_of(n: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("KEJU_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="reuse the demo already in the database")
    args = parser.parse_args()

    if not args.keep:
        recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keju.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from keju.orgs.models import Enterprise
    from keju.planning.models import Plan
    from keju.reporting import services
    from keju.reporting.models import Report, ReportingPeriod

    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL"
    if not args.keep:
        call_command("migrate", verbosity=0)
        call_command("demo", verbosity=0)
    plan = Plan.objects.defer("document").get()
    periods = ReportingPeriod.objects.filter(plan=plan).count()
    print(
        f"zone: {Enterprise.objects.filter(plan=plan).count()} enterprises, "
        f"{Report.objects.filter(plan=plan).count()} reports, {periods} reporting periods"
    )
    last_q = (
        ReportingPeriod.objects.filter(plan=plan, form_code="KJ102")
        .order_by("-starts_on")
        .values_list("period", flat=True)
        .first()
    )

    def floor() -> int:
        rows = Report.objects.filter(plan=plan).values_list(
            "id", "form_code", "period", "enterprise_id", "status", "first_submitted_at"
        )
        return len(list(rows))

    floor()  # warm-up (and the parsed forms' cache)
    services.completeness(plan)
    base = best_of(3, floor)
    print(f"{'floor: every report state, one query':<44} {base * 1000:8.0f} ms  1.0×")
    for label, call in [
        ("completeness, every period", lambda: services.completeness(plan)),
        (
            f"completeness, KJ102 {last_q}",
            lambda: services.completeness(plan, form_code="KJ102", period=last_q),
        ),
        ("overdue list", lambda: services.overdue_respondents(plan)),
    ]:
        with CaptureQueriesContext(connection) as captured:
            call()
        s = best_of(3, call)
        print(f"{label:<44} {s * 1000:8.0f} ms  {s / base:5.1f}×  ({len(captured)} queries)")


if __name__ == "__main__":
    main()
