"""The JSON API: token auth, the reporting round trip, errors in one Chinese JSON shape."""

from __future__ import annotations

import json

import pytest

from keju.accounts.models import ApiToken
from keju.accounts.tokens import issue_token, revoke_token
from keju.reporting import testing
from keju.reporting.models import AuditEntry, Report, ReportStatus
from keju.reporting.testing import YEAR, kj101_values

pytestmark = pytest.mark.django_db

# The zone fixtures (one zone per module, a savepoint per test).
shared_zone = testing.shared_zone
zone = testing.zone

BASE = "/api/reporting"


class Api:
    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body=None, **headers):
        kwargs = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(BASE + path, **kwargs)


@pytest.fixture
def as_user(client, zone):
    return lambda name: Api(client, zone.tokens[name] if name else None)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["findings"], list)
    for f in body["findings"]:
        assert set(f) >= {"field", "fields", "code", "severity", "message"}
    return body


def test_requests_without_a_valid_token_are_refused_in_chinese(as_user, zone, client):
    body = assert_error(as_user(None).call("get", "/forms"), 401, "not_authenticated")
    assert "令牌" in body["message"]
    assert_error(Api(client, "kj_not-a-real-token").call("get", "/forms"), 401, "not_authenticated")
    record, token = issue_token(zone.user("reporter_a"), "短期")
    assert Api(client, token).call("get", "/forms").status_code == 200
    revoke_token(record)
    assert_error(Api(client, token).call("get", "/forms"), 401, "not_authenticated")
    assert ApiToken.objects.get(pk=record.pk).last_used_at is not None


def test_forms_and_their_definitions(as_user):
    api = as_user("reporter_a")
    forms = api.call("get", "/forms").json()
    assert {f["code"] for f in forms} == {"KJ101", "KJ102", "KJ201"}
    detail = api.call("get", "/forms/KJ101").json()
    revenue = next(f for f in detail["fields"] if f["code"] == "revenue")
    assert (revenue["label"], revenue["unit"], revenue["type"]) == ("营业收入", "万元", "decimal")
    assert any(c["code"] == "KJ101-E01" and c["severity"] == "error" for c in detail["checks"])
    assert detail["deadline_days"] == 90
    assert_error(api.call("get", "/forms/KJ999"), 404, "not_found")
    periods = api.call("get", "/periods?form=KJ101").json()
    assert [(p["period"], p["is_open"]) for p in periods] == [(str(YEAR - 1), False), (str(YEAR), True)]


