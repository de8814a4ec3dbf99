"""Internal consistency of a plan: generic rules, driven by the data, for any zone.

Each rule yields `Problem`s with a Chinese message that names the items and the
numbers, so that whoever edits the plan file sees what to fix. Decompositions
(org units into their children, a plan period into its stages) must add up exactly,
or within 5% when a figure is “左右” (approx); group and zone totals are compared
with the total's own comparison (">=" for “以上” …).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from keju.plan.assessment import check_assessment_section
from keju.plan.forms import ReportForm
from keju.plan.index_spec import check_index_section
from keju.plan.loader import Problem
from keju.plan.schema import (
    ORG_LEVELS,
    Baseline,
    ChainTargets,
    Comparison,
    Indicator,
    OrgUnit,
    Plan,
    Target,
)

APPROX_TOLERANCE = 0.05  # “左右”: within 5%

LEVEL_NAMES = {"zone": "试验区", "city": "市", "district": "区", "park": "园区"}
COMPARISON_NAMES = {">=": "不低于", "<=": "不高于", "=": "等于", "approx": "约等于(±5%)"}
OrgKey = str | None  # an org unit code, or None for a target with a `scope`


def fmt(x: float) -> str:
    """A number as people write it: 6200, 552.4, 0.0001 (no float noise)."""
    if abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    return f"{x:.10g}"


def satisfies(actual: float, comparison: Comparison, expected: float) -> bool:
    eps = 1e-9 * max(1.0, abs(expected))
    if comparison == ">=":
        return actual >= expected - eps
    if comparison == "<=":
        return actual <= expected + eps
    if comparison == "approx":
        return abs(actual - expected) <= APPROX_TOLERANCE * abs(expected) + eps
    return abs(actual - expected) <= eps


@dataclass
class _Index:
    """Lookups over a plan, built once per check."""

    plan: Plan
    forms: dict[str, ReportForm] | None
    orgs: dict[str, OrgUnit] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for unit in self.plan.org_units:
            self.orgs.setdefault(unit.code, unit)
            if unit.parent:
                self.children[unit.parent].append(unit.code)
        for ind in self.plan.indicators:
            self.indicators.setdefault(ind.code, ind)

    @property
    def zone(self) -> str:
        return self.plan.zone.code

    def org_name(self, code: str | None) -> str:
        unit = self.orgs.get(code or self.zone)
        return unit.name if unit else str(code)

    def ind_name(self, code: str) -> str:
        ind = self.indicators.get(code)
        return ind.name if ind else code

    def org_of(self, target: Target) -> OrgKey:
        """The org unit a target is for: its own, the zone by default, None when scoped."""
        if target.scope:
            return target.org_unit
        return target.org_unit or self.zone

    def start_of(self, target: Target) -> int | None:
        if target.kind == "level":
            return None
        return target.start_year if target.start_year is not None else self.plan.zone.plan_start

    def period_target(self, indicator: str) -> tuple[int, Target] | None:
        """The zone's target of `indicator` for the whole plan period (increment/cumulative first)."""
        found = [(i, t) for i, t in enumerate(self.plan.targets) if self._spans_plan(t, indicator)]
        found.sort(key=lambda it: it[1].kind == "level")
        return found[0] if found else None

    def _spans_plan(self, t: Target, indicator: str) -> bool:
        zone = self.plan.zone
        if t.indicator != indicator or self.org_of(t) != self.zone or t.year != zone.plan_end:
            return False
        return t.kind == "level" or self.start_of(t) == zone.plan_start

    def is_zone_level(self, org_unit: str | None, scope: str | None, kind: str) -> bool:
        """A figure for the zone as a whole, at a point in time (not a sum or a scoped figure)."""
        return not scope and (org_unit or self.zone) == self.zone and kind == "level"

    def ancestors(self, code: str) -> Iterator[str]:
        seen = {code}
        parent = self.orgs[code].parent if code in self.orgs else None
        while parent and parent not in seen and parent in self.orgs:
            seen.add(parent)
            yield parent
            parent = self.orgs[parent].parent


