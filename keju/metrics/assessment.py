"""District scorecards (考核评价) by the rules of the plan's `assessment:` section.

Inputs are frames, so that the caller decides where the figures come from:

- progress: unit (or org_unit), indicator, status, score — e.g. `assess_plan(...)` for the year
  or half-year being assessed;
- index: unit, score — the development index (`build_index` scores of the top aggregate);
- coverage: unit, coverage (0..1) — reported / expected respondents of direct reporting;
- instruments: unit, owner, score (0..100), instruments — the yearly evaluation of each
  large-instrument owner unit located in the unit (keju.instruments.services.evaluate_owners).
  A unit with no row has no instrument owner: the item's `missing` rule applies. Pass an empty
  frame (not None) when the evaluation ran and found no owner anywhere.

Each item gives a unit a share (0..1) of its points by its rule (keju.plan.assessment); the total
is the sum of points, rescaled to the scorecard's total when an item is left out for a unit under
`missing: exclude`. Units are ranked on the total (ties share a rank) and graded by the plan's
bands. Every item score and total comes with a Chinese explanation: which item, which values,
which rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from keju.metrics.progress import STATUS_LABELS
from keju.plan.assessment import AssessmentItem, AssessmentSpec

if TYPE_CHECKING:
    from keju.plan.schema import Plan

DEFAULT_PROGRESS_BOUNDS = (-5.0, 5.0)
ITEM_SCHEMA: dict[str, Any] = {
    "unit": pl.Utf8,
    "unit_name": pl.Utf8,
    "item": pl.Utf8,
    "item_name": pl.Utf8,
    "kind": pl.Utf8,
    "value": pl.Float64,
    "share": pl.Float64,
    "points": pl.Float64,
    "max_points": pl.Float64,
    "included": pl.Boolean,
    "explanation": pl.Utf8,
}
TOTAL_SCHEMA: dict[str, Any] = {
    "unit": pl.Utf8,
    "unit_name": pl.Utf8,
    "total": pl.Float64,
    "max_points": pl.Float64,
    "share": pl.Float64,
    "rank": pl.Int64,
    "grade": pl.Utf8,
    "grade_name": pl.Utf8,
    "explanation": pl.Utf8,
}


class AssessmentError(ValueError):
    """Inputs a scorecard cannot be computed from (Chinese message)."""


@dataclass(frozen=True)
class ScorecardResult:
    scorecard: str
    name: str
    period: str
    items: pl.DataFrame  # ITEM_SCHEMA: one row per unit and item
    totals: pl.DataFrame  # TOTAL_SCHEMA: one row per unit, best first


def _pts(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x == x else "—"


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _linear(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(max((value - low) / (high - low), 0.0), 1.0)


def _by_unit(frame: pl.DataFrame | None, what: str, column: str) -> dict[str, float]:
    if frame is None:
        return {}
    unit_col = "unit" if "unit" in frame.columns else "org_unit"
    for col in (unit_col, column):
        if col not in frame.columns:
            raise AssessmentError(f"{what}数据缺少列 {col}")
    rows = frame.select(pl.col(unit_col).cast(pl.Utf8), pl.col(column).cast(pl.Float64).fill_nan(None))
    if rows.get_column(unit_col).n_unique() != rows.height:
        raise AssessmentError(f"{what}数据中同一单位出现了多行")
    return {u: v for u, v in rows.iter_rows() if v is not None}


INSTRUMENT_COLUMNS = {"unit": pl.Utf8, "owner": pl.Utf8, "score": pl.Float64, "instruments": pl.Int64}


def owner_averages(frame: pl.DataFrame, weighting: str) -> pl.DataFrame:
    """Per unit: the average owner score (`weighting`: owners or instruments), owners, detail text.

    Columns: unit, value, owners, instruments, detail. Raises AssessmentError for malformed rows.
    """
    unit_col = "unit" if "unit" in frame.columns else "org_unit"
    for col in (unit_col, "owner", "score", "instruments"):
        if col not in frame.columns:
            raise AssessmentError(f"仪器共享考核数据缺少列 {col}")
    rows = frame.select(
        pl.col(unit_col).cast(pl.Utf8).alias("unit"),
        pl.col("owner").cast(pl.Utf8),
        pl.col("score").cast(pl.Float64).fill_nan(None),
        pl.col("instruments").cast(pl.Int64),
    )
    bad = rows.filter(
        pl.col("unit").is_null()
        | pl.col("owner").is_null()
        | pl.col("score").is_null()
        | ~pl.col("score").is_between(0, 100)
        | pl.col("instruments").is_null()
        | (pl.col("instruments") < 1)
    )
    if bad.height:
        owners = "、".join(str(o) for o in bad.get_column("owner").head(3).to_list())
        raise AssessmentError(f"仪器共享考核数据有误:得分应在 0—100 之间、仪器台数至少 1 台({owners})")
    if rows.select(pl.struct("unit", "owner").is_duplicated().any()).item():
        raise AssessmentError("仪器共享考核数据中同一单位、同一仪器所属单位出现了多行")
    weight = pl.col("instruments").cast(pl.Float64) if weighting == "instruments" else pl.lit(1.0)
    return (
        rows.with_columns(weight.alias("weight"))
        .sort(["unit", "score", "owner"], descending=[False, True, False])
        .group_by("unit", maintain_order=True)
        .agg(
            ((pl.col("score") * pl.col("weight")).sum() / pl.col("weight").sum()).alias("value"),
            pl.len().cast(pl.Int64).alias("owners"),
            pl.col("instruments").sum().alias("instruments"),
            pl.format("{} {} 分({} 台)", "owner", pl.col("score").round(1), "instruments")
            .str.join("、")
            .alias("detail"),
        )
    )


def _progress_rows(
    item: AssessmentItem, units: Sequence[str], progress: pl.DataFrame | None
) -> dict[str, list[tuple[str, str, float | None]]]:
    """unit -> [(indicator, status, score)] for the item's indicators (absent → insufficient_data)."""
    if progress is None:
        frame = pl.DataFrame(
            schema={"unit": pl.Utf8, "indicator": pl.Utf8, "status": pl.Utf8, "score": pl.Float64}
        )
    else:
        unit_col = "unit" if "unit" in progress.columns else "org_unit"
        for col in (unit_col, "indicator", "status", "score"):
            if col not in progress.columns:
                raise AssessmentError(f"进展数据缺少列 {col}")
        frame = progress.select(
            pl.col(unit_col).cast(pl.Utf8).alias("unit"),
            pl.col("indicator").cast(pl.Utf8),
            pl.col("status").cast(pl.Utf8),
            pl.col("score").cast(pl.Float64).fill_nan(None),
        ).filter(pl.col("unit").is_in(list(units)))
        unknown = set(frame.get_column("status").drop_nulls().to_list()) - set(STATUS_LABELS)
        if unknown:
            raise AssessmentError("进展数据中有未知状态:" + "、".join(sorted(unknown)))
        if frame.select(pl.struct("unit", "indicator").is_duplicated().any()).item():
            raise AssessmentError("进展数据中同一单位、同一指标出现了多行")
    if item.indicators:
        wanted = list(item.indicators)
    else:
        wanted = sorted(set(frame.get_column("indicator").to_list()))
    grid = (
        pl.DataFrame({"unit": list(units)})
        .join(pl.DataFrame({"indicator": wanted}, schema={"indicator": pl.Utf8}), how="cross")
        .join(frame, on=["unit", "indicator"], how="left")
        .with_columns(pl.col("status").fill_null("insufficient_data"))
    )
    out: dict[str, list[tuple[str, str, float | None]]] = {u: [] for u in units}
    for unit, indicator, status, score in grid.select("unit", "indicator", "status", "score").iter_rows():
        out[unit].append((indicator, status, score))
    return out


