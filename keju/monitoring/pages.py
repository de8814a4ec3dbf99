"""What the monitoring pages show, limited to what the user may see (read side; views stay thin)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keju.metrics.progress import STATUS_LABELS, STATUS_ORDER
from keju.monitoring.models import (
    ComputationRun,
    EarlyWarning,
    IndexScore,
    IndicatorValue,
    PeriodKind,
    ProgressAssessment,
    RunStatus,
    Scorecard,
)
from keju.monitoring.querysets import monitoring_unit_q
from keju.orgs.models import Enterprise, OrgUnit
from keju.planning.models import Indicator, Plan
from keju.reporting.models import Report

# Colours of the statuses (traffic-light scale, best first); the label is always shown beside it.
STATUS_COLOURS: dict[str, str] = {
    "target_achieved": "#1b7f3b",
    "substantial_progress": "#5aa02c",
    "moderate_progress": "#d9a400",
    "limited_progress": "#e07b00",
    "negative_progress": "#c62828",
    "insufficient_data": "#8a94a6",
}
# The labels of keju.metrics.progress.STATUS_LABELS, marked for translation (a test keeps them equal).
STATUS_TEXT: dict[str, Any] = {
    "target_achieved": gettext_lazy("已达标"),
    "substantial_progress": gettext_lazy("进展良好"),
    "moderate_progress": gettext_lazy("需加快"),
    "limited_progress": gettext_lazy("进展有限"),
    "negative_progress": gettext_lazy("倒退"),
    "insufficient_data": gettext_lazy("数据不足"),
}
KIND_LABELS: dict[str, Any] = {
    "level": gettext_lazy("期末水平"),
    "increment": gettext_lazy("新增"),
    "cumulative": gettext_lazy("累计"),
    "trend": gettext_lazy("无目标(趋势)"),
}
# Warning levels of keju.metrics.warnings.LEVELS, marked for translation, and their colours.
WARNING_LEVELS: dict[str, Any] = {
    "red": gettext_lazy("红色"),
    "orange": gettext_lazy("橙色"),
    "yellow": gettext_lazy("黄色"),
}
WARNING_COLOURS: dict[str, str] = {"red": "#c62828", "orange": "#e07b00", "yellow": "#c9a000"}


def status_label(status: str) -> str:
    return str(STATUS_TEXT.get(status, STATUS_LABELS.get(status, status)))


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    colour: str
    count: int


def visible_units(user: Any, plan: Plan) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(plan=plan).filter(monitoring_unit_q(user)).order_by("id")


def has_results(plan: Plan) -> bool:
    return (
        IndicatorValue.objects.filter(plan=plan).exists()
        or ProgressAssessment.objects.filter(plan=plan).exists()
    )


def empty_state(plan: Plan) -> dict[str, Any]:
    """Why there is nothing to show yet: no reports, none approved, or not computed."""
    reports = Report.objects.filter(plan=plan)
    counted = reports.filter(status__in=["approved", "locked"]).count()
    last = ComputationRun.objects.filter(plan=plan).order_by("-started_at", "-id").first()
    return {"reports": reports.count(), "counted": counted, "last_run": last}


def progress_rows(
    user: Any, plan: Plan, *, indicator: str = "", unit: str = "", status: str = "", with_trend: bool = True
) -> QuerySet[ProgressAssessment]:
    rows = ProgressAssessment.objects.filter(plan=plan).visible_to(user)
    if indicator:
        rows = rows.filter(indicator__code=indicator)
    if unit:
        rows = rows.filter(org_unit__code=unit)
    if status:
        rows = rows.filter(status=status)
    if not with_trend:
        rows = rows.filter(target__isnull=False)
    return rows.select_related("indicator", "org_unit", "target", "target__stage").order_by(
        "indicator_id", "org_unit_id", "target__year", "target_id"
    )


def status_counts(rows: QuerySet[ProgressAssessment]) -> list[StatusCount]:
    counts = Counter(rows.values_list("status", flat=True))
    return [StatusCount(s, status_label(s), STATUS_COLOURS[s], counts.get(s, 0)) for s in STATUS_ORDER]


def indicator_choices(plan: Plan) -> QuerySet[Indicator]:
    """Indicators that have stored values or assessments."""
    with_values = IndicatorValue.objects.filter(plan=plan).order_by().values("indicator_id")
    with_progress = ProgressAssessment.objects.filter(plan=plan).order_by().values("indicator_id")
    return (
        Indicator.objects.filter(plan=plan)
        .filter(Q(id__in=with_values) | Q(id__in=with_progress))
        .order_by("id")
    )


@dataclass
class ValueMatrix:
    indicator: Indicator
    periods: list[str]
    rows: list[tuple[OrgUnit, list[IndicatorValue | None]]]


def value_matrix(user: Any, plan: Plan, indicator: Indicator, *, quarterly: bool = False) -> ValueMatrix:
    """Org units × periods of one indicator (yearly by default, or the quarters)."""
    values = list(
        IndicatorValue.objects.filter(
            plan=plan, indicator=indicator, period_kind=PeriodKind.QUARTER if quarterly else PeriodKind.YEAR
        )
        .visible_to(user)
        .select_related("org_unit")
    )
    periods = sorted({v.period for v in values})
    by_unit: dict[int, dict[str, IndicatorValue]] = {}
    units: dict[int, OrgUnit] = {}
    for v in values:
        by_unit.setdefault(v.org_unit_id, {})[v.period] = v
        units[v.org_unit_id] = v.org_unit
    order = {"zone": 0, "city": 1, "district": 2, "park": 3}
    ordered = sorted(units.values(), key=lambda u: (order.get(u.level, 9), u.pk))
    return ValueMatrix(indicator, periods, [(u, [by_unit[u.pk].get(p) for p in periods]) for u in ordered])


def value_for(user: Any, plan: Plan, indicator: str, unit: str, period: str) -> IndicatorValue | None:
    return (
        IndicatorValue.objects.filter(
            plan=plan, indicator__code=indicator, org_unit__code=unit, period=period
        )
        .visible_to(user)
        .select_related("indicator", "org_unit", "run")
        .first()
    )


def unit_series(value: IndicatorValue) -> QuerySet[IndicatorValue]:
    """The same indicator and unit over every period of the same kind (years, quarters, cumulative …)."""
    return IndicatorValue.objects.filter(
        indicator_id=value.indicator_id, org_unit_id=value.org_unit_id, period_kind=value.period_kind
    ).order_by("year", "period")


# --- lineage ---------------------------------------------------------------------------


CONTRIBUTION_LABELS: dict[str, Any] = {
    "numerator": gettext_lazy("分子贡献"),
    "denominator": gettext_lazy("分母贡献"),
}
LINEAGE_KEYS = ("report_id", "version", "form", "respondent")


@dataclass
class Lineage:
    rows: list[dict[str, Any]]
    columns: list[tuple[str, str]]  # contribution column -> label
    totals: dict[str, float]
    count: int
    error: str = ""


def lineage(value: IndicatorValue, *, limit: int | None = None, offset: int = 0) -> Lineage:
    """The approved reports (and their versions) behind a stored value, largest contributions first."""
    from keju.metrics.engine import lineage as engine_lineage
    from keju.monitoring.services import indicator_forms
    from keju.monitoring.sources import engine_input

    plan = value.plan
    try:
        data = engine_input(plan, [value.year], only=indicator_forms(plan, value.indicator.code))
        frame = engine_lineage(data, value.indicator.code, value.org_unit.code, value.period)
    except Exception as exc:  # shown on the page; the value itself is still shown
        return Lineage([], [], {}, 0, error=_("无法列出来源报表:%(error)s") % {"error": exc})
    columns = [c for c in frame.columns if c not in LINEAGE_KEYS and frame.schema[c].is_numeric()]
    totals = {c: float(frame.get_column(c).sum()) for c in columns}
    if columns:
        frame = frame.with_columns(pl.sum_horizontal([pl.col(c).abs() for c in columns]).alias("_size")).sort(
            ["_size", "report_id"], descending=[True, False]
        )
    count = frame.height
    page = frame.slice(offset, limit) if limit is not None else frame
    rows = page.to_dicts()
    _name_respondents(plan, rows)
    labels = [(c, str(CONTRIBUTION_LABELS.get(c, c))) for c in columns]
    return Lineage(rows, labels, totals, count)


def _name_respondents(plan: Plan, rows: list[dict[str, Any]]) -> None:
    """Add respondent names (enterprise name or org unit name) and the report's status."""
    ids = [r["report_id"] for r in rows]
    reports = {
        r["id"]: r
        for r in Report.objects.filter(pk__in=ids).values(
            "id", "status", "enterprise_id", "org_unit_id", "district__name", "period"
        )
    }
    enterprises = dict(
        Enterprise.objects.filter(
            pk__in=[r["enterprise_id"] for r in reports.values() if r["enterprise_id"]]
        ).values_list("id", "name")
    )
    units = dict(OrgUnit.objects.filter(plan=plan).values_list("id", "name"))
    for row in rows:
        report = reports.get(row["report_id"], {})
        if report.get("enterprise_id"):
            row["respondent_name"] = enterprises.get(report["enterprise_id"], "")
        else:
            row["respondent_name"] = units.get(report.get("org_unit_id"), "")
        row["district_name"] = report.get("district__name", "")
        row["report_period"] = report.get("period", "")
        row["status"] = report.get("status", "")