Rule = Callable[[_Index], Iterable[Problem]]


def check_plan(plan: Plan, forms: dict[str, ReportForm] | None = None) -> list[Problem]:
    """Every inconsistency found in `plan` (and its formulas against `forms`, when given)."""
    index = _Index(plan, forms)
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(index))
    problems.extend(check_index_section(plan))
    problems.extend(check_assessment_section(plan))
    return problems


# ---------------------------------------------------------------- codes and references


def _unique_codes(ix: _Index) -> Iterator[Problem]:
    p = ix.plan
    lists: dict[str, list[tuple[str, str]]] = {
        "org_units": [(u.code, u.name) for u in p.org_units],
        "governance": [(b.code, b.name) for b in p.governance],
        "indicators": [(i.code, i.name) for i in p.indicators],
        "targets": [(t.code, t.code) for t in p.targets],
        "baselines": [(b.code, b.code) for b in p.baselines],
        "stages": [(s.code, s.name) for s in p.stages],
        "industry_groups": [(g.code, g.name) for g in p.industry_groups],
        "industry_chains": [(c.code, c.name) for c in p.industry_chains],
        "tasks": [(t.code, t.code) for t in p.tasks],
    }
    for name, items in lists.items():
        first: dict[str, int] = {}
        for i, (code, label) in enumerate(items):
            if code in first:
                yield Problem(
                    p.location(name, i, "code"),
                    f"编码 {code} 重复({label}),已用于 {name}[{first[code]}]",
                )
            else:
                first[code] = i


def _zone(ix: _Index) -> Iterator[Problem]:
    zone = ix.plan.zone
    if zone.plan_start > zone.plan_end:
        yield Problem(ix.plan.location("zone", "plan_end"), f"规划期 {zone.plan_start}—{zone.plan_end} 无效")
    if zone.baseline_year > zone.plan_start:
        yield Problem(
            ix.plan.location("zone", "baseline_year"),
            f"基期年份 {zone.baseline_year} 晚于规划期开始年份 {zone.plan_start}",
        )


def _org_tree(ix: _Index) -> Iterator[Problem]:
    p = ix.plan
    if ix.zone not in ix.orgs:
        yield Problem(p.location("zone", "code"), f"组织单元中没有试验区本身 {ix.zone}")
    for i, unit in enumerate(p.org_units):
        if unit.parent is None:
            if unit.code != ix.zone:
                yield Problem(p.location("org_units", i, "parent"), f"{unit.name} 缺少上级组织单元")
            elif unit.level != "zone":
                yield Problem(p.location("org_units", i, "level"), f"{unit.name} 是试验区本身,层级应为 zone")
            continue
        parent = ix.orgs.get(unit.parent)
        if parent is None:
            yield Problem(
                p.location("org_units", i, "parent"), f"{unit.name} 的上级组织单元 {unit.parent} 不存在"
            )
        elif ORG_LEVELS.index(parent.level) >= ORG_LEVELS.index(unit.level):
            yield Problem(
                p.location("org_units", i, "level"),
                f"{unit.name}({LEVEL_NAMES[unit.level]})的上级 {parent.name}({LEVEL_NAMES[parent.level]})"
                "层级不高于它,层级应依次为 试验区>市>区>园区",
            )


def _governance(ix: _Index) -> Iterator[Problem]:
    p = ix.plan
    bodies = {b.code for b in p.governance}
    for i, body in enumerate(p.governance):
        if body.parent and body.parent not in bodies:
            yield Problem(
                p.location("governance", i, "parent"), f"{body.name} 的上级机构 {body.parent} 不存在"
            )
        if body.org_unit and body.org_unit not in ix.orgs:
            yield Problem(
                p.location("governance", i, "org_unit"), f"{body.name} 的组织单元 {body.org_unit} 不存在"
            )


