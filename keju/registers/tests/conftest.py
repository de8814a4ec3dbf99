from datetime import date

import pytest
from django.contrib.auth import get_user_model

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.monitoring.tests.conftest import demo, forms, lanbai  # noqa: F401
from keju.orgs.models import OrgUnit
from keju.planning.testing import plan  # noqa: F401


class People:
    def __init__(self, zone_plan):
        self.plan = zone_plan
        users = get_user_model().objects
        unit = {u.code: u for u in OrgUnit.objects.filter(plan=self.plan)}
        self.office = users.create_user("office", password="pw-office-123")
        assign_role(self.office, Role.OFFICE_STAFF, org_unit=unit["MZ"])
        self.evaluator = users.create_user("eval", password="pw-eval-12345")
        assign_role(self.evaluator, Role.EVALUATOR, org_unit=unit["MZ"])
        self.reviewer_xq = users.create_user("rxq", password="pw-rxq-12345")
        assign_role(self.reviewer_xq, Role.DISTRICT_REVIEWER, org_unit=unit["XQ"])
        self.reviewer_bg = users.create_user("rbg", password="pw-rbg-12345")
        assign_role(self.reviewer_bg, Role.DISTRICT_REVIEWER, org_unit=unit["BG"])
        self.nobody = users.create_user("nobody", password="pw-nobody-123")


@pytest.fixture
def people(plan):  # noqa: F811
    return People(plan)


PLATFORM = {
    "name": "甘肃省石化催化工程技术研究中心",
    "district": "XQ",
    "park": "XQ-SH",
    "industry_chain": "petrochem",
    "platform_type": "engineering_centre",
    "level": "provincial",
    "host_name": "兰州石化研究院",
    "recognised_on": "2016-05-12",
    "document_number": "甘科发〔2016〕88号",
}
ALLIANCE = {
    "name": "石化产业技术创新战略联盟",
    "district": "XQ",
    "industry_chain": "petrochem",
    "lead_unit": "兰州石化研究院",
    "member_count": "12",
    "founded_on": "2015-09-01",
}
INCUBATOR = {
    "name": "白银科技企业孵化器",
    "district": "BG",
    "kind": "incubator",
    "level": "provincial",
    "operator": "白银创业服务中心",
    "area_m2": "52,000",
    "residents": "80",
    "recognised_on": "2014年6月1日",
}


class Firms:
    """Three enterprises of the mini plan: 甲 in 新区 (石化园, moves to 白银 on 2017-03-01), 乙 in
    白银 (closes on 2019-05-01), 丙 in 新区 (no chain)."""

    def __init__(self, zone_plan):
        from keju.orgs.services import close_enterprise, move_enterprise, register_enterprise
        from keju.planning.testing import make_credit_code

        def firm(n, name, district, park=None, chain=None):
            return register_enterprise(
                zone_plan,
                name=name,
                credit_code=make_credit_code(n),
                industry_code="C2614",
                district_code=district,
                park_code=park,
                opened_on=date(2008, 1, 1),
                industry_chain=chain,
            )

        self.mover = firm(1, "兰州甲化工有限公司", "XQ", "XQ-SH", "petrochem")
        self.closer = firm(2, "白银乙有色金属有限公司", "BG", "BG-YS", "nonferrous")
        self.plain = firm(3, "兰州丙科技有限公司", "XQ")
        move_enterprise(self.mover, district_code="BG", on=date(2017, 3, 1))
        close_enterprise(self.closer, date(2019, 5, 1))


@pytest.fixture
def firms(plan):  # noqa: F811
    return Firms(plan)


def recognition(firm, **changes):
    """Form data for a provincial 创新型企业 of `firm` recognised on 2016-05-12, with `changes`."""
    return {
        "credit_code": firm.credit_code,
        "kind": "innovative",
        "level": "provincial",
        "recognised_on": "2016-05-12",
        "document_number": "甘科高〔2016〕35号",
        "issued_by": "甘肃省科技厅",
        **changes,
    }
