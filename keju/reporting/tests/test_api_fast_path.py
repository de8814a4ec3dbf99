"""The API's SQL hot path (services/fastpath.py) writes exactly what the ORM path writes.

Each scenario runs twice from the same zone: through the fast path (the ORM path's entry
points made to fail, unless a step is expected to fall back to it) and with
KEJU_REPORTING_FAST_PATH = False. The responses and every row written — reports, versions,
explanations, audit entries, idempotency records — must be the same (ids and times aside).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from keju.accounts.models import RoleAssignment
from keju.orgs.models import Enterprise
from keju.orgs.services import register_enterprise
from keju.planning.testing import make_credit_code
from keju.reporting import api as api_module
from keju.reporting import services, testing
from keju.reporting.models import (
    AuditEntry,
    Explanation,
    IdempotencyRecord,
    Report,
    ReportStatus,
    ReportVersion,
)
from keju.reporting.testing import YEAR, kj101_values

pytestmark = pytest.mark.django_db

shared_zone = testing.shared_zone
zone = testing.zone

BASE = "/api/reporting"
TIMES = {"submitted_at", "first_submitted_at", "reviewed_at", "at", "created_at"}
EXPLAINED = "数据已与企业年度财务报表核对,情况属实"


def _stable(value: Any, top: bool = True) -> Any:
    """A response without what differs between two runs: the report's id and times."""
    if isinstance(value, list):
        return [_stable(v, False) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        k: (
            "<id>"
            if top and k == "id"
            else ("<time>" if v is not None else None)
            if k in TIMES
            else _stable(v, False)
        )
        for k, v in value.items()
    }


