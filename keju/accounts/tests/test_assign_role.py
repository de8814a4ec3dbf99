import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from keju.accounts.models import Role, RoleAssignment
from keju.accounts.services import RoleError, assign_role
from keju.orgs.models import OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.models import GoverningBody
from keju.planning.testing import make_credit_code


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("zhang")


@pytest.fixture
def enterprise(plan):
    from datetime import date

    return register_enterprise(
        plan,
        name="兰州石化",
        credit_code=make_credit_code(1),
        industry_code="C2614",
        district_code="XQ",
        opened_on=date(2015, 1, 1),
    )


def unit(plan, code):
    return OrgUnit.objects.get(plan=plan, code=code)


@pytest.mark.django_db
def test_a_reviewer_needs_a_district(plan, user):
    with pytest.raises(RoleError, match="管委会审核员须指定所辖区"):
        assign_role(user, Role.DISTRICT_REVIEWER)
    with pytest.raises(RoleError, match="管委会审核员须指定一个区,“兰州市”是市"):
        assign_role(user, Role.DISTRICT_REVIEWER, org_unit=unit(plan, "LZ"))
    assignment = assign_role(user, Role.DISTRICT_REVIEWER, org_unit=unit(plan, "XQ"))
    assert assignment.org_unit.code == "XQ"


@pytest.mark.django_db
def test_a_reporter_needs_an_enterprise_and_nothing_else(plan, user, enterprise):
    with pytest.raises(RoleError, match="企业填报员须指定所属企业"):
        assign_role(user, Role.ENTERPRISE_REPORTER, org_unit=unit(plan, "XQ"))
    with pytest.raises(RoleError, match="只能指定企业"):
        assign_role(user, Role.ENTERPRISE_REPORTER, enterprise=enterprise, org_unit=unit(plan, "XQ"))
    assert assign_role(user, Role.ENTERPRISE_REPORTER, enterprise=enterprise).enterprise == enterprise


@pytest.mark.django_db
def test_office_staff_and_evaluators_need_the_zone(plan, user):
    for role in (Role.OFFICE_STAFF, Role.EVALUATOR):
        with pytest.raises(RoleError, match="须指定试验区"):
            assign_role(user, role)
        with pytest.raises(RoleError, match="范围须是试验区"):
            assign_role(user, role, org_unit=unit(plan, "XQ"))
        assert assign_role(user, role, org_unit=unit(plan, "MZ")).org_unit.level == "zone"


@pytest.mark.django_db
def test_working_group_staff_need_a_working_group_and_get_its_zone(plan, user):
    with pytest.raises(RoleError, match="工作小组须指定工作小组"):
        assign_role(user, Role.WORKING_GROUP_STAFF, org_unit=unit(plan, "MZ"))
    office = GoverningBody.objects.get(plan=plan, code="office")
    with pytest.raises(RoleError, match="“省创新办”不是工作小组"):
        assign_role(user, Role.WORKING_GROUP_STAFF, working_group=office)
    group = GoverningBody.objects.get(plan=plan, code="wg_policy")
    assignment = assign_role(user, Role.WORKING_GROUP_STAFF, working_group=group)
    assert (assignment.org_unit.code, assignment.working_group) == ("MZ", group)


@pytest.mark.django_db
def test_only_working_group_staff_name_a_working_group(plan, user):
    group = GoverningBody.objects.get(plan=plan, code="wg_policy")
    with pytest.raises(RoleError, match="不能指定工作小组"):
        assign_role(user, Role.OFFICE_STAFF, org_unit=unit(plan, "MZ"), working_group=group)


@pytest.mark.django_db
def test_an_unknown_role_is_named(user):
    with pytest.raises(RoleError, match="未知的角色“admin”"):
        assign_role(user, "admin")


@pytest.mark.django_db
def test_assigning_twice_gives_one_assignment(plan, user, enterprise):
    assign_role(user, Role.DISTRICT_REVIEWER, org_unit=unit(plan, "XQ"))
    assign_role(user, Role.DISTRICT_REVIEWER, org_unit=unit(plan, "XQ"))
    assign_role(user, Role.ENTERPRISE_REPORTER, enterprise=enterprise)
    assign_role(user, Role.ENTERPRISE_REPORTER, enterprise=enterprise)
    assert RoleAssignment.objects.count() == 2


@pytest.mark.django_db
def test_the_database_refuses_a_scope_that_does_not_fit_the_role(plan, user):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.ENTERPRISE_REPORTER, org_unit=unit(plan, "XQ"))
