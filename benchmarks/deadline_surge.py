"""Deadline surge: many enterprise reporters submitting their annual form through the API at
once, against the app under gunicorn on this machine's PostgreSQL.

Run:  .venv/bin/python benchmarks/deadline_surge.py [--enterprises 1200] [--concurrency 32] [--flow one-call]

What it does, in one run:
1. (Re)creates its own database (`keju_bench_surge`), migrates it and seeds a demo zone of
   2014–2015 (approved reports: last year's figures and industry peers for the edit checks),
   opens KJ101 2016 and gives every expected respondent a reporter account and API token.
2. Starts gunicorn (gthread workers) with benchmark-only settings that add /bench/floor: the
   same stack — token auth, django-ninja, one transaction — writing one row.
3. Surge: `--concurrency` simulated reporters at a time, each opening its report and submitting
   this year's figures (last year's × growth). Some first send an invalid form (a hard error or
   text in a number cell) and fix it; warnings are answered with explanations, as a client
   would; some retry the submission with the same Idempotency-Key after it succeeded, and some
   send it twice at the same moment (a retry racing the original).
4. Floor: the same concurrency on /bench/floor, before the surge (one request per reporter) and
   after it (as many requests as the surge made); its rate is over both.
5. Verifies in the database: every acknowledged submission is stored at the acknowledged
   version, nothing unacknowledged is, and no report, version, audit entry or idempotency
   record is duplicated.

Prints sustained accepted submissions/s, p50/p99 latency, the floor, and the ratios.

`--in-process`: no server and no HTTP; the same reporters and the floor answered by Django's
test client in this process, one request at a time, each reporter followed by two floor
requests. Prints the CPU time per request (this process's, and the PostgreSQL backend's when
the database runs on this machine) of each kind and of a whole accepted submission against the
floor's: CPU time, so robust to the machine's load. `--orm` measures the submission endpoints'
ORM path instead of their SQL hot path (keju/reporting/services/fastpath.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PERIOD = "2016"
FORM = "KJ101"


@dataclass
class Reporter:
    token: str
    enterprise_id: int
    last: dict[str, Any]
    kind: str  # plain | invalid | retry | double


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {})
    statuses: Counter[str] = field(default_factory=Counter)
    accepted: dict[int, int] = field(default_factory=dict)  # report id → acknowledged version
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    invalid_refused: int = 0
    warnings_explained: int = 0
    retries_ok: int = 0
    network_retries: int = 0

    def record(self, kind: str, seconds: float, status: int) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.statuses[f"{kind} {status}"] += 1
        self.requests += 1


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- database and seed ----------------------------------------------------------------------


def recreate_database(name: str) -> str:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "surge_settings"
    sys.path[:0] = [str(BENCH), str(ROOT)]
    import django

    django.setup()


def seed(enterprises: int, rng: random.Random, shares: dict[str, float]) -> list[Reporter]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from keju.accounts.models import ApiToken, Role, RoleAssignment
    from keju.accounts.tokens import hash_token
    from keju.demo.persist import run_demo
    from keju.reporting import services
    from keju.reporting.models import Report

    call_command("migrate", verbosity=0)
    result = run_demo(
        settings.KEJU_DEFAULT_PLAN, seed=2016, enterprises=enterprises, years=[2014, 2015], accounts=False
    )
    plan = result.plan
    services.open_period(plan, FORM, PERIOD)
    expected = services.expected_respondents(plan, FORM, PERIOD)["enterprise_id"].to_list()
    last = dict(
        Report.objects.filter(
            plan=plan, form_code=FORM, period=str(int(PERIOD) - 1), enterprise_id__in=expected
        ).values_list("enterprise_id", "values")
    )
    ids = [e for e in expected if e in last]
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"r{e}", password="!") for e in ids])
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=u, role=Role.ENTERPRISE_REPORTER, enterprise_id=e)
            for u, e in zip(users, ids, strict=True)
        ]
    )
    tokens = [f"kj_{secrets.token_urlsafe(32)}" for _ in ids]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, name="surge", key_hash=hash_token(t), prefix=t[:10])
            for u, t in zip(users, tokens, strict=True)
        ]
    )
    kinds = list(shares)
    weights = list(shares.values())
    return [Reporter(t, e, last[e], rng.choices(kinds, weights)[0]) for t, e in zip(tokens, ids, strict=True)]


# --- the server -----------------------------------------------------------------------------


def start_server(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "surge_settings",
        "PYTHONPATH": f"{BENCH}:{ROOT}",
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
        "--keep-alive=75",  # longer than the client keeps idle connections
        "--timeout=120",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


async def wait_ready(base: str, token: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            try:
                r = await client.get("/api/reporting/forms", headers={"Authorization": f"Bearer {token}"})
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit("gunicorn did not become ready")


# --- simulated reporters --------------------------------------------------------------------


def this_year(last: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    values = dict(last)
    growth = 1 + rng.uniform(-0.05, 0.12)
    for key, value in last.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if isinstance(value, int):
            values[key] = max(0, round(value * growth))
        else:
            values[key] = round(value * growth, 1)
    # Keep the parts within their wholes after rounding.
    if values.get("rd_personnel", 0) > values.get("employees", 0):
        values["rd_personnel"] = values["employees"]
    if "rd_personnel_fte" in values and values["rd_personnel_fte"] > values.get("rd_personnel", 0):
        values["rd_personnel_fte"] = values.get("rd_personnel", 0)
    return values


async def call(
    client: Any, stats: Stats, kind: str, method: str, url: str, token: str, body: Any, key: str | None = None
) -> Any:
    """One request; a network error is retried with the same Idempotency-Key, as a client would."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    for attempt in range(4):
        start = time.perf_counter()
        try:
            response = await client.request(method, url, json=body, headers=headers)
        except httpx.TransportError:
            stats.network_retries += 1
            await asyncio.sleep(0.1 * (attempt + 1))
            continue
        stats.record(kind, time.perf_counter() - start, response.status_code)
        return response
    raise RuntimeError(f"{method} {url}: network errors on every attempt")