def _references(ix: _Index) -> Iterator[Problem]:
    """Indicator and org unit references of targets, baselines, stages and tasks."""
    p = ix.plan
    items: list[tuple[str, int, Target | Baseline]] = [("targets", i, t) for i, t in enumerate(p.targets)]
    items += [("baselines", i, b) for i, b in enumerate(p.baselines)]
    for name, i, item in items:
        if item.indicator not in ix.indicators:
            yield Problem(p.location(name, i, "indicator"), f"{item.code} 的指标 {item.indicator} 不存在")
        if item.org_unit and item.org_unit not in ix.orgs:
            yield Problem(p.location(name, i, "org_unit"), f"{item.code} 的组织单元 {item.org_unit} 不存在")
        if item.org_unit and item.scope:
            yield Problem(p.location(name, i, "scope"), f"{item.code} 不能同时填写 org_unit 和 scope")
        if item.start_year is not None and item.start_year > item.year:
            yield Problem(
                p.location(name, i, "start_year"),
                f"{item.code} 的起始年份 {item.start_year} 晚于年份 {item.year}",
            )
    for i, stage in enumerate(p.stages):
        for j, inc in enumerate(stage.increments):
            if inc.indicator not in ix.indicators:
                yield Problem(
                    p.location("stages", i, "increments", j, "indicator"),
                    f"阶段 {stage.name} 的指标 {inc.indicator} 不存在",
                )
    yield from _task_references(ix)


def _task_references(ix: _Index) -> Iterator[Problem]:
    p = ix.plan
    bodies = {b.code: b for b in p.governance}
    for i, task in enumerate(p.tasks):
        if task.working_group:
            body = bodies.get(task.working_group)
            if body is None:
                yield Problem(
                    p.location("tasks", i, "working_group"),
                    f"任务 {task.code} 的工作小组 {task.working_group} 不存在",
                )
            elif body.kind != "working_group":
                yield Problem(
                    p.location("tasks", i, "working_group"), f"任务 {task.code} 的 {body.name} 不是工作小组"
                )
        if task.quantity and task.quantity.indicator not in ix.indicators:
            yield Problem(
                p.location("tasks", i, "quantity", "indicator"),
                f"任务 {task.code} 的指标 {task.quantity.indicator} 不存在",
            )
        if task.org_unit and task.org_unit not in ix.orgs:
            yield Problem(
                p.location("tasks", i, "org_unit"), f"任务 {task.code} 的组织单元 {task.org_unit} 不存在"
            )


# ---------------------------------------------------------------- indicators, baselines, targets


def _years(ix: _Index) -> Iterator[Problem]:
    zone = ix.plan.zone
    for i, t in enumerate(ix.plan.targets):
        if not zone.plan_start <= t.year <= zone.plan_end:
            yield Problem(
                ix.plan.location("targets", i, "year"),
                f"目标 {t.code} 的年份 {t.year} 不在规划期 {zone.plan_start}—{zone.plan_end} 内",
            )


def _duplicate_targets(ix: _Index) -> Iterator[Problem]:
    seen: dict[tuple[object, ...], int] = {}
    for i, t in enumerate(ix.plan.targets):
        key = (t.indicator, ix.org_of(t), t.scope, t.kind, ix.start_of(t), t.year)
        if key in seen:
            yield Problem(
                ix.plan.location("targets", i),
                f"目标 {t.code} 与 targets[{seen[key]}] 重复(同一指标、组织单元、类型和年份)",
            )
        else:
            seen[key] = i


def _headline(ix: _Index) -> Iterator[Problem]:
    p, zone = ix.plan, ix.plan.zone
    for i, ind in enumerate(p.indicators):
        if not ind.headline:
            continue
        if ind.baseline is None:
            yield Problem(p.location("indicators", i), f"主要指标 {ind.name} 缺少基期值(baseline)")
        elif ind.baseline.year != zone.baseline_year:
            yield Problem(
                p.location("indicators", i, "baseline", "year"),
                f"主要指标 {ind.name} 的基期年份 {ind.baseline.year} 不是规划基期 {zone.baseline_year}",
            )
        if ind.target is None:
            yield Problem(p.location("indicators", i), f"主要指标 {ind.name} 缺少目标值(target)")
        elif ind.target.year != zone.plan_end:
            yield Problem(
                p.location("indicators", i, "target", "year"),
                f"主要指标 {ind.name} 的目标年份 {ind.target.year} 不是规划期末 {zone.plan_end}",
            )


