"""The CheckContext of a report: its own past and its industry peers, in two queries."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Q

from keju.plan.forms import ReportForm
from keju.reporting.models import ACCEPTED_STATUSES, REPORTED_STATUSES, Report
from keju.reporting.services.forms import previous_period, same_period_last_year
from keju.validation.checks import CheckContext

# Peers are enterprises of the same industry division (GB/T 4754 大类, e.g. C27).
PEER_PREFIX = 3
# Enough history for "equal to last period when it usually moves".
HISTORY_PERIODS = 12


def build_context(report: Report, form: ReportForm) -> CheckContext:
    """Previous period (same year), the same period last year, earlier periods (oldest first)
    from the respondent's submitted or approved reports; industry peers' values from the
    approved reports of the same form and period. One query for both."""
    # Periods of one type sort as text ("2015" < "2016", "2016Q1" < "2016Q2").
    own = Q(status__in=REPORTED_STATUSES, period__lt=report.period)
    if report.enterprise_id:
        own &= Q(enterprise_id=report.enterprise_id)
    else:
        own &= Q(org_unit_id=report.org_unit_id)
    industry = report.enterprise.industry_code if report.enterprise_id else ""
    wanted = own
    if industry:
        wanted |= Q(
            status__in=ACCEPTED_STATUSES,
            period=report.period,
            enterprise__industry_code__startswith=industry[:PEER_PREFIX],
        ) & ~Q(pk=report.pk)
    rows = (
        Report.objects.filter(wanted, plan_id=report.plan_id, form_code=report.form_code)
        .order_by("pk")  # a stable order of the peers (the bulk path reads them in the same order)
        .values_list("period", "values")
    )
    return context_from_rows(form, report.period, rows, with_peers=bool(industry))


def context_from_rows(
    form: ReportForm, period: str, rows: Iterable[tuple[str, Mapping[str, Any]]], *, with_peers: bool
) -> CheckContext:
    """The context from build_context's query result: (period, values) of the respondent's
    reported earlier periods and of its peers' approved reports of `period`, in id order.
    The API's SQL hot path (fastpath.py) reads the same rows with its own statement."""
    history: list[tuple[str, Mapping[str, Any]]] = []
    peers: list[Mapping[str, Any]] = []
    for row_period, values in rows:
        if row_period < period:  # own reports are of earlier periods, peers' of this one
            history.append((row_period, values))
        else:
            peers.append(values)
    history.sort(key=lambda row: row[0], reverse=True)
    return context_from_history(
        form, period, history[:HISTORY_PERIODS], peer_values(form, peers) if with_peers else None
    )


def context_from_history(
    form: ReportForm,
    period: str,
    rows: list[tuple[str, Mapping[str, Any]]],
    peers: dict[str, list[float]] | None,
) -> CheckContext:
    """The context of a report of `period` from its respondent's reported (period, values),
    latest first (at most HISTORY_PERIODS of them), and its peers' values."""
    rows = list(reversed(rows))
    by_period: dict[str, Mapping[str, Any]] = dict(rows)
    prev = previous_period(form, period)
    return CheckContext(
        previous=by_period.get(prev) if prev else None,
        last_year=by_period.get(same_period_last_year(period)),
        history=tuple(values for _, values in rows),
        peers=peers,
    )


def peer_values(form: ReportForm, rows: Iterable[Mapping[str, Any]]) -> dict[str, list[float]]:
    """The finite numbers of each numeric field of the peers' reports."""
    numeric = [f.code for f in form.fields if f.type in ("decimal", "integer")]
    peers: dict[str, list[float]] = {code: [] for code in numeric}
    for values in rows:
        for code in numeric:
            v = values.get(code)
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                peers[code].append(float(v))
    return peers