def _score_progress(
    item: AssessmentItem,
    rows: list[tuple[str, str, float | None]],
    names: Mapping[str, str],
) -> tuple[float | None, str]:
    """(share or None when the unit has no data for the item, detail text)."""
    parts: list[str] = []
    weighted = 0.0
    weights = 0.0
    bounds = item.bounds or DEFAULT_PROGRESS_BOUNDS
    for indicator, status, score in rows:
        name = names.get(indicator, indicator)
        weight = item.indicator_weights.get(indicator, 1.0)
        label = STATUS_LABELS[status]
        if item.scoring == "status":
            if status == "insufficient_data" and item.missing == "exclude":
                parts.append(f"{name} {label}(不计入)")
                continue
            share = item.status_points.get(status, 0.0)
            parts.append(f"{name} {label}→{_pct(share)}")
        else:
            if score is None:
                if item.missing == "exclude":
                    parts.append(f"{name} {label}(不计入)")
                    continue
                share = 0.0
                parts.append(f"{name} {label}→{_pct(0.0)}")
            else:
                share = _linear(score, bounds)
                parts.append(f"{name} {label}(进展得分 {score:.2f})→{_pct(share)}")
        weighted += weight * share
        weights += weight
    if weights == 0:
        return None, ";".join(parts)
    return weighted / weights, ";".join(parts)