def _embedded_agree(ix: _Index) -> Iterator[Problem]:
    """An indicator's own baseline/target must agree with the zone's entries in the lists."""
    p = ix.plan
    for i, b in enumerate(p.baselines):
        ind = ix.indicators.get(b.indicator)
        if not (ind and ind.baseline and ix.is_zone_level(b.org_unit, b.scope, b.kind)):
            continue
        if b.year == ind.baseline.year and not satisfies(b.value, "=", ind.baseline.value):
            yield Problem(
                p.location("baselines", i, "value"),
                f"{ind.name} 的基期值 {fmt(b.value)} 与指标中的基期值 {fmt(ind.baseline.value)} 不一致",
            )
    for i, t in enumerate(p.targets):
        ind = ix.indicators.get(t.indicator)
        if not (ind and ind.target and ix.is_zone_level(t.org_unit, t.scope, t.kind)):
            continue
        if t.year == ind.target.year and not satisfies(t.value, "=", ind.target.value):
            yield Problem(
                p.location("targets", i, "value"),
                f"{ind.name} 的目标值 {fmt(t.value)} 与指标中的目标值 {fmt(ind.target.value)} 不一致",
            )


def _levels(ix: _Index) -> dict[tuple[str, OrgKey, str | None], tuple[float | None, float | None]]:
    """(indicator, org, scope) -> (base-year level, plan-end level), from indicators and lists."""
    zone = ix.plan.zone
    base: dict[tuple[str, OrgKey, str | None], float] = {}
    end: dict[tuple[str, OrgKey, str | None], float] = {}
    for ind in ix.plan.indicators:
        if ind.baseline and ind.baseline.year == zone.baseline_year:
            base[(ind.code, ix.zone, None)] = ind.baseline.value
        if ind.target and ind.target.year == zone.plan_end:
            end[(ind.code, ix.zone, None)] = ind.target.value
    for b in ix.plan.baselines:
        if b.kind == "level" and b.year == zone.baseline_year:
            org = b.org_unit or (None if b.scope else ix.zone)
            base.setdefault((b.indicator, org, b.scope), b.value)
    for t in ix.plan.targets:
        if t.kind == "level" and t.year == zone.plan_end:
            end.setdefault((t.indicator, ix.org_of(t), t.scope), t.value)
    return {k: (base.get(k), end.get(k)) for k in base.keys() | end.keys()}


def _directions(ix: _Index) -> Iterator[Problem]:
    """An `up` indicator's target lies above its baseline, a `down` one's below."""
    for (code, org, scope), (base, end) in sorted(_levels(ix).items(), key=str):
        ind = ix.indicators.get(code)
        if ind is None or base is None or end is None:
            continue
        where = scope or ix.org_name(org)
        loc = ix.plan.location("indicators", ix.plan.indicators.index(ind))
        if ind.direction == "up" and end <= base:
            yield Problem(
                loc, f"指标 {ind.name} 方向为上升,但 {where} 的目标值 {fmt(end)} 不高于基期值 {fmt(base)}"
            )
        if ind.direction == "down" and end >= base:
            yield Problem(
                loc, f"指标 {ind.name} 方向为下降,但 {where} 的目标值 {fmt(end)} 不低于基期值 {fmt(base)}"
            )


