"""Technology matching: quality on the labelled set, and speed on a larger corpus.

    .venv/bin/python benchmarks/transfer_matching.py

Quality: recall@10 and MRR of the BM25 matcher and of the plain keyword-overlap
baseline, in the same run, on keju/transfer/evaluation/pairs.yaml — once with the
needs' full descriptions and once with their titles only (short queries).
Speed: one ranking over the labelled achievements replicated to 10,000 listings,
against the baseline's time on the same corpus.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace

from keju.transfer.evaluation import LabelledNeed, load_pairs, score
from keju.transfer.matching import Matcher, keyword_overlap_rank


def quality() -> None:
    supplies, needs = load_pairs()
    short = [LabelledNeed(n.id, replace(n.need, text=""), n.relevant) for n in needs]
    matcher = Matcher(supplies)
    size = len(supplies)
    print(f"labelled set: {len(needs)} needs, {size} achievements")
    print(f"{'queries':<12}{'method':<18}{'recall@10':>10}{'MRR':>8}")
    for label, subset in (("full", needs), ("title only", short)):
        ours = score(subset, lambda d: [s.supply_id for s in matcher.rank(d, limit=size)])
        base = score(subset, lambda d: keyword_overlap_rank(supplies, d, limit=size))
        print(f"{label:<12}{'BM25 + classes':<18}{ours.recall_at_10:>10.3f}{ours.mrr:>8.3f}")
        print(f"{label:<12}{'keyword overlap':<18}{base.recall_at_10:>10.3f}{base.mrr:>8.3f}")


def speed(target: int = 10_000) -> None:
    supplies, needs = load_pairs()
    copies = target // len(supplies) + 1
    corpus = [replace(s, id=f"{s.id}-{i}") for i in range(copies) for s in supplies][:target]
    started = time.perf_counter()
    matcher = Matcher(corpus)
    build = time.perf_counter() - started
    ours, base = [], []
    for labelled in needs[:30]:
        t = time.perf_counter()
        matcher.rank(labelled.need)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        keyword_overlap_rank(corpus, labelled.need)
        base.append(time.perf_counter() - t)
    print(f"\ncorpus {len(corpus)} listings: index built in {build:.2f} s")
    print(f"rank one need: median {statistics.median(ours) * 1000:.1f} ms (BM25 matcher)")
    print(f"               median {statistics.median(base) * 1000:.1f} ms (keyword overlap, no index)")
    print(f"ratio matcher/baseline: {statistics.median(ours) / statistics.median(base):.2f}")


if __name__ == "__main__":
    quality()
    speed()
