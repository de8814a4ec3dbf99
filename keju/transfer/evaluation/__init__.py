"""The labelled matching evaluation set and its metrics (recall@k, MRR)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from keju.transfer.matching import Demand, Matcher, Supply, keyword_overlap_rank

PAIRS = Path(__file__).with_name("pairs.yaml")


@dataclass(frozen=True)
class LabelledNeed:
    id: str
    need: Demand
    relevant: frozenset[str]


@dataclass(frozen=True)
class Scores:
    needs: int
    recall_at_10: float
    mrr: float


def load_pairs(path: Path = PAIRS) -> tuple[list[Supply], list[LabelledNeed]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    supplies = [
        Supply(
            id=a["id"],
            title=a["title"],
            text=a.get("text", ""),
            keywords=tuple(a.get("keywords", ())),
            field=a.get("field", ""),
            industries=tuple(a.get("industries", ())),
            region=a.get("region", ""),
        )
        for a in data["achievements"]
    ]
    needs = [
        LabelledNeed(
            id=n["id"],
            need=Demand(
                title=n["title"],
                text=n.get("text", ""),
                field=n.get("field", ""),
                industry=n.get("industry", ""),
                region=n.get("region", ""),
            ),
            relevant=frozenset(n["relevant"]),
        )
        for n in data["needs"]
    ]
    return supplies, needs


def score(needs: Sequence[LabelledNeed], ranker: Callable[[Demand], list[str]], k: int = 10) -> Scores:
    """Mean recall@k (share of a need's relevant achievements in its top k) and mean reciprocal rank."""
    recall = 0.0
    reciprocal = 0.0
    for labelled in needs:
        ranked = ranker(labelled.need)
        recall += len(labelled.relevant & set(ranked[:k])) / len(labelled.relevant)
        first = next((pos for pos, sid in enumerate(ranked, 1) if sid in labelled.relevant), None)
        reciprocal += 1 / first if first else 0.0
    n = len(needs)
    return Scores(needs=n, recall_at_10=recall / n, mrr=reciprocal / n)


def evaluate(path: Path = PAIRS) -> dict[str, Scores]:
    """BM25 matcher against the keyword-overlap baseline on the same set, in one run."""
    supplies, needs = load_pairs(path)
    matcher = Matcher(supplies)
    size = len(supplies)
    return {
        "matcher": score(needs, lambda d: [s.supply_id for s in matcher.rank(d, limit=size)]),
        "keyword_overlap": score(needs, lambda d: keyword_overlap_rank(supplies, d, limit=size)),
    }
