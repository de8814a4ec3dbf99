"""A programme open today, an enterprise with its reporter, the office, and a provider with a member."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.models import OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.testing import make_credit_code, plan  # noqa: F401
from keju.vouchers import services
from keju.vouchers.models import Provider


class Scheme:
    def __init__(self, zone_plan):
        self.plan = zone_plan
        users = get_user_model().objects
        today = date.today()
        self.enterprise = register_enterprise(
            self.plan,
            name="兰州某新材料公司",
            credit_code=make_credit_code(21),
            industry_code="C3985",
            district_code="XQ",
            opened_on=date(2016, 1, 1),
        )
        self.reporter = users.create_user("ent", password="pw-ent-123")
        assign_role(self.reporter, Role.ENTERPRISE_REPORTER, enterprise=self.enterprise)
        self.office = users.create_user("office", password="pw-office-123")
        assign_role(self.office, Role.OFFICE_STAFF, org_unit=OrgUnit.objects.get(plan=self.plan, code="MZ"))
        self.provider_user = users.create_user("lab", password="pw-lab-123")
        self.provider = Provider.objects.create(
            plan=self.plan,
            name="甘肃某检测中心",
            credit_code=make_credit_code(99, prefix="12620000"),
            categories=["testing", "instrument", "rnd"],
        )
        self.provider.members.add(self.provider_user)
        self.programme = services.create_programme(
            self.office,
            self.plan,
            {
                "name": "科技创新券",
                "year": today.year,
                "budget": "100000",
                "subsidy_ratio": "0.5",
                "cap_per_application": "30000",
                "cap_per_enterprise_year": "50000",
                "apply_from": today - timedelta(days=30),
                "apply_until": today + timedelta(days=30),
                "use_by": today + timedelta(days=180),
                "settle_by": today + timedelta(days=240),
                "spot_check_rate": "0",
            },
        )

    def voucher(self, amount="20000"):
        application = services.apply(
            self.reporter,
            self.programme,
            self.enterprise,
            {"category": "small_tech", "amount": amount, "purpose": "新材料性能检测"},
        )
        return services.approve(self.office, application)

    def delivered_order(self, voucher, voucher_amount="5000", contract_amount="12000", provider=None):
        provider = provider or self.provider
        order = services.place_order(
            self.reporter,
            voucher,
            provider,
            {
                "category": "testing",
                "description": "材料力学性能检测",
                "contract_amount": contract_amount,
                "voucher_amount": voucher_amount,
            },
        )
        member = provider.members.first()
        services.confirm_order(member, order)
        return services.deliver(member, order, "检测报告 JC-2020-001")


@pytest.fixture
def scheme(plan):  # noqa: F811
    return Scheme(plan)
