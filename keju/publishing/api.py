"""Read-only open data API: published editions and their figures (no authentication).

Only `Publication.objects.public()` is read, and only the public view of its snapshot: a
draft, a reviewed-but-unpublished, a discarded or a withdrawn edition is 404 here, and
provisional figures have no value. The lead mounts the router at /api/open/.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from keju.publishing import services
from keju.publishing.models import Publication
from keju.publishing.snapshot import public_view

router = Router(tags=["公开数据 open data"])


class EditionOut(Schema):
    id: int
    plan: str
    kind: str
    kind_label: str
    period: str
    number: str
    title: str
    published_at: str
    snapshot_hash: str
    pdf_url: str
    docx_url: str
    datapackage_url: str


class EditionDetail(EditionOut):
    snapshot: dict[str, Any]


def _out(pub: Publication) -> dict[str, Any]:
    base = f"/open/{pub.pk}/"
    return {
        "id": pub.pk,
        "plan": pub.plan.code,
        "kind": pub.kind,
        "kind_label": str(pub.get_kind_display()),
        "period": pub.period,
        "number": pub.number_label,
        "title": pub.title,
        "published_at": pub.published_at.isoformat() if pub.published_at else "",
        "snapshot_hash": pub.snapshot_hash,
        "pdf_url": base + "report.pdf",
        "docx_url": base + "report.docx",
        "datapackage_url": base + "datapackage.zip",
    }


@router.get("/editions", response=list[EditionOut], summary="已发布的出版物", auth=None)
def list_editions(request: HttpRequest, plan: str = "", kind: str = "") -> list[dict[str, Any]]:
    """Published editions, newest first; filter by plan code and kind (quarterly | annual)."""
    rows = Publication.objects.public().select_related("plan").defer("pdf", "docx")
    if plan:
        rows = rows.filter(plan__code=plan)
    if kind:
        rows = rows.filter(kind=kind)
    return [_out(p) for p in rows.order_by("-published_at", "-id")]


@router.get("/editions/{edition_id}", response=EditionDetail, summary="一期出版物的全部公开数据", auth=None)
def edition_detail(request: HttpRequest, edition_id: int) -> dict[str, Any]:
    """One published edition with every public figure (provisional figures withheld, lineage kept)."""
    pub = get_object_or_404(
        Publication.objects.public().select_related("plan").defer("pdf", "docx"), pk=edition_id
    )
    return {**_out(pub), "snapshot": {"edition": services.edition_of(pub), **public_view(pub.snapshot)}}
