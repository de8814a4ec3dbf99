"""The bulk path of a district's upload (reporting.submit_many) writes exactly what one call
of the reporting services per row writes: the same reports, versions, explanations, audit
entries and idempotency records, the same outcomes per row, in both upload modes; re-uploads
replay; concurrent edits and races are detected."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from keju.orgs.services import register_enterprise
from keju.planning.testing import make_credit_code
from keju.reporting import services as reporting
from keju.reporting.excel.services import import_workbook
from keju.reporting.excel.tests.conftest import fill, kj101_values, template
from keju.reporting.models import (
    AuditEntry,
    Explanation,
    IdempotencyRecord,
    Report,
    ReportStatus,
    ReportVersion,
)
from keju.reporting.services import bulk as bulk_module

pytestmark = pytest.mark.django_db

EXPLAINED = "经核实,本年新建产线投产,收入大幅增长"


def _enterprise(zone, n: int, district: str = "XQ", industry: str = "C2710"):
    return register_enterprise(
        zone.plan,
        name=f"测试企业{n}",
        credit_code=make_credit_code(n),
        industry_code=industry,
        district_code=district,
        opened_on=date(2010, 1, 1),
        is_above_scale=True,
    )


def _stored(zone, enterprise, period: str, values: dict[str, Any], status: str) -> Report:
    return Report.objects.create(
        plan=zone.plan,
        form_code="KJ101",
        period=period,
        year=int(period[:4]),
        enterprise=enterprise,
        district=enterprise.current_placement.district,
        values=values,
        status=status,
        channel="web",
    )


def _parsed(values: dict[str, Any]) -> dict[str, Any]:
    """A template row's values as the services store them (是/否 as booleans)."""
    return {k: (v == "是" if v in ("是", "否") else v) for k, v in values.items()}


def _mixed_zone(zone, *, refused_row: bool) -> tuple[dict[Any, dict[str, Any]], dict[Any, str]]:
    """A workbook's rows exercising every outcome, and the zone state they meet:

    - xq[0]: new report, consistent, but far from its (nearly identical) peers → draft;
    - xq[1]: a round number (W30 warning) with an explanation → submitted with it;
    - xq[2]: a round number without an explanation → kept as a draft;
    - e10: revenue ten times last year's (W10, found only with history) and an explanation;
      it already has a draft with other figures and an earlier explanation;
    - e11: a jump against last year without an explanation → draft;
    - e12 (refused_row): already submitted → refused by the services (not by the pre-check);
    - ten approved peers of the industry in 兰州高新区 make the peer check (W20) live.
    """
    history = kj101_values(revenue=4521.3, new_product_sales=502.1, exports=81.4)
    e10, e11, e12 = (_enterprise(zone, n) for n in (10, 11, 12))
    for e in (e10, e11):
        _stored(zone, e, "2015", _parsed(history), ReportStatus.APPROVED)
    draft = _stored(zone, e10, "2016", {"employees": 300, "net_profit": 10.5}, ReportStatus.DRAFT)
    Explanation.objects.create(
        report=draft, version=1, check_code="KJ101-W01", text="旧的说明文字", fields=[]
    )
    for n in range(20, 30):
        peer = _enterprise(zone, n, district="GX")
        _stored(zone, peer, "2016", _parsed(kj101_values(revenue=45000.0 + n)), ReportStatus.APPROVED)
    rows: dict[Any, dict[str, Any]] = {
        zone.xq[0].credit_code: kj101_values(),
        zone.xq[1].credit_code: kj101_values(revenue=50000),
        zone.xq[2].credit_code: kj101_values(revenue=60000),
        e10.credit_code: kj101_values(),
        e11.credit_code: kj101_values(),
    }
    explanations = {zone.xq[1].credit_code: "营业收入经审计确认为整数", e10.credit_code: EXPLAINED}
    if refused_row:
        _stored(zone, e12, "2016", _parsed(kj101_values()), ReportStatus.SUBMITTED)
        rows[e12.credit_code] = kj101_values(revenue=45300.7)
    return rows, explanations


