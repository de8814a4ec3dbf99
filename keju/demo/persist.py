"""Write a generated demo zone into the database, replacing the previous demo.

`run_demo` generates the zone (pure, keju.demo.generate), then in ONE transaction:
removes what earlier runs made (their enterprises with all their reports and
placements, the demo-channel reports, the demo accounts), loads the plan,
registers the enterprises through keju.orgs.services.bulk_register, adds the
moves, writes every report (status approved, channel demo, district = where the
respondent was in that period) with batched raw inserts, and creates one demo
account per role. Large runs report progress through `log`. After the commit it
recomputes every indicator, progress status, warning and index from the stored
reports (keju.monitoring), as an approval would.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.dashboards.board.demo import seed_task_updates
from keju.demo.generate import DemoZone, generate_zone
from keju.demo.models import DemoEnterprise, DemoRun
from keju.demo.reporting_demo import build_reporting_demo
from keju.demo.services_demo import MADE_ORDER, seed_services
from keju.demo.summary import headline_comparison
from keju.monitoring.models import ComputationRun, Trigger
from keju.monitoring.services import MonitoringError, recompute, summary
from keju.monitoring.sources import frames_from_db, remember_spec
from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
from keju.orgs.services import bulk_register
from keju.plan import load_forms, load_plan
from keju.plan.forms import ReportForm
from keju.planning.models import GoverningBody, Plan
from keju.planning.services import load_plan_into_db
from keju.reporting.models import Channel, Report, ReportStatus

DEMO_PASSWORD = "keju-demo-2015"
BATCH = 10_000
Log = Callable[[str], None]


class DemoError(Exception):
    """The demo cannot be written; the message says why (Chinese)."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str  # Role label
    scope: str


@dataclass
class DemoResult:
    plan: Plan
    zone: DemoZone
    accounts: list[DemoAccount]
    headline: pl.DataFrame  # the base year's headline values recomputed from the database
    seconds: dict[str, float] = field(default_factory=dict)
    run: ComputationRun | None = None  # the monitoring recompute that ends the demo


def run_demo(
    plan_path: str | Path,
    *,
    seed: int = 2015,
    enterprises: int | None = None,
    years: Sequence[int] = range(2014, 2021),
    accounts: bool = True,
    output_dir: str | Path | None = None,
    log: Log = lambda _: None,
) -> DemoResult:
    """Generate the demo zone and write it (replacing earlier demo data), all or nothing."""
    clock = _Clock()
    plan_path = Path(plan_path)
    spec = load_plan(plan_path)
    forms = load_forms(spec, plan_path)
    zone = generate_zone(spec, forms, seed=seed, enterprises=enterprises, years=years)
    clock.lap("generate")
    log(
        f"已生成:企业{zone.enterprises.height}户,报表{zone.kj101.height + zone.kj102.height + zone.kj201.height}份"
    )
    if output_dir is not None:
        write_parquet(zone, Path(output_dir))
        log(f"Parquet 已写入 {output_dir}")
    with transaction.atomic():
        removed = clear_demo()
        if removed:
            log(f"已删除上次的演示数据:企业{removed}户")
        plan = load_plan_into_db(plan_path)
        clock.lap("clear+plan")
        run = DemoRun.objects.create(
            plan=plan, seed=seed, enterprises=zone.enterprises.height, years=list(zone.years)
        )
        ids = write_register(plan, run, zone, log)
        clock.lap("register")
        write_reports(plan, zone, ids, forms, log)
        clock.lap("reports")
        made = create_accounts(plan, zone, ids) if accounts else []
        run.usernames = [a.username for a in made]
        run.save(update_fields=["usernames"])
        build_reporting_demo(plan, run, list(zone.years), log=log)
        run.made = seed_services(plan, [int(i) for i in ids.to_list()], seed=seed)
        seed_task_updates(plan, random.Random(seed))
        if accounts:
            made.append(_provider_account(run))
        run.save(update_fields=["made", "usernames"])
        log("已生成科聚网服务演示数据:技术转移、创新券、仪器共享、项目与人才")
    clock.lap("accounts+commit")
    remember_spec(plan, spec, forms)  # the monitoring run below then does not parse the YAML again
    headline = headline_comparison(spec, frames_from_db(plan, forms, years=[spec.zone.baseline_year]))
    clock.lap("check")
    run: ComputationRun | None = None
    try:
        run = recompute(plan, trigger=Trigger.DEMO)
        log(f"指标计算{summary(run)}")
    except MonitoringError as exc:  # the demo data stand; the failed run is recorded with its reason
        log(f"指标计算失败:{exc}")
    clock.lap("metrics")
    return DemoResult(plan, zone, made, headline, clock.laps, run)


