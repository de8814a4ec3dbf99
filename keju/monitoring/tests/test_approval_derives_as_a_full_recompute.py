"""After an approval the derived tables (progress, warnings, index, scorecards) equal a full
recompute row for row, though the update derives again only what the approval can change."""

from __future__ import annotations

from typing import Any

import pytest

from keju.monitoring import hooks
from keju.monitoring.models import EarlyWarning, IndexScore, ProgressAssessment, RunStatus, Scorecard
from keju.monitoring.services import recompute
from keju.reporting.models import Report, ReportStatus

pytestmark = pytest.mark.django_db

MODELS = (ProgressAssessment, EarlyWarning, IndexScore, Scorecard)


def _revise(report: Report, **changes: float) -> None:
    report.values = {**report.values, **changes}
    report.version += 1
    report.status = ReportStatus.APPROVED
    report.save()


def derived_tables(plan) -> dict[str, list[dict[str, Any]]]:
    """Every derived row but its id and run, in the order the rows were made (ties in a page's order)."""
    return {
        model._meta.model_name: [
            {k: v for k, v in row.items() if k not in ("id", "run_id")}
            for row in model.objects.filter(plan=plan).order_by("id").values()
        ]
        for model in MODELS
    }


def assert_equal_to_a_full_recompute(plan) -> None:
    after_approval = derived_tables(plan)
    full = recompute(plan)
    assert full.status == RunStatus.SUCCEEDED, full.errors
    assert full.changes["values"] == {"added": 0, "changed": 0, "removed": 0}
    recomputed = derived_tables(plan)
    for name, rows in recomputed.items():
        assert len(after_approval[name]) == len(rows), name
        for approved_row, full_row in zip(after_approval[name], rows, strict=True):
            assert approved_row == full_row, name


@pytest.mark.parametrize(
    ("form", "period", "unit", "field", "factor"),
    [
        ("KJ201", "2017", "bygxq", "resident_population", 1.1),  # an index denominator, one year
        ("KJ201", "2019", "lzjjq", "gdp", 1.05),  # index and scorecards of 2019 (and 2020's half year)
        ("KJ201", "2014", "lzxq", "gdp", 1.2),  # the base and reference year: everything again
        ("KJ102", "2018Q2", None, "revenue", 1.5),  # quarterly: no index input
        ("KJ101", "2018", None, "rd_expenditure", 3.0),
    ],
)
def test_an_approval_derives_what_a_full_recompute_derives(demo, form, period, unit, field, factor):
    plan = demo.plan
    reports = Report.objects.filter(plan=plan, form_code=form, period=period).order_by("id")
    report = (
        reports.get(org_unit__code=unit) if unit else reports.filter(**{f"values__{field}__gt": 0}).first()
    )
    assert report is not None
    _revise(report, **{field: report.values[field] * factor + 1})

    run = hooks.report_approved(report)

    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert_equal_to_a_full_recompute(plan)


def test_approvals_in_a_row_derive_what_a_full_recompute_derives(demo):
    plan = demo.plan
    runs = []
    for form, period, unit, field in (
        ("KJ201", "2018", "lzxq", "gdp"),
        ("KJ201", "2018", "lzjjq", "fiscal_st_expenditure"),
        ("KJ201", "2016", "bygxq", "gdp"),
    ):
        report = Report.objects.get(plan=plan, form_code=form, period=period, org_unit__code=unit)
        _revise(report, **{field: report.values[field] * 0.8})
        runs.append(hooks.report_approved(report))
    assert all(r.status == RunStatus.SUCCEEDED for r in runs), [r.errors for r in runs]
    assert_equal_to_a_full_recompute(plan)


def test_an_approval_that_changes_no_index_input_keeps_the_stored_index(demo):
    plan = demo.plan
    report = Report.objects.filter(plan=plan, form_code="KJ102", period="2018Q2").order_by("id").first()
    _revise(report, revenue=(report.values.get("revenue") or 0) * 2 + 1)
    before = list(IndexScore.objects.filter(plan=plan).order_by("id").values_list("id", "run_id"))

    run = hooks.report_approved(report)

    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert list(IndexScore.objects.filter(plan=plan).order_by("id").values_list("id", "run_id")) == before