# --- warnings, index, scorecards, runs ------------------------------------------------------


def warnings_for(user: Any, plan: Plan, *, level: str = "", unit: str = "") -> QuerySet[EarlyWarning]:
    rows = EarlyWarning.objects.filter(plan=plan).visible_to(user)
    if level:
        rows = rows.filter(level=level)
    if unit:
        rows = rows.filter(org_unit__code=unit)
    return rows.select_related("indicator", "org_unit", "target").order_by("id")


@dataclass
class IndexTable:
    year: int | None
    years: list[int]
    aggregates: list[tuple[str, str]]  # code, name (overall index first)
    rows: list[tuple[OrgUnit, IndexScore | None, list[IndexScore | None]]]


def index_table(user: Any, plan: Plan, year: int | None) -> IndexTable:
    scores = IndexScore.objects.filter(plan=plan).visible_to(user)
    years = sorted(set(scores.values_list("year", flat=True)), reverse=True)
    if not years:
        return IndexTable(None, [], [], [])
    chosen = year if year in years else years[0]
    chosen_scores = list(scores.filter(year=chosen).select_related("org_unit"))
    overall = [s for s in chosen_scores if s.level == 0]
    groups: dict[str, str] = {}
    for s in sorted(chosen_scores, key=lambda s: (s.level, s.pk)):  # the plan's order of the groups
        if s.level == 1:
            groups.setdefault(s.aggregate, s.aggregate_name or s.aggregate)
    by_unit: dict[int, dict[str, IndexScore]] = {}
    units: dict[int, OrgUnit] = {}
    for s in chosen_scores:
        by_unit.setdefault(s.org_unit_id, {})[s.aggregate] = s
        units[s.org_unit_id] = s.org_unit
    overall_code = overall[0].aggregate if overall else ""
    ordered = sorted(
        units.values(),
        key=lambda u: (
            by_unit[u.pk].get(overall_code).rank or 999 if by_unit[u.pk].get(overall_code) else 999,
            u.pk,
        ),
    )
    rows = [(u, by_unit[u.pk].get(overall_code), [by_unit[u.pk].get(g) for g in groups]) for u in ordered]
    return IndexTable(chosen, years, list(groups.items()), rows)


