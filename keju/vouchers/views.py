"""Pages of 创新券: one workspace per role (enterprise, provider, office) and the POST actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keju.accounts.models import Role
from keju.accounts.scoping import roles_of
from keju.orgs.models import Enterprise
from keju.vouchers import services
from keju.vouchers.models import (
    ApplicantCategory,
    Application,
    ApplicationStatus,
    LedgerEntry,
    Order,
    OrderStatus,
    Programme,
    Provider,
    ServiceCategory,
    Voucher,
)
from keju.web.views import with_plan


def _my_enterprises(user: Any) -> list[int]:
    return [r.enterprise_id for r in roles_of(user) if r.role == Role.ENTERPRISE_REPORTER]


@login_required
@with_plan
def workspace(request: HttpRequest, plan) -> HttpResponse:
    today = timezone.localdate()
    enterprise_ids = _my_enterprises(request.user)
    providers = list(Provider.objects.filter(members=request.user))
    office = services.is_office(request.user)
    if not (enterprise_ids or providers or office):
        raise PermissionDenied
    programmes = Programme.objects.filter(plan=plan)
    vouchers = list(Voucher.objects.filter(enterprise_id__in=enterprise_ids).select_related("programme"))
    for voucher in vouchers:
        voucher.left = services.balance(voucher.account)
    context = {
        "today": today,
        "office": office,
        "enterprises": Enterprise.objects.filter(pk__in=enterprise_ids),
        "open_programmes": programmes.filter(apply_from__lte=today, apply_until__gte=today),
        "categories": ApplicantCategory.choices,
        "service_categories": ServiceCategory.choices,
        "my_applications": Application.objects.filter(enterprise_id__in=enterprise_ids).select_related(
            "programme"
        ),
        "vouchers": vouchers,
        "providers": Provider.objects.filter(plan=plan, accepts_vouchers=True),
        "my_orders": Order.objects.filter(voucher__enterprise_id__in=enterprise_ids).select_related(
            "provider", "voucher"
        ),
        "provider_orders": Order.objects.filter(provider__in=providers).select_related("voucher__enterprise"),
        "pending_applications": (
            Application.objects.filter(
                programme__plan=plan, status=ApplicationStatus.SUBMITTED
            ).select_related("enterprise", "programme")
            if office
            else []
        ),
        "settlements": (
            Order.objects.filter(
                voucher__programme__plan=plan,
                status__in=[OrderStatus.SETTLEMENT_REQUESTED, OrderStatus.ON_HOLD],
            ).select_related("voucher__enterprise", "provider")
            if office
            else []
        ),
        "summaries": [(p, services.programme_summary(p)) for p in programmes] if office else [],
    }
    return render(request, "vouchers/workspace.html", context)


def _act(request: HttpRequest, action: Callable[[], Any], success: str) -> HttpResponse:
    try:
        action()
    except services.VoucherError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, success)
    return redirect("vouchers:workspace")


@login_required
@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    enterprise = get_object_or_404(Enterprise, pk=request.POST.get("enterprise"))
    return _act(
        request,
        lambda: services.apply(request.user, programme, enterprise, request.POST),
        _("申领已提交,等待审核。"),
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    if request.POST.get("decision") == "approve":
        return _act(
            request,
            lambda: services.approve(request.user, application, amount=request.POST.get("amount") or None),
            _("已批准并发放创新券。"),
        )
    return _act(
        request,
        lambda: services.reject(request.user, application, request.POST.get("reason", "")),
        _("已退回申领。"),
    )


@login_required
@require_POST
def order(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = get_object_or_404(Voucher, pk=pk)
    provider = get_object_or_404(Provider, pk=request.POST.get("provider"))
    return _act(
        request,
        lambda: services.place_order(request.user, voucher, provider, request.POST),
        _("已下单,等待服务机构确认。"),
    )


@login_required
@require_POST
def order_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    order = get_object_or_404(Order, pk=pk)
    post = request.POST
    steps: dict[str, tuple[Callable[[], Any], str]] = {
        "confirm": (lambda: services.confirm_order(request.user, order), _("已确认订单。")),
        "deliver": (
            lambda: services.deliver(request.user, order, post.get("result", "")),
            _("已登记服务完成。"),
        ),
        "redeem": (
            lambda: services.redeem(
                request.user,
                order,
                satisfaction=post.get("satisfaction"),
                payment_proof=post.get("payment_proof", ""),
            ),
            _("已用券支付。"),
        ),
        "settle": (lambda: services.request_settlement(request.user, order, post), _("已申请兑付。")),
        "pay": (
            lambda: services.review_settlement(
                request.user, order, approve_payment=True, note=post.get("note", "")
            ),
            _("已兑付。"),
        ),
        "refuse": (
            lambda: services.review_settlement(
                request.user, order, approve_payment=False, note=post.get("note", "")
            ),
            _("已不予兑付,额度收回预算。"),
        ),
    }
    if step not in steps:
        raise PermissionDenied
    action, success = steps[step]
    return _act(request, action, success)


@login_required
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = get_object_or_404(Voucher.objects.select_related("programme", "enterprise"), pk=pk)
    if not (services.is_office(request.user) or voucher.enterprise_id in _my_enterprises(request.user)):
        raise PermissionDenied
    entries = LedgerEntry.objects.filter(account=voucher.account).select_related("order")
    context = {"voucher": voucher, "entries": entries, "left": services.balance(voucher.account)}
    return render(request, "vouchers/ledger.html", context)
