"""An English user sees technology-market refusals and confirmations in English, a Chinese user in Chinese.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from keju.transfer import services

pytestmark = pytest.mark.django_db


def test_a_too_long_search_is_explained_in_the_language_of_the_page(client, market):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("transfer:index"), {"q": "铜" * 300})
    page = response.content.decode()
    assert response.status_code == 400
    assert "The search text is too long (300 characters); please keep it within 200 characters." in page
    assert "搜索词过长" not in page


def test_a_matcher_refusal_is_translated_where_the_service_reports_it(market):
    # The matcher is pure (no Django); its message is translated by the service that catches it.
    with translation.override("en"), pytest.raises(services.TransferError) as english:
        services.search(market.plan, market.broker, "的")
    assert english.value.message == (
        "The description of the need has no words to match on; please describe the technical problem "
        "more specifically."
    )
    with pytest.raises(services.TransferError) as chinese:
        services.search(market.plan, market.broker, "的")
    assert chinese.value.message == "需求描述中没有可用于匹配的词语,请补充技术问题的具体描述。"


def test_listing_problems_are_joined_in_the_language_of_the_refusal(market):
    with translation.override("en"), pytest.raises(services.TransferError) as english:
        services.publish_achievement(market.broker, market.plan, {"title": "", "description": ""})
    assert english.value.message.startswith("Please enter a title; Please enter a description; ")
    assert english.value.message.endswith(".")
