"""CSV with BOM and neutralised formulas, JSON, and a Frictionless data package with schemas."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from keju.monitoring.models import EarlyWarning
from keju.publishing import opendata
from keju.publishing.models import Publication
from keju.publishing.services import create_draft, edition_of, publish, review
from keju.publishing.tests.conftest import Zone

pytestmark = pytest.mark.django_db
INJECTIONS = ('=HYPERLINK("http://evil","点我")', "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(1,2)")


@pytest.fixture
def published(zone: Zone, fast_render: Any) -> Publication:
    warning = EarlyWarning.objects.get(plan=zone.plan, code="progress_slow")
    for i, text in enumerate(INJECTIONS):
        EarlyWarning.objects.create(
            plan=zone.plan,
            run=zone.run,
            org_unit=warning.org_unit,
            code=f"x{i}",
            level="yellow",
            period="2019",
            message=text,
            detail={"title": text},
        )
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    review(pub, actor=zone.users["evaluator"])
    return publish(pub, actor=zone.users["office"])


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_neutralises_formulas_and_keeps_numbers_as_numbers(
    client: Client, published: Publication
) -> None:
    response = client.get(reverse("publishing:csv", args=[published.pk, "warnings"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _rows(response.content)
    messages = {r["message"] for r in rows}
    for text in INJECTIONS:
        assert "'" + text in messages and text not in messages
    assert all(not r["title"].startswith(("=", "+", "-", "@")) for r in rows)
    headline = _rows(client.get(reverse("publishing:csv", args=[published.pk, "headline"])).content)
    expected = published.snapshot["sections"]["headline"][0]["latest"]["value"]
    assert float(headline[0]["latest"]) == expected and headline[0]["name"] == "地区生产总值"


def test_unknown_or_empty_tables_are_404(client: Client, published: Publication) -> None:
    assert client.get(reverse("publishing:csv", args=[published.pk, "secret"])).status_code == 404
    # An annual report has no quarterly table.
    assert client.get(reverse("publishing:csv", args=[published.pk, "quarterly"])).status_code == 404


def test_datapackage_describes_every_csv_with_a_table_schema(client: Client, published: Publication) -> None:
    response = client.get(reverse("publishing:zip", args=[published.pk]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    package = json.loads(archive.read("datapackage.json"))
    assert package["profile"] == "tabular-data-package" and package["name"] == "mini-annual-2019"
    assert package["version"] == "迷你年报〔2019〕第1期"
    names = {r["name"] for r in package["resources"]}
    assert {"headline", "districts", "warnings", "index", "assessment"} <= names
    for resource in package["resources"]:
        rows = _rows(archive.read(resource["path"]))
        fields = [f["name"] for f in resource["schema"]["fields"]]
        assert rows and list(rows[0]) == fields
        for field in resource["schema"]["fields"]:
            if field["type"] in ("number", "integer"):
                for row in rows:
                    if row[field["name"]] != "":
                        (int if field["type"] == "integer" else float)(row[field["name"]])
    snapshot = json.loads(archive.read("snapshot.json"))
    assert "internal" not in snapshot and snapshot["edition"]["hash"] == published.snapshot_hash


def test_the_data_package_is_the_same_bytes_every_time(published: Publication) -> None:
    edition = edition_of(published)
    assert opendata.to_zip(published.snapshot, edition) == opendata.to_zip(published.snapshot, edition)


def test_json_download_is_the_public_snapshot(client: Client, published: Publication) -> None:
    body = json.loads(client.get(reverse("publishing:json", args=[published.pk])).content)
    assert "internal" not in body
    assert body["sections"]["headline"] == published.snapshot["sections"]["headline"]
