from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.credit_code import check_character
from keju.orgs.models import OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.services import load_plan_into_db

pytestmark = pytest.mark.django_db


def credit_code(serial: int) -> str:
    first17 = f"91620100{serial:09d}"
    return first17 + check_character(first17)


@pytest.fixture
def plan():
    return load_plan_into_db(settings.KEJU_DEFAULT_PLAN)


@pytest.fixture
def two_enterprises(plan):
    kwargs = {"industry_code": "C2710", "opened_on": date(2012, 3, 1)}
    high = register_enterprise(
        plan, name="兰州高新示范制药有限公司", credit_code=credit_code(1), district_code="lzgxq", **kwargs
    )
    new = register_enterprise(
        plan, name="兰州新区示范化工有限公司", credit_code=credit_code(2), district_code="lzxq", **kwargs
    )
    return high, new


def login_as(client, username, role, **scope):
    user = get_user_model().objects.create_user(username, password="pw-123456")
    assign_role(user, role, **scope)
    client.force_login(user)
    return user


def test_every_page_explains_an_empty_database(client):
    for name in ["home", "plan", "org-tree", "tasks"]:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "尚未载入规划" in response.content.decode()


def test_overview_shows_the_ten_headline_indicators_with_baseline_and_target(client, plan):
    page = client.get(reverse("home")).content.decode()
    assert "地区生产总值" in page and "552.4" in page and "1377" in page
    assert "万元GDP能耗" in page and "2.17" in page and "≤ 1.7" in page
    assert page.count("专栏1") >= 10


def test_overview_counts_registered_enterprises_against_district_targets(client, plan, two_enterprises):
    page = client.get(reverse("home")).content.decode()
    assert "1 / 3000" in page  # 兰州高新区: one registered, 3000 targeted (三(三))
    assert "1 / 1000" in page  # 兰州新区


def test_plan_page_lists_targets_chains_and_bodies_including_scoped_targets(client, plan):
    page = client.get(reverse("plan")).content.decode()
    assert "兰白两市" in page  # a target the plan sets for the two cities, not for the zone
    assert "化工" in page and "现代服务业" in page
    assert "政策财经组" in page and "省财政厅" in page


def test_structure_page_shows_districts_and_parks(client, plan):
    page = client.get(reverse("org-tree")).content.decode()
    for name in ["兰州市", "白银市", "兰州新区", "兰州高新区", "兰州经济区", "白银高新区", "雁滩园区"]:
        assert name in page


def test_tasks_can_be_filtered_by_working_group(client, plan):
    all_tasks = client.get(reverse("tasks")).context["tasks"]
    talent = client.get(reverse("tasks"), {"group": "wg_talent"}).context["tasks"]
    assert 0 < len(talent) < len(all_tasks)
    assert {t.working_group.code for t in talent} == {"wg_talent"}


def test_enterprise_register_requires_login(client, plan):
    response = client.get(reverse("enterprises"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_reviewer_sees_only_enterprises_of_own_district(client, plan, two_enterprises):
    high, new = two_enterprises
    district = OrgUnit.objects.get(plan=plan, code="lzgxq")
    login_as(client, "reviewer", Role.DISTRICT_REVIEWER, org_unit=district)
    page = client.get(reverse("enterprises")).content.decode()
    assert high.name in page
    assert new.name not in page


def test_reporter_sees_only_own_enterprise(client, plan, two_enterprises):
    high, new = two_enterprises
    login_as(client, "reporter", Role.ENTERPRISE_REPORTER, enterprise=new)
    page = client.get(reverse("enterprises")).content.decode()
    assert new.name in page
    assert high.name not in page


def test_user_input_is_escaped_in_the_search_box(client, plan):
    zone = OrgUnit.objects.get(plan=plan, level="zone")
    login_as(client, "office", Role.OFFICE_STAFF, org_unit=zone)
    page = client.get(reverse("enterprises"), {"q": '<script>alert("x")</script>'}).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_interface_switches_to_english(client, plan):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in page
    assert "Overview" in page


def test_interface_stays_chinese_for_an_english_browser_until_switched(client, plan):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page
    assert "主要发展指标" in page


def test_register_filters_by_a_visible_district_only(client, plan, two_enterprises):
    high, new = two_enterprises
    login_as(
        client, "reviewer", Role.DISTRICT_REVIEWER, org_unit=OrgUnit.objects.get(plan=plan, code="lzgxq")
    )
    own = client.get(reverse("enterprises"), {"district": "lzgxq"}).content.decode()
    other = client.get(reverse("enterprises"), {"district": "lzxq"}).content.decode()
    assert high.name in own
    assert new.name not in other and high.name not in other


def test_header_shows_the_signed_in_users_role(client, plan):
    login_as(client, "office", Role.OFFICE_STAFF, org_unit=OrgUnit.objects.get(plan=plan, level="zone"))
    assert "省创新办(兰白试验区)" in client.get(reverse("home")).content.decode()


def test_an_english_request_leaves_the_thread_in_the_default_language(client):
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.headers["Content-Language"] == "en"
    assert translation.get_language() == settings.LANGUAGE_CODE
