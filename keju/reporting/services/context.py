"""The CheckContext of a report: its own past and its industry peers, in two queries."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

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
    approved reports of the same form and period."""
    own = Report.objects.filter(
        plan_id=report.plan_id,
        form_code=report.form_code,
        status__in=REPORTED_STATUSES,
        period__lt=report.period,
    )
    if report.enterprise_id:
        own = own.filter(enterprise_id=report.enterprise_id)
    else:
        own = own.filter(org_unit_id=report.org_unit_id)
    # Periods of one type sort as text ("2015" < "2016", "2016Q1" < "2016Q2").
    rows = list(own.order_by("-period").values_list("period", "values")[:HISTORY_PERIODS])
    rows.reverse()
    by_period: dict[str, Mapping[str, Any]] = dict(rows)
    prev = previous_period(form, report.period)
    return CheckContext(
        previous=by_period.get(prev) if prev else None,
        last_year=by_period.get(same_period_last_year(report.period)),
        history=tuple(values for _, values in rows),
        peers=_peers(report, form),
    )


def _peers(report: Report, form: ReportForm) -> dict[str, list[float]] | None:
    if not report.enterprise_id:
        return None
    industry = report.enterprise.industry_code
    if not industry:
        return None
    numeric = [f.code for f in form.fields if f.type in ("decimal", "integer")]
    rows = (
        Report.objects.filter(
            plan_id=report.plan_id,
            form_code=report.form_code,
            period=report.period,
            status__in=ACCEPTED_STATUSES,
            enterprise__industry_code__startswith=industry[:PEER_PREFIX],
        )
        .exclude(pk=report.pk)
        .values_list("values", flat=True)
    )
    peers: dict[str, list[float]] = {code: [] for code in numeric}
    for values in rows:
        for code in numeric:
            v = values.get(code)
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                peers[code].append(float(v))
    return peers
