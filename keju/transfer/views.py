"""Pages of 技术转移对接: search, listings, suggestions, the broker board, contracts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keju.orgs.models import Enterprise
from keju.transfer import services
from keju.transfer.models import (
    Achievement,
    ContractType,
    CooperationMode,
    HighTechIndustry,
    IpType,
    Match,
    MatchStatus,
    Need,
    Region,
    Stage,
    StrategicEmerging,
    TechContract,
    TechField,
)
from keju.web.views import with_plan


@with_plan
def index(request: HttpRequest, plan) -> HttpResponse:
    """Public search over published achievements and needs."""
    query = request.GET.get("q", "")
    kind = request.GET.get("kind", "achievements")
    results: list = []
    error = ""
    try:
        results = services.search(plan, request.user, query, kind=kind)
    except services.TransferError as refusal:
        error = refusal.message
    context = {
        "plan": plan,
        "query": query[: services.MAX_SEARCH_CHARS],
        "kind": kind,
        "results": results,
        "error": error,
        "counts": {
            "achievements": Achievement.objects.filter(plan=plan).published().count(),
            "needs": Need.objects.filter(plan=plan).published().count(),
            "contracts": TechContract.objects.filter(plan=plan).count(),
        },
        "is_broker": services.is_broker(request.user),
        "my_enterprises": services.reporter_enterprise_ids(request.user),
    }
    return render(request, "transfer/index.html", context, status=400 if error else 200)


def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = get_object_or_404(Achievement.objects.published(), pk=pk)
    return render(request, "transfer/achievement.html", {"achievement": achievement})


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need.objects.published().select_related("enterprise"), pk=pk)
    show = services.can_see_suggestions(request.user, need)
    context = {
        "need": need,
        "suggestions": services.suggest_for_need(need) if show else [],
        "show_suggestions": show,
        "is_broker": services.is_broker(request.user),
        "followed": set(need.matches.values_list("achievement_id", flat=True)) if show else set(),
    }
    return render(request, "transfer/need.html", context)


@login_required
@with_plan
def new_need(request: HttpRequest, plan) -> HttpResponse:
    own = services.reporter_enterprise_ids(request.user)
    enterprises = Enterprise.objects.filter(plan=plan, pk__in=own) if own else Enterprise.objects.none()
    if not own and not services.is_broker(request.user):
        raise PermissionDenied
    if request.method == "POST":
        enterprise_id = request.POST.get("enterprise") or (next(iter(own)) if len(own) == 1 else None)
        enterprise = Enterprise.objects.filter(plan=plan, pk=enterprise_id).first() if enterprise_id else None
        try:
            if enterprise is None:
                raise services.TransferError(_("请选择需求企业。"))
            need = services.publish_need(request.user, enterprise, request.POST)
        except services.TransferError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("技术需求已发布。"))
            return redirect("transfer:need", pk=need.pk)
    context = {
        "enterprises": enterprises,
        "fields": TechField.choices,
        "regions": Region.choices,
        "modes": CooperationMode.choices,
        "data": request.POST,
        "enterprise_credit_code": request.POST.get("enterprise_credit_code", ""),
    }
    return render(
        request, "transfer/need_form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@with_plan
def new_achievement(request: HttpRequest, plan) -> HttpResponse:
    if not services.is_broker(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            achievement = services.publish_achievement(request.user, plan, request.POST)
        except services.TransferError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("科技成果已发布。"))
            return redirect("transfer:achievement", pk=achievement.pk)
    context = {
        "fields": TechField.choices,
        "regions": Region.choices,
        "stages": Stage.choices,
        "ip_types": IpType.choices,
        "sei_choices": StrategicEmerging.choices,
        "hti_choices": HighTechIndustry.choices,
        "data": request.POST,
    }
    return render(
        request, "transfer/achievement_form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need, pk=pk)
    achievement = get_object_or_404(Achievement, pk=request.POST.get("achievement"))
    try:
        services.follow_up(request.user, need, achievement)
    except services.TransferError as refusal:
        if not services.is_broker(request.user):
            raise PermissionDenied from None
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("已加入对接看板。"))
    return redirect("transfer:need", pk=need.pk)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    if not services.is_broker(request.user):
        raise PermissionDenied
    matches = Match.objects.select_related("need__enterprise", "achievement", "broker", "contract")
    columns = [
        (status, label, [m for m in matches if m.status == status]) for status, label in MatchStatus.choices
    ]
    return render(
        request, "transfer/board.html", {"columns": columns, "contract_types": ContractType.choices}
    )


@login_required
@require_POST
def advance(request: HttpRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(Match, pk=pk)
    try:
        services.advance(request.user, match, request.POST.get("status", ""), request.POST.get("note", ""))
    except services.TransferError as refusal:
        if not services.is_broker(request.user):
            raise PermissionDenied from None
        messages.error(request, refusal.message)
    return HttpResponseRedirect(reverse("transfer:board"))


@login_required
@with_plan
def contracts(request: HttpRequest, plan) -> HttpResponse:
    if not services.is_broker(request.user):
        raise PermissionDenied
    match = None
    if request.method == "POST":
        match = (
            Match.objects.filter(pk=request.POST.get("match")).first() if request.POST.get("match") else None
        )
        data = request.POST.dict()
        if match is not None:
            data.setdefault("seller_name", match.achievement.owner_name)
            data["buyer"] = match.need.enterprise
            data.setdefault("buyer_name", match.need.enterprise.name)
            data["seller"] = match.achievement.owner
        try:
            contract = services.register_contract(request.user, plan, data, match=match)
        except services.TransferError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request, _("技术合同已登记,登记编号 %(number)s。") % {"number": contract.registration_number}
            )
            return redirect("transfer:contracts")
    registered = TechContract.objects.filter(plan=plan).select_related("district")
    totals = (
        registered.values("district__name", "registered_on__year")
        .annotate(amount=Sum("amount"), count=Count("id"))
        .order_by("registered_on__year", "district__name")
    )
    context = {
        "contracts": registered[:200],
        "totals": totals,
        "contract_types": ContractType.choices,
        "data": request.POST,
        "negotiating": Match.objects.filter(status=MatchStatus.NEGOTIATING, need__plan=plan).select_related(
            "need", "achievement"
        ),
    }
    return render(
        request, "transfer/contracts.html", context, status=400 if request.method == "POST" else 200
    )
