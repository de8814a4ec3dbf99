"""The plan's `assessment:` section: how the org units (the districts) are assessed (考核评价).

A plan sets one or more scorecards (e.g. the half-yearly 检查通报 and the annual 评估 of 七(二)),
each a list of items with points that add up to the scorecard's total, and grades on the total.
Item kinds, evaluated by keju.metrics.assessment:

- `progress`: progress toward targets of the listed indicators (all indicators with a progress
  assessment for the unit when the list is empty); each indicator earns a share of the item's
  points by its status (`status_points`) or linearly from its progress score in [-5, 5];
- `index`: the development index (发展指数) score, mapped linearly between `bounds`, or by rank;
- `coverage`: completeness of direct reporting (reported / expected respondents), linearly
  between `bounds` (e.g. full points at 100%, none at 80% or below);
- `instrument_sharing`: the yearly evaluation of the large-instrument owner units located in the
  unit (大型科研仪器开放共享评价: 运行使用, 共享服务, 组织管理, each owner scored 0—100), averaged
  as `owner_weighting` says (`owners`: each owner unit once; `instruments`: by its number of
  instruments) and mapped linearly between `bounds` (on the 0—100 scale). Annual only, and the
  item must say in `missing` what a unit without any instrument owner gets.

`missing` says what a unit without data for an item gets: `zero` (the default: a unit cannot gain
by not reporting) or `exclude` (the item is left out and the other items are scaled up).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # pragma: no cover - typing only
    from keju.plan.loader import Problem
    from keju.plan.schema import Plan

OrgLevelName = Literal["zone", "city", "district", "park"]
ItemKind = Literal["progress", "index", "coverage", "instrument_sharing"]
Scoring = Literal["status", "linear", "rank"]
Frequency = Literal["half_yearly", "annual"]

# This module must not import keju.plan.schema at import time: the schema imports it.

# Statuses of keju.metrics.progress (repeated here: keju.plan must not import keju.metrics).
PROGRESS_STATUSES: tuple[str, ...] = (
    "target_achieved",
    "substantial_progress",
    "moderate_progress",
    "limited_progress",
    "negative_progress",
    "insufficient_data",
)


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssessmentItem(_Item):
    code: str
    name: str
    kind: ItemKind
    points: float = Field(gt=0, description="the item's full points")
    scoring: Scoring = Field(
        default="linear",
        description="status: points by progress status; linear: between `bounds`; rank: by rank among the units",
    )
    indicators: list[str] = Field(
        default=[], description="progress items: the indicators assessed (empty: all)"
    )
    indicator_weights: dict[str, float] = Field(
        default={}, description="progress items: relative weight of an indicator (default 1)"
    )
    status_points: dict[str, float] = Field(
        default={}, description="scoring=status: share of the points (0..1) for each progress status"
    )
    bounds: tuple[float, float] | None = Field(
        default=None,
        description="scoring=linear: the value earning no points and the value earning full points",
    )
    owner_weighting: Literal["owners", "instruments"] | None = Field(
        default=None,
        description="instrument_sharing items: average the owner units' scores per owner or per instrument",
    )
    missing: Literal["zero", "exclude"] = "zero"
    rule: str = Field(default="", description="the rule in words, as the assessment document states it")
    source: str = Field(min_length=1)


class Grade(_Item):
    code: str
    name: str
    min_share: float = Field(ge=0, le=1, description="lowest total, as a share of the scorecard's points")


class Scorecard(_Item):
    code: str
    name: str
    frequency: Frequency
    items: list[AssessmentItem] = Field(min_length=1)
    source: str = Field(min_length=1)

    @property
    def total_points(self) -> float:
        return sum(item.points for item in self.items)


class AssessmentSpec(_Item):
    level: OrgLevelName = Field(default="district", description="the org units assessed")
    total_points: float = Field(default=100, gt=0, description="the points every scorecard adds up to")
    scorecards: list[Scorecard] = Field(min_length=1)
    grades: list[Grade] = Field(default=[], description="highest first")
    source: str = Field(min_length=1)

    def scorecard(self, code: str) -> Scorecard:
        for card in self.scorecards:
            if card.code == code:
                return card
        raise KeyError(code)


STATUS_NAMES = {
    "target_achieved": "已达标",
    "substantial_progress": "进展良好",
    "moderate_progress": "需加快",
    "limited_progress": "进展有限",
    "negative_progress": "倒退",
    "insufficient_data": "数据不足",
}
KIND_SCORINGS: dict[str, tuple[str, ...]] = {
    "progress": ("status", "linear"),
    "index": ("linear", "rank"),
    "coverage": ("linear",),
    "instrument_sharing": ("linear",),
}
OWNER_SCORE_RANGE = (0.0, 100.0)  # the national evaluation of an instrument owner unit
TOLERANCE = 1e-9


def check_assessment_section(plan: Plan) -> list[Problem]:
    """Every inconsistency of the plan's `assessment:` section (empty when there is none)."""
    from keju.plan.loader import Problem  # here: the loader imports the schema, which imports this module

    return [Problem(plan.location(*path), message) for path, message in _problems(plan)]


