"""A small zone with an enterprise reporter, another enterprise, an office broker and listings."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.models import OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.testing import make_credit_code, plan  # noqa: F401
from keju.transfer import services


class Market:
    def __init__(self, zone_plan):
        self.plan = zone_plan
        users = get_user_model().objects
        self.zone = OrgUnit.objects.get(plan=self.plan, code="MZ")
        self.smelter = register_enterprise(
            self.plan,
            name="白银某冶炼公司",
            credit_code=make_credit_code(11),
            industry_code="C3211",
            district_code="BG",
            opened_on=date(2010, 1, 1),
        )
        self.pharma = register_enterprise(
            self.plan,
            name="兰州某药业公司",
            credit_code=make_credit_code(12),
            industry_code="C2740",
            district_code="XQ",
            opened_on=date(2012, 1, 1),
        )
        self.reporter = users.create_user("reporter", password="pw-reporter-1")
        assign_role(self.reporter, Role.ENTERPRISE_REPORTER, enterprise=self.smelter)
        self.other_reporter = users.create_user("other", password="pw-other-1")
        assign_role(self.other_reporter, Role.ENTERPRISE_REPORTER, enterprise=self.pharma)
        self.broker = users.create_user("broker", password="pw-broker-1")
        assign_role(self.broker, Role.OFFICE_STAFF, org_unit=self.zone)
        self.slag = services.publish_achievement(
            self.broker,
            self.plan,
            {
                "title": "铜冶炼炉渣选矿回收铜技术",
                "description": "针对闪速熔炼炉渣,采用缓冷—细磨—浮选流程回收渣中铜,尾渣含铜降至0.25%以下。",
                "keywords": "炉渣选矿, 铜回收, 浮选",
                "field": "资源与环境",
                "industries": "32, 09",
                "region": "baiyin",
                "owner_name": "某有色金属研究院",
            },
        )
        self.herb = services.publish_achievement(
            self.broker,
            self.plan,
            {
                "title": "当归挥发油提取与稳定化",
                "description": "超临界二氧化碳萃取当归挥发油,β-环糊精包合提高稳定性。",
                "keywords": "当归, 挥发油",
                "field": "生物与新医药",
                "industries": "27",
                "region": "lanzhou",
                "owner_name": "某中医药大学",
            },
        )
        self.need = services.publish_need(
            self.reporter,
            self.smelter,
            {
                "title": "熔炼渣含铜偏高",
                "description": "冶炼厂每年产生大量熔炼渣,渣中铜品位仍有0.8%左右,想把渣里的铜再选出来。",
                "field": "资源与环境",
                "region": "baiyin",
                "budget": "120",
            },
        )


@pytest.fixture
def market(plan):  # noqa: F811
    return Market(plan)