def _score_instruments(
    item: AssessmentItem, tables: Mapping[str, Mapping[str, Mapping[str, Any]]], unit: str
) -> tuple[float | None, float | None, str]:
    """(average owner score, share, detail) of one unit; share None when it has no owner."""
    weighting = item.owner_weighting or "owners"
    if weighting not in tables:
        return None, None, "无大型科研仪器开放共享年度评价数据"
    row = tables[weighting].get(unit)
    if row is None:
        return None, None, "区内没有参加开放共享评价的大型科研仪器所属单位"
    assert item.bounds is not None
    value = float(row["value"])
    share = _linear(value, item.bounds)
    how = "按仪器台数加权" if weighting == "instruments" else "各单位等权"
    detail = (
        f"{row['owners']} 家仪器所属单位({row['instruments']} 台仪器)年度评价{how}平均 {value:.1f} 分"
        f"({row['detail']}),按 {_pts(item.bounds[0])}—{_pts(item.bounds[1])} 分线性折算→{_pct(share)}"
    )
    return value, share, detail


def _rule_text(item: AssessmentItem) -> str:
    return f"规则:{item.rule}" if item.rule else ""


def score_scorecard(
    spec: AssessmentSpec,
    scorecard: str,
    *,
    period: str,
    units: Mapping[str, str],
    progress: pl.DataFrame | None = None,
    index: pl.DataFrame | None = None,
    coverage: pl.DataFrame | None = None,
    instruments: pl.DataFrame | None = None,
    indicator_names: Mapping[str, str] | None = None,
) -> ScorecardResult:
    """Score `units` (code -> name) on one scorecard of `spec` for `period` ("2017", "2017H1").

    Raises AssessmentError (Chinese) for an unknown scorecard or malformed input frames.
    """
    try:
        card = spec.scorecard(scorecard)
    except KeyError:
        known = "、".join(c.code for c in spec.scorecards)
        raise AssessmentError(f"没有代码为“{scorecard}”的考核表(已有:{known})") from None
    if not units:
        raise AssessmentError("没有要考核的单位")
    codes = list(units)
    names = dict(indicator_names or {})
    index_values = _by_unit(index, "发展指数", "score")
    coverage_values = _by_unit(coverage, "填报完整率", "coverage")
    owner_tables: dict[str, dict[str, dict[str, Any]]] = {}
    for weighting in {i.owner_weighting or "owners" for i in card.items if i.kind == "instrument_sharing"}:
        if instruments is not None:
            table = owner_averages(instruments, weighting)
            owner_tables[weighting] = {r["unit"]: r for r in table.iter_rows(named=True)}

    item_rows: list[dict[str, Any]] = []
    for item in card.items:
        progress_rows = _progress_rows(item, codes, progress) if item.kind == "progress" else {}
        ranks: dict[str, tuple[int, int]] = {}
        if item.kind == "index" and item.scoring == "rank":
            present = sorted(((v, u) for u, v in index_values.items() if u in units), reverse=True)
            for u in codes:
                if u in index_values:
                    better = sum(1 for v, _ in present if v > index_values[u])
                    ranks[u] = (better + 1, len(present))
        for unit in codes:
            head = f"{item.name}(满分 {_pts(item.points)})"
            value: float | None = None
            share: float | None
            if item.kind == "progress":
                share, detail = _score_progress(item, progress_rows[unit], names)
                value = share
            elif item.kind == "index":
                value = index_values.get(unit)
                if value is None:
                    share, detail = None, "无发展指数"
                elif item.scoring == "rank":
                    rank, count = ranks[unit]
                    share = 1.0 if count == 1 else (count - rank) / (count - 1)
                    detail = f"发展指数 {value:.2f},在 {count} 个单位中排第 {rank} 名→{_pct(share)}"
                else:
                    assert item.bounds is not None
                    share = _linear(value, item.bounds)
                    detail = f"发展指数 {value:.2f},按 {_pts(item.bounds[0])}—{_pts(item.bounds[1])} 线性折算→{_pct(share)}"
            elif item.kind == "instrument_sharing":
                value, share, detail = _score_instruments(item, owner_tables, unit)
            else:
                value = coverage_values.get(unit)
                if value is None:
                    share, detail = None, "无填报完整率数据"
                else:
                    assert item.bounds is not None
                    share = _linear(value, item.bounds)
                    detail = f"报送率 {_pct(value)},按 {_pct(item.bounds[0])}—{_pct(item.bounds[1])} 线性折算→{_pct(share)}"
            included = True
            if share is None:
                if item.missing == "exclude":
                    included = False
                    points = None
                    text = f"{head}:{detail or '无数据'},按规则不计入,其余各项按比例折算。"
                else:
                    share = 0.0
                    points = 0.0
                    text = f"{head}:{detail or '无数据'},按规则计 0 分。"
            else:
                points = share * item.points
                text = f"{head}:{detail};{_pct(share)} × {_pts(item.points)} = {_pts(points)} 分。"
            rule = _rule_text(item)
            item_rows.append(
                {
                    "unit": unit,
                    "unit_name": units[unit],
                    "item": item.code,
                    "item_name": item.name,
                    "kind": item.kind,
                    "value": value,
                    "share": share,
                    "points": points,
                    "max_points": item.points,
                    "included": included,
                    "explanation": text + rule,
                }
            )
    items = pl.DataFrame(item_rows, schema=ITEM_SCHEMA)
    totals = _totals(spec, items, units)
    return ScorecardResult(card.code, card.name, period, items, totals)