def _problems(plan: Plan) -> Iterator[tuple[tuple[str | int, ...], str]]:
    spec = plan.assessment
    if spec is None:
        return
    indicators = {ind.code for ind in plan.indicators}
    root: tuple[str | int, ...] = ("assessment",)
    if not any(unit.level == spec.level for unit in plan.org_units):
        yield (*root, "level"), f"考核对象层级“{spec.level}”在组织结构 org_units 中没有任何单位"
    seen_cards: set[str] = set()
    for i, card in enumerate(spec.scorecards):
        at: tuple[str | int, ...] = (*root, "scorecards", i)
        if card.code in seen_cards:
            yield (*at, "code"), f"考核表代码“{card.code}”重复"
        seen_cards.add(card.code)
        if abs(card.total_points - spec.total_points) > TOLERANCE * max(1.0, spec.total_points):
            parts = " + ".join(f"{item.name} {item.points:g}" for item in card.items)
            yield (
                (*at, "items"),
                f"考核表“{card.name}”各项分值之和为 {card.total_points:g}({parts}),应等于总分 {spec.total_points:g}",
            )
        seen_items: set[str] = set()
        for j, item in enumerate(card.items):
            yield from _item_problems(
                item, (*at, "items", j), card.name, card.frequency, indicators, seen_items
            )
    previous: float | None = None
    seen_grades: set[str] = set()
    for k, grade in enumerate(spec.grades):
        at = (*root, "grades", k)
        if grade.code in seen_grades:
            yield (*at, "code"), f"等级代码“{grade.code}”重复"
        seen_grades.add(grade.code)
        if previous is not None and grade.min_share >= previous:
            yield (
                (*at, "min_share"),
                f"等级“{grade.name}”的下限 {grade.min_share:g} 应低于上一等级的下限 {previous:g}(等级从高到低排列)",
            )
        previous = grade.min_share
    if spec.grades and spec.grades[-1].min_share > 0:
        yield (*root, "grades"), f"最低等级“{spec.grades[-1].name}”的下限应为 0,否则低分单位没有等级"


