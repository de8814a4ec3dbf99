"""Test helpers shared by the apps' tests: a small plan and valid credit codes.

Import the fixtures into an app's tests/conftest.py to use them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keju.orgs.credit_code import check_character
from keju.planning.models import Plan

MINI_PLAN = Path(__file__).parent / "tests" / "data" / "mini-plan.yaml"


def make_credit_code(n: int, prefix: str = "91620100") -> str:
    """A valid 统一社会信用代码: 8-character prefix, 9-digit serial, computed check character."""
    first17 = f"{prefix}{n:09d}"
    return first17 + check_character(first17)


def load_mini_plan(path: Path = MINI_PLAN) -> Plan:
    from keju.planning.services import load_plan_into_db

    return load_plan_into_db(path)


@pytest.fixture
def plan(db: None) -> Plan:
    return load_mini_plan()
