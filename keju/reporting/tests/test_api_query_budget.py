"""The API's submission stays cheap: a budget of database queries per call, so the deadline
surge (benchmarks/deadline_surge.py) cannot quietly get slower."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from keju.reporting import services, testing
from keju.reporting.models import Report, ReportStatus
from keju.reporting.testing import YEAR, kj101_values

pytestmark = pytest.mark.django_db

shared_zone = testing.shared_zone
zone = testing.zone

BASE = "/api/reporting"


def post(client, zone, path: str, body: dict, key: str):
    return client.post(
        BASE + path,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {zone.tokens['reporter_a']}", "Idempotency-Key": key},
    )


def _history(zone) -> None:
    """Last year's approved report: the edit checks then have a context to read."""
    enterprise = zone.enterprises["a"]
    Report.objects.create(
        plan=zone.plan,
        form_code="KJ101",
        period=str(YEAR - 1),
        year=YEAR - 1,
        enterprise=enterprise,
        district=enterprise.current_placement.district,
        values=kj101_values(),
        status=ReportStatus.APPROVED,
        channel="web",
    )


# Counted inside the test's transaction, so the request's transaction shows as a SAVEPOINT and
# its RELEASE (2 of the budget), and the token's last use is written (once a minute in service).
#
# The SQL hot path (services/fastpath.py), for a reporter: token, its last use, the report
# locked with the caller's role, plan, period and key's record (two-step) or the caller's
# role with the placement, period, key's record and the report if any (one call; a report
# that exists is then locked), history and peers, then the writes — on PostgreSQL one
# statement (report, version, audit entries, key's record); elsewhere one per table.
FAST_WRITES = 1 if connection.vendor == "postgresql" else 4
FAST_SUBMIT_BUDGET = 6 + FAST_WRITES
FAST_ONE_CALL_BUDGET = 6 + FAST_WRITES  # a new report is inserted in its final state
# The ORM path (other callers, and every caller with KEJU_REPORTING_FAST_PATH = False).
# Two-step: token, its last use, roles, the report locked with its visibility check, period
# and idempotency record, history and peers, the report, its version, audit, the key.
SUBMIT_BUDGET = 11
# One call: token, its last use, roles (with their plans), placement, period, existing report,
# the new report and its creation audit (in a savepoint), then the key's record (the new row
# is not locked and read again), history and peers, the report, its version, audit, the key.
ONE_CALL_BUDGET = 18


@pytest.fixture(params=["fast", "orm"])
def path(request, settings, client, zone):
    settings.KEJU_REPORTING_FAST_PATH = request.param == "fast"

    # As in a server: the fast path's statements prepared on this database session (PostgreSQL)
    # by the calls of other reporters before.
    def call(name: str, path: str, body: dict) -> dict:
        headers = {"Authorization": f"Bearer {zone.tokens[name]}", "Idempotency-Key": "warm"}
        data = json.dumps(body)
        return client.post(BASE + path, data=data, content_type="application/json", headers=headers).json()

    opened = call("reporter_b", "/reports", {"form": "KJ101", "period": str(YEAR)})
    for _ in range(2):  # submitted, then replayed
        call("reporter_b", f"/reports/{opened['id']}/submit", {"version": 1, "values": kj101_values()})
    call("reporter_c", "/submissions", {"form": "KJ101", "period": str(YEAR), "values": kj101_values()})
    return request.param


def test_one_api_submission_to_an_open_report_costs_at_most_its_budget(
    client, zone, path, django_assert_max_num_queries
):
    _history(zone)
    services.forms_for(zone.plan)  # parsed forms are cached per process, as in a server
    report = zone.report("a")
    body = {"version": report.version, "values": kj101_values(), "explanations": {}}
    with django_assert_max_num_queries(FAST_SUBMIT_BUDGET if path == "fast" else SUBMIT_BUDGET):
        response = post(client, zone, f"/reports/{report.pk}/submit", body, "budget-1")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ReportStatus.SUBMITTED
    # The retry replays in fewer: the record comes with the row lock (fast path: and the
    # token's last use is not written again; the explanations shown are read).
    with django_assert_max_num_queries(5 if path == "fast" else SUBMIT_BUDGET - 5):
        again = post(client, zone, f"/reports/{report.pk}/submit", body, "budget-1")
    assert again.status_code == 200 and again.json()["version"] == response.json()["version"]


def test_one_call_submission_costs_at_most_its_budget(client, zone, path, django_assert_max_num_queries):
    _history(zone)
    services.forms_for(zone.plan)
    body = {"form": "KJ101", "period": str(YEAR), "values": kj101_values(), "explanations": {}}
    with django_assert_max_num_queries(FAST_ONE_CALL_BUDGET if path == "fast" else ONE_CALL_BUDGET):
        response = post(client, zone, "/submissions", body, "budget-2")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ReportStatus.SUBMITTED and response.json()["district"]["code"]


def test_a_refused_api_submission_writes_nothing_and_can_be_retried_after_a_fix(client, zone):
    report = zone.report("a")
    bad = {"version": report.version, "values": kj101_values(rd_personnel=10_000), "explanations": {}}
    refused = post(client, zone, f"/reports/{report.pk}/submit", bad, "fix-me")
    assert refused.status_code == 422 and refused.json()["code"] == "hard_errors"
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.version == 1
    good = {**bad, "values": kj101_values()}
    # The same key with the fixed form: the refused call left no record, so this one acts.
    accepted = post(client, zone, f"/reports/{report.pk}/submit", good, "fix-me")
    assert accepted.status_code == 200, accepted.content
    # Now the key is taken: other content under it is refused.
    other = post(
        client,
        zone,
        f"/reports/{report.pk}/submit",
        {**good, "values": kj101_values(employees=321)},
        "fix-me",
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_mismatch"
