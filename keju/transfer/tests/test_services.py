"""Listings, the broker's workflow and contract registration: the rules and every refusal."""

from datetime import date
from decimal import Decimal

import pytest

from keju.transfer import services
from keju.transfer.models import Achievement, Match, MatchStatus, Need, TechContract, TransferEvent

pytestmark = pytest.mark.django_db


def test_a_reporter_publishes_a_need_for_its_own_enterprise_with_its_industry(market):
    assert market.need.enterprise == market.smelter
    assert market.need.industry == "32"
    assert market.need.budget == Decimal("120")
    assert market.need.status == "published"


def test_a_reporter_cannot_publish_for_another_enterprise_and_the_refusal_is_logged(market):
    before = Need.objects.count()
    with pytest.raises(services.TransferError, match="只能为本企业"):
        services.publish_need(
            market.reporter, market.pharma, {"title": "x", "description": "y", "field": "新材料"}
        )
    assert Need.objects.count() == before
    assert TransferEvent.objects.filter(action="publish_need", refused=True, actor=market.reporter).exists()


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "见 <img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        "<a href='x'>链接</a>",
    ],
)
def test_a_listing_with_markup_or_script_is_refused_and_nothing_is_written(market, text):
    before = Need.objects.count()
    with pytest.raises(services.TransferError, match="网页标记或脚本"):
        services.publish_need(
            market.reporter, market.smelter, {"title": "需求", "description": text, "field": "新材料"}
        )
    assert Need.objects.count() == before


def test_a_need_without_title_field_or_with_a_negative_budget_is_refused(market):
    with pytest.raises(services.TransferError, match="请填写名称"):
        services.publish_need(market.reporter, market.smelter, {"description": "y", "field": "新材料"})
    with pytest.raises(services.TransferError, match="请选择技术领域"):
        services.publish_need(market.reporter, market.smelter, {"title": "x", "description": "y"})
    with pytest.raises(services.TransferError, match="不能为负数"):
        services.publish_need(
            market.reporter,
            market.smelter,
            {"title": "x", "description": "y", "field": "新材料", "budget": "-5"},
        )


def test_only_zone_staff_publish_achievements(market):
    with pytest.raises(services.TransferError, match="只有省创新办"):
        services.publish_achievement(market.reporter, market.plan, {"title": "x"})
    assert not Achievement.objects.filter(title="x").exists()


def test_search_ranks_published_achievements_and_refuses_a_ten_thousand_character_query(market):
    results = services.search(market.plan, None, "炉渣 回收铜")
    assert results[0] == market.slag
    with pytest.raises(services.TransferError, match="搜索词过长"):
        services.search(market.plan, None, "铜" * 10_000)
    assert TransferEvent.objects.filter(action="search", refused=True).exists()


def test_suggestions_for_a_need_put_the_answer_first_with_reasons(market):
    suggestions = services.suggest_for_need(market.need)
    assert suggestions[0].achievement == market.slag
    assert any("共同关键词" in r for r in suggestions[0].suggestion.reasons)


def test_a_withdrawn_achievement_is_no_longer_suggested(market):
    Achievement.objects.filter(pk=market.slag.pk).update(status="withdrawn")
    assert market.slag not in [s.achievement for s in services.suggest_for_need(market.need)]


def test_broker_follows_up_once_and_a_second_follow_up_is_refused(market):
    match = services.follow_up(market.broker, market.need, market.slag)
    assert match.status == MatchStatus.CONTACTED and match.reasons
    with pytest.raises(services.TransferError, match="请勿重复"):
        services.follow_up(market.broker, market.need, market.slag)
    assert Match.objects.count() == 1


def test_an_enterprise_reporter_is_not_a_broker(market):
    with pytest.raises(services.TransferError, match="只有技术经纪人"):
        services.follow_up(market.reporter, market.need, market.slag)


def test_workflow_moves_forward_only_and_closing_needs_a_reason(market):
    match = services.follow_up(market.broker, market.need, market.slag)
    with pytest.raises(services.TransferError, match="不能改为"):
        services.advance(market.broker, match, MatchStatus.CONTRACTED)
    with pytest.raises(services.TransferError, match="须填写原因"):
        services.advance(market.broker, match, MatchStatus.CLOSED)
    match = services.advance(market.broker, match, MatchStatus.NEGOTIATING, "双方已见面")
    assert match.status == MatchStatus.NEGOTIATING and "双方已见面" in match.note