async def one_reporter(client: Any, r: Reporter, stats: Stats, rng: random.Random, one_call: bool) -> None:
    """Two-step: open the report (its id and version), then submit to it. One-call: POST
    /submissions with the form and period (what a pushing system does)."""
    values = this_year(r.last, rng)
    if one_call:
        url = "/api/reporting/submissions"
        head: dict[str, Any] = {"form": FORM, "period": PERIOD}
        rid = None
    else:
        opened = await call(
            client, stats, "open", "POST", "/api/reporting/reports", r.token, {"form": FORM, "period": PERIOD}
        )
        if opened.status_code != 200:
            stats.problems.append(f"open {r.enterprise_id}: {opened.status_code} {opened.text[:200]}")
            return
        rid = opened.json()["id"]
        url = f"/api/reporting/reports/{rid}/submit"
        head = {"version": opened.json()["version"]}
    if r.kind == "invalid":
        bad = dict(values)
        if rng.random() < 0.5:
            bad["rd_personnel"] = int(values.get("employees", 0)) + 5  # R&D人员多于从业人员
        else:
            bad["revenue"] = "一千二百万左右"  # text in a number cell
        refused = await call(
            client, stats, "submit", "POST", url, r.token, {**head, "values": bad}, str(uuid.uuid4())
        )
        if refused.status_code != 422:
            stats.problems.append(f"invalid form of {r.enterprise_id} answered {refused.status_code}")
        else:
            stats.invalid_refused += 1
    explanations: dict[str, str] = {}
    for _attempt in range(3):
        body = {**head, "values": values, "explanations": explanations}
        key = str(uuid.uuid4())
        if r.kind == "double":
            first, second = await asyncio.gather(
                call(client, stats, "submit", "POST", url, r.token, body, key),
                call(client, stats, "submit", "POST", url, r.token, body, key),
            )
            if first.status_code == 200 and (
                second.status_code != 200 or second.json()["version"] != first.json()["version"]
            ):
                stats.problems.append(f"racing retry of {rid}: {second.status_code} {second.text[:200]}")
            elif first.status_code == 200:
                stats.retries_ok += 1
            response = first
        else:
            response = await call(client, stats, "submit", "POST", url, r.token, body, key)
        if response.status_code == 200:
            acked = response.json()["version"]
            rid = response.json()["id"]
            stats.accepted[rid] = acked
            if r.kind == "retry":
                again = await call(client, stats, "submit", "POST", url, r.token, body, key)
                if again.status_code != 200 or again.json()["version"] != acked:
                    stats.problems.append(f"retry of {rid}: {again.status_code} {again.text[:200]}")
                else:
                    stats.retries_ok += 1
            return
        error = response.json()
        if response.status_code == 422 and error.get("code") == "unexplained_warnings":
            explanations = {f["code"]: "数据已与企业年度财务报表核对,情况属实" for f in error["findings"]}
            stats.warnings_explained += 1
            continue
        stats.problems.append(f"submit {rid}: {response.status_code} {error}")
        return
    stats.problems.append(f"submit {rid}: still refused after explaining")


