"""The `index:` section of a plan file: how the composite development index (发展指数) is built.

The section names a tree of groups (for Lanbai the headings of 二(四): 创新资源, 创新能力,
产业规模, 创新机制/环境, 开放合作) whose leaves are plan indicators, the expert weights of
every node, and the method of each construction step (OECD/JRC Handbook; see docs/index.md).
`keju.metrics.index.build_index` consumes the resolved spec; `resolve_index_spec` fills what
the section leaves to the plan (direction, goalposts from the base-year baseline and the
plan-end target), and `check_index_section` reports inconsistencies for `keju plan check`.

This module must not import keju.plan.schema at import time: the schema imports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:  # pragma: no cover - typing only
    from keju.plan.loader import Problem
    from keju.plan.schema import Plan

IndexDirection = Literal["up", "down"]
ImputeMethodName = Literal["none", "mean", "median", "group_mean", "group_median"]
TreatMethodName = Literal["none", "skew_kurtosis"]
TreatFallback = Literal["log_ct", "log", "none"]
NormaliseMethodName = Literal["minmax", "zscore", "distance_to_target", "goalposts"]
AggregateMethodName = Literal["arithmetic", "geometric", "harmonic"]
WeightingName = Literal["expert", "equal"]
UnitLevel = Literal["zone", "city", "district", "park"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Goalposts(_Model):
    """Fixed reference values: the normalised score is 0 at `base` and the top of the scale at `target`.

    Fixed values (not the year's min/max) are what keep past scores from shifting when a new
    year is added. `base` may be above `target` for an indicator where lower is better.
    """

    base: float
    target: float
    source: str | None = Field(default=None, description="where the values come from")

    @model_validator(mode="after")
    def _distinct(self) -> Goalposts:
        if self.base == self.target:
            raise ValueError(f"目标值与基准值相同({self.base}),无法确定标准化区间")
        return self


class Imputation(_Model):
    method: ImputeMethodName = "none"
    by: str | None = Field(default=None, description="grouping column for group_mean / group_median")

    @model_validator(mode="after")
    def _group(self) -> Imputation:
        if self.method.startswith("group_") and not self.by:
            raise ValueError(f"按组插补({self.method})需要用 by 指定分组列")
        return self


class Treatment(_Model):
    """Outlier treatment as COINr's default: skewness/kurtosis test, winsorisation, log fallback."""

    method: TreatMethodName = "none"
    winmax: int = Field(default=5, ge=0, description="most points winsorised per indicator")
    skew_threshold: float = Field(default=2.0, gt=0)
    kurtosis_threshold: float = 3.5
    fallback: TreatFallback = "log_ct"


class Normalisation(_Model):
    method: NormaliseMethodName = "minmax"
    low: float = 0.0
    high: float = 100.0
    mean: float = Field(default=0.0, description="z-score: mean of the result")
    sd: float = Field(default=1.0, gt=0, description="z-score: standard deviation of the result")
    clip: bool = Field(default=True, description="goalposts / distance to target: cap scores to the scale")

    @model_validator(mode="after")
    def _range(self) -> Normalisation:
        if self.high <= self.low:
            raise ValueError(f"标准化区间上限 {self.high} 必须大于下限 {self.low}")
        return self


class Aggregation(_Model):
    method: AggregateMethodName = "arithmetic"
    shift: float = Field(
        default=1.0,
        ge=0,
        description="geometric / harmonic: added to every child before the mean and subtracted after,"
        " so that a normalised 0 does not make the whole aggregate 0 (or undefined)",
    )


class IndexMethods(_Model):
    impute: Imputation = Imputation()
    treat: Treatment = Treatment()
    normalise: Normalisation = Normalisation()
    aggregate: Aggregation = Aggregation()
    weighting: WeightingName = "expert"

    @model_validator(mode="after")
    def _combinable(self) -> IndexMethods:
        if self.normalise.method == "zscore" and self.aggregate.method != "arithmetic":
            raise ValueError("z-score 标准化的值可为负,不能做几何或调和平均;请改用算术平均或其他标准化方法")
        return self


class IndexIndicator(_Model):
    indicator: str = Field(min_length=1, description="an indicator code of the plan")
    weight: float = Field(default=1.0, gt=0)
    direction: IndexDirection | None = Field(default=None, description="default: the plan indicator's")
    denominator: str | None = Field(
        default=None, description="divide by this denominator (a plan indicator) before anything else"
    )
    goalposts: Goalposts | None = Field(
        default=None, description="default: the plan's base-year baseline and plan-end target"
    )
    target: float | None = Field(default=None, description="distance to target: default the plan's target")
    source: str | None = None


class IndexGroup(_Model):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    name_en: str | None = None
    weight: float = Field(default=1.0, gt=0)
    source: str | None = None
    indicators: list[IndexIndicator] = []
    groups: list[IndexGroup] = []

    @model_validator(mode="after")
    def _children(self) -> IndexGroup:
        if bool(self.indicators) == bool(self.groups):
            raise ValueError(f"分组 {self.code} 必须且只能包含 indicators 或 groups 之一(且不为空)")
        return self

    def leaves(self) -> Iterator[IndexIndicator]:
        yield from self.indicators
        for group in self.groups:
            yield from group.leaves()


class IndexSpec(_Model):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    name_en: str | None = None
    source: str | None = None
    level: UnitLevel = Field(default="district", description="the org units the index compares")
    include_zone: bool = Field(default=True, description="also score the zone (not ranked)")
    reference_year: int | None = Field(
        default=None,
        description="goalposts of indicators the plan gives no base and target for: the worst and best"
        " compared unit in this year, fixed for every other year (so past scores still never shift)",
    )
    rank_decimals: int | None = Field(
        default=2,
        ge=0,
        description="scores are published rounded to this many decimals and ranked as published,"
        " so that units showing the same score share a rank (None: rank the unrounded scores)",
    )
    methods: IndexMethods = IndexMethods()
    groups: list[IndexGroup] = Field(min_length=1)

    def leaves(self) -> list[IndexIndicator]:
        return [leaf for group in self.groups for leaf in group.leaves()]

    def indicator_codes(self) -> list[str]:
        return [leaf.indicator for leaf in self.leaves()]


# ---------------------------------------------------------------- against the plan


def _walk(
    groups: list[IndexGroup], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], IndexGroup]]:
    for i, group in enumerate(groups):
        here = (*path, "groups", i)
        yield here, group
        yield from _walk(group.groups, here)


