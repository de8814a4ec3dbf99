"""Early warnings (预警) from progress, projections, stage increments and reporting coverage.

Every warning has a code, a level (red 红色 > orange 橙色 > yellow 黄色) and a Chinese text that
names the org unit, the indicator, its unit, the values and the target:

| code              | level  | when |
| ----------------- | ------ | ---- |
| progress_negative | red    | progress status 倒退 (moving away from the target) |
| progress_limited  | orange | 进展有限 (less than 60% of the required growth rate) |
| progress_slow     | yellow | 需加快 (60–95% of the required growth rate) |
| projection_miss   | red    | the whole prediction interval for the target year is on the wrong side of the target |
| projection_risk   | yellow | the projected value misses the target, the interval still reaches it |
| stage_missed      | red    | the stage has ended (or ends this year) and its increment is not reached |
| stage_behind      | orange | within a stage, less than 60% of the pro-rata increment achieved so far |
| stage_lagging     | yellow | within a stage, 60–100% of the pro-rata increment achieved so far |
| provisional       | yellow | the value is provisional: reporting coverage below the plan's threshold |

Stage increments are zone-wide (六): achieved = the change of the level since the year before
the stage (or, for a flow whose plan-period target is cumulative, the sum over the stage's years);
expected so far = the stage increment × elapsed share of the stage's years.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from keju.metrics.progress import STATUS_LABELS

if TYPE_CHECKING:
    from keju.plan.schema import Plan

LEVELS: dict[str, str] = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
LEVEL_RANK: dict[str, int] = {"red": 0, "orange": 1, "yellow": 2}
WARNINGS: dict[str, tuple[str, str]] = {
    "progress_negative": ("red", "指标倒退"),
    "progress_limited": ("orange", "进展有限"),
    "progress_slow": ("yellow", "进度需加快"),
    "projection_miss": ("red", "预计难以达标"),
    "projection_risk": ("yellow", "预计可能未达标"),
    "stage_missed": ("red", "阶段目标未完成"),
    "stage_behind": ("orange", "阶段进度明显滞后"),
    "stage_lagging": ("yellow", "阶段进度滞后"),
    "provisional": ("yellow", "数据为暂定值"),
}
STATUS_WARNINGS: dict[str, str] = {
    "negative_progress": "progress_negative",
    "limited_progress": "progress_limited",
    "moderate_progress": "progress_slow",
}
STAGE_BEHIND_SHARE = 0.6
COLUMNS: dict[str, Any] = {
    "code": pl.Utf8,
    "level": pl.Utf8,
    "title": pl.Utf8,
    "indicator": pl.Utf8,
    "org_unit": pl.Utf8,
    "year": pl.Int64,
    "message": pl.Utf8,
}


def fmt(x: float) -> str:
    """A figure as a report writes it: 1377, 2.6, 0.6729, 12,345 (no float noise, no exponent)."""
    if x != x:  # NaN
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 1e-4 or x == 0:
        text = f"{x:.4g}"
        return text if "e" not in text else f"{x:.4f}"
    return f"{x:.2e}"


class _Names:
    def __init__(self, plan: Plan) -> None:
        self.zone = plan.zone.code
        self.units = {u.code: u.name for u in plan.org_units}
        self.indicators = {i.code: i for i in plan.indicators}

    def unit(self, code: str) -> str:
        return self.units.get(code, code)

    def indicator(self, code: str) -> str:
        ind = self.indicators.get(code)
        return ind.name if ind else code

    def value(self, indicator: str, x: float | None) -> str:
        if x is None:
            return "—"
        ind = self.indicators.get(indicator)
        unit = ind.unit if ind else ""
        return f"{fmt(x)}{unit}"


def _frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=COLUMNS)


def _warning(code: str, indicator: str, org_unit: str, year: int, message: str) -> dict[str, Any]:
    level, title = WARNINGS[code]
    return {
        "code": code,
        "level": level,
        "title": title,
        "indicator": indicator,
        "org_unit": org_unit,
        "year": year,
        "message": message,
    }


def progress_warnings(plan: Plan, assessed: pl.DataFrame) -> pl.DataFrame:
    """Warnings from progress statuses (the output of `assess_plan` / `assess_frame` with
    indicator, org_unit, base_year, base_value, current_year, current_value, target, target_year,
    target_source, progress_value, status)."""
    names = _Names(plan)
    flagged = assessed.filter(pl.col("status").is_in(list(STATUS_WARNINGS)))
    rows = []
    for r in flagged.iter_rows(named=True):
        ind, org = r["indicator"], r["org_unit"]
        target_text = ""
        if r.get("target") is not None:
            implied = "按试验区目标增速推算" if r.get("target_source") == "implied" else "规划目标"
            target_text = f",目标 {names.value(ind, r['target'])}({r['target_year']}年,{implied})"
        progress = r.get("progress_value")
        progress_text = f",进展值 {fmt(progress)}" if progress is not None else ""
        message = (
            f"{names.unit(org)} {names.indicator(ind)}:{r['current_year']}年为 {names.value(ind, r['current_value'])},"
            f"基期({r['base_year']}年){names.value(ind, r['base_value'])}{target_text}{progress_text},"
            f"状态“{STATUS_LABELS[r['status']]}”。"
        )
        rows.append(_warning(STATUS_WARNINGS[r["status"]], ind, org, r["current_year"], message))
    return _frame(rows)


def projection_warnings(
    plan: Plan, projections: pl.DataFrame, assessed: pl.DataFrame, *, level: float = 0.9
) -> pl.DataFrame:
    """Warnings where the projected target-year value misses the target.

    `projections`: indicator, org_unit, year (the target year), value, lower, upper (project_frame);
    the targets and directions come from `assessed` (rows already at their target count as met).
    """
    names = _Names(plan)
    aims = assessed.filter(pl.col("target").is_not_null() & (pl.col("status") != "target_achieved")).select(
        "indicator", "org_unit", "target", "target_year", "direction", "current_year"
    )
    joined = projections.join(
        aims, left_on=["indicator", "org_unit", "year"], right_on=["indicator", "org_unit", "target_year"]
    )
    up = pl.col("direction") == "up"
    joined = joined.with_columns(
        pl.when(up & (pl.col("upper") < pl.col("target")))
        .then(pl.lit("projection_miss"))
        .when(~up & (pl.col("lower") > pl.col("target")))
        .then(pl.lit("projection_miss"))
        .when(up & (pl.col("value") < pl.col("target")))
        .then(pl.lit("projection_risk"))
        .when(~up & (pl.col("value") > pl.col("target")))
        .then(pl.lit("projection_risk"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
        .alias("code")
    ).filter(pl.col("code").is_not_null())
    rows = []
    for r in joined.iter_rows(named=True):
        ind, org = r["indicator"], r["org_unit"]
        side = "低于" if r["direction"] == "up" else "高于"
        interval = f"({level:.0%}预测区间 {fmt(r['lower'])}—{names.value(ind, r['upper'])})"
        if r["code"] == "projection_miss":
            tail = f"整个区间{side}目标 {names.value(ind, r['target'])}。"
        else:
            tail = f"{side}目标 {names.value(ind, r['target'])},区间仍覆盖目标。"
        message = (
            f"{names.unit(org)} {names.indicator(ind)}:按近年趋势(近期加权)预计{r['year']}年为 "
            f"{names.value(ind, r['value'])}{interval},{tail}"
        )
        rows.append(_warning(r["code"], ind, org, r["current_year"], message))
    return _frame(rows)


def _cumulative_indicators(plan: Plan) -> set[str]:
    zone = plan.zone.code
    return {
        t.indicator
        for t in plan.targets
        if t.kind == "cumulative" and t.scope is None and (t.org_unit or zone) == zone
    }


def stage_warnings(plan: Plan, values: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """Warnings for the zone's stage increments (六) in the stage that contains `year`.

    `values`: indicator, org_unit, year, value (annual; the zone's rows are used).
    """
    names = _Names(plan)
    zone = plan.zone.code
    frame = values
    if "period" in frame.columns:
        frame = frame.filter(pl.col("period") == pl.col("year").cast(pl.Utf8))
    zone_values = {
        (r[0], int(r[1])): r[2]
        for r in frame.filter(pl.col("org_unit") == zone)
        .select("indicator", "year", pl.col("value").cast(pl.Float64).fill_nan(None))
        .iter_rows()
        if r[2] is not None
    }
    flows = _cumulative_indicators(plan)
    rows = []
    for stage in plan.stages:
        if not stage.start_year <= year <= stage.end_year:
            continue
        last = year
        share = (last - stage.start_year + 1) / (stage.end_year - stage.start_year + 1)
        for inc in stage.increments:
            ind = inc.indicator
            if ind in flows:
                span = [zone_values.get((ind, y)) for y in range(stage.start_year, last + 1)]
                if any(v is None for v in span):
                    continue
                achieved = float(sum(v for v in span if v is not None))
                how = f"{stage.start_year}—{last}年累计"
            else:
                before, now = zone_values.get((ind, stage.start_year - 1)), zone_values.get((ind, last))
                if before is None or now is None:
                    continue
                achieved = now - before
                how = f"{stage.start_year - 1}年末至{last}年末新增"
            expected = inc.value * share
            if expected <= 0 or achieved >= expected:
                continue
            ratio = achieved / expected
            stage_text = f"{stage.name}({stage.start_year}—{stage.end_year}年)要求{'累计' if ind in flows else '新增'} {names.value(ind, inc.value)}"
            if last >= stage.end_year:
                code = "stage_missed"
                detail = f"{how} {names.value(ind, achieved)},完成 {ratio:.1%}。"
            else:
                code = "stage_behind" if ratio < STAGE_BEHIND_SHARE else "stage_lagging"
                detail = (
                    f"按时间进度({share:.0%})截至{last}年应完成 {names.value(ind, expected)},"
                    f"{how} {names.value(ind, achieved)},为进度要求的 {ratio:.1%}。"
                )
            message = f"{names.unit(zone)} {names.indicator(ind)}:{stage_text},{detail}"
            rows.append(_warning(code, ind, zone, year, message))
    return _frame(rows)


def coverage_warnings(plan: Plan, values: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """Warnings for provisional values (EngineResult.values: … coverage, provisional, reported, expected)."""
    names = _Names(plan)
    frame = values.filter((pl.col("year") == year) & pl.col("provisional").fill_null(False))
    if "period" in frame.columns:
        frame = frame.filter(pl.col("period") == pl.col("year").cast(pl.Utf8))
    rows = []
    for r in frame.iter_rows(named=True):
        ind, org = r["indicator"], r["org_unit"]
        counts = ""
        if r.get("reported") is not None and r.get("expected") is not None:
            counts = f"(应报 {r['expected']} 家,已报 {r['reported']} 家)"
        coverage = r.get("coverage")
        coverage_text = f"{coverage:.1%}" if coverage is not None else "未知"
        message = (
            f"{names.unit(org)} {names.indicator(ind)}:{year}年数值 {names.value(ind, r.get('value'))} 为暂定值,"
            f"报送率 {coverage_text}{counts}低于规划要求,结论需待补报后确认。"
        )
        rows.append(_warning("provisional", ind, org, year, message))
    return _frame(rows)


def early_warnings(
    plan: Plan,
    *,
    year: int,
    assessed: pl.DataFrame | None = None,
    projections: pl.DataFrame | None = None,
    values: pl.DataFrame | None = None,
    level: float = 0.9,
) -> pl.DataFrame:
    """All warnings for `year`, most severe first: code, level, title, indicator, org_unit, year, message."""
    parts = []
    if assessed is not None:
        parts.append(progress_warnings(plan, assessed))
        if projections is not None:
            parts.append(projection_warnings(plan, projections, assessed, level=level))
    if values is not None:
        parts.append(stage_warnings(plan, values, year=year))
        if "provisional" in values.columns:
            parts.append(coverage_warnings(plan, values, year=year))
    if not parts:
        return _frame([])
    out = pl.concat(parts)
    return (
        out.with_columns(pl.col("level").replace_strict(LEVEL_RANK, return_dtype=pl.Int64).alias("_rank"))
        .sort(["_rank", "indicator", "org_unit", "code"])
        .drop("_rank")
    )
