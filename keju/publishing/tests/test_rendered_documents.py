"""PDF (pdftotext) and DOCX (python-docx) show the snapshot's numbers; rendering is repeatable."""

from __future__ import annotations

import io
import subprocess
from typing import Any

import pytest
from docx import Document

from keju.publishing.render import compose, figure_text, number, render_docx, render_pdf
from keju.publishing.snapshot import build_snapshot, snapshot_hash
from keju.publishing.tests.conftest import Zone

pytestmark = pytest.mark.django_db
EDITION = {
    "number": "迷你年报〔2019〕第1期",
    "issued": "2020-03-31",
    "title": "迷你试验区2019年度报告",
    "draft": False,
}


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.fixture
def rendered(zone: Zone) -> dict[str, Any]:
    snap = build_snapshot(zone.plan, "annual", "2019")
    edition = {**EDITION, "hash": snapshot_hash(snap)}
    return {
        "snapshot": snap,
        "edition": edition,
        "pdf": render_pdf(snap, edition=edition),
        "docx": render_docx(snap, edition=edition),
    }


def test_pdf_and_docx_show_the_snapshot_numbers(rendered: dict[str, Any], tmp_path: Any) -> None:
    snap = rendered["snapshot"]
    texts = {"pdf": pdf_text(rendered["pdf"]), "docx": docx_text(rendered["docx"])}
    row = snap["sections"]["headline"][0]
    expected = [
        row["name"],
        figure_text(row["latest"]),
        figure_text(row["baseline"]),
        figure_text(row["target"]),
        row["status_label"],
        "迷你年报〔2019〕第1期",
        "数据来源与口径",
        rendered["edition"]["hash"],
    ]
    for cell in snap["sections"]["districts"][0]["units"]:
        expected.append(figure_text(cell))
    for unit in snap["sections"]["index"]["aggregates"][0]["units"]:
        expected.append(number(unit["score"]))
    for name, text in texts.items():
        flat = text.replace("\n", "")
        for value in expected:
            assert value in text or value in flat, f"{value!r} missing from the {name}"
    assert "第 1 页" in texts["pdf"] or "第1页" in texts["pdf"].replace(" ", "")
    _fonts_are_embedded(rendered["pdf"], tmp_path)
    _docx_is_editable_word(rendered["docx"])


def _fonts_are_embedded(pdf: bytes, tmp_path: Any) -> None:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)


def _docx_is_editable_word(data: bytes) -> None:
    doc = Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert "一、主要指标进展(专栏1)" in headings and "数据来源与口径" in headings
    assert len(doc.tables) >= 4 and len(doc.inline_shapes) >= 1


def test_same_snapshot_renders_the_same_text_twice(rendered: dict[str, Any]) -> None:
    snap, edition = rendered["snapshot"], rendered["edition"]
    assert pdf_text(render_pdf(snap, edition=edition)) == pdf_text(rendered["pdf"])
    assert docx_text(render_docx(snap, edition=edition)) == docx_text(rendered["docx"])


def test_a_draft_is_marked_and_shows_provisional_figures_only_internally(zone: Zone) -> None:
    snap = build_snapshot(zone.plan, "annual", "2020")
    draft = {"number": "", "issued": None, "title": "草稿", "draft": True, "hash": snapshot_hash(snap)}
    internal = [b.text for b in compose(snap, draft, internal=True) if b.kind == "h2"]
    public = [b.text for b in compose(snap, draft) if b.kind == "h2"]
    assert "内部附件:初步数(不公开)" in internal and "内部附件:初步数(不公开)" not in public
    text = pdf_text(render_pdf(snap, edition=draft, internal=True))
    assert "草稿" in text and "1,777.78(初步)" in text