def test_the_reporting_round_trip(as_user, zone):
    reporter, reviewer = as_user("reporter_a"), as_user("reviewer_lzgxq")
    opened = reporter.call("post", "/reports", {"form": "KJ101", "period": str(YEAR)})
    assert opened.status_code == 200, opened.content
    report = opened.json()
    assert (report["status"], report["version"], report["respondent"]["name"]) == (
        "draft",
        1,
        "兰州甲材料有限公司",
    )
    rid = report["id"]
    # Text typed by a person is parsed: thousands separators, full-width digits.
    saved = reporter.call(
        "put", f"/reports/{rid}", {"version": 1, "values": {"revenue": "18,234.5", "employees": "３２０"}}
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["values"] == {"revenue": 18234.5, "employees": 320}
    bad = assert_error(
        reporter.call("put", f"/reports/{rid}", {"version": 2, "values": {"revenue": "=SUM(A1:A3)"}}),
        422,
        "invalid_values",
    )
    assert bad["findings"][0]["field"] == "revenue"
    conflict = assert_error(
        reporter.call("put", f"/reports/{rid}", {"version": 1, "values": {"employees": 1}}),
        409,
        "version_conflict",
    )
    assert conflict["current_version"] == 2
    check = reporter.call(
        "post", f"/reports/{rid}/check", {"values": kj101_values(net_profit=20000.5, rd_personnel=400)}
    ).json()
    assert check["ok"] is False
    assert [e["code"] for e in check["errors"]] == ["KJ101-E01"]
    assert [w["code"] for w in check["warnings"]] == ["KJ101-W05"]
    hard = assert_error(
        reporter.call(
            "post", f"/reports/{rid}/submit", {"version": 2, "values": kj101_values(rd_personnel=400)}
        ),
        422,
        "hard_errors",
    )
    assert hard["findings"][0]["code"] == "KJ101-E01" and hard["findings"][0]["severity"] == "error"
    values = kj101_values(net_profit=20000.5)
    unexplained = assert_error(
        reporter.call("post", f"/reports/{rid}/submit", {"version": 2, "values": values}),
        422,
        "unexplained_warnings",
    )
    assert [f["code"] for f in unexplained["findings"]] == ["KJ101-W05"]
    done = reporter.call(
        "post",
        f"/reports/{rid}/submit",
        {"version": 2, "values": values, "explanations": {"KJ101-W05": "出售子公司股权取得投资收益"}},
        **{"Idempotency-Key": "submit-1"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted"
    assert done.json()["explanations"][0]["text"] == "出售子公司股权取得投资收益"
    queue = reviewer.call("get", "/review-queue").json()
    assert [(r["id"], r["warning_count"]) for r in queue] == [(rid, 1)]
    assert as_user("reviewer_bygxq").call("get", "/review-queue").json() == []
    blank = assert_error(
        reviewer.call("post", f"/reports/{rid}/return", {"reason": " "}), 422, "reason_required"
    )
    assert "原因" in blank["message"]
    assert_error(reviewer.call("post", f"/reports/{rid}/return", {}), 422, "invalid_request")
    returned = reviewer.call(
        "post",
        f"/reports/{rid}/return",
        {"reason": "请附投资收益说明", "rejected_explanations": ["KJ101-W05"]},
    )
    assert returned.json()["status"] == "returned"
    assert returned.json()["last_review"]["reason"] == "请附投资收益说明"
    version = returned.json()["version"]
    resubmitted = reporter.call(
        "post",
        f"/reports/{rid}/submit",
        {"version": version, "explanations": {"KJ101-W05": "投资收益1.8亿元,见审计报告附注12"}},
    )
    assert resubmitted.status_code == 200, resubmitted.content
    assert_error(as_user("evaluator").call("post", f"/reports/{rid}/approve", {}), 403, "not_allowed")
    approved = reviewer.call("post", f"/reports/{rid}/approve", {"note": "已核实"})
    assert approved.json()["status"] == "approved"
    history = reporter.call("get", f"/reports/{rid}/history").json()
    assert [v["status"] for v in history["versions"]] == ["submitted", "returned", "submitted", "approved"]
    assert {"create", "save", "submit", "explain", "return", "reject_expl", "approve"} <= {
        a["action"] for a in history["audit"]
    }
    revised = reporter.call(
        "post", f"/reports/{rid}/revision", {"reason": "更正从业人员", "values": {"employees": 330}}
    )
    assert revised.json()["status"] == "submitted"
    assert Report.objects.get(pk=rid).values["employees"] == 330


def test_retried_save_with_the_same_idempotency_key_is_stored_once(as_user, zone):
    reporter = as_user("reporter_a")
    rid = reporter.call("post", "/reports", {"form": "KJ101", "period": str(YEAR)}).json()["id"]
    body = {"version": 1, "values": {"employees": 320}}
    first = reporter.call("put", f"/reports/{rid}", body, **{"Idempotency-Key": "put-1"})
    entries = AuditEntry.objects.count()
    second = reporter.call("put", f"/reports/{rid}", body, **{"Idempotency-Key": "put-1"})
    assert first.status_code == second.status_code == 200
    assert first.json()["version"] == second.json()["version"] == 2
    assert AuditEntry.objects.count() == entries
    other = reporter.call(
        "put", f"/reports/{rid}", {"version": 1, "values": {"employees": 1}}, **{"Idempotency-Key": "put-1"}
    )
    assert_error(other, 409, "idempotency_mismatch")


def test_other_peoples_reports_are_not_found(as_user, zone):
    rid = as_user("reporter_a").call("post", "/reports", {"form": "KJ101", "period": str(YEAR)}).json()["id"]
    for name in ("reporter_b", "reviewer_bygxq", "nobody"):
        assert_error(as_user(name).call("get", f"/reports/{rid}"), 404, "not_found")
    assert as_user("evaluator").call("get", f"/reports/{rid}").status_code == 200
    listed = as_user("reporter_b").call("get", "/reports").json()
    assert listed == {"count": 0, "items": []}
    assert as_user("reporter_a").call("get", "/reports").json()["count"] == 1
    # Opening another enterprise's report: that enterprise is not visible to the caller.
    other = as_user("reporter_b").call(
        "post", "/reports", {"form": "KJ101", "period": str(YEAR), "enterprise_id": zone.enterprises["a"].pk}
    )
    assert_error(other, 404, "not_found")
    closed = as_user("reporter_a").call("post", "/reports", {"form": "KJ101", "period": str(YEAR - 1)})
    assert_error(closed, 409, "period_closed")


def test_completeness_and_overdue_for_reviewers_only(as_user, zone):
    rows = as_user("reviewer_lzgxq").call("get", f"/completeness?form=KJ101&period={YEAR}").json()
    assert [(r["district"], r["expected"], r["reported"]) for r in rows] == [("兰州高新区", 2, 0)]
    zone_rows = as_user("office").call("get", f"/completeness?form=KJ101&period={YEAR}").json()
    assert len(zone_rows) == 4
    assert as_user("reporter_a").call("get", "/completeness").json() == []
    overdue = as_user("office").call("get", "/overdue").json()
    # Every open period of the test zone (2020) is long past its due date.
    assert {(r["form_code"], r["respondent"]) for r in overdue} >= {("KJ101", "兰州甲材料有限公司")}
    assert as_user("reporter_a").call("get", "/overdue").json() == []


def test_malformed_json_is_a_chinese_422(as_user, zone, client):
    response = client.post(
        BASE + "/reports",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {zone.tokens['reporter_a']}"},
    )
    body = assert_error(response, 400, "invalid_request")
    assert "JSON" in body["message"]


def test_status_labels_are_chinese(as_user, zone):
    report = zone.report("a")
    body = as_user("reporter_a").call("get", f"/reports/{report.pk}").json()
    assert body["status_label"] == str(ReportStatus.DRAFT.label) == "草稿"


def test_one_call_submission_is_idempotent_and_leaves_nothing_when_refused(as_user, zone):
    reporter = as_user("reporter_a")
    body = {"form": "KJ101", "period": str(YEAR), "values": kj101_values(rd_personnel=400)}
    assert_error(
        reporter.call("post", "/submissions", body, **{"Idempotency-Key": "s-1"}), 422, "hard_errors"
    )
    assert not Report.objects.filter(enterprise=zone.enterprises["a"], period=str(YEAR)).exists()
    body["values"] = kj101_values()
    first = reporter.call("post", "/submissions", body, **{"Idempotency-Key": "s-1"})
    again = reporter.call("post", "/submissions", body, **{"Idempotency-Key": "s-1"})
    assert first.status_code == again.status_code == 200, first.content
    assert first.json()["status"] == "submitted"
    assert first.json()["version"] == again.json()["version"]
    assert Report.objects.filter(enterprise=zone.enterprises["a"], period=str(YEAR)).count() == 1
    assert AuditEntry.objects.filter(action="submit").count() == 1
    other = as_user("reporter_b").call(
        "post",
        "/submissions",
        {**body, "enterprise_id": zone.enterprises["a"].pk},
        **{"Idempotency-Key": "s-2"},
    )
    assert_error(other, 404, "not_found")
