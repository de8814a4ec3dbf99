"""Access as a matrix: every API operation and every URL of the `reporting` namespace × every
role × someone else's object (the report of enterprise 甲 in 兰州高新区).

Operations and URLs are enumerated from the OpenAPI schema and the URL resolver, so views
added later are covered without touching this file. A URL whose parameter this file cannot
fill makes the test fail with the parameter's name: extend PATH_VALUES then.

Expectations:
- outsiders — anonymous, a user without a role, another enterprise's reporter, another
  district's reviewer — are refused everything (401/302 to login/403/404), never see the
  object in any list or page, and change nothing;
- read-only roles — working group, evaluator — may read, and every write is refused with
  nothing changed;
- the respondent, its district's reviewer and the office may read it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from keju.api import api
from keju.reporting import services, testing
from keju.reporting.models import (
    AuditEntry,
    Explanation,
    IdempotencyRecord,
    Report,
    ReportVersion,
    ReviewAction,
    RevisionRequest,
)
from keju.reporting.testing import YEAR, kj101_values

pytestmark = pytest.mark.django_db

shared_zone = testing.shared_zone
zone = testing.zone

VICTIM_NAME = "兰州甲材料有限公司"
OUTSIDERS = ["anonymous", "nobody", "reporter_b", "reviewer_bygxq"]
READ_ONLY = ["wg", "evaluator"]
READERS = ["reporter_a", "reviewer_lzgxq", "office"]
WARNING_CODE = "KJ101-W05"


@pytest.fixture
def victim(zone) -> Report:
    """Enterprise 甲's report, submitted with one explained warning (every action applies)."""
    report = zone.report("a")
    return services.submit(
        report,
        actor=zone.user("reporter_a"),
        values=kj101_values(net_profit=20000.5),
        explanations={WARNING_CODE: "出售子公司股权取得投资收益"},
        channel="web",
    )


def victim_state(victim: Report) -> tuple:
    ids = list(Report.objects.filter(enterprise_id=victim.enterprise_id).values_list("id", flat=True))
    return (
        list(
            Report.objects.filter(pk__in=ids).order_by("id").values_list("id", "status", "version", "values")
        ),
        AuditEntry.objects.filter(report_id__in=ids).count(),
        ReportVersion.objects.filter(report_id__in=ids).count(),
        list(
            Explanation.objects.filter(report_id__in=ids).order_by("id").values_list("id", "status", "text")
        ),
        ReviewAction.objects.filter(report_id__in=ids).count(),
        RevisionRequest.objects.filter(report_id__in=ids).count(),
        IdempotencyRecord.objects.filter(report_id__in=ids).count(),
    )


def leaks(content: bytes, zone) -> bool:
    text = content.decode("utf-8", errors="replace")
    return VICTIM_NAME in text or zone.enterprises["a"].credit_code in text


# --- the API -------------------------------------------------------------------------------------

API_PATH_VALUES = {"report_id": "victim", "code": "KJ101"}


# The open-data API (/api/open/) is public by design and serves published editions only;
# keju/publishing/tests/test_public_side_shows_only_published.py checks it for every kind of
# unpublished data. Everything else in the API is under this matrix.
PUBLIC_API_PREFIXES = ("/api/open/",)


def api_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method != "parameters" and not path.startswith(PUBLIC_API_PREFIXES)
    ]


def api_body(zone, victim: Report) -> dict[str, Any]:
    """One body that satisfies every operation's schema (extra keys are ignored)."""
    return {
        "version": victim.version,
        "values": {"employees": 999},
        "explanations": {WARNING_CODE: "另一种说明文字"},
        "reason": "越权测试",
        "note": "越权测试",
        "rejected_explanations": [WARNING_CODE],
        "form": "KJ101",
        "period": str(YEAR),
        "enterprise_id": zone.enterprises["a"].pk,
    }


def api_url(path: str, victim: Report) -> str:
    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name not in API_PATH_VALUES:
            raise AssertionError(f"the access matrix cannot fill API path parameter {name!r} of {path}")
        value = API_PATH_VALUES[name]
        return str(victim.pk) if value == "victim" else value

    return re.sub(r"\{(\w+)\}", fill, path) + f"?form=KJ101&period={YEAR}"


def api_call(client, zone, role: str, method: str, url: str, body: dict[str, Any]):
    headers = {} if role == "anonymous" else {"Authorization": f"Bearer {zone.tokens[role]}"}
    if method == "GET":
        return client.get(url, headers=headers)
    return getattr(client, method.lower())(
        url,
        data=json.dumps(body),
        content_type="application/json",
        headers={**headers, "Idempotency-Key": f"m-{role}"},
    )


def is_read(method: str, path: str) -> bool:
    # A dry-run check changes nothing: it is a read.
    return method == "GET" or path.endswith("/check")


def test_api_operations_are_enumerated():
    ops = api_operations()
    assert ("PUT", "/api/reporting/reports/{report_id}") in ops
    assert ("POST", "/api/reporting/reports/{report_id}/approve") in ops
    assert len(ops) >= 15


