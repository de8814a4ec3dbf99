"""An owner unit with an operator, a mass spectrometer open every day 08:00–20:00, a user and the office."""

from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.instruments import services
from keju.orgs.models import OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.testing import make_credit_code, plan  # noqa: F401
from keju.vouchers.models import Provider


class Lab:
    def __init__(self, zone_plan):
        self.plan = zone_plan
        users = get_user_model().objects
        self.office = users.create_user("office", password="pw-office-123")
        assign_role(self.office, Role.OFFICE_STAFF, org_unit=OrgUnit.objects.get(plan=self.plan, code="MZ"))
        self.operator = users.create_user("operator", password="pw-operator-1")
        self.owner = Provider.objects.create(
            plan=self.plan,
            name="兰州某研究所",
            credit_code=make_credit_code(77, prefix="12620000"),
            categories=["instrument", "testing"],
        )
        self.owner.members.add(self.operator)
        self.enterprise = register_enterprise(
            self.plan,
            name="白银某材料公司",
            credit_code=make_credit_code(31),
            industry_code="C3985",
            district_code="BG",
            opened_on=date(2015, 1, 1),
        )
        self.user = users.create_user("researcher", password="pw-research-1")
        assign_role(self.user, Role.ENTERPRISE_REPORTER, enterprise=self.enterprise)
        self.other = users.create_user("other", password="pw-other-123")
        self.instrument = services.register_instrument(
            self.office,
            self.plan,
            {
                "name": "高分辨质谱仪",
                "model_number": "Q-Exactive",
                "manufacturer": "Thermo",
                "country": "美国",
                "original_value": "420",
                "category": "analysis",
                "owner": self.owner,
                "district": OrgUnit.objects.get(plan=self.plan, code="GX"),
                "location": "兰州高新区 某研究所 3号楼",
                "functions": "有机物精确分子量测定,代谢组学分析",
                "fee_per_hour": "600",
                "open_weekdays": [0, 1, 2, 3, 4, 5, 6],
                "open_from": "08:00",
                "open_until": "20:00",
                "operator": "张工 0931-0000000",
            },
        )
        self.day = timezone.localdate() + timedelta(days=3)

    def at(self, hour, minute=0, day=None):
        return timezone.make_aware(datetime.combine(day or self.day, time(hour, minute)))

    def booking(self, start=9, end=11, user=None):
        return services.book(
            user or self.user,
            self.instrument,
            {"start": self.at(start), "end": self.at(end), "purpose": "样品分析"},
        )


@pytest.fixture
def lab(plan):  # noqa: F811
    return Lab(plan)
