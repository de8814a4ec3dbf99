"""Dashboard latency (issue 5, Performance): the zone overview and a district page under 20
concurrent users, with the stored results of a national-scale tree, on this machine.

Run:  .venv/bin/python benchmarks/dashboard_latency.py [--clients 20] [--requests 600]
          [--cities 30 --districts 300 --parks 1200] [--quarters] [--workers 2 --threads 8]

What it does, in one run:
1. (Re)creates its own PostgreSQL database (`keju_bench_dash`), migrates it and loads the Lanbai
   plan, then grows the tree to national scale (as benchmarks/metrics_scale.py: 1 zone, 30 cities,
   300 districts, 1,200 parks) and writes, with bulk_create, what a full recompute of that tree
   would store: a yearly IndicatorValue for every indicator × unit × 2014—2020 (with --quarters
   also the 28 quarters), a ProgressAssessment for every indicator with a target and unit,
   and early warnings. The dashboard reads only these stored rows, so their number and shape
   is what matters, not the reports behind them.
2. Starts gunicorn (gthread) with the app as deployed (DEBUG off) and signs in a 省创新办 user.
3. Times each page's first request (building its cache entry) and, warm, 60 requests from a
   single client (the service time without queueing). Warms each worker's cache (the dashboards build their data once per results version), then
   fires `--clients` concurrent clients (threads, one keep-alive httpx client each) at each page
   in turn: the login page (the baseline: same server and stack, one template, no results),
   the zone overview, the district comparison and one district's drill-down page.
4. Prints p50/p95/p99 per page and the ratio of each page's p50/p95 to the baseline's.

The goal: p95 under 200 ms for the overview and a district page.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "keju_bench_dash"
YEARS = list(range(2014, 2021))
STATUSES = [
    "target_achieved",
    "substantial_progress",
    "moderate_progress",
    "limited_progress",
    "negative_progress",
    "insufficient_data",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def recreate_database(name: str) -> str:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "keju.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- the stored results of a national-scale tree ------------------------------------------------


def seed(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from keju.accounts.models import Role
    from keju.accounts.services import assign_role
    from keju.monitoring.models import (
        ComputationRun,
        EarlyWarning,
        IndicatorValue,
        PeriodKind,
        ProgressAssessment,
        RunStatus,
        Trigger,
    )
    from keju.orgs.models import OrgUnit
    from keju.planning.models import Indicator, Target
    from keju.planning.services import load_plan_into_db

    rng = random.Random(2020)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    plan = load_plan_into_db(ROOT / "keju" / "plans" / "lanbai-2015-2020.yaml")
    zone = OrgUnit.objects.zone(plan)
    cities = OrgUnit.objects.bulk_create(
        [
            OrgUnit(plan=plan, code=f"C{c:03d}", name=f"第{c}市", level="city", parent=zone)
            for c in range(args.cities)
        ]
    )
    districts = OrgUnit.objects.bulk_create(
        [
            OrgUnit(
                plan=plan, code=f"D{d:04d}", name=f"第{d}区", level="district", parent=cities[d % len(cities)]
            )
            for d in range(args.districts)
        ]
    )
    OrgUnit.objects.bulk_create(
        [
            OrgUnit(
                plan=plan,
                code=f"P{p:05d}",
                name=f"第{p}园区",
                level="park",
                parent=districts[p % len(districts)],
            )
            for p in range(args.parks)
        ]
    )
    units = list(OrgUnit.objects.filter(plan=plan).order_by("pk"))
    indicators = list(Indicator.objects.filter(plan=plan).order_by("pk"))
    run = ComputationRun.objects.create(
        plan=plan, trigger=Trigger.COMMAND, status=RunStatus.SUCCEEDED, finished_at=timezone.now()
    )
    now = timezone.now()
    periods: list[tuple[str, str, int, int | None]] = [(str(y), PeriodKind.YEAR, y, None) for y in YEARS]
    if args.quarters:
        periods += [(f"{y}Q{q}", PeriodKind.QUARTER, y, q) for y in YEARS for q in range(1, 5)]
    written = 0
    batch: list[IndicatorValue] = []
    for ind in indicators:
        for unit in units:
            level = 1000.0 * rng.uniform(0.5, 2.0)
            for period, kind, year, quarter in periods:
                value = level * 1.1 ** (year - 2014) * (0.25 if quarter else 1.0)
                coverage = 1.0 if year < 2020 else rng.uniform(0.6, 1.0)
                batch.append(
                    IndicatorValue(
                        plan=plan,
                        run=run,
                        org_unit=unit,
                        indicator=ind,
                        period=period,
                        period_kind=kind,
                        year=year,
                        quarter=quarter,
                        numerator=value,
                        value=value,
                        reported=int(100 * coverage),
                        expected=100,
                        coverage=coverage,
                        provisional=coverage < 0.8,
                        computed_at=now,
                    )
                )
            if len(batch) >= 20_000:
                IndicatorValue.objects.bulk_create(batch, batch_size=5_000)
                written += len(batch)
                batch = []
    IndicatorValue.objects.bulk_create(batch, batch_size=5_000)
    written += len(batch)
    targets = {
        (t.indicator_id, t.org_unit_id): t
        for t in Target.objects.filter(indicator__plan=plan, stage__isnull=True, year=plan.plan_end)
    }
    assessments = []
    for ind in indicators:
        for unit in units:
            base = 1000.0 * rng.uniform(0.5, 2.0)
            current = base * 1.1**5
            assessments.append(
                ProgressAssessment(
                    plan=plan,
                    run=run,
                    org_unit=unit,
                    indicator=ind,
                    target=targets.get((ind.pk, unit.pk)),
                    target_kind="level",
                    direction="up",
                    base_year=2014,
                    base_value=base,
                    base_source="computed",
                    current_year=2019,
                    current_value=current,
                    target_year=2020,
                    target_value=base * 2,
                    progress_value=0.8,
                    score=0.8,
                    status=rng.choice(STATUSES),
                    projected_year=2020,
                    projected_value=current * 1.1,
                    projected_lower=current,
                    projected_upper=current * 1.2,
                    projection_points=6,
                    detail={"series": [[y, base * 1.1 ** (y - 2014)] for y in range(2014, 2020)]},
                )
            )
    ProgressAssessment.objects.bulk_create(assessments, batch_size=5_000)
    warnings = [
        EarlyWarning(
            plan=plan,
            run=run,
            org_unit=rng.choice(units),
            indicator=rng.choice(indicators),
            code="progress_slow",
            level=rng.choice(["red", "orange", "yellow"]),
            period=str(rng.choice(YEARS[2:])),
            message="进展偏慢。",
        )
        for _ in range(5_000)
    ]
    EarlyWarning.objects.bulk_create(warnings, batch_size=5_000)
    _analyze()
    user = get_user_model().objects.create_user("bench-office")
    assign_role(user, Role.OFFICE_STAFF, org_unit=zone)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    return {
        "session": session,
        "district": districts[0].code,
        "units": len(units),
        "indicators": len(indicators),
        "values": written,
        "assessments": len(assessments),
        "seconds": time.perf_counter() - t0,
    }


def reuse() -> dict[str, Any]:
    """The figures of an earlier seed() and a fresh session of its user."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from keju.monitoring.models import IndicatorValue, ProgressAssessment
    from keju.orgs.models import OrgUnit
    from keju.planning.models import Indicator

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-office"))
    return {
        "session": client.cookies["sessionid"].value,
        "district": OrgUnit.objects.get(code="D0000").code,
        "units": OrgUnit.objects.count(),
        "indicators": Indicator.objects.count(),
        "values": IndicatorValue.objects.count(),
        "assessments": ProgressAssessment.objects.count(),
        "seconds": 0.0,
    }


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- server and clients -------------------------------------------------------------------------


