"""`keju demo` end to end on the database: register, reports, accounts, and replacing a previous run."""

from io import StringIO

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from keju.accounts.models import Role, RoleAssignment
from keju.demo.generate import generate_zone
from keju.demo.models import DemoEnterprise, DemoRun
from keju.demo.persist import DEMO_PASSWORD
from keju.demo.summary import plan_formulas
from keju.metrics.formula import evaluate
from keju.monitoring.sources import frames_from_db
from keju.orgs.models import Enterprise, EnterprisePlacement
from keju.planning.models import Plan
from keju.reporting.models import Report

pytestmark = pytest.mark.django_db


def run(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_demo_writes_the_zone_and_the_database_gives_the_same_indicators(lanbai, forms, tmp_path):
    output = run(enterprises=400, output_dir=str(tmp_path))
    zone = generate_zone(lanbai, forms, enterprises=400)
    plan = Plan.objects.get(code=lanbai.code)

    assert Enterprise.objects.filter(plan=plan).count() == 400 == DemoEnterprise.objects.count()
    assert EnterprisePlacement.objects.count() == zone.placements.height
    # The latest year is a reporting cycle in progress (keju/demo/reporting_demo.py); the
    # years before it are stored exactly as generated and approved.
    latest = max(zone.years)
    for code, frame in zone.frames().items():
        reports = Report.objects.filter(plan=plan, form_code=code, year__lt=latest)
        assert reports.count() == frame.filter(pl.col("year") < latest).height, code
        assert set(reports.values_list("status", "channel").distinct()) == {("approved", "demo")}
    assert {p.name for p in tmp_path.iterdir()} == {
        f"{n}.parquet" for n in ("enterprises", "placements", "kj101", "kj102", "kj201")
    }

    # Each report counts in the district the enterprise was in during that period.
    codes = dict(Enterprise.objects.values_list("id", "credit_code"))
    stored = pl.DataFrame(
        [
            (codes[e], period, district)
            for e, period, district in Report.objects.filter(enterprise__isnull=False).values_list(
                "enterprise_id", "period", "district__code"
            )
        ],
        schema=["credit_code", "period", "district"],
        orient="row",
    )
    expected = (
        pl.concat(
            [
                zone.kj101.select("enterprise", "period", "org"),
                zone.kj102.select("enterprise", "period", "org"),
            ]
        )
        .filter(~pl.col("period").str.starts_with(str(latest)))
        .join(zone.enterprises.select("enterprise", "credit_code"), on="enterprise")
    )
    joined = expected.join(stored, on=["credit_code", "period"])
    assert joined.height == expected.height
    assert (joined["org"] == joined["district"]).all()

    # Indicators recomputed from the stored reports equal those of the generated frames.
    from_db = frames_from_db(plan, forms, years=[y for y in zone.years if y < latest])
    generated = {code: frame.filter(pl.col("year") < latest) for code, frame in zone.frames().items()}
    for code, formula in plan_formulas(lanbai).items():
        mine = evaluate(formula, generated, ["org", "year"]).sort("org", "year")
        theirs = evaluate(formula, from_db, ["district", "year"]).sort("district", "year")
        assert mine["value"].to_list() == pytest.approx(theirs["value"].to_list(), rel=1e-9, nan_ok=True), (
            code
        )
    assert "2014年试验区主要指标" in output and "地区生产总值" in output


def test_demo_accounts_have_their_roles(lanbai):
    output = run(enterprises=300)
    users = {u.username: u for u in get_user_model().objects.all()}
    districts = [u.code for u in lanbai.org_units if u.level == "district"]
    assert set(users) == {
        "office",
        "wg_science",
        "reporter",
        "evaluator",
        "provider",
        *(f"reviewer_{d}" for d in districts),
    }
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    roles = {(a.user.username, a.role): a for a in RoleAssignment.objects.select_related("user", "org_unit")}
    assert roles[("office", Role.OFFICE_STAFF)].org_unit.level == "zone"
    assert roles[("evaluator", Role.EVALUATOR)].org_unit.level == "zone"
    assert roles[("wg_science", Role.WORKING_GROUP_STAFF)].working_group.code == "wg_science"
    for d in districts:
        assert roles[(f"reviewer_{d}", Role.DISTRICT_REVIEWER)].org_unit.code == d
    reporter = roles[("reporter", Role.ENTERPRISE_REPORTER)].enterprise
    assert reporter.closed_on is None and hasattr(reporter, "demo_marker")
    assert Report.objects.filter(enterprise=reporter).exists()
    for username in users:
        assert username in output
    assert DEMO_PASSWORD in output


def test_running_again_replaces_the_previous_demo():
    run(enterprises=300, seed=1)
    first_codes = set(Enterprise.objects.values_list("credit_code", flat=True))
    run(enterprises=250, seed=2, no_accounts=True)
    assert Enterprise.objects.count() == 250
    assert not first_codes & set(Enterprise.objects.values_list("credit_code", flat=True))
    assert DemoRun.objects.count() == 1 and DemoEnterprise.objects.count() == 250
    assert not get_user_model().objects.exists()
    assert (
        not Report.objects.exclude(enterprise__demo_marker__isnull=False).filter(form_code="KJ101").exists()
    )
    run(enterprises=250, seed=2)  # the same seed again: same codes, no clash
    assert Enterprise.objects.count() == 250
    assert get_user_model().objects.count() == 9
    # The services' demo records were replaced, not added a second time.
    from keju.transfer.models import Achievement
    from keju.vouchers.models import LedgerEntry, Programme

    assert Programme.objects.count() == 1
    assert Achievement.objects.count() == len(DemoRun.objects.get().made["transfer.achievement"])
    assert sum(e.amount for e in LedgerEntry.objects.all()) == Programme.objects.get().budget
