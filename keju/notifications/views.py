"""The inbox: the signed-in user's own notifications, unread first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from keju.notifications import services
from keju.notifications.models import Kind, Notification

PAGE_SIZE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.of(request.user)
    only_unread = request.GET.get("unread") == "1"
    kind = request.GET.get("kind", "")
    rows = mine.unread() if only_unread else mine
    if kind in Kind.values:
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    rows = rows.annotate(
        unread=Case(When(read_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-unread", "-created_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "only_unread": only_unread,
        "kind": kind,
        "kinds": Kind.choices,
        "unread_total": services.unread_count(request.user),
    }
    return render(request, "notifications/inbox.html", context)


def _own(request: HttpRequest, pk: int) -> Notification:
    try:
        return services.mark_read(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404("没有这条通知") from None


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("notifications:inbox")


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read (only the owner's; anyone else's is 404)."""
    n = _own(request, pk)
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(n.url)
    return HttpResponseRedirect(reverse("notifications:inbox"))


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    _own(request, pk)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return _back(request)
