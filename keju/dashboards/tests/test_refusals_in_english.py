"""Task progress refusals are in the language of the page (English when the user chose English).

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from keju.dashboards.tests.board_fixtures import mini  # noqa: F401  (fixture)
from keju.planning.models import TaskUpdate

pytestmark = pytest.mark.django_db


def test_a_bad_evidence_link_is_refused_in_the_language_of_the_page(mini, client):  # noqa: F811
    client.force_login(mini.users["office"])
    data = {"status": "done", "evidence": "进展", "evidence_url": "javascript:alert(1)"}
    url = reverse("dashboards:task_update", args=["t1"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.post(url, data).content.decode()
    assert "The evidence link is not a valid web address (it must start with http:// or https://)." in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.post(url, data).content.decode()
    assert "佐证链接不是有效的网址(应以 http:// 或 https:// 开头)。" in chinese
    assert not TaskUpdate.objects.exists()