class _Clock:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.start
        self.start = now


def write_parquet(zone: DemoZone, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("enterprises", "placements", "kj101", "kj102", "kj201"):
        frame: pl.DataFrame = getattr(zone, name)
        frame.write_parquet(directory / f"{name}.parquet")


# --- removing the previous demo ---------------------------------------------------------


def clear_demo() -> int:
    """Delete everything earlier demo runs made; returns how many enterprises went.

    Raw deletes, because the ORM would load every id of a large demo. `_purge` first clears
    every row that points at what it deletes (found from the models' relations, so apps added
    later are covered), so no foreign key is left dangling at commit.
    """
    runs = list(DemoRun.objects.all())
    usernames = [u for r in runs for u in r.usernames]
    marker = _table(DemoEnterprise)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {marker}")
        (count,) = cursor.fetchone()
        for run in runs:
            _clear_made(cursor, run.made or {})
        # The marker rows go with their enterprises, so take the ids aside first.
        cursor.execute("DROP TABLE IF EXISTS keju_demo_ids")
        cursor.execute(f"CREATE TEMPORARY TABLE keju_demo_ids AS SELECT enterprise_id AS id FROM {marker}")
        _purge(cursor, Report, "channel = %s", [str(Channel.DEMO)])
        _purge(cursor, Enterprise, "id IN (SELECT id FROM keju_demo_ids)", [])
        cursor.execute("DROP TABLE keju_demo_ids")
    get_user_model().objects.filter(username__in=usernames).delete()
    DemoRun.objects.all().delete()
    return int(count)


def _clear_made(cursor: Any, made: dict[str, list[int]]) -> None:
    from django.apps import apps

    from keju.vouchers.models import LedgerEntry

    # Ledger accounts are named, not foreign keys: drop the demo programmes' and vouchers' entries.
    accounts = [f"programme:{i}" for i in made.get("vouchers.programme", [])]
    accounts += [f"{kind}:{i}" for i in made.get("vouchers.programme", []) for kind in ("payable", "paid")]
    accounts += [f"voucher:{i}" for i in made.get("vouchers.voucher", [])]
    for chunk in _chunks(accounts, 500):
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(f"DELETE FROM {_table(LedgerEntry)} WHERE account IN ({marks})", chunk)
    for label in MADE_ORDER:
        model = apps.get_model(label)
        for chunk in _chunks(made.get(label, []), 500):
            marks = ", ".join(["%s"] * len(chunk))
            _purge(cursor, model, f"{_column(model._meta.pk.column)} IN ({marks})", list(chunk))


def _purge(cursor: Any, model: Any, condition: str, params: list[Any], depth: int = 0) -> None:
    """DELETE FROM model WHERE condition, after purging the rows that refer to those (or nulling the
    reference, where the relation says SET_NULL), as the ORM's collector would but in SQL."""
    if depth > 8:
        raise DemoError(f"演示数据清理时引用层级过深:{model._meta.label}")
    table = _table(model)
    chosen = f"SELECT {_column(model._meta.pk.column)} FROM {table} WHERE {condition}"
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.related_model is model:
            continue
        field = relation.field
        child = relation.related_model
        where = f"{_column(field.column)} IN ({chosen})"
        if field.remote_field.on_delete is models.SET_NULL:
            cursor.execute(f"UPDATE {_table(child)} SET {_column(field.column)} = NULL WHERE {where}", params)
        else:
            _purge(cursor, child, where, params, depth + 1)
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        column = through._meta.get_field(field.m2m_field_name()).column
        cursor.execute(f"DELETE FROM {_table(through)} WHERE {_column(column)} IN ({chosen})", params)
    cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)


def _column(name: str) -> str:
    return connection.ops.quote_name(name)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _provider_account(run: DemoRun) -> DemoAccount:
    """A staff account of the demo's instrument and testing provider (创新券服务机构, 仪器所属单位)."""
    from keju.vouchers.models import Provider

    provider = Provider.objects.filter(pk__in=run.made.get("vouchers.provider", [])).order_by("id").first()
    if get_user_model().objects.filter(username="provider").exists():
        raise DemoError("用户名provider已被非演示账号占用,无法创建演示账号")
    user = get_user_model().objects.create(
        username="provider", password=make_password(DEMO_PASSWORD), first_name="服务机构"
    )
    if provider is not None:
        provider.members.add(user)
    run.usernames = [*run.usernames, "provider"]
    return DemoAccount("provider", DEMO_PASSWORD, "服务机构人员", provider.name if provider else "")


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _columns(model: Any, names: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)


