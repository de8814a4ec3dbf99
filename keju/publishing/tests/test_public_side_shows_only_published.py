"""Nothing unpublished or provisional reaches /open/ or the open data API — drafts, reviewed,
discarded and withdrawn editions, provisional figures and another zone's data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from ninja.testing import TestClient

from keju.publishing.api import router
from keju.publishing.models import Publication
from keju.publishing.opendata import TABLES
from keju.publishing.services import create_draft, publish, reject, review, withdraw
from keju.publishing.tests.conftest import (
    BG_2020,
    PROVISIONAL_2020,
    Zone,
    fill_results,
    load_other_plan,
    make_users,
)

pytestmark = pytest.mark.django_db
SECRET_VALUES = (str(PROVISIONAL_2020), str(BG_2020), "1,777.78", "444.44")


def _draft(zone: Zone, period: str) -> Publication:
    return create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period=period)


def _public_urls(pk: int) -> list[str]:
    names = ["publishing:edition", "publishing:pdf", "publishing:docx", "publishing:json", "publishing:zip"]
    return [reverse(n, args=[pk]) for n in names] + [
        reverse("publishing:csv", args=[pk, t.name]) for t in TABLES
    ]


def _everything_public(client: Client, pks: list[int]) -> str:
    """The text of every public page, download and API answer the anonymous user can reach."""
    parts = [client.get(reverse("publishing:archive")).content.decode()]
    for pk in pks:
        for url in _public_urls(pk):
            response = client.get(url)
            if response.status_code == 200:
                parts.append(response.content.decode("utf-8", errors="replace"))
    api = TestClient(router)
    parts.append(api.get("/editions").content.decode())
    for pk in pks:
        parts.append(api.get(f"/editions/{pk}").content.decode())
    return "\n".join(parts)


def test_empty_archive_explains_that_nothing_is_published(client: Client, zone: Zone) -> None:
    response = client.get(reverse("publishing:archive"))
    assert response.status_code == 200
    assert "尚未发布任何出版物" in response.content.decode()
    assert TestClient(router).get("/editions").json() == []


@pytest.mark.parametrize("state", ["draft", "reviewed", "discarded"])
def test_unpublished_editions_are_not_public(client: Client, zone: Zone, state: str) -> None:
    pub = _draft(zone, "2019")
    if state in ("reviewed", "discarded"):
        review(pub, actor=zone.users["evaluator"])
    if state == "discarded":
        reject(pub, actor=zone.users["evaluator"], reason="作废")
    for url in _public_urls(pub.pk):
        assert client.get(url).status_code == 404, url
    assert pub.title not in client.get(reverse("publishing:archive")).content.decode()
    api = TestClient(router)
    assert api.get("/editions").json() == []
    assert api.get(f"/editions/{pub.pk}").status_code == 404


def test_withdrawn_edition_is_listed_marked_but_its_data_are_gone(
    client: Client, zone: Zone, fast_render: Any
) -> None:
    pub = _draft(zone, "2019")
    review(pub, actor=zone.users["evaluator"])
    publish(pub, actor=zone.users["office"])
    assert client.get(reverse("publishing:pdf", args=[pub.pk])).status_code == 200
    withdraw(pub, actor=zone.users["office"], reason="<script>alert('x')</script>基期更正")
    archive = client.get(reverse("publishing:archive")).content.decode()
    assert "已撤回" in archive and "迷你年报〔2019〕第1期" in archive
    page = client.get(reverse("publishing:edition", args=[pub.pk])).content.decode()
    assert "本期已于" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    assert "主要指标进展" not in page
    for url in _public_urls(pub.pk)[1:]:
        assert client.get(url).status_code == 404, url
    assert TestClient(router).get(f"/editions/{pub.pk}").status_code == 404


def test_published_edition_serves_its_stored_files_and_data(
    client: Client, zone: Zone, fast_render: Any
) -> None:
    pub = _draft(zone, "2019")
    review(pub, actor=zone.users["evaluator"])
    pub = publish(pub, actor=zone.users["office"])
    pdf = client.get(reverse("publishing:pdf", args=[pub.pk]))
    assert pdf.status_code == 200 and pdf.content == bytes(pub.pdf)
    assert pdf["Content-Disposition"].startswith("attachment;")
    page = client.get(reverse("publishing:edition", args=[pub.pk])).content.decode()
    assert "地区生产总值" in page and pub.snapshot_hash in page
    listed = TestClient(router).get("/editions").json()
    assert [e["id"] for e in listed] == [pub.pk] and listed[0]["number"] == "迷你年报〔2019〕第1期"
    detail = TestClient(router).get(f"/editions/{pub.pk}").json()
    assert (
        detail["snapshot"]["sections"]["headline"][0]["latest"]["value"]
        == (pub.snapshot["sections"]["headline"][0]["latest"]["value"])
    )
    assert "internal" not in detail["snapshot"]


def test_provisional_figures_never_reach_the_public_side(
    client: Client, zone: Zone, fast_render: Any
) -> None:
    pub = _draft(zone, "2020")  # 2020: the zone and 白银高新区 are provisional
    assert pub.snapshot["internal"]["provisional"]
    review(pub, actor=zone.users["evaluator"])
    publish(pub, actor=zone.users["office"])
    text = _everything_public(client, [pub.pk])
    assert "地区生产总值" in text and "provisional" in text  # the state is said, the value is not
    for secret in SECRET_VALUES:
        assert secret not in text


def test_real_pdf_of_a_published_edition_has_no_provisional_value(zone: Zone) -> None:
    """With the real renderers: the stored PDF and DOCX of the 2020 edition hold no provisional value."""
    import subprocess

    from docx import Document

    pub = _draft(zone, "2020")
    review(pub, actor=zone.users["evaluator"])
    pub = publish(pub, actor=zone.users["office"])
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=bytes(pub.pdf), capture_output=True, check=True
    ).stdout
    pdf_text = text.decode()
    import io

    doc = Document(io.BytesIO(bytes(pub.docx)))
    docx_text = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    docx_text += "\n".join(p.text for p in doc.paragraphs)
    for body in (pdf_text, docx_text):
        assert "初步数暂不公布" in body and "内部附件" not in body
        for secret in SECRET_VALUES:
            assert secret not in body


def test_another_zones_data_never_mix(client: Client, zone: Zone, fast_render: Any, tmp_path: Any) -> None:
    other = load_other_plan(tmp_path)
    fill_results(other, scale=3.0)
    users = make_users(other)
    theirs = create_draft(actor=users["office"], plan=other, kind="annual", period="2019")
    ours = _draft(zone, "2019")
    review(ours, actor=zone.users["evaluator"])
    publish(ours, actor=zone.users["office"])
    their_value = theirs.snapshot["sections"]["headline"][0]["latest"]["value"]
    text = _everything_public(client, [ours.pk, theirs.pk])
    assert f"{their_value:,.2f}" not in text and str(their_value) not in text
    assert TestClient(router).get("/editions?plan=other").json() == []
    review(theirs, actor=users["evaluator"])
    publish(theirs, actor=users["office"])
    mine = TestClient(router).get("/editions?plan=mini").json()
    assert [e["id"] for e in mine] == [ours.pk]
    body = json.loads(client.get(reverse("publishing:json", args=[ours.pk])).content)
    assert body["meta"]["plan"] == "mini" and str(their_value) not in json.dumps(body)
