"""A small demo zone written once per test module, and the Lanbai plan and forms.

The demo (400 enterprises, 2014—2020, recomputed at the end of `run_demo`) is committed
once per module and flushed afterwards; every test still runs in its own transaction,
so a test that approves or changes a report leaves nothing behind for the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from keju.demo.generate import DemoZone
from keju.demo.persist import DemoResult, run_demo
from keju.plan import Plan as Spec
from keju.plan import ReportForm, load_forms, load_plan
from keju.planning.models import Plan

PLAN_PATH = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"
DEMO_SIZE = 400


@dataclass
class Demo:
    result: DemoResult
    spec: Spec
    forms: dict[str, ReportForm]

    @property
    def plan(self) -> Plan:
        return Plan.objects.get(pk=self.result.plan.pk)

    @property
    def zone(self) -> DemoZone:
        return self.result.zone


@pytest.fixture(scope="session")
def lanbai() -> Spec:
    return load_plan(PLAN_PATH)


@pytest.fixture(scope="session")
def forms(lanbai: Spec) -> dict[str, ReportForm]:
    return load_forms(lanbai, PLAN_PATH)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, lanbai: Spec, forms: dict) -> Iterator[Demo]:
    with django_db_blocker.unblock():
        result = run_demo(PLAN_PATH, enterprises=DEMO_SIZE)
    yield Demo(result, lanbai, forms)
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
