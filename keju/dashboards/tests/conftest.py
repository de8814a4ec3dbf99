"""Shared fixtures of the dashboard tests (owned by dash-zone; add new fixtures in your own module).

- `demo`: the Lanbai plan with a 400-enterprise demo zone computed by the indicator engine,
  committed once per test module and flushed afterwards (as in keju/monitoring/tests);
- `demo_users`: the demo's accounts per role (office, wg_science, evaluator, reviewer_<district>,
  reporter) by username;
- `zone`: the mini plan with hand-made stored results (GDP of three districts, 2014—2020) that a
  test can check by hand, plus a ProgressAssessment of the zone's GDP; users per role.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.demo.persist import DemoResult, run_demo
from keju.monitoring.models import ComputationRun, ProgressAssessment
from keju.orgs.models import Enterprise, OrgUnit
from keju.planning.models import Indicator, Plan, Target
from keju.planning.testing import load_mini_plan
from keju.publishing.tests.conftest import fill_results, make_users
from keju.publishing.tests.conftest import gdp as district_gdp

PLAN_PATH = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"
DEMO_SIZE = 400


@dataclass
class Demo:
    result: DemoResult

    @property
    def plan(self) -> Plan:
        return Plan.objects.get(pk=self.result.plan.pk)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    with django_db_blocker.unblock():
        result = run_demo(PLAN_PATH, enterprises=DEMO_SIZE)
    yield Demo(result)
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo_users(demo: Demo, db: None) -> dict[str, Any]:
    users = get_user_model().objects.filter(username__in=[a.username for a in demo.result.accounts])
    return {u.username: u for u in users}


@dataclass
class Zone:
    plan: Plan
    run: ComputationRun
    users: dict[str, Any]


def add_gdp_progress(
    plan: Plan, run: ComputationRun, *, current: float, year: int = 2019
) -> ProgressAssessment:
    """The zone's GDP progress as keju.monitoring.derive would store it (a level target of 2000 in 2020)."""
    zone = OrgUnit.objects.zone(plan)
    gdp = Indicator.objects.get(plan=plan, code="gdp")
    return ProgressAssessment.objects.create(
        plan=plan,
        run=run,
        org_unit=zone,
        indicator=gdp,
        target=Target.objects.filter(indicator=gdp, org_unit=zone, year=2020, stage__isnull=True).first(),
        target_kind="level",
        direction="up",
        base_year=2014,
        base_value=1000.0,
        base_source="plan",
        current_year=year,
        current_value=current,
        target_year=2020,
        target_value=2000.0,
        progress_value=0.9,
        score=0.9,
        status="substantial_progress",
        projected_year=2020,
        projected_value=current * 1.1,
        projected_lower=current * 1.02,
        projected_upper=current * 1.18,
        projection_points=6,
        detail={"series": [[y, 1000.0 * 1.12 ** (y - 2014)] for y in range(2014, year + 1)]},
    )


def add_enterprise_reporter(plan: Plan, users: dict[str, Any]) -> None:
    from keju.planning.testing import make_credit_code

    enterprise = Enterprise.objects.create(
        plan=plan,
        name="测试企业",
        credit_code=make_credit_code(77),
        industry_code="C2710",
        opened_on=date(2010, 1, 1),
    )
    user = get_user_model().objects.create_user(f"reporter-{plan.code}")
    assign_role(user, Role.ENTERPRISE_REPORTER, enterprise=enterprise)
    users["reporter"] = user


@pytest.fixture
def zone(db: None) -> Zone:
    plan = load_mini_plan()
    run = fill_results(plan)
    current = sum(district_gdp(code, 2019) for code in ("XQ", "GX", "BG"))
    add_gdp_progress(plan, run, current=current)
    users = make_users(plan)
    add_enterprise_reporter(plan, users)
    return Zone(plan, run, users)


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache() -> Iterator[None]:
    """Tests roll back their rows, so a run's pk (part of the cache key) can come back: start empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
