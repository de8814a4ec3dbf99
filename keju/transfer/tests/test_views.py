"""The pages: public search, suggestions only for the need's owner and brokers, the broker board, escaping."""

import pytest
from django.urls import reverse

from keju.transfer.models import Match, Need, TechContract

pytestmark = pytest.mark.django_db


def test_the_public_search_page_lists_published_achievements_without_login(client, market):
    response = client.get(reverse("transfer:index"), {"q": "炉渣 铜"})
    assert response.status_code == 200
    assert "铜冶炼炉渣选矿回收铜技术" in response.content.decode()


def test_a_ten_thousand_character_search_gets_a_chinese_message_not_an_error(client, market):
    response = client.get(reverse("transfer:index"), {"q": "铜" * 10_000})
    assert response.status_code == 400
    assert "搜索词过长" in response.content.decode()


def test_suggestions_are_shown_to_the_needs_owner_but_not_to_anonymous_or_other_enterprises(client, market):
    url = reverse("transfer:need", args=[market.need.pk])
    assert "推荐的科技成果" not in client.get(url).content.decode()
    client.force_login(market.other_reporter)
    assert "推荐的科技成果" not in client.get(url).content.decode()
    client.force_login(market.reporter)
    page = client.get(url).content.decode()
    assert "推荐的科技成果" in page and "铜冶炼炉渣选矿回收铜技术" in page and "共同关键词" in page


def test_a_reporter_posts_a_need_and_bad_input_keeps_what_was_typed(client, market):
    client.force_login(market.reporter)
    bad = client.post(
        reverse("transfer:new-need"),
        {"title": "粗铟提纯", "description": "<script>alert(1)</script>", "field": "新材料"},
    )
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "网页标记或脚本" in page and "粗铟提纯" in page and "<script>alert(1)</script>" not in page
    good = client.post(
        reverse("transfer:new-need"),
        {"title": "粗铟提纯", "description": "副产粗铟纯度4N,希望提纯到6N。", "field": "新材料"},
    )
    need = Need.objects.get(title="粗铟提纯")
    assert good.status_code == 302 and need.enterprise == market.smelter


@pytest.mark.parametrize("name", ["transfer:board", "transfer:contracts", "transfer:new-achievement"])
def test_broker_pages_are_refused_to_reporters_and_redirect_anonymous_to_login(client, market, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(market.reporter)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(market.broker)
    assert client.get(reverse(name)).status_code == 200


def test_a_reporter_cannot_follow_up_or_advance_matches(client, market):
    client.force_login(market.reporter)
    response = client.post(
        reverse("transfer:follow-up", args=[market.need.pk]), {"achievement": market.slag.pk}
    )
    assert response.status_code == 403
    assert not Match.objects.exists()


def test_broker_goes_from_suggestion_to_registered_contract_through_the_pages(client, market):
    client.force_login(market.broker)
    client.post(reverse("transfer:follow-up", args=[market.need.pk]), {"achievement": market.slag.pk})
    match = Match.objects.get()
    client.post(reverse("transfer:advance", args=[match.pk]), {"status": "negotiating", "note": "已见面"})
    response = client.post(
        reverse("transfer:contracts"),
        {
            "match": match.pk,
            "contract_type": "transfer",
            "title": "转让合同",
            "amount": "50",
            "signed_on": "2019-03-01",
            "registered_on": "2019-03-05",
        },
    )
    assert response.status_code == 302
    contract = TechContract.objects.get()
    assert contract.buyer == market.smelter and contract.seller_name == "某有色金属研究院"
    match.refresh_from_db()
    assert match.status == "contracted"
    board = client.get(reverse("transfer:board")).content.decode()
    assert contract.registration_number in board