def _increments_match_levels(ix: _Index) -> Iterator[Problem]:
    """Zone: plan-end level − base-year level must meet the plan-period increment target."""
    zone = ix.plan.zone
    if zone.baseline_year != zone.plan_start - 1:
        return
    levels = _levels(ix)
    for i, t in enumerate(ix.plan.targets):
        if t.kind != "increment" or ix.org_of(t) != ix.zone or t.year != zone.plan_end:
            continue
        if ix.start_of(t) != zone.plan_start:
            continue
        base, end = levels.get((t.indicator, ix.zone, None), (None, None))
        if base is None or end is None:
            continue
        if not satisfies(end - base, t.comparison, t.value):
            yield Problem(
                ix.plan.location("targets", i, "value"),
                f"{ix.ind_name(t.indicator)} 的期末目标 {fmt(end)} 减基期值 {fmt(base)} 为 {fmt(end - base)},"
                f"不满足新增目标 {COMPARISON_NAMES[t.comparison]} {fmt(t.value)}",
            )


# ---------------------------------------------------------------- parts sum to wholes


def _org_sums(ix: _Index) -> Iterator[Problem]:
    """For additive indicators, the targets of an org unit's children add up to its own target."""
    groups: dict[tuple[str, str, int | None, int], dict[str, tuple[int, Target]]] = defaultdict(dict)
    for i, t in enumerate(ix.plan.targets):
        ind = ix.indicators.get(t.indicator)
        org = ix.org_of(t)
        if ind is None or not ind.additive or org is None or t.scope:
            continue
        groups[(t.indicator, t.kind, ix.start_of(t), t.year)].setdefault(org, (i, t))
    for (indicator, *_), by_org in groups.items():
        for org, (i, target) in by_org.items():
            parts = _covering_parts(ix, by_org, ix.children.get(org, []), {org})
            if not parts:
                continue
            approx = target.comparison == "approx" or any(t.comparison == "approx" for _, t in parts)
            total = sum(t.value for _, t in parts)
            if satisfies(total, "approx" if approx else "=", target.value):
                continue
            names = "+".join(ix.org_name(code) for code, _ in parts)
            relation = "与" if approx else "不等于"
            suffix = " 相差超过5%" if approx else ""
            yield Problem(
                ix.plan.location("targets", i, "value"),
                f"{names} 的 {ix.ind_name(indicator)} 目标合计 {fmt(total)},"
                f"{relation} {ix.org_name(org)} 的 {fmt(target.value)}{suffix}",
            )


def _covering_parts(
    ix: _Index, by_org: dict[str, tuple[int, Target]], kids: list[str], seen: set[str]
) -> list[tuple[str, Target]]:
    """The targets that cover all of `kids` (a child without one is covered by its own children).

    Empty when some descendant line has no target at all: then nothing can be summed.
    """
    parts: list[tuple[str, Target]] = []
    for kid in kids:
        if kid in seen:
            return []
        if kid in by_org:
            parts.append((kid, by_org[kid][1]))
            continue
        grandkids = ix.children.get(kid, [])
        sub = _covering_parts(ix, by_org, grandkids, seen | {kid}) if grandkids else []
        if not sub:
            return []
        parts.extend(sub)
    return parts


def _stages(ix: _Index) -> Iterator[Problem]:
    """Stages follow each other without gap or overlap and cover the plan period."""
    p, zone = ix.plan, ix.plan.zone
    if not p.stages:
        return
    order = sorted(range(len(p.stages)), key=lambda i: p.stages[i].start_year)
    for i in order:
        s = p.stages[i]
        if s.start_year > s.end_year:
            yield Problem(
                p.location("stages", i, "end_year"),
                f"阶段 {s.name} 的起止年份 {s.start_year}—{s.end_year} 无效",
            )
    first, last = p.stages[order[0]], p.stages[order[-1]]
    if first.start_year != zone.plan_start:
        yield Problem(
            p.location("stages", order[0], "start_year"),
            f"阶段 {first.name} 从 {first.start_year} 年开始,规划期从 {zone.plan_start} 年开始",
        )
    if last.end_year != zone.plan_end:
        yield Problem(
            p.location("stages", order[-1], "end_year"),
            f"阶段 {last.name} 到 {last.end_year} 年结束,规划期到 {zone.plan_end} 年结束",
        )
    for a, b in zip(order, order[1:], strict=False):
        sa, sb = p.stages[a], p.stages[b]
        if sb.start_year != sa.end_year + 1:
            yield Problem(
                p.location("stages", b, "start_year"),
                f"阶段 {sa.name}({sa.end_year}年结束)与 {sb.name}({sb.start_year}年开始)不衔接",
            )


