"""An approval starts from the decoded reports kept in process and reads again only what changed;
what it computes equals a full recompute exactly, and the kept reports follow returns, revisions,
deletions, rolled-back writes and interleaved approvals."""

from __future__ import annotations

import polars as pl
import pytest

from keju.monitoring import hooks, sources
from keju.monitoring.models import RunStatus
from keju.monitoring.services import recompute
from keju.monitoring.sources import cached_forms, clear_decoded_cache, frames_from_db
from keju.reporting.models import Report, ReportStatus, ReportVersion

pytestmark = pytest.mark.django_db

FORMS = ["KJ101", "KJ102", "KJ201"]


@pytest.fixture
def decoded(monkeypatch):
    """Counts the report rows decoded from JSON and the full reconciliations, from a warm cache."""
    counts = {"rows": 0, "reconciled": 0}
    decode, reconcile = sources._decode, sources._reconciled

    def counting_decode(part, form):
        counts["rows"] += part.height
        return decode(part, form)

    def counting_reconcile(*args, **kwargs):
        counts["reconciled"] += 1
        return reconcile(*args, **kwargs)

    monkeypatch.setattr(sources, "_decode", counting_decode)
    monkeypatch.setattr(sources, "_reconciled", counting_reconcile)
    return counts


def _warm(demo) -> None:
    clear_decoded_cache()
    frames_from_db(demo.plan, demo.forms, only=FORMS)  # a full read keeps what it decoded


def _revise(report: Report, **changes: float) -> None:
    report.values = {**report.values, **changes}
    report.version += 1
    report.status = ReportStatus.APPROVED
    report.save()


def assert_same_as_a_fresh_read(demo) -> None:
    """The frames through the kept reports equal the frames read and decoded from scratch."""
    plan = demo.plan
    kept = frames_from_db(plan, demo.forms, only=FORMS, cached=True)
    fresh = frames_from_db(plan, demo.forms, only=FORMS)
    assert set(kept) == set(fresh)
    for code in fresh:
        assert kept[code].equals(fresh[code], null_equal=True), code


def test_an_approval_decodes_only_the_approved_report_and_equals_a_full_recompute(demo, decoded):
    plan = demo.plan
    _warm(demo)
    decoded["rows"] = 0
    report = Report.objects.filter(plan=plan, form_code="KJ101", period="2018").order_by("id").first()
    _revise(report, rd_expenditure=report.values["rd_expenditure"] + 5000, value_added=12345.6)

    run = hooks.report_approved(report)

    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert decoded["rows"] == 1 and decoded["reconciled"] == 0
    kept = cached_forms(plan)["KJ101"].filter(pl.col("report_id") == report.pk)
    assert kept["version"].to_list() == [report.version] and kept["value_added"].to_list() == [12345.6]
    assert recompute(plan).changes["values"] == {"added": 0, "changed": 0, "removed": 0}


def test_returned_revised_and_deleted_reports_leave_the_kept_reports(demo, decoded):
    plan = demo.plan
    _warm(demo)
    # Returned (written past Report.save, so only the check of the counted states sees it).
    returned = Report.objects.get(plan=plan, form_code="KJ201", period="2016", org_unit__code="lzxq")
    Report.objects.filter(pk=returned.pk).update(status=ReportStatus.RETURNED)
    # Under 修订: counts with its last approved version, kept in ReportVersion.
    revising = Report.objects.get(plan=plan, form_code="KJ201", period="2015", org_unit__code="lzgxq")
    approved = dict(revising.values)
    ReportVersion.objects.create(
        report=revising,
        version=1,
        status=ReportStatus.APPROVED,
        values=approved,
        channel="demo",
        action="approve",
    )
    Report.objects.filter(pk=revising.pk).update(
        status=ReportStatus.SUBMITTED, version=2, values={**approved, "gdp": approved["gdp"] * 3}
    )
    # Deleted altogether.
    deleted = Report.objects.filter(plan=plan, form_code="KJ102").order_by("-id").first()
    deleted.delete()
    decoded["rows"] = decoded["reconciled"] = 0

    frames = frames_from_db(plan, demo.forms, only=FORMS, cached=True)

    assert decoded["reconciled"] == 1 and decoded["rows"] == 1  # only the revision's kept version
    kj201 = frames["KJ201"]
    assert returned.pk not in kj201["report_id"].to_list()
    row = kj201.filter(pl.col("report_id") == revising.pk).row(0, named=True)
    assert row["version"] == 1 and row["gdp"] == approved["gdp"]
    assert deleted.pk not in frames["KJ102"]["report_id"].to_list()
    assert_same_as_a_fresh_read(demo)


