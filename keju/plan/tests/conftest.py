"""Shared paths and loaders for the plan tests (plain pytest, no Django)."""

from pathlib import Path

import pytest

from keju.plan import Plan, ReportForm, check_plan, load_forms, load_plan
from keju.plan.cli import DEFAULT_PLAN

PLANS = Path(__file__).parent / "plans"
MINI = PLANS / "mini-zone.yaml"
BAD = PLANS / "bad-zone.yaml"


@pytest.fixture(scope="session")
def lanbai() -> Plan:
    return load_plan(DEFAULT_PLAN)


@pytest.fixture(scope="session")
def lanbai_forms(lanbai: Plan) -> dict[str, ReportForm]:
    return load_forms(lanbai, DEFAULT_PLAN)


def problems_of(path: Path) -> list[str]:
    plan = load_plan(path)
    return [str(p) for p in check_plan(plan, load_forms(plan, path))]
