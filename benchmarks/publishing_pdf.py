"""Annual report generation time on the demo zone (issue 5, Performance: PDF in under 30 s).

Uses the database of DATABASE_URL (default: the project's SQLite file). If the plan has no
computed results yet, the demo zone is generated first (`keju demo`, default size) — so point
it at a scratch database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/keju_bench .venv/bin/python benchmarks/publishing_pdf.py
    .venv/bin/python benchmarks/publishing_pdf.py --year 2019 --runs 3

Prints the time of each step (snapshot, PDF including its charts, DOCX reusing the charts as
`publish` does, data package) as the median of the runs, the PDF's size and page count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keju.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", default="2019")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from keju.monitoring.models import IndicatorValue
    from keju.planning.models import Plan
    from keju.publishing import charts, opendata
    from keju.publishing.render import render_docx, render_pdf
    from keju.publishing.snapshot import build_snapshot, check_snapshot, snapshot_hash

    call_command("migrate", verbosity=0)
    plan = Plan.objects.order_by("-loaded_at").first()
    if plan is None or not IndicatorValue.objects.filter(plan=plan).exists():
        print("no computed results: generating the demo zone (keju demo) …", flush=True)
        call_command("demo", "--no-accounts", verbosity=0)
        plan = Plan.objects.order_by("-loaded_at").first()
    assert plan is not None
    from keju.orgs.models import Enterprise

    print(
        f"plan {plan.code}: {Enterprise.objects.filter(plan=plan).count()} enterprises, "
        f"{IndicatorValue.objects.filter(plan=plan).count()} stored indicator values"
    )

    timings: dict[str, list[float]] = {"snapshot": [], "pdf": [], "docx": [], "datapackage": []}
    pdf = b""
    for _ in range(args.runs):
        charts._CACHE.clear()  # a cold publication: the PDF draws the charts, the DOCX reuses them
        t = time.perf_counter()
        snapshot = build_snapshot(plan, "annual", args.year)
        timings["snapshot"].append(time.perf_counter() - t)
        problems = check_snapshot(snapshot)
        edition = {
            "number": "基准〔0000〕第1期",
            "issued": "2021-01-01",
            "title": "基准测试年度报告",
            "draft": False,
            "hash": snapshot_hash(snapshot),
        }
        t = time.perf_counter()
        pdf = render_pdf(snapshot, edition=edition)
        timings["pdf"].append(time.perf_counter() - t)
        t = time.perf_counter()
        render_docx(snapshot, edition=edition)
        timings["docx"].append(time.perf_counter() - t)
        t = time.perf_counter()
        opendata.to_zip(snapshot, edition)
        timings["datapackage"].append(time.perf_counter() - t)
    pages = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, text=False).stdout.decode()
    page_count = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
    print(f"snapshot check: {problems or 'ok'}")
    for step, values in timings.items():
        print(
            f"{step:12s} median {statistics.median(values):6.2f} s   (runs: {', '.join(f'{v:.2f}' for v in values)})"
        )
    total = statistics.median(timings["snapshot"]) + statistics.median(timings["pdf"])
    print(
        f"annual report PDF (snapshot + PDF): {total:.2f} s, {len(pdf) / 1024:.0f} KiB, {page_count} pages "
        f"— goal < 30 s: {'met' if total < 30 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
