import pytest
from django.contrib.auth import get_user_model

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.models import OrgUnit
from keju.planning.testing import plan  # noqa: F401


class People:
    def __init__(self, zone_plan):
        self.plan = zone_plan
        users = get_user_model().objects
        unit = {u.code: u for u in OrgUnit.objects.filter(plan=self.plan)}
        self.office = users.create_user("office", password="pw-office-123")
        assign_role(self.office, Role.OFFICE_STAFF, org_unit=unit["MZ"])
        self.reviewer_xq = users.create_user("rxq", password="pw-rxq-12345")
        assign_role(self.reviewer_xq, Role.DISTRICT_REVIEWER, org_unit=unit["XQ"])
        self.reviewer_bg = users.create_user("rbg", password="pw-rbg-12345")
        assign_role(self.reviewer_bg, Role.DISTRICT_REVIEWER, org_unit=unit["BG"])


@pytest.fixture
def people(plan):  # noqa: F811
    return People(plan)


PROJECT = {
    "name": "镍钴新材料成果转化项目",
    "kind": "achievement_transfer",
    "district": "XQ",
    "stage": "operating",
    "responsible_unit": "兰州新区管委会",
    "investment": "12.5",
    "expected_output": "30",
    "start_year": "2016",
    "end_year": "2018",
}
TALENT = {"kind": "leading", "field": "有色冶金", "employer": "某冶炼公司", "district": "XQ", "year": "2017"}
