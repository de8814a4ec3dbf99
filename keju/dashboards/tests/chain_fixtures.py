"""Fixtures of the chain progress tests (import them into the test module).

- `chains_zone`: the `zone` fixture (mini plan, stored results, users per role) plus register
  entries small enough to count by hand, with the plan's chain_indicators as in the Lanbai plan:

  创新平台 (研发平台 = national and provincial, in force at 31 December), target +5 per chain:
    petrochem  2014: 2, 2015: 3, 2016: 4, 2017: 5, 2018: 6, 2019: 7, 2020: 7   (and a municipal one)
    nonferrous 2014: 1, 2015: 1, 2016: 3, 2017: 4, 2018: 3, 2019: 3, 2020: 3   (one revoked in 2018)
  联盟: none registered (the register is not in use);
  重大科技成果转化项目 (储备项目库, 建成投产, by year of completion), target 10 per chain (cumulative):
    petrochem 2015: 1, 2017: 2, 2019: 1 (and one still under construction); nonferrous none;
  国家级重点新产品: no source at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from keju.dashboards.tests.conftest import Zone
from keju.orgs.models import OrgUnit
from keju.planning.models import IndustryChain, Plan
from keju.pools.models import Project, ProjectKind, ProjectStage
from keju.registers.models import InnovationPlatform, Level, PlatformType

CHAIN_INDICATORS = {
    "platforms": "rd_platforms",
    "alliances": "industry_alliances",
    "achievements": "major_achievements_transferred",
    "new_products": "national_new_products",
}


@dataclass
class ChainsZone:
    plan: Plan
    users: dict[str, Any]
    zone: Zone


def add_platform(
    plan: Plan,
    chain: str,
    name: str,
    recognised_on: date,
    *,
    level: str = Level.PROVINCIAL,
    revoked_on: date | None = None,
) -> InnovationPlatform:
    industry_chain = IndustryChain.objects.get(plan=plan, code=chain)
    district = industry_chain.districts.first()
    return InnovationPlatform.objects.create(
        plan=plan,
        name=name,
        district=district,
        industry_chain=industry_chain,
        platform_type=PlatformType.ENGINEERING_CENTRE,
        level=level,
        host_name="某研究院",
        recognised_on=recognised_on,
        revoked_on=revoked_on,
        revocation_reason="复评不合格" if revoked_on else "",
    )


def add_project(
    plan: Plan, chain: str, name: str, end_year: int, stage: str = ProjectStage.OPERATING
) -> Project:
    industry_chain = IndustryChain.objects.get(plan=plan, code=chain)
    return Project.objects.create(
        plan=plan,
        name=name,
        kind=ProjectKind.ACHIEVEMENT_TRANSFER,
        industry_chain=industry_chain,
        district=OrgUnit.objects.get(plan=plan, code="XQ"),
        responsible_unit="兰州新区管委会",
        stage=stage,
        investment=Decimal(5),
        start_year=end_year - 1,
        end_year=end_year,
    )


@pytest.fixture
def chains_zone(zone: Zone) -> ChainsZone:
    plan = zone.plan
    plan.document = {**(plan.document or {}), "chain_indicators": CHAIN_INDICATORS}
    plan.save(update_fields=["document"])
    add_platform(plan, "petrochem", "国家石化重点实验室", date(2010, 3, 1), level=Level.NATIONAL)
    add_platform(plan, "petrochem", "石化工程中心", date(2012, 5, 1))
    for year in range(2015, 2020):
        add_platform(plan, "petrochem", f"石化平台{year}", date(year, 6, 1))
    add_platform(plan, "petrochem", "市级石化平台", date(2016, 1, 1), level=Level.MUNICIPAL)
    add_platform(plan, "nonferrous", "有色工程中心", date(2012, 1, 1))
    add_platform(plan, "nonferrous", "有色平台甲", date(2016, 3, 1))
    add_platform(plan, "nonferrous", "有色平台乙", date(2016, 9, 1), revoked_on=date(2018, 4, 1))
    add_platform(plan, "nonferrous", "有色平台丙", date(2017, 2, 1))
    add_project(plan, "petrochem", "成果转化一", 2015)
    add_project(plan, "petrochem", "成果转化二", 2017)
    add_project(plan, "petrochem", "成果转化三", 2017)
    add_project(plan, "petrochem", "成果转化四", 2019)
    add_project(plan, "petrochem", "成果转化五", 2018, stage=ProjectStage.CONSTRUCTION)
    return ChainsZone(plan, zone.users, zone)
