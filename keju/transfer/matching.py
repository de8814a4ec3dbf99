"""Technology supply–demand matching (技术转移对接): BM25 over segmented Chinese text plus classifications.

Pure: no Django. A `Matcher` indexes technology achievements (科技成果) once and
ranks them for a need (技术需求): text relevance by Okapi BM25 on jieba tokens
(title and keywords count twice), plus bonuses for the same 高新技术领域, an
industry the achievement applies to (GB/T 4754 major group) and the same
region. Every suggestion carries the reasons that produced it, in Chinese.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from keju.transfer.text import tokenize

MAX_QUERY_CHARS = 2000

REGION_NAMES = {"lanzhou": "兰州", "baiyin": "白银"}


def gettext_noop(message: str) -> str:
    """Marks a message for translation (makemessages finds it by this name) without importing Django."""
    return message


class MatchingError(ValueError):
    """A request the matcher refuses: str() is the Chinese message; `template` (a msgid) and
    `values` let the caller translate it (`_(error.template) % error.values`)."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template % values)
        self.template = template
        self.values = values


@dataclass(frozen=True)
class Supply:
    """A technology achievement as the matcher sees it."""

    id: str
    title: str
    text: str = ""
    keywords: tuple[str, ...] = ()
    field: str = ""
    industries: tuple[str, ...] = ()
    region: str = ""
    classes: tuple[str, ...] = ()  # e.g. "sei:新材料产业", "hti:医药制造业"


@dataclass(frozen=True)
class Demand:
    """A technology need as the matcher sees it."""

    title: str
    text: str = ""
    keywords: tuple[str, ...] = ()
    field: str = ""
    industry: str = ""
    region: str = ""
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Weights:
    """How much each signal adds to the normalised text score (which lies in [0, 1])."""

    field: float = 0.15
    industry: float = 0.15
    region: float = 0.05
    classes: float = 0.10  # the same 战略性新兴产业 domain or 高技术产业 group
    k1: float = 1.5
    b: float = 0.75


@dataclass(frozen=True)
class Suggestion:
    supply_id: str
    score: float
    text_score: float
    reasons: tuple[str, ...] = field(default=())


def supply_tokens(item: Supply) -> list[str]:
    # Title and keywords say what the achievement is; repeating them weighs them double.
    title = tokenize(item.title)
    keywords = [t for k in item.keywords for t in tokenize(k)]
    return title * 2 + keywords * 2 + tokenize(item.text)


def demand_tokens(need: Demand) -> list[str]:
    text = " ".join([need.title, need.text, *need.keywords])
    if len(text) > MAX_QUERY_CHARS:
        raise MatchingError(
            gettext_noop("需求描述过长(%(length)s字),请精简到%(max)s字以内。"),
            length=len(text),
            max=MAX_QUERY_CHARS,
        )
    return tokenize(need.title) * 2 + [t for k in need.keywords for t in tokenize(k)] + tokenize(need.text)


class BM25:
    """Okapi BM25 over a fixed corpus; a query is scored against every document at once."""

    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.size = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=float)
        average = float(lengths.mean()) if self.size else 0.0
        self._norm = k1 * (1 - b + b * lengths / average) if average else np.full(self.size, k1)
        self._k1 = k1
        postings: dict[str, list[tuple[int, int]]] = {}
        for doc, tokens in enumerate(documents):
            for term, count in Counter(tokens).items():
                postings.setdefault(term, []).append((doc, count))
        self._postings = {
            term: (np.array([d for d, _ in items]), np.array([c for _, c in items], dtype=float))
            for term, items in postings.items()
        }
        self.idf = {
            term: math.log(1 + (self.size - len(items) + 0.5) / (len(items) + 0.5))
            for term, items in postings.items()
        }

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Documents containing `term` and the term's BM25 contribution in each."""
        posting = self._postings.get(term)
        if posting is None:
            return None
        docs, counts = posting
        contribution = self.idf[term] * counts * (self._k1 + 1) / (counts + self._norm[docs])
        return docs, contribution

    def scores(self, query: Iterable[str]) -> np.ndarray:
        total = np.zeros(self.size)
        for term, times in Counter(query).items():
            found = self.term_scores(term)
            if found is not None:
                docs, contribution = found
                total[docs] += times * contribution
        return total