def start_server(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "keju.settings",
        "DEBUG": "0",
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "keju.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread",
        "--log-level=warning",
        "--backlog=2048",
        "--keep-alive=75",
        "--timeout=300",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_ready(base: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login/", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not become ready")


def fire(
    base: str, path: str, session: str, clients: int, total: int, think: float = 0.0
) -> tuple[list[float], dict[int, int]]:
    """`clients` threads share `total` GETs of `path`; returns the latencies (s) and status counts.

    With `think` > 0 each client pauses between its requests (uniformly 0.5–1.5 × think seconds),
    as a person reading the page does; with 0 every client fires back to back (saturation).
    """
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    left = [total]

    def worker(rng: random.Random) -> None:
        with httpx.Client(base_url=base, cookies={"sessionid": session}, timeout=60) as http:
            while True:
                with lock:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                t = time.perf_counter()
                response = http.get(path)
                elapsed = time.perf_counter() - t
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if think > 0:
                    time.sleep(rng.uniform(0.5, 1.5) * think)

    threads = [threading.Thread(target=worker, args=(random.Random(i),)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=600, help="requests per page")
    parser.add_argument("--cities", type=int, default=30)
    parser.add_argument("--districts", type=int, default=300)
    parser.add_argument("--parks", type=int, default=1200)
    parser.add_argument("--quarters", action="store_true", help="also store the 28 quarters")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause (s) of each user between requests; 0 = back to back (saturation)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the database of an earlier run"
    )
    args = parser.parse_args()

    load_before = os.getloadavg()
    if args.reuse:
        database_url = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
        setup_django(database_url)
        seeded = reuse()
    else:
        database_url = recreate_database(DB_NAME)
        setup_django(database_url)
        seeded = seed(args)
    print(
        f"stored results: {seeded['units']} org units × {seeded['indicators']} indicators → "
        f"{seeded['values']:,} indicator values, {seeded['assessments']:,} assessments, 5,000 warnings "
        f"(seeded in {seeded['seconds']:.0f} s)"
    )
    from django.db import connections

    connections.close_all()
    server = start_server(database_url, args.port, args.workers, args.threads)
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_ready(base)
        pages = {
            "baseline (login page)": "/login/",
            "zone overview": "/dashboard/",
            "district comparison": "/dashboard/districts/",
            "district page": f"/dashboard/units/{seeded['district']}/",
        }
        cold: dict[str, float] = {}
        for name, path in pages.items():  # warm every worker's cache (LocMem: one per process)
            t = time.perf_counter()
            _, statuses = fire(base, path, seeded["session"], 1, 1)
            cold[name] = time.perf_counter() - t
            assert set(statuses) == {200}, (path, statuses)
            fire(base, path, seeded["session"], args.workers * args.threads, args.workers * args.threads * 4)
        alone: dict[str, float] = {}  # one client at a time: the service time without queueing
        for name, path in pages.items():
            latencies, _ = fire(base, path, seeded["session"], 1, 60)
            alone[name] = pct(latencies, 0.5)
        results: dict[str, list[float]] = {}
        for name, path in pages.items():
            latencies, statuses = fire(base, path, seeded["session"], args.clients, args.requests, args.think)
            assert set(statuses) == {200}, (path, statuses)
            results[name] = latencies
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()
    baseline = results["baseline (login page)"]
    print(
        f"gunicorn gthread {args.workers}×{args.threads}, {args.clients} concurrent clients "
        f"({f'think time {args.think:g} s' if args.think else 'back to back'}), "
        f"{args.requests} requests per page, PostgreSQL, {os.cpu_count()} cores; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    print(
        f"{'page':26} {'first (ms)':>10} {'alone p50':>9} {'p50 (ms)':>9} {'p95 (ms)':>9} {'p99 (ms)':>9} {'p50/base':>9} {'p95/base':>9}"
    )
    for name, latencies in results.items():
        p50, p95, p99 = (1000 * pct(latencies, q) for q in (0.5, 0.95, 0.99))
        print(
            f"{name:26} {1000 * cold[name]:10.0f} {1000 * alone[name]:9.1f} {p50:9.1f} {p95:9.1f} {p99:9.1f} "
            f"{p50 / (1000 * pct(baseline, 0.5)):9.2f} {p95 / (1000 * pct(baseline, 0.95)):9.2f}"
        )
    for name in ("zone overview", "district page"):
        p95 = 1000 * pct(results[name], 0.95)
        verdict = "met" if p95 < 200 else f"NOT met (by {p95 - 200:.0f} ms)"
        print(f"goal p95 < 200 ms for the {name}: {verdict}")


if __name__ == "__main__":
    main()
