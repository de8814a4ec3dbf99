"""The recognition register's pages: who sees and edits what (a moved enterprise's recognitions are
seen in its new district too), forms, search, status filters and the overview counts."""

import pytest
from django.urls import reverse

from keju.registers import services
from keju.registers.models import EnterpriseRecognition

from .conftest import recognition

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(people, firms):
    office, plan = people.office, people.plan
    moved = services.register(office, plan, "recognition", recognition(firms.mover))  # XQ, moved to BG
    closed = services.register(office, plan, "recognition", recognition(firms.closer, kind="bio_backbone"))
    stays = services.register(office, plan, "recognition", recognition(firms.plain, kind="ip_advantage"))
    return moved, closed, stays


def login(client, user):
    client.force_login(user)
    return client


def test_anonymous_users_log_in_and_roleless_users_are_refused(client, people):
    url = reverse("registers:list", args=["recognition"])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert login(client, people.nobody).get(url).status_code == 403


def test_access_matrix_for_a_recognition_of_an_enterprise_that_moved(client, people, filled):
    moved, _, stays = filled
    pages = {
        "detail": reverse("registers:detail", args=["recognition", moved.pk]),
        "edit": reverse("registers:edit", args=["recognition", moved.pk]),
        "stays": reverse("registers:detail", args=["recognition", stays.pk]),
        "new": reverse("registers:create", args=["recognition"]),
    }
    expected = {
        # recognised in 新区 (XQ), the enterprise is in 白银 (BG) now
        "office": {"detail": 200, "edit": 200, "stays": 200, "new": 200},
        "evaluator": {"detail": 200, "edit": 403, "stays": 200, "new": 403},
        "reviewer_xq": {"detail": 200, "edit": 200, "stays": 200, "new": 200},
        "reviewer_bg": {"detail": 200, "edit": 403, "stays": 404, "new": 200},
        "nobody": {"detail": 403, "edit": 403, "stays": 403, "new": 403},
    }
    for who, codes in expected.items():
        client.force_login(getattr(people, who))
        for page, code in codes.items():
            assert client.get(pages[page]).status_code == code, (who, page)
    client.force_login(people.reviewer_bg)
    response = client.post(
        reverse("registers:revoke", args=["recognition", moved.pk]),
        {"revoked_on": "2019-01-01", "reason": "x"},
    )
    assert response.status_code == 403
    assert EnterpriseRecognition.objects.get(pk=moved.pk).revoked_on is None


def test_lists_are_scoped_and_searchable_by_credit_code(client, people, firms, filled):
    url = reverse("registers:list", args=["recognition"])
    page = login(client, people.reviewer_bg).get(url, {"status": "all"}).content.decode()
    assert (
        "兰州甲化工有限公司" in page and "白银乙有色金属有限公司" in page and "兰州丙科技有限公司" not in page
    )
    page = login(client, people.office).get(url, {"q": firms.plain.credit_code}).content.decode()
    assert "兰州丙科技有限公司" in page and "兰州甲化工有限公司" not in page
    page = client.get(url, {"type": "bio_backbone", "status": "all"}).content.decode()
    assert "白银乙有色金属有限公司" in page and "兰州甲化工有限公司" not in page


def test_expired_recognitions_are_listed_as_ended_and_cannot_be_revoked(client, people, firms):
    entry = services.register(
        people.office,
        people.plan,
        "recognition",
        recognition(firms.plain, kind="ip_advantage", recognised_on="2015-01-01", expires_on="2017-12-31"),
    )
    login(client, people.office)
    url = reverse("registers:list", args=["recognition"])
    assert "兰州丙科技有限公司" in client.get(url, {"status": "revoked"}).content.decode()
    assert "兰州丙科技有限公司" not in client.get(url).content.decode()  # not in force today
    assert "兰州丙科技有限公司" in client.get(url, {"on": "2017-12-31"}).content.decode()
    page = client.get(reverse("registers:detail", args=["recognition", entry.pk])).content.decode()
    assert "有效期至 2017-12-31,已到期" in page and 'name="reason"' not in page


def test_registering_through_the_form_and_a_refusal_that_keeps_the_input(client, people, firms):
    login(client, people.reviewer_xq)
    url = reverse("registers:create", args=["recognition"])
    page = client.get(url).content.decode()
    assert 'name="credit_code"' in page and 'name="district"' not in page  # the enterprise fixes the place
    response = client.post(url, recognition(firms.plain))
    entry = EnterpriseRecognition.objects.get()
    assert response["Location"] == reverse("registers:detail", args=["recognition", entry.pk])
    page = client.get(response["Location"]).content.decode()
    assert "新登记" in page and "rxq" in page and "兰州新区" in page and firms.plain.credit_code in page
    response = client.post(url, recognition(firms.plain, level="national", recognised_on="2018-01-01"))
    page = response.content.decode()
    assert response.status_code == 400 and "不能重叠" in page and 'value="2018-01-01"' in page
    assert EnterpriseRecognition.objects.count() == 1


def test_edit_and_revoke_through_the_pages(client, people, firms, filled):
    moved, *_ = filled
    login(client, people.reviewer_xq)
    page = client.get(reverse("registers:edit", args=["recognition", moved.pk])).content.decode()
    assert f'value="{firms.mover.credit_code}"' in page and 'value="2016-05-12"' in page
    client.post(
        reverse("registers:edit", args=["recognition", moved.pk]),
        recognition(firms.mover, expires_on="2019-05-11"),
    )
    moved.refresh_from_db()
    assert moved.expires_on.isoformat() == "2019-05-11"
    client.post(
        reverse("registers:revoke", args=["recognition", moved.pk]),
        {"revoked_on": "2018-12-31", "reason": "撤销"},
    )
    moved.refresh_from_db()
    assert moved.revoked_on.isoformat() == "2018-12-31"
    page = client.get(reverse("registers:detail", args=["recognition", moved.pk])).content.decode()
    assert "已于 2018-12-31 撤销" in page and "白银高新区" in page  # where the enterprise is now


def test_the_overview_counts_recognitions_where_the_enterprises_are_on_the_date(client, people, filled):
    login(client, people.reviewer_bg)
    page = client.get(reverse("registers:overview"), {"on": "2018-12-31"}).content.decode()
    # 白银 on 2018-12-31: 甲 (moved in, 创新型企业) and 乙 (生物产业重点骨干企业, closes 2019)
    row = page.split("创新型企业</a>")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row
    assert "生物产业重点骨干企业" in page and "创新型企业" in page
    page = client.get(reverse("registers:overview"), {"on": "2019-12-31"}).content.decode()
    row = page.split("生物产业重点骨干企业</a>")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' not in row  # 乙 closed in May 2019