def _item_problems(
    item: AssessmentItem,
    at: tuple[str | int, ...],
    card_name: str,
    frequency: str,
    indicators: set[str],
    seen: set[str],
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    label = f"考核表“{card_name}”的考核项“{item.name}”"
    if item.code in seen:
        yield (*at, "code"), f"{label}:代码“{item.code}”重复"
    seen.add(item.code)
    allowed = KIND_SCORINGS[item.kind]
    if item.scoring not in allowed:
        yield (
            (*at, "scoring"),
            f"{label}:{item.kind} 类考核项的计分方式应为 {' 或 '.join(allowed)},实际为 {item.scoring}",
        )
    for n, code in enumerate(item.indicators):
        if code not in indicators:
            yield (*at, "indicators", n), f"{label}:指标“{code}”在 indicators 中不存在"
    if item.kind != "progress" and (item.indicators or item.indicator_weights or item.status_points):
        yield at, f"{label}:只有 progress 类考核项可以设置 indicators、indicator_weights 和 status_points"
    for code, weight in item.indicator_weights.items():
        if item.indicators and code not in item.indicators:
            yield (*at, "indicator_weights", code), f"{label}:权重所指指标“{code}”不在本项的 indicators 中"
        elif code not in indicators:
            yield (*at, "indicator_weights", code), f"{label}:权重所指指标“{code}”在 indicators 中不存在"
        if weight <= 0:
            yield (*at, "indicator_weights", code), f"{label}:指标“{code}”的权重 {weight:g} 应大于 0"
    if item.scoring == "status":
        unknown = [s for s in item.status_points if s not in STATUS_NAMES]
        if unknown:
            yield (
                (*at, "status_points"),
                f"{label}:未知的进展状态 {'、'.join(unknown)}(应为 {'、'.join(STATUS_NAMES)})",
            )
        absent = [STATUS_NAMES[s] for s in PROGRESS_STATUSES if s not in item.status_points]
        if absent:
            yield (*at, "status_points"), f"{label}:status_points 缺少状态 {'、'.join(absent)} 的得分比例"
        for status, share in item.status_points.items():
            if not 0 <= share <= 1:
                yield (
                    (*at, "status_points", status),
                    f"{label}:状态“{STATUS_NAMES.get(status, status)}”的得分比例 {share:g} 应在 0 到 1 之间",
                )
    elif item.status_points:
        yield (*at, "status_points"), f"{label}:只有按状态计分(scoring: status)时才用 status_points"
    if item.scoring == "linear":
        if item.bounds is None and item.kind != "progress":
            yield (*at, "bounds"), f"{label}:线性计分需要 bounds(不得分的值, 满分的值)"
        if item.bounds is not None:
            low, high = item.bounds
            if low == high:
                yield (*at, "bounds"), f"{label}:bounds 的两端相同({low:g}),无法线性计分"
            if item.kind == "coverage" and not (0 <= low <= 1 and 0 <= high <= 1):
                yield (*at, "bounds"), f"{label}:填报完整率的 bounds 应在 0 到 1 之间"
    elif item.bounds is not None:
        yield (*at, "bounds"), f"{label}:只有线性计分(scoring: linear)时才用 bounds"
    if item.kind == "index" and frequency == "half_yearly":
        yield (*at, "kind"), f"{label}:发展指数按年度计算,不能用于半年考核"
    yield from _instrument_problems(item, at, label, frequency)


def _instrument_problems(
    item: AssessmentItem, at: tuple[str | int, ...], label: str, frequency: str
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if item.kind != "instrument_sharing":
        if item.owner_weighting is not None:
            yield (
                (*at, "owner_weighting"),
                f"{label}:只有 instrument_sharing 类考核项可以设置 owner_weighting",
            )
        return
    if item.owner_weighting is None:
        yield (
            at,
            f"{label}:仪器共享考核项须写明 owner_weighting(owners 按单位等权,instruments 按仪器台数加权)",
        )
    # A district may have no instrument at all: the plan must say so explicitly rather than by default.
    if "missing" not in item.model_fields_set:
        yield at, f"{label}:仪器共享考核项须写明 missing(没有仪器所属单位的区计 zero 还是 exclude)"
    low, high = OWNER_SCORE_RANGE
    if item.bounds is not None and not all(low <= b <= high for b in item.bounds):
        yield (*at, "bounds"), f"{label}:仪器所属单位的年度考核得分为 {low:g}—{high:g} 分,bounds 应在此范围内"
    if frequency == "half_yearly":
        yield (*at, "kind"), f"{label}:大型科研仪器开放共享按年度评价,不能用于半年考核"
