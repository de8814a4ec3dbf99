"""Public archive and open data (no login), and the office's release workflow pages.

Public views read `Publication.objects.public()` / `.archived()` only: drafts, reviewed
editions, discarded ones and the data of withdrawn ones are 404 there. Workflow views need
a zone role (keju.publishing.services decides who may do what) and call the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keju.publishing import opendata, services
from keju.publishing.models import Kind, Publication, Status
from keju.publishing.render import compose, figure_text, render_pdf
from keju.publishing.snapshot import public_view
from keju.web.summaries import current_plan

# --- public -------------------------------------------------------------------------------


def archive(request: HttpRequest) -> HttpResponse:
    editions = Publication.objects.archived().select_related("plan").defer("pdf", "docx", "snapshot")
    return render(request, "publishing/archive.html", {"editions": editions, "kinds": Kind})


def _public(pk: int) -> Publication:
    return get_object_or_404(Publication.objects.public(), pk=pk)


def edition(request: HttpRequest, pk: int) -> HttpResponse:
    pub = get_object_or_404(Publication.objects.archived().defer("pdf", "docx"), pk=pk)
    context: dict[str, Any] = {"pub": pub}
    if pub.status == Status.PUBLISHED:
        snapshot = public_view(pub.snapshot)
        context.update(
            headline=[
                {
                    **r,
                    "latest_text": figure_text(r["latest"]),
                    "baseline_text": figure_text(r["baseline"]),
                    "target_text": figure_text(r["target"]),
                }
                for r in snapshot["sections"]["headline"]
            ],
            tables=opendata.tables_of(snapshot),
            meta=snapshot["meta"],
        )
    return render(request, "publishing/edition.html", context)


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _stem(pub: Publication) -> str:
    return opendata.package_name(pub.snapshot)


def edition_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    pub = _public(pk)
    return _download(bytes(pub.pdf or b""), "application/pdf", f"{_stem(pub)}.pdf")


def edition_docx(request: HttpRequest, pk: int) -> HttpResponse:
    pub = _public(pk)
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return _download(bytes(pub.docx or b""), mime, f"{_stem(pub)}.docx")


def edition_json(request: HttpRequest, pk: int) -> HttpResponse:
    pub = _public(pk)
    return _download(
        opendata.to_json(pub.snapshot, services.edition_of(pub)),
        "application/json; charset=utf-8",
        f"{_stem(pub)}.json",
    )


def edition_zip(request: HttpRequest, pk: int) -> HttpResponse:
    pub = _public(pk)
    return _download(
        opendata.to_zip(pub.snapshot, services.edition_of(pub)),
        "application/zip",
        f"{_stem(pub)}-datapackage.zip",
    )


def edition_csv(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    pub = _public(pk)
    spec = opendata.table_by_name(table)
    if spec is None or spec not in opendata.tables_of(pub.snapshot):
        raise Http404("没有这张数据表")
    return _download(
        opendata.to_csv(pub.snapshot, spec), "text/csv; charset=utf-8", f"{_stem(pub)}-{table}.csv"
    )


# --- release workflow ---------------------------------------------------------------------


def _plan_for(request: HttpRequest) -> Any:
    """The plan the office works on; None when no plan is loaded yet (the page explains it)."""
    plan = current_plan(request.GET.get("plan"))
    if plan is None:
        return None
    if not services.can_see_drafts(request.user, plan):
        raise PermissionDenied("只有省创新办和第三方评估可以查看出版物草稿")
    return plan


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    plan = _plan_for(request)
    if plan is None:
        return render(request, "web/no_plan.html")
    editions = (
        Publication.objects.filter(plan=plan)
        .select_related("created_by", "reviewed_by", "published_by", "withdrawn_by")
        .defer("pdf", "docx", "snapshot")
    )
    return render(
        request,
        "publishing/manage.html",
        {
            "plan": plan,
            "editions": editions,
            "kinds": Kind.choices,
            "can_draft": services.can_draft(request.user, plan),
            "can_review": services.can_review(request.user, plan),
            "can_publish": services.can_publish(request.user, plan),
        },
    )


def _managed(request: HttpRequest, pk: int) -> Publication:
    pub = get_object_or_404(Publication.objects.select_related("plan"), pk=pk)
    if not services.can_see_drafts(request.user, pub.plan):
        raise PermissionDenied("只有省创新办和第三方评估可以查看出版物草稿")
    return pub


@login_required
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pub = _managed(request, pk)
    blocks = compose(pub.snapshot, services.edition_of(pub), internal=True, charts=False)
    return render(
        request,
        "publishing/manage_detail.html",
        {
            "pub": pub,
            "blocks": [b for b in blocks if b.kind != "image"],
            "can_review": services.can_review(request.user, pub.plan),
            "can_publish": services.can_publish(request.user, pub.plan),
        },
    )


@login_required
def manage_preview(request: HttpRequest, pk: int) -> HttpResponse:
    pub = _managed(request, pk)
    data = render_pdf(pub.snapshot, edition=services.edition_of(pub), internal=True)
    return _download(data, "application/pdf", f"{_stem(pub)}-draft-{pub.pk}.pdf")


@login_required
@require_POST
def manage_create(request: HttpRequest) -> HttpResponse:
    plan = _plan_for(request)
    if plan is None:
        return render(request, "web/no_plan.html")
    try:
        pub = services.create_draft(
            actor=request.user,
            plan=plan,
            kind=request.POST.get("kind", ""),
            period=request.POST.get("period", ""),
        )
    except services.PublishingError as exc:
        messages.error(request, exc.message)
        return redirect("publishing:manage")
    messages.success(request, _("已起草“%(title)s”") % {"title": pub.title})
    return redirect("publishing:manage-detail", pk=pub.pk)


ACTIONS = {
    "review": lambda pub, user, post: services.review(pub, actor=user, note=post.get("note", "")),
    "reject": lambda pub, user, post: services.reject(pub, actor=user, reason=post.get("reason", "")),
    "publish": lambda pub, user, post: services.publish(pub, actor=user),
    "withdraw": lambda pub, user, post: services.withdraw(pub, actor=user, reason=post.get("reason", "")),
}


@login_required
@require_POST
def manage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    pub = _managed(request, pk)
    if action not in ACTIONS:
        raise Http404("未知操作")
    try:
        pub = ACTIONS[action](pub, request.user, request.POST)
    except services.PublishingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("“%(title)s”现为“%(status)s”") % {"title": pub.title, "status": pub.get_status_display()},
        )
    return redirect("publishing:manage-detail", pk=pk)
