"""Fixtures of the plan-level dashboard tests (import them into the test module).

- `mini`: the mini plan with no reports and no results (the empty zone), its tasks, and users
  per role: office, evaluator, reviewer (兰州新区), a member of each working group, a reporter
  and a user without a role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.models import OrgUnit
from keju.planning.models import GoverningBody, Plan
from keju.planning.testing import load_mini_plan


@dataclass
class Mini:
    plan: Plan
    users: dict[str, Any]


def make_board_users(plan: Plan) -> dict[str, Any]:
    from keju.dashboards.tests.conftest import add_enterprise_reporter

    User = get_user_model()
    zone = OrgUnit.objects.get(plan=plan, level="zone")
    district = OrgUnit.objects.get(plan=plan, code="XQ")
    users: dict[str, Any] = {}
    for name, role, unit in (
        ("office", Role.OFFICE_STAFF, zone),
        ("evaluator", Role.EVALUATOR, zone),
        ("reviewer", Role.DISTRICT_REVIEWER, district),
        ("nobody", None, None),
    ):
        user = User.objects.create_user(f"{name}-{plan.code}", first_name=name)
        if role is not None:
            assign_role(user, role, org_unit=unit)
        users[name] = user
    for group in GoverningBody.objects.filter(plan=plan, kind="working_group"):
        user = User.objects.create_user(f"{group.code}-{plan.code}", first_name=group.name)
        assign_role(user, Role.WORKING_GROUP_STAFF, org_unit=zone, working_group=group)
        users[group.code] = user
    add_enterprise_reporter(plan, users)
    return users


@pytest.fixture
def mini(db: None) -> Mini:
    plan = load_mini_plan()
    return Mini(plan, make_board_users(plan))
