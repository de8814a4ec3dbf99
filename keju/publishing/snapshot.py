"""Frozen data snapshots for publications: every figure a bulletin or report shows, with lineage.

This is the ONLY module of the publishing app that reads the monitoring tables
(keju.monitoring.models); renderers, open data and the API read the frozen snapshot.

A snapshot is plain JSON: `meta`, public `sections` and an `internal` part. Each figure is a
dict with `value` (None when missing or withheld), `state` ("final" | "provisional" |
"missing"), `coverage` and `lineage` (indicator, org unit, period and the computation run
that stored it, or the plan item it comes from). Provisional figures (coverage below the
plan's threshold) are withheld from the public sections — their value is None there — and
listed with their values under `internal.provisional` for reviewers only; `public_view`
drops the internal part and is what every public output uses.

The snapshot holds no timestamps of its own: built twice from the same stored results it is
identical, and `snapshot_hash` (sha256 of the canonical JSON) is the same.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from keju.metrics.progress import STATUS_LABELS, assess
from keju.metrics.projection import project
from keju.monitoring.models import (
    ComputationRun,
    EarlyWarning,
    IndexScore,
    IndicatorValue,
    ProgressAssessment,
    RunStatus,
    Scorecard,
)
from keju.orgs.models import OrgUnit
from keju.planning.models import Baseline, Indicator, IndustryChain, Plan, Target, Task, TaskStatus
from keju.publishing.models import Kind

SNAPSHOT_VERSION = 1
ANNUAL = "annual"
QUARTERLY = "quarterly"
KINDS: dict[str, str] = {QUARTERLY: "季度监测数据", ANNUAL: "年度发展指数和创新调查报告"}
# The edition series of each kind, after the zone's short name: 兰白监测〔2020〕第3期, 兰白年报〔2020〕第1期.
SERIES: dict[str, str] = {QUARTERLY: "监测", ANNUAL: "年报"}
FINAL, PROVISIONAL, MISSING = "final", "provisional", "missing"
# Figures are stored with this many significant digits: enough for any published table, and
# it keeps float noise of the computation out of the canonical JSON.
SIGNIFICANT = 10
SUM_TOLERANCE = 1e-6  # relative; parts and totals are sums of the same reports
_PERIOD = {ANNUAL: re.compile(r"^(\d{4})$"), QUARTERLY: re.compile(r"^(\d{4})Q([1-4])$")}


class SnapshotError(ValueError):
    """The snapshot cannot be built (message in the active language; the snapshot itself stays Chinese)."""


def parse_period(kind: str, period: str) -> tuple[int, int | None]:
    """(year, quarter) of a publication period: "2020" for annual, "2020Q3" for quarterly."""
    if kind not in KINDS:
        raise SnapshotError(_("未知的出版物类型“%(kind)s”,应为季度监测数据或年度报告") % {"kind": kind})
    match = _PERIOD[kind].match(period.strip())
    if match is None:
        example = "2020" if kind == ANNUAL else "2020Q3"
        raise SnapshotError(
            _("期别“%(period)s”格式不正确,%(kind)s的期别应写作 %(example)s")
            % {"period": period, "kind": Kind(kind).label, "example": example}
        )
    year = int(match.group(1))
    return year, int(match.group(2)) if kind == QUARTERLY else None


# --- canonical form -------------------------------------------------------------------------


def _num(value: float | int | None) -> float | None:
    """A stored number as published: None stays None, non-finite becomes None (callers mark it)."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    if value == 0:
        return 0.0
    return float(f"{value:.{SIGNIFICANT}g}")


def canonical_json(snapshot: dict[str, Any]) -> str:
    """The one text of a snapshot (sorted keys, no spaces, UTF-8); refuses NaN and infinity."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def public_view(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot without its internal part: what public pages, files and the API see."""
    return {k: v for k, v in snapshot.items() if k != "internal"}


# --- building --------------------------------------------------------------------------------