class Matcher:
    """Ranks achievements for needs; build once per corpus, query many times."""

    def __init__(self, supplies: Sequence[Supply], weights: Weights | None = None) -> None:
        self.supplies = list(supplies)
        self.weights = weights or Weights()
        self._index = BM25([supply_tokens(s) for s in self.supplies], k1=self.weights.k1, b=self.weights.b)
        self._fields = np.array([s.field for s in self.supplies], dtype=object)
        self._regions = np.array([s.region for s in self.supplies], dtype=object)

    def rank(self, need: Demand, *, limit: int = 10) -> list[Suggestion]:
        if not self.supplies:
            return []
        query = demand_tokens(need)
        if not query:
            raise MatchingError(gettext_noop("需求描述中没有可用于匹配的词语,请补充技术问题的具体描述。"))
        text = self._index.scores(query)
        peak = float(text.max())
        text_norm = text / peak if peak > 0 else text
        w = self.weights
        same_field = (self._fields == need.field) & bool(need.field)
        same_industry = np.array(
            [bool(need.industry) and need.industry in s.industries for s in self.supplies]
        )
        same_region = (self._regions == need.region) & bool(need.region) & (need.region != "other")
        wanted = set(need.classes)
        shared_classes = [sorted(wanted & set(s.classes)) for s in self.supplies]
        same_class = np.array([bool(c) for c in shared_classes])
        total = (
            text_norm
            + w.field * same_field
            + w.industry * same_industry
            + w.region * same_region
            + w.classes * same_class
        )
        # Stable order: score, then the listing order (ties are rare but must not flicker).
        order = np.lexsort((np.arange(len(total)), -total))[:limit]
        return [
            Suggestion(
                supply_id=self.supplies[i].id,
                score=round(float(total[i]), 6),
                text_score=round(float(text_norm[i]), 6),
                reasons=tuple(
                    self._reasons(
                        i, query, need, same_field[i], same_industry[i], same_region[i], shared_classes[i]
                    )
                ),
            )
            for i in order
            if total[i] > 0
        ]

    def _reasons(
        self,
        i: int,
        query: list[str],
        need: Demand,
        field_: bool,
        industry: bool,
        region: bool,
        classes: list[str],
    ) -> Iterable[str]:
        shared: dict[str, float] = {}
        for term in set(query):
            found = self._index.term_scores(term)
            if found is None:
                continue
            docs, contribution = found
            hit = np.nonzero(docs == i)[0]
            if hit.size:
                shared[term] = float(contribution[hit[0]])
        if shared:
            top = sorted(shared, key=lambda t: (-shared[t], t))[:5]
            yield "共同关键词:" + "、".join(top)
        if field_:
            yield f"同属{need.field}领域"
        if industry:
            yield f"适用于需求方所在行业(国民经济行业大类 {need.industry})"
        for shared in classes:
            kind, _, name = shared.partition(":")
            yield f"同属{'战略性新兴产业' if kind == 'sei' else '高技术产业'}“{name}”"
        if region:
            yield f"同在{REGION_NAMES.get(need.region, need.region)}"


def keyword_overlap_rank(supplies: Sequence[Supply], need: Demand, *, limit: int = 10) -> list[str]:
    """The plain baseline: count the words a need and an achievement share, nothing else."""
    query = set(demand_tokens(need))
    overlaps = np.array([len(query & set(supply_tokens(s))) for s in supplies])
    order = np.lexsort((np.arange(len(overlaps)), -overlaps))[:limit]
    return [supplies[i].id for i in order if overlaps[i] > 0]