def _state() -> dict[str, Any]:
    """Everything the upload wrote, without ids and times (respondents by credit code)."""

    def who(report_id: int | None) -> str:
        return "" if report_id is None else Report.objects.get(pk=report_id).enterprise.credit_code

    return {
        "reports": sorted(
            (
                r.enterprise.credit_code,
                r.status,
                r.version,
                r.values,
                r.channel,
                r.district_id,
                r.year,
                r.submitted_at is not None,
                r.first_submitted_at is not None,
            )
            for r in Report.objects.select_related("enterprise")
        ),
        "versions": sorted(
            (who(v.report_id), v.version, v.status, str(v.values), v.actor_id, v.channel, v.action, v.note)
            for v in ReportVersion.objects.all()
        ),
        "explanations": sorted(
            (
                who(e.report_id),
                e.version,
                e.check_code,
                tuple(e.fields),
                e.warning,
                e.text,
                e.status,
                e.author_id,
            )
            for e in Explanation.objects.all()
        ),
        # Per report, in the order written.
        "audit": sorted(
            (
                who(a.report_id),
                a.pk and 0,
                a.version,
                a.actor_id,
                a.actor_name,
                a.channel,
                a.action,
                a.field,
                str(a.old_value),
                str(a.new_value),
                a.note,
            )
            for a in AuditEntry.objects.order_by("pk")
        ),
        "audit_order": [
            (who(a.report_id), a.action, a.field)
            for a in AuditEntry.objects.order_by("report__enterprise__credit_code", "pk")
        ],
        "idempotency": sorted(
            (r.key, r.operation, r.fingerprint, who(r.report_id), r.result_version)
            for r in IdempotencyRecord.objects.all()
        ),
    }


def _outcomes(result) -> list[tuple[Any, ...]]:
    ids = dict(Report.objects.values_list("pk", "enterprise__credit_code"))
    return [(o.respondent, o.status, ids.get(o.report_id), tuple(o.messages)) for o in result.rows] + [
        (e.cell, e.label, e.message) for e in result.errors
    ]


def _upload(zone, data: bytes, accept_valid: bool):
    return import_workbook(zone.reviewer, zone.plan, data, filename="bulk.xlsx", accept_valid=accept_valid)


@pytest.mark.parametrize(
    ("accept_valid", "refused_row"),
    [(False, False), (False, True), (True, True)],
    ids=["all", "none", "valid"],
)
def test_bulk_path_writes_exactly_what_the_per_row_path_writes(zone, monkeypatch, accept_valid, refused_row):
    rows, explanations = _mixed_zone(zone, refused_row=refused_row)
    data = fill(template(zone, zone.reviewer), rows, explanations=explanations)
    before = _state()
    calls: list[int] = []
    original = bulk_module._bulk

    def counted(items, *args):
        calls.append(len(items))
        return original(items, *args)

    monkeypatch.setattr(bulk_module, "_bulk", counted)
    with transaction.atomic():
        bulk_result = _upload(zone, data, accept_valid)
        bulk_state, bulk_outcomes = _state(), _outcomes(bulk_result)
        transaction.set_rollback(True)
    assert calls == [len(rows)]  # the bulk path did the work (no fallback)
    assert _state() == before
    # The same upload, one call of the services per row.
    monkeypatch.setattr(bulk_module, "_may_go_bulk", lambda items: False)
    row_result = _upload(zone, data, accept_valid)
    assert calls == [len(rows)]
    assert _state() == bulk_state
    assert _outcomes(row_result) == bulk_outcomes
    statuses = [o.status for o in bulk_result.rows if o.respondent in rows]
    if refused_row and not accept_valid:
        assert bulk_state == before and "error" in statuses and "submitted" not in statuses
    else:
        # Drafts: xq[2] and e11 (round number, jump), xq[0] (far from its ten peers).
        assert statuses.count("submitted") == 2 and statuses.count("draft") == 3
        assert any("同行业" in m for o in bulk_result.rows for m in o.messages)
        assert ("error" in statuses) == refused_row
        report = Report.objects.get(enterprise__credit_code=make_credit_code(10), period="2016")
        assert report.status == ReportStatus.SUBMITTED and report.version == 2
        assert Explanation.objects.filter(
            report=report, version=2, check_code__startswith="KJ101-W10"
        ).exists()


def test_re_uploading_the_mixed_workbook_writes_nothing(zone):
    rows, explanations = _mixed_zone(zone, refused_row=False)
    data = fill(template(zone, zone.reviewer), rows, explanations=explanations)
    first = _upload(zone, data, accept_valid=False)
    assert first.ok and first.submitted == 2 and first.drafts == 3, first.errors
    state = _state()
    second = _upload(zone, data, accept_valid=False)
    assert second.ok, second.errors
    assert [(o.status, o.report_id) for o in second.rows] == [(o.status, o.report_id) for o in first.rows]
    assert _state() == state