class _Reader:
    """The stored results of one plan, read once."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.units = {u.pk: u for u in OrgUnit.objects.filter(plan=plan)}
        self.zone = next((u for u in self.units.values() if u.level == "zone"), None)
        if self.zone is None:
            raise SnapshotError(_("规划“%(plan)s”没有试验区组织单元,无法生成出版物") % {"plan": plan.title})
        self.districts = sorted((u for u in self.units.values() if u.level == "district"), key=lambda u: u.pk)
        self.run = (
            ComputationRun.objects.filter(plan=plan, status__in=[RunStatus.SUCCEEDED, RunStatus.PARTIAL])
            .order_by("-started_at", "-id")
            .first()
        )

    def values(self, **filters: Any) -> list[IndicatorValue]:
        return list(
            IndicatorValue.objects.filter(plan=self.plan, **filters)
            .select_related("indicator")
            .order_by("indicator_id", "org_unit_id", "period")
        )


def _figure(
    value: IndicatorValue | None, *, unit: OrgUnit, indicator: Indicator, period: str
) -> dict[str, Any]:
    """One stored value as a figure; provisional and missing values carry no public value."""
    lineage = {"indicator": indicator.code, "org_unit": unit.code, "period": period}
    if value is None:
        return {"value": None, "state": MISSING, "coverage": None, "lineage": {**lineage, "run": None}}
    number = _num(value.value)
    state = PROVISIONAL if value.provisional else (FINAL if number is not None else MISSING)
    return {
        "value": number if state == FINAL else None,
        "state": state,
        "coverage": _num(value.coverage),
        "reported": value.reported,
        "expected": value.expected,
        "lineage": {**lineage, "run": value.run_id},
        **({"note": value.note} if value.note else {}),
    }


def _plan_figure(value: float | None, item: Any, kind: str) -> dict[str, Any]:
    return {
        "value": _num(value),
        "state": FINAL if value is not None else MISSING,
        "lineage": {
            "plan_item": kind,
            "code": getattr(item, "code", None),
            "source": getattr(item, "source", ""),
        },
    }


def _zone_target(plan: Plan, indicator: Indicator, zone: OrgUnit) -> Target | None:
    """The plan-end level target of the zone (else the last one of any kind)."""
    targets = list(
        Target.objects.filter(plan=plan, indicator=indicator, org_unit=zone).order_by("-year", "id")
    )
    levels = [t for t in targets if t.kind == "level" and t.stage_id is None]
    return (levels or targets or [None])[0]


def _headline(
    reader: _Reader, year: int, *, upto: int, internal: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """专栏1 indicators for the zone: baseline, latest final value up to `upto`, target, status, projection."""
    plan, zone = reader.plan, reader.zone
    assert zone is not None
    rows: list[dict[str, Any]] = []
    yearly = {}
    for v in reader.values(org_unit=zone, period_kind="year", indicator__headline=True, year__lte=upto):
        yearly.setdefault(v.indicator_id, []).append(v)
    limits = dict(
        ProgressAssessment.objects.filter(plan=plan, org_unit=zone, limit__isnull=False).values_list(
            "indicator_id", "limit"
        )
    )
    for ind in Indicator.objects.filter(plan=plan, headline=True).order_by("id"):
        series = sorted(yearly.get(ind.pk, []), key=lambda v: v.year)
        final = [v for v in series if not v.provisional and v.value is not None and math.isfinite(v.value)]
        for v in series:
            if v.provisional:
                internal.append(
                    {
                        "section": "headline",
                        "label": ind.name,
                        "unit": ind.unit,
                        **_internal_figure(v, zone, ind),
                    }
                )
        latest = final[-1] if final else None
        baseline = (
            Baseline.objects.filter(plan=plan, indicator=ind, org_unit=zone, kind="level")
            .order_by("year")
            .first()
        )
        target = _zone_target(plan, ind, zone)
        row: dict[str, Any] = {
            "indicator": ind.code,
            "name": ind.name,
            "unit": ind.unit,
            "direction": ind.direction,
            "source": ind.source,
            "baseline_year": baseline.year if baseline else None,
            "baseline": _plan_figure(baseline.value if baseline else None, baseline, "baseline"),
            "target_year": target.year if target else None,
            "target_kind": target.kind if target else None,
            "target": _plan_figure(target.value if target else None, target, "target"),
            "latest_year": latest.year if latest else None,
            "latest": _figure(
                latest, unit=zone, indicator=ind, period=str(latest.year) if latest else str(upto)
            ),
            "series": [[v.year, _num(v.value)] for v in final],
        }
        row.update(_status(row, ind, final, target, baseline, limits.get(ind.pk)))
        rows.append(row)
    return rows


def _target_level(target: Target | None, baseline: Baseline | None) -> float | None:
    if target is None:
        return None
    if target.kind == "increment":
        return None if baseline is None else baseline.value + target.value
    return target.value


def _status(
    row: dict[str, Any],
    ind: Indicator,
    final: list[IndicatorValue],
    target: Target | None,
    baseline: Baseline | None,
    limit: float | None,
) -> dict[str, Any]:
    """Progress status as of the snapshot's latest year (keju.metrics.progress) and the projection."""
    goal = _target_level(target, baseline)
    latest = final[-1] if final else None
    status = "insufficient_data"
    if latest is not None and baseline is not None and latest.year > baseline.year:
        try:
            status = assess(
                base_year=baseline.year,
                base_value=baseline.value,
                current_year=latest.year,
                current_value=latest.value,
                direction=ind.direction,
                target=goal,
                target_year=target.year if target and goal is not None else None,
                limit=limit,
            ).status
        except ValueError:
            status = "insufficient_data"
    projection = None
    if target is not None and final:
        p = project([v.year for v in final], [v.value for v in final], target.year)
        if p is not None:
            projection = {
                "year": p.year,
                "value": _num(p.value),
                "lower": _num(p.lower),
                "upper": _num(p.upper),
                "points": p.n,
                "lineage": {
                    "method": "keju.metrics.projection",
                    "indicator": ind.code,
                    "years": [v.year for v in final],
                },
            }
    return {
        "status": status,
        "status_label": STATUS_LABELS[status],
        "target_level": _num(goal),
        "projection": projection,
    }


