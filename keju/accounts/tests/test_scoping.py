"""Who sees and does what: one test per role, on a zone with two districts.

e_xq sits in 兰州新区 (XQ), e_bg in 白银高新区 (BG), e_moved was in XQ until 2017
and is in BG since. Reports carry the district of their period.
"""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.models import Enterprise, OrgUnit
from keju.orgs.services import move_enterprise, register_enterprise
from keju.planning.models import GoverningBody, Task
from keju.planning.services import load_plan_into_db
from keju.planning.testing import MINI_PLAN, make_credit_code
from keju.reporting.models import Report


class Zone:
    def __init__(self, plan):
        self.plan = plan
        self.units = {u.code: u for u in OrgUnit.objects.filter(plan=plan)}
        self.e_xq = self.register(1, "兰州新区企业", "XQ")
        self.e_bg = self.register(2, "白银高新区企业", "BG")
        self.e_moved = self.register(3, "迁出企业", "XQ")
        move_enterprise(self.e_moved, district_code="BG", on=date(2017, 1, 1))
        self.r_xq = self.report(self.e_xq, "2016", "XQ")
        self.r_bg = self.report(self.e_bg, "2016", "BG")
        self.r_moved_2016 = self.report(self.e_moved, "2016", "XQ")
        self.r_moved_2018 = self.report(self.e_moved, "2018", "BG")
        self.r_district_xq = Report.objects.create(
            plan=plan,
            form_code="KJ201",
            period="2016",
            year=2016,
            org_unit=self.units["XQ"],
            district=self.units["XQ"],
        )
        self.r_district_bg = Report.objects.create(
            plan=plan,
            form_code="KJ201",
            period="2016",
            year=2016,
            org_unit=self.units["BG"],
            district=self.units["BG"],
        )

    def register(self, n, name, district):
        return register_enterprise(
            self.plan,
            name=name,
            credit_code=make_credit_code(n),
            industry_code="C2614",
            district_code=district,
            opened_on=date(2015, 1, 1),
        )

    def report(self, enterprise, period, district):
        return Report.objects.create(
            plan=self.plan,
            form_code="KJ101",
            period=period,
            year=int(period),
            enterprise=enterprise,
            district=self.units[district],
        )

    def user(self, name, role=None, **scope):
        user = get_user_model().objects.create_user(name)
        if role:
            assign_role(user, role, **scope)
        return user


@pytest.fixture
def zone(plan):
    return Zone(plan)


def enterprises(user, action="view"):
    return set(Enterprise.objects.visible_to(user, action))


def reports(user, action="view"):
    return set(Report.objects.visible_to(user, action))


def units(user, action="view"):
    return set(OrgUnit.objects.visible_to(user, action).values_list("code", flat=True))


def all_reports(z):
    return {z.r_xq, z.r_bg, z.r_moved_2016, z.r_moved_2018, z.r_district_xq, z.r_district_bg}


@pytest.mark.django_db
def test_anonymous_sees_no_enterprise_and_no_report(zone):
    anonymous = AnonymousUser()
    for action in ("view", "change", "review"):
        assert enterprises(anonymous, action) == set()
        assert reports(anonymous, action) == set()
        assert units(anonymous, action) == set()
    assert not Task.objects.visible_to(anonymous).exists()


@pytest.mark.django_db
def test_a_user_without_a_role_sees_nothing(zone):
    nobody = zone.user("nobody")
    for action in ("view", "change", "review"):
        assert enterprises(nobody, action) == set()
        assert reports(nobody, action) == set()
        assert units(nobody, action) == set()
        assert not Task.objects.visible_to(nobody, action).exists()


@pytest.mark.django_db
def test_an_inactive_user_loses_its_roles(zone):
    user = zone.user("gone", Role.OFFICE_STAFF, org_unit=zone.units["MZ"])
    user.is_active = False
    assert enterprises(user) == set() and reports(user) == set()


@pytest.mark.django_db
def test_a_reporter_sees_only_its_enterprise_and_its_reports(zone):
    user = zone.user("reporter", Role.ENTERPRISE_REPORTER, enterprise=zone.e_moved)
    assert enterprises(user) == enterprises(user, "change") == {zone.e_moved}
    assert reports(user) == reports(user, "change") == {zone.r_moved_2016, zone.r_moved_2018}
    assert reports(user, "review") == set()
    assert units(user) == {"XQ", "BG"}  # where its enterprise has been
    assert units(user, "change") == set()


@pytest.mark.django_db
def test_a_reviewer_sees_only_its_own_district(zone):
    user = zone.user("reviewer", Role.DISTRICT_REVIEWER, org_unit=zone.units["XQ"])
    # The moved enterprise stays visible: its 2016 report is the district's to review.
    assert enterprises(user) == {zone.e_xq, zone.e_moved}
    assert reports(user) == {zone.r_xq, zone.r_moved_2016, zone.r_district_xq}
    assert units(user) == units(user, "change") == {"XQ", "XQ-SH"}


