"""Concurrent retries and concurrent edits on PostgreSQL: one record, no lost update.

These run with real transactions and threads (one connection each); SQLite serialises
writers with IMMEDIATE transactions, so the race exists only on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from keju.reporting import services
from keju.reporting.models import AuditEntry, IdempotencyRecord, Report, ReportVersion
from keju.reporting.services import ReportingError
from keju.reporting.testing import YEAR, build_zone, kj101_values

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and index waits need PostgreSQL"),
]

THREADS = 8


def race(call: Callable[[int], Any]) -> list[Any]:
    """Run call(i) in THREADS threads released at once; results or exceptions, by thread."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            results[i] = call(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_retries_with_one_key_submit_once():
    zone = build_zone()
    report = zone.report("a")
    reporter = zone.user("reporter_a")
    results = race(
        lambda i: services.submit(
            Report.objects.get(pk=report.pk),
            actor=reporter,
            values=kj101_values(),
            channel="api",
            expected_version=1,
            idempotency_key="surge-1",
        )
    )
    assert all(isinstance(r, Report) for r in results), results
    assert {r.version for r in results} == {2}
    assert ReportVersion.objects.filter(report=report).count() == 1
    assert IdempotencyRecord.objects.filter(key="surge-1").count() == 1
    assert AuditEntry.objects.filter(report=report, action="submit").count() == 1


def test_concurrent_edits_of_one_version_let_exactly_one_through():
    zone = build_zone()
    report = zone.report("a")
    reporter = zone.user("reporter_a")
    results = race(
        lambda i: services.save_draft(
            Report.objects.get(pk=report.pk),
            actor=reporter,
            values={"employees": 100 + i},
            channel="api",
            expected_version=1,
        )
    )
    winners = [r for r in results if isinstance(r, Report)]
    conflicts = [r for r in results if isinstance(r, ReportingError) and r.code == "version_conflict"]
    assert len(winners) == 1 and len(conflicts) == THREADS - 1, results
    stored = Report.objects.get(pk=report.pk)
    assert stored.version == 2
    assert stored.values == winners[0].values
    assert AuditEntry.objects.filter(report=report, action="save").count() == 1


def test_concurrent_opens_make_one_report():
    zone = build_zone()
    results = race(
        lambda i: services.open_report(
            actor=zone.user("reporter_a"),
            plan=zone.plan,
            form_code="KJ101",
            period=str(YEAR),
            enterprise=zone.enterprises["a"],
        )
    )
    assert all(isinstance(r, Report) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Report.objects.count() == 1


def test_racing_api_submissions_with_one_key_store_one_submission(settings):
    """The API's SQL hot path (services/fastpath.py): the same one-call submission sent eight
    times at once — one report, one submission, one record; every answer the same."""
    import json

    from django.test import Client

    settings.KEJU_REPORTING_FAST_PATH = True
    zone = build_zone(tokens=True)
    base = "/api/reporting"
    headers = {"Authorization": f"Bearer {zone.tokens['reporter_a']}", "Idempotency-Key": "race-1"}
    body = json.dumps({"form": "KJ101", "period": str(YEAR), "values": kj101_values()})

    def submit(i: int) -> tuple[int, Any]:
        response = Client().post(
            base + "/submissions", body, content_type="application/json", headers=headers
        )
        return response.status_code, response.json()

    results = race(submit)
    assert all(status == 200 for status, _ in results), results
    assert {answer["version"] for _, answer in results} == {2}
    assert Report.objects.count() == 1
    assert ReportVersion.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="race-1").count() == 1
    assert AuditEntry.objects.filter(action="submit").count() == 1
    assert AuditEntry.objects.filter(action="create").count() == 1

    # Racing opens of another enterprise's report: one report, one creation entry.
    headers = {"Authorization": f"Bearer {zone.tokens['reporter_b']}"}
    opened = race(
        lambda i: (
            Client()
            .post(
                base + "/reports",
                json.dumps({"form": "KJ101", "period": str(YEAR)}),
                content_type="application/json",
                headers=headers,
            )
            .json()["id"]
        )
    )
    assert len(set(opened)) == 1, opened
    assert AuditEntry.objects.filter(action="create").count() == 2