def _stage_sums(ix: _Index) -> Iterator[Problem]:
    """Stage increments of an indicator add up to the zone's target for the whole plan period."""
    values: dict[str, list[float]] = defaultdict(list)
    for stage in ix.plan.stages:
        for inc in stage.increments:
            values[inc.indicator].append(inc.value)
    for indicator, parts in values.items():
        found = ix.period_target(indicator)
        if found is None or found[1].kind == "level":
            continue
        i, target = found
        total = sum(parts)
        approx = target.comparison == "approx"
        if not satisfies(total, "approx" if approx else "=", target.value):
            yield Problem(
                ix.plan.location("targets", i, "value"),
                f"各阶段 {ix.ind_name(indicator)} 增量合计 {fmt(total)}({'+'.join(fmt(v) for v in parts)}),"
                f"{'与' if approx else '不等于'}规划期目标 {fmt(target.value)}{' 相差超过5%' if approx else ''}",
            )


# ---------------------------------------------------------------- industry groups and chains

CHAIN_KEYS = tuple(ChainTargets.model_fields)


def _chain_refs(ix: _Index) -> Iterator[Problem]:
    p = ix.plan
    groups = {g.code for g in p.industry_groups}
    for i, chain in enumerate(p.industry_chains):
        if chain.group not in groups:
            yield Problem(
                p.location("industry_chains", i, "group"),
                f"产业链 {chain.name} 的产业组 {chain.group} 不存在",
            )
        for j, code in enumerate(chain.districts):
            unit = ix.orgs.get(code)
            if unit is None or unit.level != "district":
                yield Problem(
                    p.location("industry_chains", i, "districts", j),
                    f"产业链 {chain.name} 的依托区 {code} 不是区级组织单元",
                )
        for j, code in enumerate(chain.parks):
            yield from _chain_park(ix, i, j, code)
    for key, code in p.chain_indicators.items():
        if code not in ix.indicators:
            yield Problem(p.location("chain_indicators", key), f"{key} 对应的指标 {code} 不存在")
    for i, group in enumerate(p.industry_groups):
        for key in group.totals:
            if key not in CHAIN_KEYS and key not in p.chain_indicators:
                yield Problem(
                    p.location("industry_groups", i, "totals", key), f"{group.name} 的合计项 {key} 未知"
                )


def _chain_park(ix: _Index, i: int, j: int, code: str) -> Iterator[Problem]:
    chain = ix.plan.industry_chains[i]
    loc = ix.plan.location("industry_chains", i, "parks", j)
    unit = ix.orgs.get(code)
    if unit is None or unit.level != "park":
        yield Problem(loc, f"产业链 {chain.name} 的园区 {code} 不是园区级组织单元")
        return
    districts = [a for a in ix.ancestors(code) if ix.orgs[a].level == "district"]
    if districts and districts[0] not in chain.districts:
        yield Problem(
            loc,
            f"产业链 {chain.name} 的园区 {unit.name} 属于 {ix.org_name(districts[0])},不在该产业链的依托区中",
        )


def _key_label(ix: _Index, key: str) -> str:
    code = ix.plan.chain_indicators.get(key)
    return ix.ind_name(code) if code else key


def _chain_sums(ix: _Index) -> Iterator[Problem]:
    """The chains of a group add up to the group's totals (respecting each total's comparison)."""
    p = ix.plan
    for i, group in enumerate(p.industry_groups):
        chains = [c for c in p.industry_chains if c.group == group.code]
        if not chains:
            continue
        for key in CHAIN_KEYS:
            total = group.totals.get(key)
            if total is None:
                continue
            values = [getattr(c.targets, key) for c in chains]
            if not satisfies(sum(values), total.comparison, total.value):
                names = "+".join(c.name for c in chains)
                yield Problem(
                    p.location("industry_groups", i, "totals", key),
                    f"{group.name} 各产业链({names})的 {_key_label(ix, key)} 合计 {fmt(sum(values))},"
                    f"不满足 {group.name} 的合计目标 {COMPARISON_NAMES[total.comparison]} {fmt(total.value)}",
                )