def test_a_kept_state_of_a_rolled_back_write_is_replaced(demo):
    """A computation inside a transaction that is then rolled back kept a state that never was committed."""
    from django.db import transaction

    plan = demo.plan
    _warm(demo)
    report = Report.objects.get(plan=plan, form_code="KJ201", period="2017", org_unit__code="bygxq")
    original = report.values["gdp"]

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        _revise(report, gdp=original * 5)
        frames_from_db(plan, demo.forms, only=FORMS, cached=True, changed=[report.pk])
        raise Rollback
    # The same version number, written again with other figures.
    report.refresh_from_db()
    _revise(report, gdp=original * 2)
    frames = frames_from_db(plan, demo.forms, only=FORMS, cached=True)
    assert frames["KJ201"].filter(pl.col("report_id") == report.pk)["gdp"].to_list() == [original * 2]
    assert_same_as_a_fresh_read(demo)


def test_interleaved_approvals_store_a_stale_set_that_the_next_read_corrects(demo, decoded):
    """Two approvals computed at once: each starts from the same kept reports and reads its own
    report; the one that finishes last stores a set without the other's approval."""
    plan = demo.plan
    _warm(demo)
    before = cached_forms(plan)
    first = Report.objects.get(plan=plan, form_code="KJ201", period="2019", org_unit__code="lzxq")
    second = Report.objects.filter(plan=plan, form_code="KJ101", period="2019").order_by("id").first()
    _revise(first, gdp=first.values["gdp"] + 1000)
    frames_from_db(plan, demo.forms, only=FORMS, cached=True, changed=[first.pk])
    _revise(second, value_added=second.values["value_added"] + 77)
    # The second approval's computation had started from the set kept before the first one.
    with sources._decoded_lock:
        sources._decoded_cache[plan.pk] = (plan.content_hash, before)
    frames_from_db(plan, demo.forms, only=FORMS, cached=True, changed=[second.pk])
    stale = cached_forms(plan)["KJ201"].filter(pl.col("report_id") == first.pk)
    assert stale["version"].to_list() == [first.version]  # the read noticed and corrected it already
    # And a set that really misses an approval (stored behind the check's back) is corrected next time.
    with sources._decoded_lock:
        sources._decoded_cache[plan.pk] = (plan.content_hash, before)
    decoded["reconciled"] = 0
    assert_same_as_a_fresh_read(demo)
    assert decoded["reconciled"] == 1


def test_approvals_one_after_another_equal_a_full_recompute(demo):
    plan = demo.plan
    _warm(demo)
    for period, unit in (("2016", "lzxq"), ("2018", "bygxq"), ("2016", "lzgxq")):
        report = Report.objects.get(plan=plan, form_code="KJ201", period=period, org_unit__code=unit)
        _revise(report, gdp=report.values["gdp"] * 1.5)
        assert hooks.report_approved(report).status == RunStatus.SUCCEEDED
    kj102 = Report.objects.filter(plan=plan, form_code="KJ102", period="2018Q3").order_by("id").first()
    field = next(f.code for f in demo.forms["KJ102"].fields if f.type == "decimal")
    _revise(kj102, **{field: (kj102.values.get(field) or 0) + 10})
    assert hooks.report_approved(kj102).status == RunStatus.SUCCEEDED
    assert recompute(plan).changes["values"] == {"added": 0, "changed": 0, "removed": 0}


def test_an_approvals_input_judges_who_must_report_by_the_annual_form(demo):
    """KJ102 is due from enterprises above scale in that year, as their KJ101 says, even when the
    approval reads KJ102 only (it once fell back to the register's current flag)."""
    from keju.monitoring.sources import default_years, engine_input

    plan = demo.plan
    every = default_years(plan)
    full = engine_input(plan, every).expected.filter(pl.col("form") == "KJ102")
    for cached in (False, True):
        part = engine_input(plan, every, only={"KJ102"}, cached=cached).expected
        assert part.equals(full, null_equal=True)