def _internal_figure(v: IndicatorValue, unit: OrgUnit, ind: Indicator) -> dict[str, Any]:
    return {
        "indicator": ind.code,
        "org_unit": unit.code,
        "org_unit_name": unit.name,
        "period": v.period,
        "value": _num(v.value),
        "coverage": _num(v.coverage),
        "lineage": {"indicator": ind.code, "org_unit": unit.code, "period": v.period, "run": v.run_id},
    }


def _comparison(
    reader: _Reader, indicators: list[Indicator], period: str, internal: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Zone and districts side by side for each indicator in one period."""
    zone = reader.zone
    assert zone is not None
    units = [zone, *reader.districts]
    stored = {
        (v.indicator_id, v.org_unit_id): v
        for v in reader.values(period=period, indicator__in=indicators, org_unit__in=units)
    }
    rows = []
    for ind in indicators:
        cells = []
        for unit in units:
            v = stored.get((ind.pk, unit.pk))
            if v is not None and v.provisional:
                internal.append(
                    {
                        "section": "districts",
                        "label": ind.name,
                        "unit": ind.unit,
                        **_internal_figure(v, unit, ind),
                    }
                )
            cells.append(
                {
                    "org_unit": unit.code,
                    "name": unit.name,
                    "level": unit.level,
                    **_figure(v, unit=unit, indicator=ind, period=period),
                }
            )
        if all(c["state"] == MISSING for c in cells):
            continue
        rows.append(
            {
                "indicator": ind.code,
                "name": ind.name,
                "unit": ind.unit,
                "additive": ind.additive,
                "period": period,
                "units": cells,
            }
        )
    return rows


def _warnings(reader: _Reader, year: int, internal: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Warnings up to the publication's year. A warning about a provisional value quotes that
    value (or a difference of it), so it is as unpublished as the value: internal only."""
    rows = [
        w
        for w in EarlyWarning.objects.filter(plan=reader.plan)
        .exclude(code="provisional")  # coverage warnings are about unpublished figures
        .select_related("indicator", "org_unit")
        .order_by("id")
        if not w.period or int(w.period[:4]) <= year
    ]
    provisional = set(
        IndicatorValue.objects.filter(
            plan=reader.plan, provisional=True, period__in={w.period for w in rows if w.period}
        ).values_list("indicator_id", "org_unit_id", "period")
    )
    order = {"red": 0, "orange": 1, "yellow": 2}
    out = []
    for w in rows:
        record = {
            "code": w.code,
            "level": w.level,
            "title": str(w.detail.get("title", "")) if isinstance(w.detail, dict) else "",
            "org_unit": w.org_unit.code,
            "org_unit_name": w.org_unit.name,
            "indicator": w.indicator.code if w.indicator else None,
            "period": w.period,
            "message": w.message,
            "lineage": {"warning": w.code, "org_unit": w.org_unit.code, "period": w.period, "run": w.run_id},
        }
        if (w.indicator_id, w.org_unit_id, w.period) in provisional:
            internal.append(
                {
                    "section": "warnings",
                    "label": record["title"] or w.code,
                    "unit": "",
                    "indicator": record["indicator"] or "",
                    "org_unit": record["org_unit"],
                    "org_unit_name": record["org_unit_name"],
                    "period": w.period,
                    "value": None,
                    "coverage": None,
                    "message": w.message,
                    "lineage": record["lineage"],
                }
            )
        else:
            out.append(record)
    return sorted(
        out, key=lambda w: (order.get(w["level"], 9), w["org_unit"], w["code"], w["indicator"] or "")
    )


def _index(reader: _Reader, year: int) -> dict[str, Any]:
    scores = (
        IndexScore.objects.filter(plan=reader.plan, year=year)
        .select_related("org_unit")
        .order_by("level", "aggregate", "rank", "org_unit_id")
    )
    groups: dict[str, dict[str, Any]] = {}
    for s in scores:
        group = groups.setdefault(
            s.aggregate, {"aggregate": s.aggregate, "name": s.aggregate_name, "level": s.level, "units": []}
        )
        group["units"].append(
            {
                "org_unit": s.org_unit.code,
                "name": s.org_unit.name,
                "level": s.org_unit.level,
                "score": _num(s.score),
                "rank": s.rank,
                "rank_median": _num(s.rank_median),
                "rank_low": s.rank_low,
                "rank_high": s.rank_high,
                "lineage": {
                    "index": s.aggregate,
                    "org_unit": s.org_unit.code,
                    "period": str(year),
                    "run": s.run_id,
                },
            }
        )
    history = [
        {"year": y, "org_unit": code, "score": _num(score)}
        for y, code, score in IndexScore.objects.filter(plan=reader.plan, level=0, year__lte=year)
        .order_by("year", "org_unit_id")
        .values_list("year", "org_unit__code", "score")
    ]
    return {"year": year, "aggregates": list(groups.values()), "history": history}


def _assessment(reader: _Reader, period: str) -> list[dict[str, Any]]:
    return [
        {
            "org_unit": s.org_unit.code,
            "name": s.org_unit.name,
            "scorecard": s.scorecard,
            "scorecard_name": s.scorecard_name,
            "period": s.period,
            "score": _num(s.score),
            "rank": s.rank,
            "grade": s.grade,
            "explanation": s.explanation,
            "items": [
                {
                    "item": i.get("item"),
                    "name": i.get("name"),
                    "score": _num(i.get("score")),
                    "points": _num(i.get("points")),
                }
                for i in (s.items or [])
            ],
            "lineage": {
                "scorecard": s.scorecard,
                "org_unit": s.org_unit.code,
                "period": s.period,
                "run": s.run_id,
            },
        }
        for s in Scorecard.objects.filter(plan=reader.plan, period=period)
        .select_related("org_unit")
        .order_by("scorecard", "rank", "org_unit_id")
    ]


def _chains(reader: _Reader) -> dict[str, Any]:
    """The industry chains' targets (四(一)) and the zone's progress on the indicators they count."""
    chains = [
        {
            "code": c.code,
            "name": c.name,
            "group": c.group_code,
            "group_name": c.group_name,
            "targets": {k: getattr(c, k) for k in ("platforms", "alliances", "achievements", "new_products")},
            "districts": sorted(d.name for d in c.districts.all()),
            "lineage": {"plan_item": "industry_chain", "code": c.code, "source": c.source},
        }
        for c in IndustryChain.objects.filter(plan=reader.plan).prefetch_related("districts").order_by("id")
    ]
    counted = (
        (reader.plan.document or {}).get("chain_indicators", {})
        if isinstance(reader.plan.document, dict)
        else {}
    )
    progress = []
    for key in ("platforms", "alliances", "achievements", "new_products"):
        code = counted.get(key)
        pa = (
            ProgressAssessment.objects.filter(plan=reader.plan, org_unit=reader.zone, indicator__code=code)
            .select_related("indicator")
            .order_by("target_year", "id")
            .first()
            if code
            else None
        )
        progress.append(
            {
                "key": key,
                "indicator": code,
                "name": pa.indicator.name if pa else None,
                "target": _num(pa.target_value) if pa else None,
                "current": _num(pa.current_value) if pa else None,
                "status": pa.status if pa else "insufficient_data",
                "status_label": STATUS_LABELS.get(pa.status if pa else "insufficient_data", ""),
                "lineage": {
                    "indicator": code,
                    "org_unit": reader.zone.code if reader.zone else None,
                    "run": pa.run_id if pa else None,
                },
            }
        )
    return {"chains": chains, "progress": progress}


def _tasks(reader: _Reader) -> dict[str, Any]:
    tasks = Task.objects.filter(plan=reader.plan)
    by: dict[str, dict[str, int]] = {}
    for category, status in tasks.order_by("id").values_list("category", "status"):
        by.setdefault(category, {s: 0 for s in TaskStatus.values})[status] += 1
    labels = {s.value: str(s.label) for s in TaskStatus}
    return {
        "statuses": [{"status": s, "label": labels[s]} for s in TaskStatus.values],
        "categories": [
            {"category": c, "counts": counts, "total": sum(counts.values())} for c, counts in by.items()
        ],
        "total": tasks.count(),
        "lineage": {"plan_item": "tasks", "source": "专栏2、专栏21—30"},
    }


def _quarterly(
    reader: _Reader, year: int, quarter: int, internal: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Indicators the quarterly forms feed, year to date (1—N季度累计), with the same period a year before."""
    period = f"{year}Q1-Q{quarter}" if quarter > 1 else f"{year}Q1"
    before = f"{year - 1}Q1-Q{quarter}" if quarter > 1 else f"{year - 1}Q1"
    codes = IndicatorValue.objects.filter(plan=reader.plan, period=period).values("indicator_id")
    indicators = list(Indicator.objects.filter(plan=reader.plan, id__in=codes).order_by("id"))
    rows = _comparison(reader, indicators, period, internal)
    previous = {
        (v.indicator.code, reader.units[v.org_unit_id].code): v
        for v in reader.values(period=before, indicator__in=indicators)
    }
    for row in rows:
        for cell in row["units"]:
            prev = previous.get((row["indicator"], cell["org_unit"]))
            usable = prev is not None and not prev.provisional and prev.value not in (None, 0)
            if usable and cell["value"] is not None and row["additive"]:
                assert prev is not None and prev.value is not None
                cell["yoy_percent"] = _num((cell["value"] / prev.value - 1) * 100)
                cell["yoy_lineage"] = {
                    "indicator": row["indicator"],
                    "org_unit": cell["org_unit"],
                    "period": before,
                    "run": prev.run_id,
                }
    return rows


def build_snapshot(plan: Plan, kind: str, period: str) -> dict[str, Any]:
    """Every figure of a publication of `kind` for `period`, read from the stored results."""
    year, quarter = parse_period(kind, period)
    reader = _Reader(plan)
    if reader.run is None:
        raise SnapshotError(_("尚未计算任何指标(没有成功的计算批次),请先审核报表并运行指标计算"))
    internal: list[dict[str, Any]] = []
    zone = reader.zone
    assert zone is not None
    upto = year if kind == ANNUAL else year - 1  # a year's value is not known before the year ends
    headline = _headline(reader, year, upto=upto, internal=internal)
    sections: dict[str, Any] = {"headline": headline}
    headline_inds = list(Indicator.objects.filter(plan=plan, headline=True).order_by("id"))
    if kind == ANNUAL:
        sections["districts"] = _comparison(reader, headline_inds, str(year), internal)
        sections["warnings"] = _warnings(reader, year, internal)
        sections["index"] = _index(reader, year)
        sections["assessment"] = _assessment(reader, str(year))
        sections["chains"] = _chains(reader)
        sections["tasks"] = _tasks(reader)
    else:
        assert quarter is not None
        sections["quarterly"] = _quarterly(reader, year, quarter, internal)
        sections["districts"] = _comparison(reader, headline_inds, str(upto), internal)
        sections["warnings"] = _warnings(reader, year, internal)
    runs = sorted(
        {f["lineage"]["run"] for f in iter_figures({"sections": sections}) if f["lineage"].get("run")}
    )
    threshold = (
        ((plan.document or {}).get("engine") or {}).get("coverage_threshold")
        if isinstance(plan.document, dict)
        else None
    )
    meta = {
        "version": SNAPSHOT_VERSION,
        "plan": plan.code,
        "plan_title": plan.title,
        "zone": plan.zone_name,
        "kind": kind,
        "kind_label": KINDS[kind],
        "series": zone.name.removesuffix("试验区") + SERIES[kind],
        "period": period,
        "year": year,
        "quarter": quarter,
        "baseline_year": plan.baseline_year,
        "plan_end": plan.plan_end,
        "plan_hash": plan.content_hash,
        "runs": runs,
        "latest_run": reader.run.pk,
        "coverage_threshold": threshold,
        "zone_unit": zone.code,
        "districts": [{"code": d.code, "name": d.name} for d in reader.districts],
    }
    internal.sort(key=lambda f: (f["section"], f["indicator"], f["org_unit"], f["period"]))
    return {"meta": meta, "sections": sections, "internal": {"provisional": internal}}


# --- checking -------------------------------------------------------------------------------


def iter_figures(snapshot: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every figure (a dict with `value` and `state`) in the public sections."""

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "state" in node and "value" in node:
                yield node
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    yield from walk(snapshot.get("sections", {}))


def iter_records(snapshot: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every figure and every other published record (index score, scorecard, warning, chain)."""
    yield from iter_figures(snapshot)
    sections = snapshot.get("sections", {})
    for aggregate in (sections.get("index") or {}).get("aggregates") or []:
        yield from aggregate.get("units") or []
    yield from sections.get("assessment") or []
    yield from sections.get("warnings") or []
    yield from (sections.get("chains") or {}).get("chains") or []
    yield from (sections.get("chains") or {}).get("progress") or []


def _non_finite(node: Any, path: str) -> Iterator[str]:
    if isinstance(node, float) and not math.isfinite(node):
        yield path
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _non_finite(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _non_finite(v, f"{path}[{i}]")


def check_snapshot(snapshot: dict[str, Any]) -> list[str]:
    """Problems that forbid publishing the snapshot (Chinese); empty when it may be published."""
    problems: list[str] = []
    if not isinstance(snapshot, dict) or "sections" not in snapshot or "meta" not in snapshot:
        return ["数据快照结构不完整(缺少 meta 或 sections)"]
    for path in _non_finite(snapshot, "快照"):
        problems.append(f"{path} 含有非有限数值(NaN 或无穷大)")
    for figure in iter_figures(snapshot):
        where = _where(figure)
        if figure.get("state") == PROVISIONAL and figure.get("value") is not None:
            problems.append(f"{where}:初步数(覆盖率不足)出现在公开部分")
        if figure.get("state") == FINAL and figure.get("value") is None:
            problems.append(f"{where}:标为正式数但没有数值")
    for record in iter_records(snapshot):
        if not record.get("lineage"):
            problems.append(f"{_where(record)}:缺少数据来源(溯源信息)")
    headline = snapshot["sections"].get("headline") or []
    if not headline:
        problems.append("没有专栏1主要指标")
    for row in headline:
        if row.get("latest", {}).get("value") is None:
            problems.append(f"主要指标“{row.get('name')}”没有可公布的最新值")
    problems.extend(_sum_problems(snapshot))
    return problems


def _where(figure: dict[str, Any]) -> str:
    lin = figure.get("lineage") or figure
    parts = [str(lin[k]) for k in ("indicator", "org_unit", "period", "code") if lin.get(k)]
    return "“" + " ".join(parts) + "”" if parts else "某数值"


def _sum_problems(snapshot: dict[str, Any]) -> list[str]:
    """For additive indicators the districts must add up to the zone (the zone is its districts)."""
    problems = []
    zone = snapshot["meta"].get("zone_unit")
    for key in ("districts", "quarterly"):
        for row in snapshot["sections"].get(key) or []:
            if not row.get("additive"):
                continue
            total = next((c for c in row["units"] if c["org_unit"] == zone), None)
            parts = [c for c in row["units"] if c.get("level") == "district"]
            if total is None or total["value"] is None or not parts or any(c["value"] is None for c in parts):
                continue
            added = sum(c["value"] for c in parts)
            if abs(added - total["value"]) > SUM_TOLERANCE * max(1.0, abs(total["value"])):
                problems.append(
                    f"“{row['name']}”{row['period']}:各区之和 {added:g} 与试验区合计 {total['value']:g} 不一致"
                )
    return problems