def _group_value(ix: _Index, group_code: str, key: str) -> float | None:
    """A group's figure for `key`: the sum of its chains when they state it, else its total."""
    chains = [c for c in ix.plan.industry_chains if c.group == group_code]
    if chains and key in CHAIN_KEYS:
        return float(sum(getattr(c.targets, key) for c in chains))
    group = next(g for g in ix.plan.industry_groups if g.code == group_code)
    total = group.totals.get(key)
    return total.value if total else None


def _group_sums(ix: _Index) -> Iterator[Problem]:
    """The groups add up to the zone's plan-period target of the indicator each key counts."""
    p = ix.plan
    if not p.industry_groups:
        return
    for key, indicator in p.chain_indicators.items():
        found = ix.period_target(indicator)
        if found is None:
            continue
        i, target = found
        if key == "cumulative_output":
            parts = [g.cumulative_output for g in p.industry_groups]
        else:
            maybe = [_group_value(ix, g.code, key) for g in p.industry_groups]
            if any(v is None for v in maybe):
                continue
            parts = [v for v in maybe if v is not None]
        if not satisfies(sum(parts), target.comparison, target.value):
            names = "+".join(g.name for g in p.industry_groups)
            yield Problem(
                p.location("targets", i, "value"),
                f"{names} 的 {ix.ind_name(indicator)} 合计 {fmt(sum(parts))}({'+'.join(fmt(v) for v in parts)}),"
                f"不满足 {ix.org_name(ix.zone)} 的目标 {COMPARISON_NAMES[target.comparison]} {fmt(target.value)}",
            )


# ---------------------------------------------------------------- formulas against the forms


def _formulas(ix: _Index) -> Iterator[Problem]:
    """Every formula resolves: forms, fields, filters, chains, referenced indicators, no cycle, units.

    Resolution is the engine's own (keju.metrics.resolve, imported lazily: keju.metrics builds on
    keju.plan), so a plan that passes here never fails in the engine for the same reason.
    """
    from keju.metrics.resolve import resolve_indicators

    p = ix.plan
    _, errors = resolve_indicators(p, ix.forms)
    for i, ind in enumerate(p.indicators):
        if ind.code in errors:
            yield Problem(
                p.location("indicators", i, "formula"), f"指标 {ind.name} 的公式: {errors[ind.code]}"
            )
    for code, kinds in p.engine.fields.items():
        form = ix.forms.get(code) if ix.forms is not None else None
        if ix.forms is not None and form is None:
            yield Problem(p.location("engine", "fields", code), f"engine.fields 中的报表 {code} 不存在")
            continue
        known = {f.code for f in form.fields} if form is not None else None
        for kind in ("ytd", "stock"):
            for name in getattr(kinds, kind):
                if known is not None and name not in known:
                    yield Problem(p.location("engine", "fields", code, kind), f"报表 {code} 没有字段 {name}")
        if form is not None and kinds.ytd and form.period_type != "quarterly":
            yield Problem(
                p.location("engine", "fields", code, "ytd"), f"报表 {code} 不是季报,不能有本年累计字段"
            )
    for j, d in enumerate(p.engine.deflators):
        if d.base_year not in d.index:
            yield Problem(
                p.location("engine", "deflators", j, "index"),
                f"价格指数 {d.code} 缺少基期 {d.base_year} 年的值",
            )


RULES: tuple[Rule, ...] = (
    _unique_codes,
    _zone,
    _org_tree,
    _governance,
    _references,
    _years,
    _duplicate_targets,
    _headline,
    _embedded_agree,
    _directions,
    _increments_match_levels,
    _org_sums,
    _stages,
    _stage_sums,
    _chain_refs,
    _chain_sums,
    _group_sums,
    _formulas,
)
