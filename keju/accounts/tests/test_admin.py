from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from keju.accounts.models import Role, RoleAssignment
from keju.accounts.services import assign_role
from keju.orgs.models import OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.testing import make_credit_code

CHANGELISTS = [
    "orgs_orgunit",
    "orgs_enterprise",
    "orgs_enterpriseplacement",
    "planning_plan",
    "planning_indicator",
    "planning_stage",
    "planning_target",
    "planning_baseline",
    "planning_industrychain",
    "planning_governingbody",
    "planning_task",
    "accounts_roleassignment",
]


@pytest.fixture
def enterprises(plan):
    return [
        register_enterprise(
            plan,
            name=f"企业{d}",
            credit_code=make_credit_code(n),
            industry_code="C2614",
            district_code=d,
            opened_on=date(2015, 1, 1),
        )
        for n, d in enumerate(["XQ", "BG"], start=1)
    ]


@pytest.mark.django_db
def test_every_changelist_opens_for_a_superuser(client, enterprises):
    client.force_login(get_user_model().objects.create_superuser("admin", password="x"))
    for name in CHANGELISTS:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


@pytest.mark.django_db
def test_staff_see_only_their_scope_in_the_admin(client, plan, enterprises):
    user = get_user_model().objects.create_user("reviewer", password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_enterprise", "change_enterprise"])
    )
    assign_role(user, Role.DISTRICT_REVIEWER, org_unit=OrgUnit.objects.get(plan=plan, code="XQ"))
    client.force_login(user)
    page = client.get(reverse("admin:orgs_enterprise_changelist")).content.decode()
    assert "企业XQ" in page and "企业BG" not in page
    other = enterprises[1]
    assert client.get(reverse("admin:orgs_enterprise_change", args=[other.pk])).status_code == 302


@pytest.mark.django_db
def test_the_role_admin_checks_the_scope(client, plan):
    admin = get_user_model().objects.create_superuser("admin", password="x")
    target = get_user_model().objects.create_user("li")
    client.force_login(admin)
    url = reverse("admin:accounts_roleassignment_add")
    lz = OrgUnit.objects.get(plan=plan, code="LZ")
    response = client.post(url, {"user": target.pk, "role": Role.DISTRICT_REVIEWER, "org_unit": lz.pk})
    assert response.status_code == 200 and "须指定一个区" in response.content.decode()
    xq = OrgUnit.objects.get(plan=plan, code="XQ")
    response = client.post(url, {"user": target.pk, "role": Role.DISTRICT_REVIEWER, "org_unit": xq.pk})
    assert response.status_code == 302
    assert RoleAssignment.objects.get(user=target).org_unit == xq