class Api:
    """API calls of one run; each response is kept (made stable) for the comparison."""

    def __init__(self, client: Any, zone: testing.Zone, orm: dict[str, bool]) -> None:
        self.client, self.zone, self.orm = client, zone, orm
        self.responses: list[tuple[str, int, Any]] = []

    def __call__(
        self, who: str, method: str, path: str, body: Any = None, key: str | None = None, *, orm: bool = False
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.zone.tokens[who]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        always = self.orm["allowed"]
        self.orm["allowed"] = always or orm  # this step may (is expected to) take the ORM path
        try:
            response = self.client.generic(
                method, BASE + path, json.dumps(body or {}), content_type="application/json", headers=headers
            )
        finally:
            self.orm["allowed"] = always
        data = response.json()
        self.responses.append((f"{who} {method} {path.split('/')[1]}", response.status_code, _stable(data)))
        return response.status_code, data


def _state() -> dict[str, Any]:
    """Every row the reporting workflow writes, without ids and times."""

    def who(report_id: int | None) -> Any:
        if report_id is None:
            return None
        r = Report.objects.get(pk=report_id)
        return (r.form_code, r.period, r.enterprise_id, r.org_unit_id)

    return {
        "reports": sorted(
            (
                who(r.pk),
                r.plan_id,
                r.year,
                r.district_id,
                r.status,
                r.version,
                json.dumps(r.values, sort_keys=True),
                r.channel,
                r.submitted_at is not None,
                r.first_submitted_at is not None,
                r.reviewed_at is not None,
                r.created_at <= r.updated_at,
            )
            for r in Report.objects.all()
        ),
        "versions": sorted(
            (
                who(v.report_id),
                v.version,
                v.status,
                json.dumps(v.values, sort_keys=True),
                v.actor_id,
                v.actor_name,
                v.channel,
                v.action,
                v.note,
            )
            for v in ReportVersion.objects.all()
        ),
        "explanations": sorted(
            (
                who(e.report_id),
                e.version,
                e.check_code,
                json.dumps(e.fields),
                e.warning,
                e.text,
                e.author_id,
                e.author_name,
                e.status,
                e.reviewed_by_id,
                e.reviewed_at is not None,
                e.review_reason,
            )
            for e in Explanation.objects.all()
        ),
        # In the order written, per report.
        "audit": [
            (
                who(a.report_id),
                a.period_id,
                a.version,
                a.actor_id,
                a.actor_name,
                a.channel,
                a.action,
                a.field,
                json.dumps(a.old_value),
                json.dumps(a.new_value),
                a.note,
            )
            for a in AuditEntry.objects.order_by("report__enterprise_id", "report__period", "pk")
        ],
        "idempotency": sorted(
            (r.actor_id, r.key, r.operation, r.fingerprint, who(r.report_id), r.result_version)
            for r in IdempotencyRecord.objects.all()
        ),
    }


def _orm_entry(name: str, original: Callable[..., Any], orm: dict[str, bool]) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        assert orm["allowed"], f"the fast path run fell back to the ORM path ({name})"
        return original(*args, **kwargs)

    return guarded


def both_paths(client, zone, settings, monkeypatch, scenario: Callable[[Api], None]) -> list[Any]:
    """Run `scenario` through the fast path and through the ORM path from the same state;
    assert the same responses and rows; return the responses."""
    runs = {}
    for fast in (True, False):
        settings.KEJU_REPORTING_FAST_PATH = fast
        orm = {"allowed": not fast}
        with monkeypatch.context() as m, transaction.atomic():
            # The ORM path's entry points of the four endpoints (open, one-call, save, submit).
            for name in ("_open", "_locked_visible"):
                m.setattr(api_module, name, _orm_entry(name, getattr(api_module, name), orm))
            api = Api(client, zone, orm)
            scenario(api)
            runs[fast] = (api.responses, _state())
            transaction.set_rollback(True)
    fast_responses, fast_state = runs[True]
    orm_responses, orm_state = runs[False]
    assert fast_responses == orm_responses
    assert fast_state == orm_state
    return fast_responses


def _last_year(zone, name: str = "a", **values: Any) -> None:
    """An approved report of the year before: history for the edit checks."""
    enterprise = zone.enterprises[name]
    Report.objects.create(
        plan=zone.plan,
        form_code="KJ101",
        period=str(YEAR - 1),
        year=YEAR - 1,
        enterprise=enterprise,
        district=enterprise.current_placement.district,
        values=kj101_values(**values),
        status=ReportStatus.APPROVED,
        channel="web",
    )


def one_call(values: dict[str, Any], explanations: dict[str, str] | None = None, **extra: Any) -> dict:
    return {
        "form": "KJ101",
        "period": str(YEAR),
        "values": values,
        "explanations": explanations or {},
        **extra,
    }


# --- scenarios ----------------------------------------------------------------------------------


def test_a_clean_submission_and_its_retries(client, zone, settings, monkeypatch):
    _last_year(zone, revenue=17000.0)

    def scenario(api: Api) -> None:
        status, first = api("reporter_a", "POST", "/submissions", one_call(kj101_values()), "k-1")
        assert status == 200 and first["status"] == "submitted" and first["version"] == 2
        # A retry replays the first result; the same key with other figures is refused.
        assert api("reporter_a", "POST", "/submissions", one_call(kj101_values()), "k-1")[0] == 200
        other = one_call(kj101_values(employees=321))
        assert api("reporter_a", "POST", "/submissions", other, "k-1")[1]["code"] == "idempotency_mismatch"
        # The same figures again under a new key: now the report is submitted, so refused.
        assert api("reporter_a", "POST", "/submissions", one_call(kj101_values()), "k-2")[0] == 409
        api("reporter_a", "GET", f"/reports/{first['id']}/history")

    responses = both_paths(client, zone, settings, monkeypatch, scenario)
    assert [status for _, status, _ in responses] == [200, 200, 409, 409, 200]


def test_warnings_need_explanations(client, zone, settings, monkeypatch):
    _last_year(zone)
    # Net profit and taxes above revenue (KJ101-W05, W06), revenue far above last year's (W10).
    values = kj101_values(revenue=40000.0, net_profit=45000.0, taxes_paid=41000.0)

    def scenario(api: Api) -> None:
        status, body = api("reporter_a", "POST", "/submissions", one_call(values), "w-1")
        assert status == 422 and body["code"] == "unexplained_warnings"
        codes = [f["code"] for f in body["findings"]]
        assert {"KJ101-W05", "KJ101-W06"} <= set(codes) and any(c.startswith("KJ101-W10") for c in codes)
        short = dict.fromkeys(codes, "已核")
        assert api("reporter_a", "POST", "/submissions", one_call(values, short), "w-1")[0] == 422
        status, body = api(
            "reporter_a", "POST", "/submissions", one_call(values, dict.fromkeys(codes, EXPLAINED)), "w-1"
        )
        assert status == 200 and len(body["explanations"]) == len(codes)

    both_paths(client, zone, settings, monkeypatch, scenario)


def test_peers_and_history_of_the_industry(client, zone, settings, monkeypatch):
    """The edit checks see the same context: last year's figures and the approved reports of
    the industry division's peers this year (KJ101-W20 fires far from them)."""
    _last_year(zone, revenue=17000.0)
    for n in range(20, 32):
        peer = register_enterprise(
            zone.plan,
            name=f"同行企业{n}",
            credit_code=make_credit_code(n),
            industry_code="C2720" if n % 2 else "C2710",
            district_code="lzgxq",
            opened_on=date(2010, 1, 1),
            is_above_scale=True,
        )
        Report.objects.create(
            plan=zone.plan,
            form_code="KJ101",
            period=str(YEAR),
            year=YEAR,
            enterprise=peer,
            district=peer.current_placement.district,
            values=kj101_values(revenue=1800.0 + n, employees=30 + n),
            status=ReportStatus.APPROVED if n < 30 else ReportStatus.SUBMITTED,
            channel="web",
        )
    # Without an industry, no peers are read (only the history).
    Enterprise.objects.filter(pk=zone.enterprises["b"].pk).update(industry_code="")

    def scenario(api: Api) -> None:
        status, body = api("reporter_a", "POST", "/submissions", one_call(kj101_values()), "p-1")
        assert status == 422 and any(f["code"].startswith("KJ101-W20") for f in body["findings"]), body
        explained = {f["code"]: EXPLAINED for f in body["findings"]}
        assert api("reporter_a", "POST", "/submissions", one_call(kj101_values(), explained), "p-1")[0] == 200
        assert api("reporter_b", "POST", "/submissions", one_call(kj101_values()), "p-2")[0] == 200

    both_paths(client, zone, settings, monkeypatch, scenario)


def test_a_hard_error_writes_nothing(client, zone, settings, monkeypatch):
    def scenario(api: Api) -> None:
        before = _state()
        bad = one_call(kj101_values(rd_personnel=10_000))
        assert api("reporter_a", "POST", "/submissions", bad, "h-1")[1]["code"] == "hard_errors"
        text = one_call({**kj101_values(), "revenue": "一千二百万左右"})
        assert api("reporter_a", "POST", "/submissions", text, "h-1")[1]["code"] == "invalid_values"
        typed = one_call({**kj101_values(), "revenue": "18,234.5"})  # text as typed is parsed
        assert _state() == before
        # The refused calls left no record: the key works for the fixed figures.
        assert api("reporter_a", "POST", "/submissions", typed, "h-1")[0] == 200

    both_paths(client, zone, settings, monkeypatch, scenario)


def test_open_save_and_submit_with_version_conflicts(client, zone, settings, monkeypatch):
    def scenario(api: Api) -> None:
        status, opened = api("reporter_a", "POST", "/reports", {"form": "KJ101", "period": str(YEAR)})
        assert status == 200 and opened["version"] == 1
        rid = opened["id"]
        assert api("reporter_a", "POST", "/reports", {"form": "KJ101", "period": str(YEAR)})[1]["id"] == rid
        save = {"version": 1, "values": {"employees": 300, "revenue": "1.2万"}}
        assert api("reporter_a", "PUT", f"/reports/{rid}", save, "s-1")[1]["version"] == 2
        assert api("reporter_a", "PUT", f"/reports/{rid}", save, "s-1")[1]["version"] == 2  # replayed
        # Someone read version 1 and saves: refused (409), nothing overwritten.
        stale = {"version": 1, "values": {"employees": 299}}
        status, body = api("reporter_a", "PUT", f"/reports/{rid}", stale, "s-2")
        assert status == 409 and body["code"] == "version_conflict" and body["current_version"] == 2
        assert (
            api("reporter_a", "PUT", f"/reports/{rid}", {"version": 2, "values": {"employees": 300}})[0]
            == 200
        )
        bad_key = {"version": 2, "values": {}}
        assert (
            api("reporter_a", "PUT", f"/reports/{rid}", bad_key, " ")[1]["code"] == "invalid_idempotency_key"
        )
        submit = {"version": 1, "values": kj101_values(), "explanations": {}}
        assert (
            api("reporter_a", "POST", f"/reports/{rid}/submit", submit, "u-1")[1]["code"]
            == "version_conflict"
        )
        status, body = api("reporter_a", "POST", f"/reports/{rid}/submit", {**submit, "version": 2}, "u-1")
        assert status == 200 and body["version"] == 3
        assert api("reporter_a", "POST", f"/reports/{rid}/submit", {**submit, "version": 2}, "u-1")[0] == 200
        assert (
            api("reporter_a", "POST", f"/reports/{rid}/submit", submit, "u-2")[1]["code"] == "invalid_state"
        )
        assert api("reporter_a", "PUT", f"/reports/{rid}", save, "s-3")[1]["code"] == "invalid_state"
        assert (
            api("reporter_a", "POST", "/reports", {"form": "KJ101", "period": str(YEAR)})[1]["version"] == 3
        )
        api("reporter_a", "GET", f"/reports/{rid}/history")

    both_paths(client, zone, settings, monkeypatch, scenario)


def test_a_returned_report_is_resubmitted_with_its_explanations(client, zone, settings, monkeypatch):
    values = kj101_values(net_profit=20000.0, taxes_paid=19000.0)  # W05 and W06
    explained = {"KJ101-W05": EXPLAINED, "KJ101-W06": "税费含以前年度欠缴部分,已核实"}

    def scenario(api: Api) -> None:
        status, body = api("reporter_a", "POST", "/submissions", one_call(values, explained), "r-1")
        assert status == 200, body
        report = Report.objects.get(pk=body["id"])
        services.return_report(
            report,
            actor=zone.user("reviewer_lzgxq"),
            reason="净利润说明不充分",
            rejected_explanations=["KJ101-W05"],
            channel="web",
        )
        submit = {"version": 3, "values": {}, "explanations": explained}
        path = f"/reports/{report.pk}/submit"
        # The rejected explanation must be rewritten; the accepted one carries over.
        assert api("reporter_a", "POST", path, submit, "r-2")[1]["code"] == "unexplained_warnings"
        assert api("reporter_a", "POST", path, {**submit, "explanations": {}}, "r-2")[0] == 422
        rewritten = {**submit, "explanations": {"KJ101-W05": "净利润含处置子公司的投资收益,已附说明"}}
        status, body = api("reporter_a", "POST", path, rewritten, "r-2")
        assert status == 200 and {e["check_code"] for e in body["explanations"]} == set(explained)
        assert api("reporter_a", "POST", path, rewritten, "r-2")[0] == 200  # replayed
        api("reporter_a", "GET", f"/reports/{report.pk}")

    both_paths(client, zone, settings, monkeypatch, scenario)


def test_someone_elses_report_is_not_found(client, zone, settings, monkeypatch):
    def scenario(api: Api) -> None:
        rid = api("reporter_a", "POST", "/reports", {"form": "KJ101", "period": str(YEAR)})[1]["id"]
        submit = {"version": 1, "values": kj101_values(), "explanations": {}}
        assert api("reporter_b", "POST", f"/reports/{rid}/submit", submit, "x-1")[1]["code"] == "not_found"
        assert (
            api("reporter_b", "PUT", f"/reports/{rid}", {"version": 1, "values": {}})[1]["code"]
            == "not_found"
        )
        assert api("reporter_b", "POST", "/reports/999999/submit", submit)[1]["code"] == "not_found"
        # Naming another enterprise: the ORM path answers (404 in its words).
        other = one_call(kj101_values(), enterprise_id=zone.enterprises["a"].pk)
        assert api("reporter_b", "POST", "/submissions", other, "x-2", orm=True)[1]["code"] == "not_found"
        own = one_call(kj101_values(), enterprise_id=zone.enterprises["b"].pk)
        assert api("reporter_b", "POST", "/submissions", own, "x-3")[0] == 200

    both_paths(client, zone, settings, monkeypatch, scenario)


def test_refusals_of_opening(client, zone, settings, monkeypatch):
    def scenario(api: Api) -> None:
        closed = {**one_call(kj101_values()), "period": str(YEAR - 1)}
        assert api("reporter_a", "POST", "/submissions", closed, "c-1")[1]["code"] == "period_closed"
        not_opened = {**one_call(kj101_values()), "period": str(YEAR + 1)}
        assert api("reporter_a", "POST", "/reports", not_opened)[1]["code"] == "period_closed"
        assert (
            api("reporter_a", "POST", "/submissions", {**closed, "period": "20X6"})[1]["code"]
            == "invalid_period"
        )
        quarter = {**one_call(kj101_values()), "period": f"{YEAR}Q2"}
        assert api("reporter_a", "POST", "/submissions", quarter)[1]["code"] == "invalid_period"
        assert (
            api("reporter_a", "POST", "/submissions", {**closed, "form": "KJ999"})[1]["code"]
            == "unknown_form"
        )
        # A district's form: the ORM path tells the reporter it needs a respondent.
        district = {"form": "KJ201", "period": str(YEAR), "values": {}}
        assert (
            api("reporter_a", "POST", "/submissions", district, orm=True)[1]["code"] == "respondent_required"
        )
        # A quarterly form opens with the quarter's placement and period.
        assert api("reporter_a", "POST", "/reports", {"form": "KJ102", "period": f"{YEAR}Q2"})[0] == 200

    both_paths(client, zone, settings, monkeypatch, scenario)


# --- who takes which path ------------------------------------------------------------------------


def test_callers_other_than_a_plain_reporter_take_the_orm_path(client, zone, settings, monkeypatch):
    settings.KEJU_REPORTING_FAST_PATH = True
    entered: list[str] = []
    original = api_module._locked_visible

    def spy(request, report_id, key):
        entered.append(request.user.username)
        return original(request, report_id, key)

    monkeypatch.setattr(api_module, "_locked_visible", spy)
    api = Api(client, zone, {"allowed": True})
    rid = api("reporter_a", "POST", "/reports", {"form": "KJ101", "period": str(YEAR)})[1]["id"]
    save = {"version": 1, "values": {"employees": 300}}
    assert api("reporter_a", "PUT", f"/reports/{rid}", save)[0] == 200
    assert entered == []
    # The office may fill any report of the zone, a reviewer those of its district's enterprises
    # (access.may_fill): both through the ORM path.
    assert api("office", "PUT", f"/reports/{rid}", {"version": 2, "values": {"employees": 301}})[0] == 200
    assert (
        api("reviewer_lzgxq", "PUT", f"/reports/{rid}", {"version": 3, "values": {"employees": 302}})[0]
        == 200
    )
    assert api("reviewer_bygxq", "PUT", f"/reports/{rid}", {"version": 4, "values": {}})[0] == 404
    assert entered == ["office", "reviewer_lzgxq", "reviewer_bygxq"]


def test_a_revoked_role_takes_effect_at_the_next_request(client, zone, settings):
    settings.KEJU_REPORTING_FAST_PATH = True
    api = Api(client, zone, {"allowed": True})
    rid = api("reporter_a", "POST", "/reports", {"form": "KJ101", "period": str(YEAR)})[1]["id"]
    assert api("reporter_a", "PUT", f"/reports/{rid}", {"version": 1, "values": {"employees": 1}})[0] == 200
    RoleAssignment.objects.filter(user=zone.user("reporter_a")).delete()
    assert api("reporter_a", "PUT", f"/reports/{rid}", {"version": 2, "values": {"employees": 2}})[0] == 404
    status, body = api("reporter_a", "POST", "/submissions", one_call(kj101_values()))
    assert status == 403 and body["code"] == "not_allowed"
    assert Report.objects.get(pk=rid).values == {"employees": 1}