async def surge(
    base: str, reporters: list[Reporter], concurrency: int, seed: int, one_call: bool
) -> tuple[Stats, float]:
    import httpx

    stats = Stats()
    queue: asyncio.Queue[Reporter] = asyncio.Queue()
    for r in reporters:
        queue.put_nowait(r)
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            while not queue.empty():
                await one_reporter(client, queue.get_nowait(), stats, rng, one_call)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return stats, time.perf_counter() - start


async def floor(base: str, tokens: list[str], requests: int, concurrency: int) -> tuple[Stats, float]:
    import httpx

    stats = Stats()
    remaining = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            for i in remaining:
                response = await call(
                    client, stats, "floor", "POST", "/bench/floor", tokens[i % len(tokens)], {}
                )
                if response.status_code != 200:
                    stats.problems.append(f"floor: {response.status_code}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return stats, time.perf_counter() - start


# --- verification -----------------------------------------------------------------------------


def verify(stats: Stats) -> list[str]:
    from django.db.models import Count

    from keju.reporting.models import AuditEntry, IdempotencyRecord, Report, ReportVersion

    problems = []
    stored = dict(
        Report.objects.filter(form_code=FORM, period=PERIOD, status="submitted").values_list("id", "version")
    )
    if stored != stats.accepted:
        missing = set(stats.accepted) - set(stored)
        extra = set(stored) - set(stats.accepted)
        wrong = {k for k in set(stored) & set(stats.accepted) if stored[k] != stats.accepted[k]}
        problems.append(
            f"acknowledged ≠ stored: {len(missing)} missing, {len(extra)} unacknowledged, {len(wrong)} at another version"
        )
    per_enterprise = (
        Report.objects.filter(form_code=FORM, period=PERIOD).values("enterprise_id").annotate(n=Count("id"))
    )
    if per_enterprise.filter(n__gt=1).exists():
        problems.append("duplicate reports for one enterprise")
    versions = (
        ReportVersion.objects.filter(report__period=PERIOD, action="submit")
        .values("report_id")
        .annotate(n=Count("id"))
    )
    if versions.filter(n__gt=1).exists():
        problems.append("a submission stored twice (versions)")
    audit = (
        AuditEntry.objects.filter(report__period=PERIOD, action="submit")
        .values("report_id")
        .annotate(n=Count("id"))
    )
    if audit.filter(n__gt=1).exists():
        problems.append("a submission audited twice")
    if audit.count() != len(stored):
        problems.append(f"{audit.count()} submit audit entries for {len(stored)} submitted reports")
    keys = IdempotencyRecord.objects.filter(operation="submit", result_version__isnull=False).count()
    if keys != len(stored):
        problems.append(f"{keys} completed idempotency records for {len(stored)} submissions")
    return problems


# --- in process --------------------------------------------------------------------------------


class InProcessClient:
    """The httpx calls of the simulated reporters answered by Django's test client in this
    process. Each request's CPU time is recorded per kind: this process's (`time.process_time`)
    and, when PostgreSQL runs on this machine, that of the database backend serving this
    process's connection (from /proc; clock ticks, so meaningful summed over many requests).
    Both are CPU time, robust to the machine's load. Requests run one at a time (a "double"
    retry comes after the first)."""

    def __init__(self) -> None:
        from django.db import connection
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1")  # the surge settings allow no other host
        self.cpu: dict[str, list[float]] = {}
        self.db_cpu: dict[str, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")
        self.connection = connection
        self.backend: tuple[Any, int] | None = None

    def backend_seconds(self) -> float | None:
        """CPU time of the backend serving the connection in use (the event loop's context has
        its own; looked up again when Django opens a new one)."""
        self.connection.ensure_connection()
        if self.backend is None or self.backend[0] is not self.connection.connection:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = (self.connection.connection, cursor.fetchone()[0])
        pid = self.backend[1]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime

    @staticmethod
    def kind(method: str, url: str, status: int) -> str:
        if url.startswith("/bench/floor"):
            return "floor"
        if url.endswith("/submissions") or url.endswith("/submit"):
            return f"submit {status}"
        return f"{method.lower()} {status}"

    async def request(self, method: str, url: str, json: Any = None, headers: Any = None) -> Any:
        import json as json_module

        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        db_before = self.backend_seconds()
        start = time.process_time()
        response = self.client.generic(
            method, url, json_module.dumps(json), content_type="application/json", **extra
        )
        spent = time.process_time() - start
        kind = self.kind(method, url, response.status_code)
        self.cpu.setdefault(kind, []).append(spent)
        db_after = self.backend_seconds()
        if db_before is not None and db_after is not None:
            self.db_cpu[kind] = self.db_cpu.get(kind, 0.0) + db_after - db_before
        return _Answer(response)


class _Answer:
    def __init__(self, response: Any) -> None:
        self.status_code = response.status_code
        self.content = response.content

    def json(self) -> Any:
        import json as json_module

        return json_module.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode()


def in_process(reporters: list[Reporter], seed: int, one_call: bool, floor_per_reporter: int = 2) -> None:
    """CPU per request of the submission flow and of the floor, in this process (no HTTP, no
    gunicorn), the database as in the surge. Each reporter's flow is followed by floor
    requests, so both see the same machine (its load, its caches). Prints both and the ratio."""
    import gc

    from keju.planning.models import Plan
    from keju.reporting.services import forms_for
    from keju.validation.checks import compile_form

    for plan in Plan.objects.defer("document"):  # parsed and compiled once per process, as in a server
        for form in forms_for(plan).values():
            compile_form(form)
    client = InProcessClient()
    stats = Stats()
    floor_stats = Stats()
    rng = random.Random(seed)
    tokens = [r.token for r in reporters]

    async def run() -> None:
        for i in range(50):  # warm-up: imports, the connection
            await call(client, floor_stats, "floor", "POST", "/bench/floor", tokens[i % len(tokens)], {})
        client.cpu.clear()
        for i, r in enumerate(reporters):
            await one_reporter(client, r, stats, rng, one_call)
            for _ in range(floor_per_reporter):
                # The reporter's own token, just used: as in the surge's floor run, the floor
                # never pays the token's last-use write (once a minute per token).
                await call(client, floor_stats, "floor", "POST", "/bench/floor", tokens[i], {})

    # The reporters' coroutines are reused as they are; every request runs synchronously inside
    # them, one at a time, so Django's guard against database calls in an event loop is moot.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    gc.collect()
    asyncio.run(run())
    floor_cpu = client.cpu.pop("floor")
    floor_db = client.db_cpu.pop("floor", 0.0)
    floor_ms = 1000 * sum(floor_cpu) / len(floor_cpu)
    floor_db_ms = 1000 * floor_db / len(floor_cpu)
    accepted = len(stats.accepted)
    print(
        f"flow {'one-call' if one_call else 'two-step'} in process, {accepted} reporters; "
        "CPU per request, Django (+ PostgreSQL):"
    )
    for kind in sorted(client.cpu):
        cpu = client.cpu[kind]
        ms = 1000 * sum(cpu) / len(cpu)
        db_ms = 1000 * client.db_cpu.get(kind, 0.0) / len(cpu)
        print(
            f"  {kind:<12} {ms:6.2f} ms (+ {db_ms:4.2f}) n={len(cpu):<5} "
            f"{ms / floor_ms:.2f}× the floor ({(ms + db_ms) / (floor_ms + floor_db_ms):.2f}× with the database)"
        )
    print(f"  floor        {floor_ms:6.2f} ms (+ {floor_db_ms:4.2f}) n={len(floor_cpu)}")
    per_accepted = 1000 * sum(sum(v) for v in client.cpu.values()) / accepted
    per_accepted_db = 1000 * sum(client.db_cpu.values()) / accepted
    both = per_accepted + per_accepted_db
    print(
        f"per accepted submission, every request of the flow included: {per_accepted:.2f} ms "
        f"(+ {per_accepted_db:.2f}) = {per_accepted / floor_ms:.2f} floor requests "
        f"({both / (floor_ms + floor_db_ms):.2f} with the database)"
    )
    print(
        f"in-process ratio (floor ÷ per accepted submission): {floor_ms / per_accepted:.2f}, "
        f"{(floor_ms + floor_db_ms) / both:.2f} with the database (goal ≥ 0.40)"
    )
    ok = client.cpu.get("submit 200", [])
    if ok:
        sub_ms = 1000 * sum(ok) / len(ok)
        print(
            f"one accepted submission request: {sub_ms:.2f} ms = {sub_ms / floor_ms:.2f}× the floor (aim ≤ 2.5×)"
        )
    problems = stats.problems + floor_stats.problems + verify(stats)
    if problems:
        print("PROBLEMS:")
        for p in problems[:30]:
            print("  " + p)
        raise SystemExit(1)
    print("verified: acknowledged = stored, no duplicates")


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1200, help="demo zone size (reporters ≈ this)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="keju_bench_surge")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--flow",
        choices=["two-step", "one-call"],
        default="two-step",
        help="two-step: open then submit (an interactive client); one-call: POST /submissions",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="no server: CPU per request of the flow and of the floor in this process (Django test client)",
    )
    parser.add_argument(
        "--orm",
        action="store_true",
        help="the submission endpoints' ORM path instead of their SQL hot path (for comparison)",
    )
    args = parser.parse_args()
    if args.orm:
        os.environ["KEJU_REPORTING_FAST_PATH"] = "0"  # read by surge_settings, here and in gunicorn
    rng = random.Random(args.seed)
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was

    t0 = time.perf_counter()
    database_url = recreate_database(args.database)
    setup_django(database_url)
    shares = {"plain": 0.65, "invalid": 0.12, "retry": 0.15, "double": 0.08}
    reporters = seed(args.enterprises, rng, shares)
    print(
        f"seeded {len(reporters)} reporters in {time.perf_counter() - t0:.1f} s ({dict(Counter(r.kind for r in reporters))})"
    )

    if args.in_process:
        in_process(reporters, args.seed, args.flow == "one-call")
        return

    base = f"http://127.0.0.1:{args.port}"
    server = start_server(database_url, args.port, args.workers, args.threads)
    try:
        asyncio.run(wait_ready(base, reporters[0].token))
        tokens = [r.token for r in reporters]
        # Warm-up and the floor before the surge with a few tokens only, so that the surge's
        # reporters still pay their tokens' first use (last_used_at is written once a minute).
        asyncio.run(floor(base, tokens[:16], 200, args.concurrency))
        before, before_s = asyncio.run(floor(base, tokens[:16], len(reporters), args.concurrency))
        surge_stats, surge_s = asyncio.run(
            surge(base, reporters, args.concurrency, args.seed, args.flow == "one-call")
        )
        # The floor around the surge, before and after: the machine is shared, its load drifts.
        after, after_s = asyncio.run(floor(base, tokens, surge_stats.requests, args.concurrency))
        floor_stats, floor_s = after, before_s + after_s
        floor_stats.requests += before.requests
        floor_stats.latencies["floor"] = before.latencies.get("floor", []) + after.latencies.get("floor", [])
        floor_stats.problems += before.problems
    finally:
        server.terminate()
        server.wait(30)

    from django.db import connections

    connections.close_all()
    problems = surge_stats.problems + floor_stats.problems + verify(surge_stats)
    accepted = len(surge_stats.accepted)
    submit = surge_stats.latencies.get("submit", [])
    every = [x for v in surge_stats.latencies.values() for x in v]
    floor_lat = floor_stats.latencies.get("floor", [])
    sub_rate = accepted / surge_s
    req_rate = surge_stats.requests / surge_s
    floor_rate = floor_stats.requests / floor_s
    print(
        f"flow {args.flow} ({'ORM path' if args.orm else 'SQL hot path'}); gunicorn gthread "
        f"{args.workers}×{args.threads}, {args.concurrency} concurrent clients, "
        f"PostgreSQL, {os.cpu_count()} cores, load average at the start {load_before:.1f}"
    )
    print(
        f"surge: {accepted} accepted submissions in {surge_s:.1f} s = {sub_rate:.1f} submissions/s "
        f"({surge_stats.requests} requests, {req_rate:.1f} req/s)"
    )
    print(
        f"  invalid forms refused {surge_stats.invalid_refused}, warnings explained {surge_stats.warnings_explained}, "
        f"idempotent retries answered {surge_stats.retries_ok}, network errors retried {surge_stats.network_retries}"
    )
    print(
        f"  submit latency p50 {pct(submit, 0.5) * 1000:.0f} ms, p99 {pct(submit, 0.99) * 1000:.0f} ms; "
        f"all requests p50 {pct(every, 0.5) * 1000:.0f} ms, p99 {pct(every, 0.99) * 1000:.0f} ms"
    )
    print(
        f"floor: {floor_stats.requests} one-row writes in {floor_s:.1f} s = {floor_rate:.1f} req/s, "
        f"p50 {pct(floor_lat, 0.5) * 1000:.0f} ms, p99 {pct(floor_lat, 0.99) * 1000:.0f} ms"
    )
    print(
        f"ratio: accepted submissions/s ÷ floor req/s = {sub_rate / floor_rate:.2f} (goal ≥ 0.40); "
        f"surge req/s ÷ floor req/s = {req_rate / floor_rate:.2f}; submit p99 {pct(submit, 0.99) * 1000:.0f} ms (goal < 500 ms)"
    )
    print(f"statuses: {dict(sorted(surge_stats.statuses.items()))}")
    if problems:
        print("PROBLEMS:")
        for p in problems[:30]:
            print("  " + p)
        raise SystemExit(1)
    print(
        "verified: acknowledged = stored (same versions), no duplicate report, version, audit entry or idempotency record"
    )


if __name__ == "__main__":
    main()
