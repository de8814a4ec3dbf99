"""Pages: who sees and edits what, search and filters, forms with Chinese refusals, empty registers."""

import pytest
from django.urls import reverse

from keju.registers import services
from keju.registers.models import InnovationPlatform, RegisterEvent

from .conftest import ALLIANCE, INCUBATOR, PLATFORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(people):
    xq = services.register(people.office, people.plan, "platform", PLATFORM)
    bg = services.register(
        people.office,
        people.plan,
        "platform",
        {
            **PLATFORM,
            "name": "白银有色金属工程技术研究中心",
            "district": "BG",
            "park": "BG-YS",
            "industry_chain": "nonferrous",
        },
    )
    services.register(people.office, people.plan, "alliance", ALLIANCE)
    services.register(people.office, people.plan, "incubator", INCUBATOR)
    return xq, bg


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["overview", "platform", "alliance", "incubator"])
def test_anonymous_users_are_sent_to_log_in_and_roleless_users_are_refused(client, people, name):
    url = reverse("registers:overview") if name == "overview" else reverse("registers:list", args=[name])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert login(client, people.nobody).get(url).status_code == 403


def test_access_matrix_for_lists_details_and_forms(client, people, filled):
    xq, bg = filled
    detail_bg = reverse("registers:detail", args=["platform", bg.pk])
    edit_bg = reverse("registers:edit", args=["platform", bg.pk])
    new = reverse("registers:create", args=["platform"])
    expected = {
        # user: (sees BG detail, may open BG edit form, may open the new form)
        "office": (200, 200, 200),
        "evaluator": (200, 403, 403),
        "reviewer_xq": (404, 404, 200),
        "reviewer_bg": (200, 200, 200),
        "nobody": (403, 403, 403),
    }
    for who, (detail, edit, create) in expected.items():
        client.force_login(getattr(people, who))
        assert client.get(detail_bg).status_code == detail, who
        assert client.get(edit_bg).status_code == edit, who
        assert client.get(new).status_code == create, who


def test_a_reviewer_lists_only_its_district_and_zone_roles_see_all(client, people, filled):
    url = reverse("registers:list", args=["platform"])
    page = login(client, people.reviewer_xq).get(url).content.decode()
    assert PLATFORM["name"] in page and "白银有色金属工程技术研究中心" not in page
    page = login(client, people.evaluator).get(url).content.decode()
    assert PLATFORM["name"] in page and "白银有色金属工程技术研究中心" in page
    assert reverse("registers:create", args=["platform"]) not in page  # read-only: no entry button


def test_search_and_filters_narrow_the_list(client, people, filled):
    login(client, people.office)
    url = reverse("registers:list", args=["platform"])
    assert "白银有色" in client.get(url, {"q": "有色金属"}).content.decode()
    assert PLATFORM["name"] not in client.get(url, {"q": "有色金属"}).content.decode()
    assert PLATFORM["name"] not in client.get(url, {"chain": "nonferrous"}).content.decode()
    assert PLATFORM["name"] not in client.get(url, {"on": "2015-12-31"}).content.decode()  # recognised 2016
    assert PLATFORM["name"] in client.get(url, {"on": "2016-12-31"}).content.decode()
    page = client.get(url, {"q": "不存在的平台"}).content.decode()
    assert "没有符合条件的条目" in page
    bad = client.get(url, {"on": "2016-99-99"})
    assert bad.status_code == 200 and "无效" in bad.content.decode()


def test_registering_through_the_form_redirects_to_the_detail_with_the_audit(client, people):
    login(client, people.reviewer_xq)
    response = client.post(reverse("registers:create", args=["alliance"]), ALLIANCE)
    entry = services.MODELS["alliance"].objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registers:detail", args=["alliance", entry.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "rxq" in page and "新登记" in page


def test_a_refused_form_keeps_the_input_and_says_why_in_chinese(client, people):
    login(client, people.office)
    data = {**PLATFORM, "recognised_on": "2016-02-30", "name": "<b>平台</b>"}
    response = client.post(reverse("registers:create", args=["platform"]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "网页标记" in page
    assert "&lt;b&gt;平台&lt;/b&gt;" in page and "<b>平台</b>" not in page  # user text escaped
    assert not InnovationPlatform.objects.exists()


def test_edit_and_revoke_through_the_pages(client, people, filled):
    xq, _ = filled
    login(client, people.reviewer_xq)
    client.post(reverse("registers:edit", args=["platform", xq.pk]), {**PLATFORM, "host_name": "兰州大学"})
    xq.refresh_from_db()
    assert xq.host_name == "兰州大学"
    response = client.post(
        reverse("registers:revoke", args=["platform", xq.pk]), {"revoked_on": "2019-12-31", "reason": "整合"}
    )
    assert response.status_code == 302
    xq.refresh_from_db()
    assert xq.revoked_on.isoformat() == "2019-12-31"
    assert list(RegisterEvent.objects.filter(platform=xq).values_list("action", flat=True)) == [
        "revoke",
        "edit",
        "register",
    ]
    page = client.get(reverse("registers:detail", args=["platform", xq.pk])).content.decode()
    assert "已于 2019-12-31 撤销" in page
    login(client, people.reviewer_bg)
    assert client.post(reverse("registers:revoke", args=["platform", xq.pk]), {}).status_code == 404
    assert client.get(reverse("registers:revoke", args=["platform", xq.pk])).status_code == 405


def test_the_overview_counts_by_type_district_and_chain(client, people, filled):
    page = login(client, people.office).get(reverse("registers:overview")).content.decode()
    assert "按产业链" in page and "石油化工" in page and "工程(技术)研究中心" in page
    page = login(client, people.reviewer_bg).get(reverse("registers:overview")).content.decode()
    assert "兰州新区" not in page and "白银高新区" in page


def test_empty_registers_are_explained(client, people):
    login(client, people.office)
    page = client.get(reverse("registers:overview")).content.decode()
    assert "登记簿中还没有条目" in page
    page = client.get(reverse("registers:list", args=["incubator"])).content.decode()
    assert "还没有您可见的条目" in page


def test_an_unknown_register_is_not_found(client, people):
    assert login(client, people.office).get("/registers/nothing/").status_code == 404


def test_without_a_plan_the_pages_say_so(client, db, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="pw-root-12345")
    response = login(client, user).get(reverse("registers:overview"))
    assert response.status_code == 200
