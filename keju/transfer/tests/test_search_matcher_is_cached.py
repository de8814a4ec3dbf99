"""Searching twice reuses the BM25 matcher; a new, changed or withdrawn listing rebuilds it."""

import pytest

from keju.transfer import services
from keju.transfer.matching import Matcher


@pytest.fixture
def builds(monkeypatch):
    made: list[int] = []

    class Counting(Matcher):
        def __init__(self, supplies, *args, **kwargs):
            made.append(len(supplies))
            super().__init__(supplies, *args, **kwargs)

    monkeypatch.setattr(services, "Matcher", Counting)
    services._SEARCH_MATCHERS.clear()
    return made


def test_a_second_search_does_not_rebuild_the_matcher(market, builds):
    first = services.search(market.plan, None, "炉渣 回收铜")
    second = services.search(market.plan, None, "当归 挥发油")
    assert len(builds) == 1
    assert first[0] == market.slag and second[0] == market.herb


def test_a_new_listing_is_found_by_the_next_search(market, builds):
    before = services.search(market.plan, None, "锂电池 正极材料")
    assert all("锂电池" not in a.title for a in before) and len(builds) == 1
    lithium = services.publish_achievement(
        market.broker,
        market.plan,
        {
            "title": "锂电池高镍正极材料包覆改性技术",
            "description": "采用原子层沉积包覆高镍三元正极材料,循环寿命提高30%。",
            "keywords": "锂电池, 正极材料, 包覆",
            "field": "新材料",
            "industries": "38",
            "region": "lanzhou",
            "owner_name": "某大学材料学院",
        },
    )
    results = services.search(market.plan, None, "锂电池 正极材料")
    assert results[0] == lithium
    assert len(builds) == 2
    services.search(market.plan, None, "锂电池")
    assert len(builds) == 2


def test_needs_and_achievements_have_their_own_matchers(market, builds):
    services.search(market.plan, None, "炉渣", kind="achievements")
    services.search(market.plan, None, "炉渣", kind="needs")
    services.search(market.plan, None, "铜", kind="needs")
    assert len(builds) == 2