@pytest.mark.django_db
def test_a_reviewer_changes_only_enterprises_placed_in_its_district_now(zone):
    user = zone.user("reviewer", Role.DISTRICT_REVIEWER, org_unit=zone.units["XQ"])
    assert enterprises(user, "change") == {zone.e_xq}


@pytest.mark.django_db
def test_a_reviewer_reviews_the_enterprise_reports_of_its_district_by_their_period(zone):
    xq = zone.user("reviewer_xq", Role.DISTRICT_REVIEWER, org_unit=zone.units["XQ"])
    bg = zone.user("reviewer_bg", Role.DISTRICT_REVIEWER, org_unit=zone.units["BG"])
    assert reports(xq, "review") == {zone.r_xq, zone.r_moved_2016}
    assert reports(bg, "review") == {zone.r_bg, zone.r_moved_2018}


@pytest.mark.django_db
def test_a_reviewer_fills_in_its_district_reports_but_never_changes_enterprise_figures(zone):
    user = zone.user("reviewer", Role.DISTRICT_REVIEWER, org_unit=zone.units["XQ"])
    assert reports(user, "change") == {zone.r_district_xq}


@pytest.mark.django_db
def test_office_staff_see_and_review_the_whole_zone_but_change_no_report(zone):
    user = zone.user("office", Role.OFFICE_STAFF, org_unit=zone.units["MZ"])
    assert enterprises(user) == enterprises(user, "change") == {zone.e_xq, zone.e_bg, zone.e_moved}
    assert reports(user) == reports(user, "review") == all_reports(zone)
    assert reports(user, "change") == set()
    assert len(units(user)) == len(units(user, "change")) == 8
    assert Task.objects.visible_to(user, "change").count() == 2


@pytest.mark.django_db
def test_working_group_staff_see_the_zone_and_change_only_their_tasks(zone):
    group = GoverningBody.objects.get(plan=zone.plan, code="wg_policy")
    user = zone.user("policy", Role.WORKING_GROUP_STAFF, working_group=group)
    assert enterprises(user) == {zone.e_xq, zone.e_bg, zone.e_moved}
    assert reports(user) == all_reports(zone)
    assert enterprises(user, "change") == reports(user, "change") == reports(user, "review") == set()
    assert Task.objects.visible_to(user).count() == 2
    assert list(Task.objects.visible_to(user, "change").values_list("code", flat=True)) == ["t1"]


@pytest.mark.django_db
def test_an_evaluator_views_everything_in_the_zone_and_changes_nothing(zone):
    user = zone.user("evaluator", Role.EVALUATOR, org_unit=zone.units["MZ"])
    assert enterprises(user) == {zone.e_xq, zone.e_bg, zone.e_moved}
    assert reports(user) == all_reports(zone)
    assert len(units(user)) == 8
    for action in ("change", "review"):
        assert enterprises(user, action) == reports(user, action) == units(user, action) == set()
        assert not Task.objects.visible_to(user, action).exists()


@pytest.mark.django_db
def test_a_superuser_sees_everything(zone):
    admin = get_user_model().objects.create_superuser("admin", password="x")
    assert reports(admin, "change") == all_reports(zone)
    assert len(enterprises(admin, "review")) == 3


@pytest.mark.django_db
def test_roles_add_up(zone):
    user = zone.user("both", Role.DISTRICT_REVIEWER, org_unit=zone.units["XQ"])
    assign_role(user, Role.ENTERPRISE_REPORTER, enterprise=zone.e_bg)
    assert enterprises(user) == {zone.e_xq, zone.e_moved, zone.e_bg}


@pytest.mark.django_db
def test_zone_roles_do_not_reach_into_another_plan(zone, tmp_path):
    other_file = tmp_path / "other.yaml"
    other_file.write_text(
        MINI_PLAN.read_text(encoding="utf-8").replace("code: mini", "code: other"), encoding="utf-8"
    )
    other = load_plan_into_db(other_file)
    outsider = register_enterprise(
        other,
        name="他区企业",
        credit_code=make_credit_code(99),
        industry_code="C2614",
        district_code="XQ",
        opened_on=date(2015, 1, 1),
    )
    user = zone.user("office", Role.OFFICE_STAFF, org_unit=zone.units["MZ"])
    assert outsider not in enterprises(user)
    assert len(units(user)) == 8


@pytest.mark.django_db
def test_an_unknown_action_is_an_error(zone):
    with pytest.raises(ValueError, match="unknown action"):
        Enterprise.objects.visible_to(AnonymousUser(), "delete")
