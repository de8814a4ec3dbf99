"""The committed OpenAPI schema (docs/openapi.json) matches the API: the CI diff."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from keju.reporting.management.commands.openapi import SCHEMA_PATH, schema_text


def test_committed_openapi_schema_is_current():
    committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    assert committed == schema_text(), (
        f"{SCHEMA_PATH} is out of date with the API. Regenerate it with "
        "`env -u DATABASE_URL .venv/bin/keju openapi --write` and commit the result."
    )


def test_openapi_command_prints_the_schema():
    out = StringIO()
    call_command("openapi", stdout=out)
    schema = json.loads(out.getvalue())
    assert "/api/reporting/reports/{report_id}/submit" in schema["paths"]
    submit = schema["paths"]["/api/reporting/reports/{report_id}/submit"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in submit["parameters"])
    assert {"401", "403", "404", "409", "422"} <= set(submit["responses"])
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