def scorecards_for(user: Any, plan: Plan, *, latest: int = 4) -> dict[str, list[Scorecard]]:
    """The latest scorecards ("2020 年度评估"), each ranked; `latest` periods per scorecard."""
    cards = Scorecard.objects.filter(plan=plan).visible_to(user).select_related("org_unit")
    out: dict[str, list[Scorecard]] = {}
    for code in cards.values_list("scorecard", flat=True).distinct().order_by("scorecard"):
        periods = list(
            cards.filter(scorecard=code)
            .values_list("period", flat=True)
            .distinct()
            .order_by("-period")[:latest]
        )
        for period in periods:
            rows = list(cards.filter(scorecard=code, period=period).order_by("rank", "org_unit_id"))
            out[f"{period} {rows[0].scorecard_name}"] = rows
    return dict(sorted(out.items(), key=lambda kv: kv[0], reverse=True))


def recent_runs(plan: Plan, limit: int = 50) -> QuerySet[ComputationRun]:
    return (
        ComputationRun.objects.filter(plan=plan)
        .select_related("report")
        .order_by("-started_at", "-id")[:limit]
    )


def last_good_run(plan: Plan) -> ComputationRun | None:
    return (
        ComputationRun.objects.filter(plan=plan, status__in=[RunStatus.SUCCEEDED, RunStatus.PARTIAL])
        .order_by("-started_at", "-id")
        .first()
    )
