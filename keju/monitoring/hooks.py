"""Called by keju.reporting.services when a report changes state.

`report_approved(report)` updates the stored indicators incrementally. It never
raises for a computation problem: the error is recorded on the ComputationRun (and
logged), so an approval cannot fail because of the indicators.
"""

from __future__ import annotations

from keju.monitoring.models import ComputationRun, Trigger
from keju.reporting.models import Report


def report_approved(report: Report) -> ComputationRun:
    """Recompute the indicators that read `report`'s form for its year; returns the run."""
    from keju.monitoring.services import update_for_report

    return update_for_report(report, trigger=Trigger.APPROVAL)
