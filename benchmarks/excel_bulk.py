"""A district's bulk Excel upload at scale: 5,000 enterprises in one workbook, checked and stored.

Run: .venv/bin/python benchmarks/excel_bulk.py [--rows 5000] [--database-url postgres://…/keju_bench_excel]

The script drops and recreates its own PostgreSQL database (default keju_bench_excel on this
machine), migrates it, loads the Lanbai plan, registers ROWS enterprises in 兰州新区, downloads
the district's bulk template as its reviewer and fills every row (numbers, some typed as
"1,234.5" or with a unit, an explanation in every row). It then times, in the same run:

- read:   the bare read of the workbook (python-calamine, every cell of the data sheet);
- import: the whole upload — checked and stored through the reporting services, one
          transaction — with its phases (inspect: zip/formula/link checks; read: stamp and
          every cell parsed; rows: register and district checks; store: edit checks and
          storage through the reporting services), and verifies afterwards that every row is
          stored exactly once;
- re-upload of the same file (idempotent: nothing new is written);
- with --dry-run, also the upload checked and rolled back.

and prints each time with its ratio to the bare read.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/keju_bench_excel"


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url", default=os.environ.get("KEJU_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--dry-run", action="store_true", help="also time a checked-only upload, rolled back")
    args = parser.parse_args()

    recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keju.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from keju.accounts.models import Role
    from keju.accounts.services import assign_role
    from keju.orgs.credit_code import check_character
    from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
    from keju.planning.services import load_plan_into_db
    from keju.reporting.excel import layout
    from keju.reporting.excel.reader import open_workbook
    from keju.reporting.excel.services import build_template, import_workbook
    from keju.reporting.models import AuditEntry, Report, ReportStatus
    from keju.reporting.services import open_period

    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL"
    call_command("migrate", verbosity=0)
    plan = load_plan_into_db(settings.KEJU_DEFAULT_PLAN)
    district = OrgUnit.objects.get(plan=plan, code="lzxq")
    rng = random.Random(args.seed)

    # The register: ROWS enterprises placed in 兰州新区 since 2010.
    def credit_code(n: int) -> str:
        first17 = f"91620100{n:09d}"
        return first17 + check_character(first17)

    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                plan=plan,
                credit_code=credit_code(n),
                name=f"兰州新区测试企业{n:05d}有限公司",
                industry_code="C2710",
                is_industrial=True,
                is_above_scale=True,
                opened_on=date(2010, 1, 1),
            )
            for n in range(1, args.rows + 1)
        ],
        batch_size=1000,
    )
    EnterprisePlacement.objects.bulk_create(
        [
            EnterprisePlacement(enterprise=e, district=district, valid_from=date(2010, 1, 1))
            for e in enterprises
        ],
        batch_size=1000,
    )
    reviewer = get_user_model().objects.create(username="bench_reviewer")
    assign_role(reviewer, Role.DISTRICT_REVIEWER, org_unit=district)
    open_period(plan, "KJ101", "2016")

    t0 = time.perf_counter()
    _, data = build_template(reviewer, plan, "KJ101", "2016", "bulk", district.code)
    template_s = time.perf_counter() - t0
    data = fill_rows(data, rng)
    print(
        f"workbook: {args.rows} rows, {len(data) / 1024 / 1024:.2f} MB; template built in {template_s:.2f} s"
    )

    def bare_read() -> int:
        book = open_workbook(data)
        rows = book.get_sheet_by_name(layout.DATA_SHEET).to_python(skip_empty_area=False)
        return sum(len(r) for r in rows)

    bare_read()  # warm-up
    read_s = best_of(3, bare_read)

    def dry_run() -> None:
        # The same upload, rolled back: what checking alone costs.
        from django.db import transaction

        with transaction.atomic():
            result = import_workbook(reviewer, plan, data, filename="bench.xlsx")
            assert result.ok, (result.file_error, result.errors[:3])
            transaction.set_rollback(True)

    check_s = best_of(1, dry_run) if args.dry_run else None
    assert Report.objects.count() == 0

    t0 = time.perf_counter()
    result = import_workbook(reviewer, plan, data, filename="bench.xlsx")
    import_s = time.perf_counter() - t0
    assert result.ok, (result.file_error, result.errors[:3])

    stored = Report.objects.filter(form_code="KJ101", period="2016")
    submitted = stored.filter(status=ReportStatus.SUBMITTED, channel="excel").count()
    assert stored.count() == args.rows and submitted + result.drafts == args.rows, (stored.count(), submitted)
    assert stored.values("enterprise_id").distinct().count() == args.rows

    # Idempotent: the same file again stores nothing new.
    audit = AuditEntry.objects.count()
    t0 = time.perf_counter()
    again = import_workbook(reviewer, plan, data, filename="bench.xlsx")
    replay_s = time.perf_counter() - t0
    assert again.ok and Report.objects.count() == args.rows and AuditEntry.objects.count() == audit

    print(f"bare read (calamine, all cells)   {read_s:8.3f} s   1.0×")
    if check_s is not None:
        print(f"check (dry run, rolled back)      {check_s:8.3f} s   {check_s / read_s:6.1f}×")
    print(f"import (checked and stored)       {import_s:8.3f} s   {import_s / read_s:6.1f}×")
    for phase, seconds in result.seconds.items():
        print(f"  {phase:<31} {seconds:8.3f} s   {seconds / read_s:6.1f}×")
    print(f"re-upload of the same file        {replay_s:8.3f} s   {replay_s / read_s:6.1f}×")
    print(
        f"stored {stored.count()} reports ({submitted} submitted, {result.drafts} drafts), "
        f"{import_s / args.rows * 1000:.1f} ms per row; re-upload created nothing"
    )


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def fill_rows(data: bytes, rng) -> bytes:
    """Every listed enterprise gets a consistent row, as a district office would type it."""
    import openpyxl

    from keju.reporting.excel import layout

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[layout.DATA_SHEET]
    stamp = layout.Stamp.from_rows([[c.value for c in row] for row in wb[layout.STAMP_SHEET].iter_rows()])
    assert stamp is not None
    fields = list(stamp.fields)
    explanation_col = layout.BULK_FIRST_FIELD_COLUMN + len(fields)
    for r in range(layout.BULK_FIRST_ROW, ws.max_row + 1):
        employees = rng.randint(40, 2000)
        revenue = round(rng.uniform(2000, 90000), 1) + 0.3
        rd_personnel = rng.randint(3, max(4, employees // 8))
        skilled = rng.randint(10, max(11, employees // 2))
        values = {
            "employees": employees,
            "revenue": revenue,
            "gross_output": round(revenue * rng.uniform(0.7, 0.95), 1) + 0.7,
            "value_added": round(revenue * rng.uniform(0.18, 0.3), 1) + 0.1,
            "net_profit": round(revenue * rng.uniform(-0.05, 0.12), 1) + 0.2,
            "taxes_paid": round(revenue * rng.uniform(0.02, 0.06), 1) + 0.3,
            "exports": round(revenue * rng.uniform(0, 0.2), 1) + 0.1,
            "rd_personnel": rd_personnel,
            "rd_personnel_fte": round(rd_personnel * rng.uniform(0.5, 0.95), 1) + 0.1,
            "rd_expenditure": round(revenue * rng.uniform(0.01, 0.05), 1) + 0.3,
            "invention_patents_valid": rng.randint(0, 60),
            "new_product_sales": round(revenue * rng.uniform(0.05, 0.4), 1) + 0.7,
            "tech_contract_turnover": round(rng.uniform(0, 500), 1) + 0.3,
            "energy_consumption": round(rng.uniform(100, 20000), 1) + 0.9,
            "has_rd_institution": "是",
            "skilled_workers": skilled,
            "technicians": rng.randint(0, max(1, skilled // 5)),
            "is_above_scale": "是",
            "is_high_tech_enterprise": rng.choice(["是", "否"]),
            "is_innovative_enterprise": "否",
        }
        # As people type: some numbers as text with separators or a unit.
        if r % 7 == 0:
            values["revenue"] = f"{revenue:,.1f}"
        if r % 11 == 0:
            values["taxes_paid"] = f"{values['taxes_paid']}万元"
        for i, code in enumerate(fields):
            if code in values:
                ws.cell(row=r, column=layout.BULK_FIRST_FIELD_COLUMN + i, value=values[code])
        ws.cell(row=r, column=explanation_col, value="数据经企业财务部门核实,与会计报表一致")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


if __name__ == "__main__":
    main()
