"""Data collection status: per form and period who has not reported, who is late, and the
warnings (核实性审核) whose explanations await review — limited to the user's districts.

The counts come from keju.reporting.services.completeness (its public functions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F
from django.utils import timezone

from keju.planning.models import Plan
from keju.reporting.models import Explanation, ExplanationStatus, ReportingPeriod, ReportStatus
from keju.reporting.services.completeness import (
    CompletenessRow,
    OverdueRow,
    completeness,
    overdue_respondents,
)

OVERDUE_SHOWN = 200


@dataclass
class DistrictLine:
    district_id: int
    district: str
    expected: int
    reported: int
    on_time: int
    approved: int

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    @property
    def late(self) -> int:
        """Reported, but after the due date."""
        return self.reported - self.on_time


@dataclass
class PeriodSummary:
    form_code: str
    period: str
    due_on: date
    is_open: bool
    expected: int
    reported: int
    on_time: int
    approved: int
    districts: list[DistrictLine]

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    @property
    def late(self) -> int:
        return self.reported - self.on_time

    @property
    def rate(self) -> float | None:
        return self.reported / self.expected if self.expected else None


@dataclass
class PendingWarnings:
    form_code: str
    period: str
    district: str
    count: int


@dataclass
class CollectionPage:
    periods: list[tuple[str, str, bool]]  # form, period, open (the choices)
    form_code: str
    period: str
    summaries: list[PeriodSummary]
    overdue: list[OverdueRow]
    overdue_total: int
    pending: list[PendingWarnings]
    pending_total: int
    today: date


def collection_page(
    user: Any, plan: Plan, *, form_code: str = "", period: str = "", today: date | None = None
) -> CollectionPage:
    today = today or timezone.localdate()
    periods = [
        (f, p, o)
        for f, p, o in ReportingPeriod.objects.filter(plan=plan)
        .visible_to(user)
        .order_by("-starts_on", "form_code")
        .values_list("form_code", "period", "is_open")
    ]
    known = {(f, p) for f, p, _ in periods}
    if (form_code, period) not in known:
        form_code, period = "", ""
    # Without a choice: the open periods (what the office is collecting now).
    rows = completeness(
        plan, form_code=form_code or None, period=period or None, user=user, only_open=not period
    )
    summaries = _summaries(rows)
    overdue = [
        r
        for r in overdue_respondents(plan, user=user, today=today, form_code=form_code or None)
        if not period or r.period == period
    ]
    pending = _pending(user, plan, form_code, period)
    return CollectionPage(
        periods=periods,
        form_code=form_code,
        period=period,
        summaries=summaries,
        overdue=overdue[:OVERDUE_SHOWN],
        overdue_total=len(overdue),
        pending=pending,
        pending_total=sum(p.count for p in pending),
        today=today,
    )


def _summaries(rows: list[CompletenessRow]) -> list[PeriodSummary]:
    grouped: dict[tuple[str, str], list[CompletenessRow]] = {}
    for row in rows:
        grouped.setdefault((row.form_code, row.period), []).append(row)
    out = []
    for (form, period), items in grouped.items():
        first = items[0]
        out.append(
            PeriodSummary(
                form_code=form,
                period=period,
                due_on=first.due_on,
                is_open=first.is_open,
                expected=sum(r.expected for r in items),
                reported=sum(r.reported for r in items),
                on_time=sum(r.on_time for r in items),
                approved=sum(r.approved for r in items),
                districts=[
                    DistrictLine(r.district_id, r.district, r.expected, r.reported, r.on_time, r.approved)
                    for r in items
                ],
            )
        )
    return out


def _pending(user: Any, plan: Plan, form_code: str, period: str) -> list[PendingWarnings]:
    """Explanations of submitted reports still waiting for the reviewer's verdict."""
    from keju.reporting.models import Report

    reports = Report.objects.visible_to(user).filter(plan=plan, status=ReportStatus.SUBMITTED)
    if form_code:
        reports = reports.filter(form_code=form_code)
    if period:
        reports = reports.filter(period=period)
    rows = (
        Explanation.objects.filter(
            report__in=reports, status=ExplanationStatus.PENDING, version=F("report__version")
        )
        .values("report__form_code", "report__period", "report__district__name")
        .annotate(n=Count("id"))
        .order_by("report__form_code", "-report__period", "report__district__name")
    )
    return [
        PendingWarnings(r["report__form_code"], r["report__period"], r["report__district__name"], r["n"])
        for r in rows
    ]