def _leaf_paths(spec: IndexSpec) -> Iterator[tuple[tuple[str | int, ...], IndexIndicator]]:
    for path, group in _walk(spec.groups, ("index",)):
        for j, leaf in enumerate(group.indicators):
            yield (*path, "indicators", j), leaf


def plan_goalposts(plan: Plan, indicator: str) -> Goalposts | None:
    """The zone's base-year baseline and plan-end target of `indicator`, when the plan gives both."""
    ind = next((i for i in plan.indicators if i.code == indicator), None)
    if ind is None or ind.baseline is None or ind.target is None:
        return None
    if ind.baseline.year != plan.zone.baseline_year or ind.target.year != plan.zone.plan_end:
        return None
    if ind.baseline.value == ind.target.value:
        return None
    return Goalposts(
        base=ind.baseline.value,
        target=ind.target.value,
        source=f"{ind.baseline.year}年基期值与{ind.target.year}年目标值({ind.source})",
    )


def resolve_index_spec(plan: Plan) -> IndexSpec:
    """The plan's index section with every direction, goalpost and target filled from the plan.

    Raises ValueError (Chinese) when the plan has no index section; inconsistencies are
    reported by `check_index_section`, and what cannot be resolved stays None.
    """
    spec = plan.index
    if spec is None:
        raise ValueError("规划文件没有 index(发展指数)部分")
    indicators = {i.code: i for i in plan.indicators}

    def leaf(item: IndexIndicator) -> IndexIndicator:
        ind = indicators.get(item.indicator)
        update: dict[str, object] = {}
        if item.direction is None and ind is not None:
            update["direction"] = ind.direction
        if item.goalposts is None and item.denominator is None:
            posts = plan_goalposts(plan, item.indicator)
            if posts is not None:
                update["goalposts"] = posts
        if item.target is None and item.denominator is None and ind is not None and ind.target is not None:
            update["target"] = ind.target.value
        return item.model_copy(update=update) if update else item

    def group(item: IndexGroup) -> IndexGroup:
        return item.model_copy(
            update={
                "indicators": [leaf(x) for x in item.indicators],
                "groups": [group(g) for g in item.groups],
            }
        )

    return spec.model_copy(update={"groups": [group(g) for g in spec.groups]})


