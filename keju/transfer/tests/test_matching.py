"""The pure matcher: BM25 on segmented Chinese, classification bonuses, reasons, refusals."""

import math

import pytest

from keju.transfer.matching import (
    BM25,
    MAX_QUERY_CHARS,
    Demand,
    Matcher,
    MatchingError,
    Supply,
    keyword_overlap_rank,
)
from keju.transfer.text import tokenize

SUPPLIES = [
    Supply(
        "slag",
        "铜冶炼炉渣选矿回收铜",
        "缓冷细磨浮选回收渣中铜和金银",
        ("炉渣", "浮选"),
        "资源与环境",
        ("32",),
        "baiyin",
    ),
    Supply(
        "glass",
        "熔炼渣制备微晶玻璃",
        "以铜熔炼渣为原料熔制微晶玻璃装饰板",
        ("熔炼渣", "微晶玻璃"),
        "新材料",
        ("30",),
        "baiyin",
    ),
    Supply("herb", "当归挥发油提取", "超临界萃取当归挥发油", ("当归",), "生物与新医药", ("27",), "lanzhou"),
]


def test_tokenize_segments_chinese_normalises_full_width_and_drops_stopwords():
    tokens = tokenize("我们希望回收ＣＵ渣中的铜")
    assert "cu" in tokens and "回收" in tokens and "铜" in tokens
    assert "我们" not in tokens and "希望" not in tokens and "的" not in tokens


def test_bm25_matches_the_okapi_formula_by_hand():
    index = BM25([["a", "b"], ["a", "a", "c"]], k1=1.5, b=0.75)
    idf_a = math.log(1 + (2 - 2 + 0.5) / (2 + 0.5))
    idf_c = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5))
    avg = 2.5
    norm1 = 1.5 * (1 - 0.75 + 0.75 * 3 / avg)
    expected = idf_a * 2 * 2.5 / (2 + norm1) + idf_c * 1 * 2.5 / (1 + norm1)
    assert index.scores(["a", "c"])[1] == pytest.approx(expected)


def test_the_answer_ranks_first_with_reasons_naming_shared_words_field_industry_region():
    need = Demand(
        title="炉渣含铜偏高", text="想把渣里的铜回收出来", field="资源与环境", industry="32", region="baiyin"
    )
    ranked = Matcher(SUPPLIES).rank(need)
    assert ranked[0].supply_id == "slag"
    reasons = " ".join(ranked[0].reasons)
    assert "共同关键词" in reasons and "铜" in reasons
    assert "同属资源与环境领域" in reasons and "大类 32" in reasons and "同在白银" in reasons
    assert "herb" not in [s.supply_id for s in ranked]  # nothing in common, not suggested


def test_classification_breaks_a_text_tie_in_favour_of_the_needs_industry():
    twins = [
        Supply("a", "废水处理", "重金属废水处理", (), "资源与环境", ("26",), "other"),
        Supply("b", "废水处理", "重金属废水处理", (), "资源与环境", ("32",), "other"),
    ]
    ranked = Matcher(twins).rank(Demand(title="重金属废水处理", industry="32"))
    assert [s.supply_id for s in ranked] == ["b", "a"]


def test_ranking_does_not_depend_on_listing_order_except_for_exact_ties():
    need = Demand(title="熔炼渣回收铜", field="资源与环境")
    forward = [s.supply_id for s in Matcher(SUPPLIES).rank(need)]
    backward = [s.supply_id for s in Matcher(list(reversed(SUPPLIES))).rank(need)]
    assert forward == backward


def test_a_query_of_ten_thousand_characters_is_refused_in_chinese():
    with pytest.raises(MatchingError, match="过长"):
        Matcher(SUPPLIES).rank(Demand(title="铜" * 10_000))
    assert MAX_QUERY_CHARS < 10_000


def test_a_query_with_no_usable_words_is_refused():
    with pytest.raises(MatchingError, match="没有可用于匹配的词语"):
        Matcher(SUPPLIES).rank(Demand(title="的了和!!"))


def test_keyword_overlap_baseline_counts_shared_words_only():
    ranked = keyword_overlap_rank(SUPPLIES, Demand(title="当归挥发油"))
    assert ranked[0] == "herb"


def test_a_shared_strategic_emerging_domain_ranks_higher_and_is_given_as_a_reason():
    twins = [
        Supply("a", "废水处理", "重金属废水处理", (), "资源与环境", (), "other", ("sei:新材料产业",)),
        Supply("b", "废水处理", "重金属废水处理", (), "资源与环境", (), "other", ("sei:节能环保产业",)),
    ]
    ranked = Matcher(twins).rank(Demand(title="重金属废水处理", classes=("sei:节能环保产业",)))
    assert [s.supply_id for s in ranked] == ["b", "a"]
    assert "同属战略性新兴产业“节能环保产业”" in ranked[0].reasons