def contract_data(**overrides):
    data = {
        "contract_type": "transfer",
        "title": "炉渣选矿回收铜技术转让合同",
        "seller_name": "某有色金属研究院",
        "buyer_name": "白银某冶炼公司",
        "amount": "85.5",
        "signed_on": "2019-05-10",
        "registered_on": "2019-05-20",
    }
    data.update(overrides)
    return data


def test_registering_a_contract_from_a_negotiation_closes_the_match_as_contracted(market):
    match = services.follow_up(market.broker, market.need, market.slag)
    match = services.advance(market.broker, match, MatchStatus.NEGOTIATING)
    contract = services.register_contract(
        market.broker, market.plan, contract_data(seller=market.smelter), match=match
    )
    match.refresh_from_db()
    assert match.status == MatchStatus.CONTRACTED
    assert contract.registration_number.startswith("622019")
    assert contract.technical_income == Decimal("85.5")
    assert contract.district.code == "BG"  # registered where the seller is


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "0"}, "成交额必须大于0"),
        ({"amount": "-3"}, "不能为负数"),
        ({"amount": "abc"}, "不是有效数字"),
        ({"technical_income": "100"}, "不能大于成交额"),
        ({"registered_on": "2019-05-01"}, "不能早于签订日期"),
        ({"signed_on": "2019-13-40"}, "不是有效日期"),
        ({"contract_type": "gift"}, "请选择合同类别"),
        ({"title": "<script>x</script>"}, "网页标记或脚本"),
    ],
)
def test_a_bad_contract_is_refused_in_chinese_and_nothing_is_written(market, overrides, message):
    with pytest.raises(services.TransferError, match=message):
        services.register_contract(market.broker, market.plan, contract_data(**overrides))
    assert TechContract.objects.count() == 0
    assert TransferEvent.objects.filter(action="register_contract", refused=True).exists()


def test_the_same_registration_number_cannot_be_registered_twice(market):
    services.register_contract(
        market.broker, market.plan, contract_data(registration_number="62201900000042")
    )
    with pytest.raises(services.TransferError, match="已存在"):
        services.register_contract(
            market.broker, market.plan, contract_data(registration_number="62201900000042")
        )
    assert TechContract.objects.count() == 1


def test_a_match_not_in_negotiation_cannot_become_a_contract(market):
    match = services.follow_up(market.broker, market.need, market.slag)
    with pytest.raises(services.TransferError, match="洽谈中"):
        services.register_contract(market.broker, market.plan, contract_data(), match=match)


def test_contract_turnover_sums_amounts_by_district_year_and_type(market):
    services.register_contract(market.broker, market.plan, contract_data(seller=market.smelter))
    services.register_contract(
        market.broker,
        market.plan,
        contract_data(seller=market.smelter, amount="14.5", contract_type="service"),
    )
    services.register_contract(
        market.broker, market.plan, contract_data(amount="10", registered_on=str(date(2020, 1, 2)))
    )
    rows = services.contract_turnover(market.plan, years=[2019])
    assert {(r["district"], r["contract_type"]): r["amount"] for r in rows} == {
        ("BG", "transfer"): Decimal("85.5"),
        ("BG", "service"): Decimal("14.5"),
    }


def test_a_need_carries_its_enterprises_classifications_and_bad_ones_are_refused(market):
    from keju.orgs.models import Enterprise

    Enterprise.objects.filter(pk=market.smelter.pk).update(strategic_emerging="新材料产业")
    market.smelter.refresh_from_db()
    need = services.publish_need(
        market.reporter, market.smelter, {"title": "高纯铟", "description": "提纯到6N", "field": "新材料"}
    )
    assert need.strategic_emerging == "新材料产业" and need.high_tech_industry == ""
    with pytest.raises(services.TransferError, match="分类无效"):
        services.publish_achievement(
            market.broker,
            market.plan,
            {
                "title": "x",
                "description": "y",
                "field": "新材料",
                "owner_name": "某所",
                "strategic_emerging": "炼金",
            },
        )