def check_index_section(plan: Plan) -> list[Problem]:
    """Every inconsistency of the plan's `index:` section (empty when there is none)."""
    from keju.plan.loader import Problem  # here: the loader imports the schema, which imports this module

    spec = plan.index
    if spec is None:
        return []
    problems: list[Problem] = []
    indicators = {i.code: i for i in plan.indicators}
    resolved = resolve_index_spec(plan)
    method = spec.methods.normalise.method

    seen_codes: dict[str, str] = {spec.code: "index"}
    for path, group in _walk(spec.groups, ("index",)):
        if group.code in seen_codes:
            problems.append(Problem(plan.location(*path, "code"), f"指数分组编码 {group.code} 重复"))
        seen_codes[group.code] = "group"
    zone = plan.zone
    if spec.reference_year is not None and not zone.baseline_year <= spec.reference_year <= zone.plan_end:
        problems.append(
            Problem(
                plan.location("index", "reference_year"),
                f"参照年份 {spec.reference_year} 不在基期与规划期末之间({zone.baseline_year}—{zone.plan_end})",
            )
        )
    if spec.methods.impute.method.startswith("group_") and spec.methods.impute.by not in ("city", "parent"):
        problems.append(
            Problem(
                plan.location("index", "methods", "impute", "by"),
                f"按组插补的分组 {spec.methods.impute.by} 无法从组织结构得到(可用: city, parent)",
            )
        )

    used: dict[str, tuple[str | int, ...]] = {}
    resolved_leaves = dict(_leaf_paths(resolved))
    for path, item in _leaf_paths(spec):
        where = plan.location(*path, "indicator")
        ind = indicators.get(item.indicator)
        if item.indicator in used:
            problems.append(Problem(where, f"指标 {item.indicator} 在发展指数中重复出现"))
        used[item.indicator] = path
        if ind is None:
            problems.append(Problem(where, f"发展指数的指标 {item.indicator} 在规划指标中不存在"))
            continue
        if ind.formula is None:
            problems.append(
                Problem(
                    where,
                    f"发展指数的指标 {ind.name}({ind.code})没有计算公式,无法按{_LEVELS[spec.level]}计算",
                )
            )
        if item.direction is not None and item.direction != ind.direction:
            problems.append(
                Problem(
                    plan.location(*path, "direction"),
                    f"指标 {ind.name} 的方向 {item.direction} 与规划指标的方向 {ind.direction} 不一致",
                )
            )
        if item.denominator is not None:
            den = indicators.get(item.denominator)
            if den is None:
                problems.append(
                    Problem(
                        plan.location(*path, "denominator"), f"分母指标 {item.denominator} 在规划指标中不存在"
                    )
                )
            elif den.formula is None:
                problems.append(
                    Problem(
                        plan.location(*path, "denominator"),
                        f"分母指标 {den.name}({den.code})没有计算公式,无法按{_LEVELS[spec.level]}计算",
                    )
                )
        leaf = resolved_leaves[path]
        direction = leaf.direction or ind.direction
        if method == "goalposts" and not (leaf.goalposts is None and spec.reference_year is not None):
            problems.extend(_goalpost_problems(plan, path, leaf, ind.name, direction))
        if method == "distance_to_target" and leaf.target is None:
            problems.append(
                Problem(
                    plan.location(*path, "target"),
                    f"标准化方法为“距目标距离”,但指标 {ind.name} 没有目标值(规划中也没有)",
                )
            )
    return problems


def _goalpost_problems(
    plan: Plan, path: tuple[str | int, ...], leaf: IndexIndicator, name: str, direction: str
) -> Iterator[Problem]:
    from keju.plan.loader import Problem

    posts = leaf.goalposts
    if posts is None:
        yield Problem(
            plan.location(*path, "goalposts"),
            f"标准化方法为“固定基准”,但指标 {name} 没有基准值和目标值:请在 goalposts 中给出或设置 reference_year"
            f"(规划中没有 {plan.zone.baseline_year} 年基期值和 {plan.zone.plan_end} 年目标值"
            + (",或指标设有分母" if leaf.denominator else "")
            + ")",
        )
        return
    if direction == "up" and posts.target < posts.base:
        yield Problem(
            plan.location(*path, "goalposts"),
            f"指标 {name} 越大越好,目标值 {posts.target:g} 却低于基准值 {posts.base:g}",
        )
    if direction == "down" and posts.target > posts.base:
        yield Problem(
            plan.location(*path, "goalposts"),
            f"指标 {name} 越小越好,目标值 {posts.target:g} 却高于基准值 {posts.base:g}",
        )


_LEVELS = {"zone": "试验区", "city": "市", "district": "区", "park": "园区"}
