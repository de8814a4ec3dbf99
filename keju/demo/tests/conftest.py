"""The Lanbai plan, its forms and a default demo zone, generated once per session."""

from pathlib import Path

import pytest

from keju.demo.generate import DemoZone, generate_zone
from keju.plan import Plan, ReportForm, load_forms, load_plan

PLAN_PATH = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"


@pytest.fixture(scope="session")
def lanbai() -> Plan:
    return load_plan(PLAN_PATH)


@pytest.fixture(scope="session")
def forms(lanbai: Plan) -> dict[str, ReportForm]:
    return load_forms(lanbai, PLAN_PATH)


@pytest.fixture(scope="session")
def zone(lanbai: Plan, forms: dict[str, ReportForm]) -> DemoZone:
    return generate_zone(lanbai, forms)
