"""A small reporting zone for tests: the Lanbai plan with a handful of enterprises, one user
per role and open reporting periods. Import the fixture into a test module:

    from keju.reporting.testing import zone  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from keju.accounts.models import Role
from keju.accounts.scoping import forget_roles
from keju.accounts.services import assign_role
from keju.accounts.tokens import issue_token
from keju.orgs.models import Enterprise, OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.models import GoverningBody, Plan
from keju.planning.testing import make_credit_code
from keju.reporting.models import Report, ReportingPeriod
from keju.reporting.services import close_period, open_period

YEAR = 2020


def kj101_values(**overrides: Any) -> dict[str, Any]:
    """A KJ101 that passes every hard check and raises no warning without history or peers."""
    values: dict[str, Any] = {
        "employees": 320,
        "revenue": 18234.5,
        "gross_output": 16012.3,
        "value_added": 4821.7,
        "net_profit": 1203.4,
        "taxes_paid": 612.8,
        "exports": 0,
        "rd_personnel": 41,
        "rd_personnel_fte": 33.5,
        "rd_expenditure": 731.2,
        "invention_patents_valid": 12,
        "new_product_sales": 2501.7,
        "tech_contract_turnover": 0,
        "energy_consumption": 5123.4,
        "has_rd_institution": True,
        "is_above_scale": True,
        "is_high_tech_enterprise": True,
        "is_innovative_enterprise": False,
    }
    values.update(overrides)
    return values


def kj201_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "gdp": 2716543.2,
        "gdp_constant": 2401234.5,
        "fiscal_expenditure": 512345.6,
        "fiscal_st_expenditure": 23456.7,
        "resident_population": 41.3,
        "urban_population": 30.2,
        "energy_consumption": 3123456.7,
        "tech_contract_turnover": 123456.7,
        "rd_expenditure_other": 34567.8,
        "new_jobs": 12345,
        "fixed_asset_investment": 1234567.8,
    }
    values.update(overrides)
    return values


@dataclass
class Zone:
    plan: Plan
    districts: dict[str, OrgUnit]
    enterprises: dict[str, Enterprise]  # a, b: 兰州高新区; c: 白银高新区
    users: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, name: str) -> Any:
        return self.users[name]

    def period(self, form_code: str, period: str) -> ReportingPeriod:
        return ReportingPeriod.objects.get(plan=self.plan, form_code=form_code, period=period)

    def report(self, name: str = "a", form_code: str = "KJ101", period: str = str(YEAR)) -> Report:
        """The enterprise's report, opened by its reporter."""
        from keju.reporting.services import open_report

        return open_report(
            actor=self.users[f"reporter_{name}"],
            plan=self.plan,
            form_code=form_code,
            period=period,
            enterprise=self.enterprises[name],
        )


ROLE_USERS = [
    "reporter_a",
    "reporter_b",
    "reporter_c",
    "reviewer_lzgxq",
    "reviewer_bygxq",
    "office",
    "wg",
    "evaluator",
    "nobody",
]


def build_zone(*, tokens: bool = False) -> Zone:
    from keju.planning.services import load_plan_into_db

    plan = load_plan_into_db(settings.KEJU_DEFAULT_PLAN)
    districts = {u.code: u for u in OrgUnit.objects.filter(plan=plan, level="district")}
    opened = date(2010, 1, 1)

    def enterprise(n: int, name: str, district: str, industry: str, above: bool) -> Enterprise:
        return register_enterprise(
            plan,
            name=name,
            credit_code=make_credit_code(n),
            industry_code=industry,
            district_code=district,
            opened_on=opened,
            is_above_scale=above,
        )

    enterprises = {
        "a": enterprise(1, "兰州甲材料有限公司", "lzgxq", "C2710", True),
        "b": enterprise(2, "兰州乙电子有限公司", "lzgxq", "C3971", False),
        "c": enterprise(3, "白银丙有色金属有限公司", "bygxq", "C3311", True),
    }
    User = get_user_model()
    # No passwords: hashing is slow on purpose; tests log in with force_login or tokens.
    users = {name: User.objects.create(username=name) for name in ROLE_USERS}
    zone_unit = OrgUnit.objects.zone(plan)
    for key in ("a", "b", "c"):
        assign_role(users[f"reporter_{key}"], Role.ENTERPRISE_REPORTER, enterprise=enterprises[key])
    assign_role(users["reviewer_lzgxq"], Role.DISTRICT_REVIEWER, org_unit=districts["lzgxq"])
    assign_role(users["reviewer_bygxq"], Role.DISTRICT_REVIEWER, org_unit=districts["bygxq"])
    assign_role(users["office"], Role.OFFICE_STAFF, org_unit=zone_unit)
    group = GoverningBody.objects.filter(plan=plan, kind="working_group").order_by("id").first()
    assign_role(users["wg"], Role.WORKING_GROUP_STAFF, working_group=group)
    assign_role(users["evaluator"], Role.EVALUATOR, org_unit=zone_unit)
    for form_code, period in [
        ("KJ101", str(YEAR)),
        ("KJ102", f"{YEAR}Q1"),
        ("KJ102", f"{YEAR}Q2"),
        ("KJ201", str(YEAR)),
    ]:
        open_period(plan, form_code, period)
    close_period(open_period(plan, "KJ101", str(YEAR - 1)))
    result = Zone(plan, districts, enterprises, users)
    if tokens:
        for name, user in users.items():
            result.tokens[name] = issue_token(user, "tests")[1]
    return result


@pytest.fixture(scope="module")
def shared_zone(django_db_setup: None, django_db_blocker: Any) -> Iterator[Zone]:
    """One zone per test module, inside a transaction rolled back after the module; each test
    runs in a savepoint of it (pytest-django's `db`), so tests still see a fresh zone."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_zone(tokens=True)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def zone(shared_zone: Zone, db: None) -> Zone:
    for user in shared_zone.users.values():
        forget_roles(user)
    return shared_zone