def _totals(spec: AssessmentSpec, items: pl.DataFrame, units: Mapping[str, str]) -> pl.DataFrame:
    sums = items.group_by("unit", maintain_order=True).agg(
        pl.col("points").filter(pl.col("included")).sum().alias("raw"),
        pl.col("max_points").filter(pl.col("included")).sum().alias("max_included"),
    )
    sums = sums.with_columns(
        pl.when(pl.col("max_included") > 0)
        .then(pl.col("raw") * spec.total_points / pl.col("max_included"))
        .otherwise(None)
        .alias("total")
    ).with_columns(
        (pl.col("total") / spec.total_points).alias("share"),
        pl.col("total").round(9).rank("min", descending=True).cast(pl.Int64).alias("rank"),
    )
    count = sums.get_column("total").drop_nulls().len()
    grades = spec.grades
    rows = []
    for r in sums.iter_rows(named=True):
        unit = r["unit"]
        detail = [
            f"{i['item_name']} {_pts(i['points'])}/{_pts(i['max_points'])}"
            if i["included"]
            else f"{i['item_name']} 不计入"
            for i in items.filter(pl.col("unit") == unit).iter_rows(named=True)
        ]
        grade = grade_name = None
        total = r["total"]
        if total is None:
            text = f"{units[unit]}:各考核项均无数据,无法评分。"
        else:
            for g in grades:
                if r["share"] >= g.min_share - 1e-12:
                    grade, grade_name = g.code, g.name
                    break
            scaled = ""
            if r["max_included"] < spec.total_points - 1e-9:
                scaled = f",按计入项满分 {_pts(r['max_included'])} 折算为 {_pts(spec.total_points)} 分制"
            grade_text = f",等级“{grade_name}”" if grade_name else ""
            text = (
                f"{units[unit]}:总分 {_pts(total)}(满分 {_pts(spec.total_points)}{scaled});"
                + ";".join(detail)
                + f";在 {count} 个单位中排第 {r['rank']} 名{grade_text}。"
            )
        rows.append(
            {
                "unit": unit,
                "unit_name": units[unit],
                "total": total,
                "max_points": spec.total_points,
                "share": r["share"],
                "rank": r["rank"] if total is not None else None,
                "grade": grade,
                "grade_name": grade_name,
                "explanation": text,
            }
        )
    return pl.DataFrame(rows, schema=TOTAL_SCHEMA).sort(["rank", "unit"], nulls_last=True)


def assess_units(
    plan: Plan,
    scorecard: str,
    *,
    period: str,
    progress: pl.DataFrame | None = None,
    index: pl.DataFrame | None = None,
    coverage: pl.DataFrame | None = None,
    instruments: pl.DataFrame | None = None,
) -> ScorecardResult:
    """`score_scorecard` for the org units of the plan at the section's level (names from the plan)."""
    if plan.assessment is None:
        raise AssessmentError("规划文件没有 assessment(考核评价)部分")
    spec = plan.assessment
    units = {u.code: u.name for u in plan.org_units if u.level == spec.level}
    names = {i.code: i.name for i in plan.indicators}
    return score_scorecard(
        spec,
        scorecard,
        period=period,
        units=units,
        progress=progress,
        index=index,
        coverage=coverage,
        instruments=instruments,
        indicator_names=names,
    )
