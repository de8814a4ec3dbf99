"""The labelled evaluation set is sound, and the matcher beats plain keyword overlap on it."""

from dataclasses import replace

from keju.transfer.evaluation import LabelledNeed, evaluate, load_pairs, score
from keju.transfer.matching import Matcher, keyword_overlap_rank


def test_the_set_has_at_least_100_needs_each_pointing_at_existing_achievements():
    supplies, needs = load_pairs()
    ids = {s.id for s in supplies}
    assert len(needs) >= 100
    assert len({n.id for n in needs}) == len(needs)
    assert len(ids) == len(supplies)
    assert all(n.relevant and n.relevant <= ids for n in needs)


def test_matcher_finds_the_answer_in_the_top_ten_and_beats_keyword_overlap_on_mrr():
    scores = evaluate()
    assert scores["matcher"].recall_at_10 >= 0.95
    assert scores["matcher"].mrr >= scores["keyword_overlap"].mrr


def test_with_short_title_only_queries_the_matcher_still_beats_keyword_overlap():
    supplies, needs = load_pairs()
    short = [LabelledNeed(n.id, replace(n.need, text=""), n.relevant) for n in needs]
    matcher = Matcher(supplies)
    ours = score(short, lambda d: [s.supply_id for s in matcher.rank(d, limit=len(supplies))])
    baseline = score(short, lambda d: keyword_overlap_rank(supplies, d, limit=len(supplies)))
    assert ours.recall_at_10 > baseline.recall_at_10
    assert ours.mrr > baseline.mrr