def test_bulk_storage_queries_do_not_grow_with_the_rows(zone):
    many_enterprises = [_enterprise(zone, n) for n in range(40, 70)]

    def run(enterprises) -> tuple[int, int]:
        """(statements other than INSERT, INSERT statements)."""
        with CaptureQueriesContext(connection) as captured:
            done = reporting.submit_many(
                [
                    reporting.BulkSubmission(
                        enterprise=e, values=_parsed(kj101_values()), idempotency_key=e.name
                    )
                    for e in enterprises
                ],
                actor=zone.reviewer,
                plan=zone.plan,
                form_code="KJ101",
                period="2016",
                channel="excel",
            )
        assert {o.status for o in done} == {"submitted"}, [o.error for o in done]
        inserts = sum(1 for q in captured.captured_queries if q["sql"].startswith("INSERT"))
        return len(captured) - inserts, inserts

    run(zone.xq[:1])  # the reviewer's roles, cached for the request
    small = run(zone.xq[1:2])
    large = run(many_enterprises)
    # Reads and updates: the same for 30 rows as for one. Inserts: one statement per table
    # (reports, idempotency records, versions, audit entries), more only where the database
    # limits a statement's parameters (SQLite: 999). PostgreSQL streams versions and audit
    # entries with COPY (one per table, not logged as queries).
    assert large[0] == small[0] <= 16, (small, large)
    if connection.vendor == "postgresql":
        assert small[1] == large[1] == 2, (small, large)
    else:
        assert small[1] == 4 and large[1] <= 4 + 30 * 25 * 12 // 999, (small, large)


def test_a_stale_expected_version_is_refused_and_the_others_are_kept(zone):
    first = reporting.open_report(
        actor=zone.reviewer, plan=zone.plan, form_code="KJ101", period="2016", enterprise=zone.xq[0]
    )
    # Someone else saved meanwhile: the version the uploader saw (1) is stale.
    reporting.save_draft(first, actor=zone.reporter, values={"employees": 10}, channel="web")
    done = reporting.submit_many(
        [
            reporting.BulkSubmission(
                enterprise=zone.xq[0], values=_parsed(kj101_values()), expected_version=1
            ),
            reporting.BulkSubmission(
                enterprise=zone.xq[1], values=_parsed(kj101_values()), expected_version=None
            ),
        ],
        actor=zone.reviewer,
        plan=zone.plan,
        form_code="KJ101",
        period="2016",
        channel="excel",
        keep_valid=True,
    )
    assert [o.status for o in done] == ["refused", "submitted"]
    assert isinstance(done[0].error, reporting.VersionConflict)
    assert done[0].error.current_version == 2
    first.refresh_from_db()
    assert first.status == ReportStatus.DRAFT and first.values == {"employees": 10}
    # All or nothing: the conflict stops the whole submission.
    done = reporting.submit_many(
        [reporting.BulkSubmission(enterprise=zone.xq[0], values=_parsed(kj101_values()), expected_version=1)],
        actor=zone.reviewer,
        plan=zone.plan,
        form_code="KJ101",
        period="2016",
        channel="excel",
    )
    assert done[0].status == "refused" and first.version == 2


def test_a_race_met_while_writing_redoes_the_rows_one_by_one(zone, monkeypatch):
    def racing(rows, actor, channel):
        raise bulk_module._Race  # what a key claimed or a report opened meanwhile raises

    monkeypatch.setattr(bulk_module, "_write", racing)
    done = reporting.submit_many(
        [reporting.BulkSubmission(enterprise=e, values=_parsed(kj101_values())) for e in zone.xq],
        actor=zone.reviewer,
        plan=zone.plan,
        form_code="KJ101",
        period="2016",
        channel="excel",
    )
    assert [o.status for o in done] == ["submitted"] * 3
    assert set(Report.objects.values_list("status", "version")) == {(ReportStatus.SUBMITTED, 2)}
    assert AuditEntry.objects.filter(action="create").count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second connection racing needs PostgreSQL")
def test_a_report_opened_meanwhile_by_another_transaction_is_used_not_duplicated(zone, monkeypatch):
    original = bulk_module._write

    def racing(rows, actor, channel):
        # Another user opens one of the new reports (and commits) between our reads and writes.
        def other() -> None:
            from django.db import connections

            try:
                reporting.open_report(
                    actor=zone.reporter,
                    plan=zone.plan,
                    form_code="KJ101",
                    period="2016",
                    enterprise=zone.xq[0],
                )
            finally:
                connections.close_all()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        return original(rows, actor, channel)

    monkeypatch.setattr(bulk_module, "_write", racing)
    done = reporting.submit_many(
        [reporting.BulkSubmission(enterprise=e, values=_parsed(kj101_values())) for e in zone.xq],
        actor=zone.reviewer,
        plan=zone.plan,
        form_code="KJ101",
        period="2016",
        channel="excel",
    )
    assert [o.status for o in done] == ["submitted"] * 3
    assert Report.objects.count() == 3
    theirs = Report.objects.get(enterprise=zone.xq[0])
    # The report is the one the other user opened, submitted by us on top of it.
    assert AuditEntry.objects.get(report=theirs, action="create").actor_name == zone.reporter.username
    assert theirs.status == ReportStatus.SUBMITTED and theirs.version == 2
