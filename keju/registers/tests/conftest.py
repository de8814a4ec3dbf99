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
