"""The annual report of the demo zone: all ten 专栏1 indicators, in the PDF and the DOCX, equal to the snapshot.

The demo (a few hundred enterprises) is written once for the module; the report is rendered once.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from docx import Document

from keju.publishing.render import figure_text
from keju.publishing.snapshot import build_snapshot, check_snapshot, snapshot_hash

PLAN_PATH = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"


@pytest.fixture(scope="module")
def report(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    from keju.demo.persist import run_demo
    from keju.publishing.render import render_docx, render_pdf

    with django_db_blocker.unblock():
        result = run_demo(PLAN_PATH, enterprises=300)
        snapshot = build_snapshot(result.plan, "annual", "2019")
        edition = {
            "number": "兰白年报〔2019〕第1期",
            "issued": "2020-04-30",
            "title": "年度报告",
            "draft": False,
            "hash": snapshot_hash(snapshot),
        }
        pdf = render_pdf(snapshot, edition=edition)
        docx = render_docx(snapshot, edition=edition)
    yield {"snapshot": snapshot, "pdf": pdf, "docx": docx}
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def test_the_demo_snapshot_passes_its_checks(report: dict[str, Any]) -> None:
    assert check_snapshot(report["snapshot"]) == []
    assert len(report["snapshot"]["sections"]["headline"]) == 10


def test_pdf_holds_every_headline_name_and_value(report: dict[str, Any]) -> None:
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=report["pdf"], capture_output=True, check=True
    ).stdout
    flat = text.decode().replace("\n", "")
    for row in report["snapshot"]["sections"]["headline"]:
        assert row["name"] in flat, row["name"]
        assert figure_text(row["latest"]) in flat, (row["name"], figure_text(row["latest"]))
        assert figure_text(row["target"]) in flat


def test_docx_holds_the_same_numbers(report: dict[str, Any]) -> None:
    doc = Document(io.BytesIO(report["docx"]))
    table = doc.tables[0]
    by_name = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    for row in report["snapshot"]["sections"]["headline"]:
        cells = by_name[row["name"]]
        assert cells[2] == figure_text(row["baseline"])
        assert cells[3].startswith(figure_text(row["latest"]))
        assert cells[5] == row["status_label"]
