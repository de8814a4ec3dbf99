"""The office's release pages: who may open them, and a draft → review → publish round through them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from keju.publishing.models import Publication, Status
from keju.publishing.tests.conftest import Zone

pytestmark = pytest.mark.django_db


def _as(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_anonymous_users_are_sent_to_login(client: Client, zone: Zone) -> None:
    response = client.get(reverse("publishing:manage"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["reviewer", "nobody"])
def test_roles_without_publishing_rights_are_refused(client: Client, zone: Zone, who: str) -> None:
    assert _as(client, zone.users[who]).get(reverse("publishing:manage")).status_code == 403
    response = client.post(reverse("publishing:manage-create"), {"kind": "annual", "period": "2019"})
    assert response.status_code == 403 and not Publication.objects.exists()


def test_an_empty_list_explains_how_to_start(client: Client, zone: Zone) -> None:
    page = _as(client, zone.users["office"]).get(reverse("publishing:manage")).content.decode()
    assert "还没有任何出版物" in page and "起草" in page


def test_draft_review_publish_through_the_pages(client: Client, zone: Zone, fast_render: Any) -> None:
    office, evaluator = Client(), Client()
    office.force_login(zone.users["office"])
    evaluator.force_login(zone.users["evaluator"])
    response = office.post(reverse("publishing:manage-create"), {"kind": "annual", "period": "2019"})
    pub = Publication.objects.get()
    assert response["Location"] == reverse("publishing:manage-detail", args=[pub.pk])
    detail = office.get(response["Location"]).content.decode()
    assert "地区生产总值" in detail and "草稿" in detail
    # The drafter's own review is refused with the message shown on the page.
    page = office.post(
        reverse("publishing:manage-action", args=[pub.pk, "review"]), follow=True
    ).content.decode()
    assert "起草人不能审核" in page
    evaluator.post(reverse("publishing:manage-action", args=[pub.pk, "review"]), {"note": "已核对"})
    office.post(reverse("publishing:manage-action", args=[pub.pk, "publish"]))
    pub.refresh_from_db()
    assert pub.status == Status.PUBLISHED and pub.number_label == "迷你年报〔2019〕第1期"
    assert "迷你年报〔2019〕第1期" in client.get(reverse("publishing:archive")).content.decode()


def test_bad_input_is_refused_with_a_message_and_writes_nothing(client: Client, zone: Zone) -> None:
    _as(client, zone.users["office"])
    page = client.post(
        reverse("publishing:manage-create"), {"kind": "annual", "period": "<b>x</b>"}, follow=True
    ).content.decode()
    assert "格式不正确" in page and "<b>x</b>" not in page and not Publication.objects.exists()
    assert client.post(reverse("publishing:manage-action", args=[999, "publish"])).status_code == 404


def test_draft_preview_pdf_is_for_staff_only(client: Client, zone: Zone, fast_render: Any) -> None:
    _as(client, zone.users["office"]).post(
        reverse("publishing:manage-create"), {"kind": "annual", "period": "2019"}
    )
    pub = Publication.objects.get()
    other = Client()
    other.force_login(zone.users["reviewer"])
    assert other.get(reverse("publishing:manage-preview", args=[pub.pk])).status_code == 403
    assert Client().get(reverse("publishing:manage-preview", args=[pub.pk])).status_code == 302


def test_without_a_plan_the_page_explains_it(client: Client, db: None) -> None:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("office-without-plan"))
    response = client.get(reverse("publishing:manage"))
    assert response.status_code == 200
    assert "web/no_plan.html" in [t.name for t in response.templates]
