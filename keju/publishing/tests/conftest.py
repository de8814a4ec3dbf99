"""A small zone with hand-made monitoring results (the mini plan), users per role, helpers.

GDP of the mini plan's three districts for 2014—2020: final up to 2019, and 2020 provisional
for the zone and 白银高新区 (coverage 0.5), so tests can follow a provisional figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.monitoring.models import (
    ComputationRun,
    EarlyWarning,
    IndexScore,
    IndicatorValue,
    RunStatus,
    Scorecard,
    Trigger,
)
from keju.orgs.models import OrgUnit
from keju.planning.models import Indicator, Plan
from keju.planning.testing import MINI_PLAN, load_mini_plan

DISTRICT_GDP = {"XQ": 400.0, "GX": 350.0, "BG": 250.0}  # 2014, sums to the plan's baseline 1000
GROWTH = 0.12
PROVISIONAL_2020 = 1777.777  # the zone's 2020 value: computed, but below the coverage threshold
BG_2020 = 444.444


def gdp(unit: str, year: int) -> float:
    return round(DISTRICT_GDP[unit] * (1 + GROWTH) ** (year - 2014), 6)


@dataclass
class Zone:
    plan: Plan
    run: ComputationRun
    users: dict[str, Any]


def _value(
    plan: Plan,
    run: ComputationRun,
    ind: Indicator,
    unit: OrgUnit,
    year: int,
    value: float,
    provisional: bool = False,
) -> None:
    IndicatorValue.objects.create(
        plan=plan,
        run=run,
        org_unit=unit,
        indicator=ind,
        period=str(year),
        year=year,
        value=value,
        numerator=value,
        reported=1 if provisional else 2,
        expected=2,
        coverage=0.5 if provisional else 1.0,
        provisional=provisional,
        computed_at=timezone.now(),
    )


def fill_results(plan: Plan, *, provisional_zone: bool = True, scale: float = 1.0) -> ComputationRun:
    """Stored results as keju.monitoring would write them, small enough to check by hand."""
    run = ComputationRun.objects.create(plan=plan, trigger=Trigger.MANUAL, status=RunStatus.SUCCEEDED)
    units = {u.code: u for u in OrgUnit.objects.filter(plan=plan)}
    ind = Indicator.objects.get(plan=plan, code="gdp")
    zone = units[next(c for c, u in units.items() if u.level == "zone")]
    for year in range(2014, 2020):
        for code in DISTRICT_GDP:
            _value(plan, run, ind, units[code], year, gdp(code, year) * scale)
        _value(plan, run, ind, zone, year, sum(gdp(c, year) * scale for c in DISTRICT_GDP))
    _value(plan, run, ind, units["BG"], 2020, BG_2020, provisional=True)
    _value(plan, run, ind, units["XQ"], 2020, gdp("XQ", 2020))
    _value(plan, run, ind, units["GX"], 2020, gdp("GX", 2020))
    _value(plan, run, ind, zone, 2020, PROVISIONAL_2020, provisional=provisional_zone)
    EarlyWarning.objects.create(
        plan=plan,
        run=run,
        org_unit=units["BG"],
        indicator=ind,
        code="progress_slow",
        level="yellow",
        period="2019",
        message="白银高新区 地区生产总值:进展偏慢。",
        detail={"title": "进展偏慢"},
    )
    # A warning computed from a provisional value quotes it: it must stay internal too.
    EarlyWarning.objects.create(
        plan=plan,
        run=run,
        org_unit=zone,
        indicator=ind,
        code="stage_missed",
        level="red",
        period="2020",
        message=f"{zone.name} 地区生产总值:2020年为 {PROVISIONAL_2020}亿元,阶段目标未完成。",
        detail={"title": "阶段目标未完成"},
    )
    for year in (2019, 2020):
        for rank, code in enumerate(("XQ", "GX", "BG"), start=1):
            IndexScore.objects.create(
                plan=plan,
                run=run,
                org_unit=units[code],
                year=year,
                aggregate="index",
                aggregate_name="发展指数",
                level=0,
                score=90.0 - 10 * rank,
                rank=rank,
                rank_low=rank,
                rank_high=min(rank + 1, 3),
            )
            Scorecard.objects.create(
                plan=plan,
                run=run,
                org_unit=units[code],
                period=str(year),
                scorecard="annual",
                scorecard_name="年度评估",
                score=80.0 - 5 * rank,
                rank=rank,
                grade="良好",
                explanation=f"{units[code].name}:总分{80 - 5 * rank}。",
            )
    return run


def make_users(plan: Plan) -> dict[str, Any]:
    User = get_user_model()
    zone = OrgUnit.objects.get(plan=plan, level="zone")
    district = OrgUnit.objects.get(plan=plan, code="XQ")
    users: dict[str, Any] = {}
    for name, role, unit in (
        ("office", Role.OFFICE_STAFF, zone),
        ("office2", Role.OFFICE_STAFF, zone),
        ("evaluator", Role.EVALUATOR, zone),
        ("reviewer", Role.DISTRICT_REVIEWER, district),
        ("nobody", None, None),
    ):
        user = User.objects.create_user(f"{name}-{plan.code}")  # tests log in with force_login
        if role is not None:
            assign_role(user, role, org_unit=unit)
        users[name] = user
    return users


def load_other_plan(tmp_path: Path) -> Plan:
    """A second zone (the mini plan under another code) to prove plans never mix."""
    text = MINI_PLAN.read_text(encoding="utf-8").replace("code: mini\n", "code: other\n", 1)
    text = text.replace("title: 迷你试验区发展规划(测试)", "title: 另一试验区发展规划(测试)", 1)
    path = tmp_path / "other-plan.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mini_plan(path)


@pytest.fixture
def zone(db: None) -> Zone:
    plan = load_mini_plan()
    run = fill_results(plan)
    return Zone(plan, run, make_users(plan))


@pytest.fixture
def fast_render(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, Any]], bytes]:
    """Cheap stand-ins for the PDF/DOCX renderers where a test is about the workflow, not the layout."""
    from keju.publishing import render

    def fake(kind: str) -> Callable[..., bytes]:
        def draw(snapshot: dict[str, Any], *, edition: dict[str, Any], internal: bool = False) -> bytes:
            return f"{kind}:{edition['number']}:{edition['hash']}".encode()

        return draw

    monkeypatch.setattr(render, "render_pdf", fake("pdf"))
    monkeypatch.setattr(render, "render_docx", fake("docx"))
    return lambda s: b""