@pytest.mark.parametrize("role", OUTSIDERS + READ_ONLY + READERS)
def test_api_matrix(client, zone, victim, role):
    problems: list[str] = []
    body = api_body(zone, victim)
    for method, path in api_operations():
        url = api_url(path, victim)
        if role in READERS and not is_read(method, path):
            continue  # their writes are the workflow's tests
        before = victim_state(victim)
        response = api_call(client, zone, role, method, url, body)
        status = response.status_code
        where = f"{role} {method} {path} → {status}"
        if victim_state(victim) != before:
            problems.append(f"{where}: changed the victim's data")
        if status >= 500:
            problems.append(f"{where}: server error")
        if status >= 400 and response.get("Content-Type", "").startswith("application/json"):
            error = response.json()
            if not {"code", "message", "findings"} <= set(error):
                problems.append(f"{where}: error body {error} lacks code/message/findings")
        object_path = "{report_id}" in path
        if role in OUTSIDERS:
            expected = {401} if role == "anonymous" else {403, 404}
            if object_path and status not in expected:
                problems.append(f"{where}: expected {sorted(expected)}")
            if not object_path and status < 400 and leaks(response.content, zone):
                problems.append(f"{where}: shows the victim in a list")
            if not object_path and role == "anonymous" and status != 401:
                problems.append(f"{where}: expected 401")
        elif role in READ_ONLY:
            if is_read(method, path):
                if object_path and status != 200:
                    problems.append(f"{where}: a read-only role may read the report")
            elif status not in (403, 404):
                problems.append(f"{where}: a write by a read-only role must be refused")
        elif object_path and status != 200:
            problems.append(f"{where}: may read its report")
    assert not problems, "\n".join(problems)


# --- the web pages of the `reporting` namespace ----------------------------------------------------

WEB_PATH_VALUES = {"pk": "victim", "code": WARNING_CODE, "token": "0" * 32, "kind": "errors"}


def reporting_urls() -> list[tuple[str, str, list[str]]]:
    """(name, route, parameter names) of every URL in the `reporting` namespace, nested includes too."""
    resolver = get_resolver()
    found: list[tuple[str, str, list[str]]] = []

    def walk(patterns: list, prefix: str, inside: bool) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                here = inside or p.namespace == "reporting"
                walk(p.url_patterns, prefix + str(p.pattern), here)
            elif isinstance(p, URLPattern) and inside:
                route = prefix + str(p.pattern)
                found.append((p.name or route, route, re.findall(r"<(?:\w+:)?(\w+)>", route)))

    walk(resolver.url_patterns, "/", False)
    return found


def web_url(route: str, victim: Report) -> str:
    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name not in WEB_PATH_VALUES:
            raise AssertionError(f"the access matrix cannot fill URL parameter {name!r} of {route}")
        value = WEB_PATH_VALUES[name]
        return str(victim.pk) if value == "victim" else value

    path = re.sub(r"<(?:\w+:)?(\w+)>", fill, route).replace("^", "").replace("$", "")
    return f"{path}?form=KJ101&period={YEAR}&enterprise={victim.enterprise_id}&report={victim.pk}"


def web_post_data(zone, victim: Report) -> dict[str, Any]:
    data = {
        "version": victim.version,
        "reason": "越权测试",
        "note": "越权测试",
        "rejected": WARNING_CODE,
        "form": "KJ101",
        "period": str(YEAR),
        "enterprise": zone.enterprises["a"].pk,
        "report": victim.pk,
        "action": "submit",
        f"explain_{WARNING_CODE}": "另一种说明文字",
    }
    for f in services.form_for(zone.plan, "KJ101").fields:
        data[f"v_{f.code}"] = "1"
    return data


def test_reporting_urls_are_enumerated():
    names = {name for name, _, _ in reporting_urls()}
    assert names, "no URL found in the reporting namespace"


@pytest.mark.parametrize("role", OUTSIDERS + READ_ONLY + READERS)
def test_web_matrix(client, zone, victim, role):
    if role != "anonymous":
        client.force_login(zone.user(role))
    problems: list[str] = []
    data = web_post_data(zone, victim)
    for name, route, params in reporting_urls():
        url = web_url(route, victim)
        object_url = "pk" in params
        for method in ("get", "post"):
            if role in READERS and method == "post":
                continue
            before = victim_state(victim)
            response = client.get(url) if method == "get" else client.post(url, data)
            status = response.status_code
            where = f"{role} {method.upper()} {name} ({url.split('?')[0]}) → {status}"
            if victim_state(victim) != before:
                problems.append(f"{where}: changed the victim's data")
            if status >= 500:
                problems.append(f"{where}: server error")
            if role == "anonymous":
                if status not in (302, 401, 403, 404, 405) or (
                    status == 302 and "login" not in response["Location"]
                ):
                    problems.append(f"{where}: anonymous users must be sent to the login page or refused")
            elif role in OUTSIDERS:
                if object_url and status not in (403, 404, 405):
                    problems.append(f"{where}: expected 403/404")
                if status == 200 and leaks(response.content, zone):
                    problems.append(f"{where}: shows the victim")
            elif role in READERS and object_url and name in {"report", "detail"} and status != 200:
                problems.append(f"{where}: may read its report")
    assert not problems, "\n".join(problems)