def _insert(model: Any, frame: pl.DataFrame, log: Log | None = None, label: str = "") -> None:
    """Insert a frame whose columns are the model's field names, in batches.

    PostgreSQL gets one COPY … CSV stream per batch (executemany would cost a round
    trip per row); SQLite gets executemany, which loops in C.
    """
    columns = _columns(model, frame.columns)
    total = frame.height
    with connection.cursor() as cursor:
        for start in range(0, total, BATCH):
            batch = frame.slice(start, BATCH)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(
                    f"COPY {_table(model)} ({columns}) FROM STDIN WITH (FORMAT csv)"
                ) as copy:
                    copy.write(batch.write_csv(include_header=False))
            else:
                marks = ", ".join(["%s"] * len(frame.columns))
                sql = f"INSERT INTO {_table(model)} ({columns}) VALUES ({marks})"
                cursor.executemany(sql, batch.rows())
            done = min(start + BATCH, total)
            if log is not None and ((start // BATCH) % 20 == 19 or done == total):
                log(f"  {label} {done}/{total}")


# --- the register -----------------------------------------------------------------------


def write_register(plan: Plan, run: DemoRun, zone: DemoZone, log: Log) -> pl.Series:
    """Register the enterprises and their moves; return their database ids by register row."""
    register = zone.enterprises
    rows = register.select(
        "name",
        "credit_code",
        "industry_code",
        pl.col("district").alias("district_code"),
        pl.col("park").alias("park_code"),
        "opened_on",
        "closed_on",
        "is_above_scale",
        "is_high_tech_enterprise",
        "high_tech_industry",
        "strategic_emerging",
        pl.col("industry_chain").replace("", None),
    )
    total = register.height
    for start in range(0, total, 50_000):
        bulk_register(plan, rows.slice(start, 50_000).iter_rows(named=True), first_row=start + 1)
        log(f"  企业名录 {min(start + 50_000, total)}/{total}")
    known = pl.DataFrame(
        list(Enterprise.objects.filter(plan=plan).values_list("credit_code", "id")),
        schema={"credit_code": pl.String, "id": pl.Int64},
        orient="row",
    )
    ids = register.select("credit_code").join(known, on="credit_code", how="left", maintain_order="left")[
        "id"
    ]
    _insert(DemoEnterprise, pl.DataFrame({"run": pl.repeat(run.pk, len(ids), eager=True), "enterprise": ids}))
    _write_moves(plan, zone, ids)
    return ids


def _write_moves(plan: Plan, zone: DemoZone, ids: pl.Series) -> None:
    """bulk_register opened one placement each; movers end it on the move and open the next."""
    units = _unit_ids(plan)
    second = zone.placements.filter(
        pl.col("enterprise").is_duplicated() & pl.col("enterprise").is_last_distinct()
    )
    if not second.height:
        return
    second = second.with_columns(ids.gather(second["enterprise"]).alias("id"))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {_table(EnterprisePlacement)} SET valid_to = %s WHERE enterprise_id = %s",
            list(second.select("valid_from", "id").iter_rows()),
        )
    rows = second.select(
        pl.col("id").alias("enterprise"),
        pl.col("district").replace_strict(units, return_dtype=pl.Int64),
        pl.col("park").replace_strict(units, default=None, return_dtype=pl.Int64),
        "valid_from",
        "valid_to",
    )
    _insert(EnterprisePlacement, rows)


def _unit_ids(plan: Plan) -> dict[str, int]:
    return dict(OrgUnit.objects.filter(plan=plan).values_list("code", "id"))


# --- reports ----------------------------------------------------------------------------


def write_reports(plan: Plan, zone: DemoZone, ids: pl.Series, forms: dict[str, ReportForm], log: Log) -> None:
    """Every report of the zone, approved, through the demo channel, in batches."""
    units = _unit_ids(plan)
    now = timezone.now()
    for code, frame in zone.frames().items():
        fields = [f.code for f in forms[code].fields]
        enterprise_form = "enterprise" in frame.columns
        # Enterprise forms name the respondent enterprise, district forms the district itself.
        respondent = ids.gather(frame["enterprise"]) if enterprise_form else pl.lit(None, dtype=pl.Int64)
        district = pl.col("org").replace_strict(units, return_dtype=pl.Int64)
        rows = frame.select(
            pl.lit(plan.pk).alias("plan"),
            pl.lit(code).alias("form_code"),
            "period",
            "year",
            respondent.alias("enterprise"),
            (pl.lit(None, dtype=pl.Int64) if enterprise_form else district).alias("org_unit"),
            district.alias("district"),
            _values_json(fields),
            pl.lit(str(ReportStatus.APPROVED)).alias("status"),
            pl.lit(str(Channel.DEMO)).alias("channel"),
            pl.lit(1).alias("version"),
            pl.lit(_timestamp(now)).alias("created_at"),
            pl.lit(_timestamp(now)).alias("updated_at"),
        )
        _insert(Report, rows, log, code)


def _timestamp(moment: datetime) -> Any:
    """A timestamp as the backend stores it (SQLite: text in UTC; PostgreSQL: ISO with offset)."""
    if connection.vendor == "postgresql":
        return moment.isoformat()
    return connection.ops.adapt_datetimefield_value(moment)


def _values_json(fields: list[str]) -> pl.Expr:
    """The report's values as JSON text, without the fields it leaves empty (null)."""
    encoded = pl.struct(fields).struct.json_encode()
    return encoded.str.replace_all(r'"[A-Za-z0-9_]+":null,?', "").str.replace(r",\}$", "}").alias("values")


# --- accounts ---------------------------------------------------------------------------


def create_accounts(plan: Plan, zone: DemoZone, ids: pl.Series) -> list[DemoAccount]:
    """One demo account per role (password DEMO_PASSWORD), as listed in the printed table."""
    User = get_user_model()
    units = {u.code: u for u in OrgUnit.objects.filter(plan=plan)}
    zone_unit = OrgUnit.objects.zone(plan)
    wanted = ["office", "wg_science", *(f"reviewer_{d}" for d in _districts(units)), "reporter", "evaluator"]
    taken = list(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    if taken:
        raise DemoError(f"用户名{'、'.join(taken)}已被非演示账号占用,无法创建演示账号")
    password = make_password(DEMO_PASSWORD)  # one hash for all: hashing is slow on purpose

    def user(username: str, label: str) -> Any:
        return User.objects.create(username=username, password=password, first_name=label)

    made: list[DemoAccount] = []

    def account(username: str, label: str, role: Role, scope: str, **kwargs: Any) -> None:
        assign_role(user(username, label), role, **kwargs)
        made.append(DemoAccount(username, DEMO_PASSWORD, str(role.label), scope))

    account("office", "省创新办", Role.OFFICE_STAFF, zone_unit.name, org_unit=zone_unit)
    group = GoverningBody.objects.filter(plan=plan, kind="working_group", code="wg_science").first()
    group = group or GoverningBody.objects.filter(plan=plan, kind="working_group").order_by("id").first()
    if group is not None:
        account("wg_science", group.name, Role.WORKING_GROUP_STAFF, group.name, working_group=group)
    for code in _districts(units):
        unit = units[code]
        account(f"reviewer_{code}", f"{unit.name}审核员", Role.DISTRICT_REVIEWER, unit.name, org_unit=unit)
    enterprise = Enterprise.objects.get(pk=_reporter_enterprise(zone, ids))
    account("reporter", "企业填报员", Role.ENTERPRISE_REPORTER, enterprise.name, enterprise=enterprise)
    account("evaluator", "第三方评估", Role.EVALUATOR, zone_unit.name, org_unit=zone_unit)
    return made


def _districts(units: dict[str, OrgUnit]) -> list[str]:
    return [code for code, unit in units.items() if unit.level == "district"]


def _reporter_enterprise(zone: DemoZone, ids: pl.Series) -> int:
    """A real, open enterprise: the largest 高新技术企业 of the last year (兰州高新区 if it has one)."""
    last = zone.kj101.filter(pl.col("year") == max(zone.years))
    pick = last.filter(pl.col("high_tech_enterprise") & (pl.col("org") == "lzgxq"))
    pick = pick if pick.height else last
    row = pick.sort("revenue", descending=True).row(0, named=True)
    return int(ids[row["enterprise"]])
