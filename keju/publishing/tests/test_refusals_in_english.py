"""An English user sees release-workflow refusals and confirmations in English, a Chinese user in Chinese.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from keju.publishing.models import Publication
from keju.publishing.services import PublishingError, create_draft, publish
from keju.publishing.tests.conftest import Zone

pytestmark = pytest.mark.django_db


def test_a_bad_period_is_explained_in_the_language_of_the_page(client: Client, zone: Zone) -> None:
    client.force_login(zone.users["office"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(
        reverse("publishing:manage-create"), {"kind": "annual", "period": "2019年"}, follow=True
    ).content.decode()
    assert (
        "The period “2019年” is not in the right format; a period of the Annual development index and "
        "innovation survey report is written like 2020"
    ) in page
    assert "格式不正确" not in page and not Publication.objects.exists()


def test_a_step_out_of_order_names_the_states_in_the_language_of_the_refusal(zone: Zone) -> None:
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    with translation.override("en"), pytest.raises(PublishingError) as english:
        publish(pub, actor=zone.users["office"])
    assert english.value.message == (
        f"“{pub.title}” is currently “Draft”; only a publication in the status Reviewed can be published"
    )
    with pytest.raises(PublishingError) as chinese:
        publish(pub, actor=zone.users["office"])
    assert chinese.value.message == f"“{pub.title}”当前状态为“草稿”,只有已审核状态才能发布"
