"""Pages of instrument sharing: public search and detail, booking, my bookings, the owner's desk, evaluation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keju.accounts.models import Role
from keju.accounts.scoping import roles_of
from keju.instruments import services
from keju.instruments.models import (
    Booking,
    BookingStatus,
    Instrument,
    InstrumentClass,
    InstrumentEvent,
    InstrumentStatus,
)
from keju.orgs.models import OrgLevel, OrgUnit
from keju.vouchers.models import Voucher
from keju.web.views import with_plan

MAX_QUERY = 100


@with_plan
def index(request: HttpRequest, plan) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    district = request.GET.get("district", "")
    error = ""
    instruments = Instrument.objects.filter(plan=plan).exclude(status=InstrumentStatus.RETIRED)
    if len(query) > MAX_QUERY:
        error = _("搜索词过长(%(length)s字),请控制在%(max)s字以内。") % {
            "length": len(query),
            "max": MAX_QUERY,
        }
        InstrumentEvent.record(request.user, "search", "", error, refused=True)
        instruments = instruments.none()
    elif query:
        instruments = instruments.filter(
            Q(name__icontains=query) | Q(functions__icontains=query) | Q(owner_name__icontains=query)
        )
    if category:
        instruments = instruments.filter(category=category)
    if district:
        instruments = instruments.filter(district__code=district)
    context = {
        "instruments": instruments.select_related("district")[:200],
        "query": query[:MAX_QUERY],
        "category": category,
        "district": district,
        "categories": InstrumentClass.choices,
        "districts": OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT),
        "error": error,
    }
    return render(request, "instruments/index.html", context, status=400 if error else 200)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.select_related("district", "owner"), pk=pk)
    today = timezone.localdate()
    days = [today + timedelta(days=n) for n in range(1, 8)]
    context = {
        "instrument": instrument,
        "days": [(day, services.free_slots(instrument, day)) for day in days],
        "blacklisted": request.user.is_authenticated and services.is_blacklisted(request.user),
        "data": request.POST,
    }
    return render(request, "instruments/detail.html", context)


@login_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = get_object_or_404(Instrument, pk=pk)
    day = request.POST.get("day", "")
    data: dict[str, Any] = {
        "start": f"{day}T{request.POST.get('start_time', '')}",
        "end": f"{day}T{request.POST.get('end_time', '')}",
        "purpose": request.POST.get("purpose", ""),
    }
    enterprises = [r.enterprise for r in roles_of(request.user) if r.role == Role.ENTERPRISE_REPORTER]
    if enterprises:
        data["enterprise"] = enterprises[0]
    try:
        services.book(request.user, instrument, data)
    except services.InstrumentError as refusal:
        messages.error(request, refusal.message)
        return redirect("instruments:detail", pk=pk)
    messages.success(request, _("预约已提交,等待仪器所属单位审核。"))
    return redirect("instruments:mine")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    bookings = Booking.objects.filter(user=request.user).select_related(
        "instrument", "usage", "voucher_order"
    )
    enterprise_ids = [r.enterprise_id for r in roles_of(request.user) if r.role == Role.ENTERPRISE_REPORTER]
    context = {
        "bookings": bookings,
        "vouchers": Voucher.objects.filter(enterprise_id__in=enterprise_ids).select_related("programme"),
        "violations": services.violations_in_window(request.user),
        "limit": services.VIOLATIONS_TO_BLACKLIST,
    }
    return render(request, "instruments/mine.html", context)


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """Bookings of the instruments the user's unit owns (the office sees all)."""
    instruments = Instrument.objects.all()
    if not services.is_office(request.user):
        instruments = instruments.filter(owner__members=request.user)
    if not instruments.exists():
        raise PermissionDenied
    bookings = (
        Booking.objects.filter(
            instrument__in=instruments, status__in=[BookingStatus.REQUESTED, BookingStatus.APPROVED]
        )
        .select_related("instrument", "user", "enterprise")
        .order_by("start")
    )
    return render(request, "instruments/desk.html", {"bookings": bookings, "now": timezone.now()})


def _act(request: HttpRequest, action: Callable[[], Any], success: str, back: str) -> HttpResponse:
    try:
        action()
    except services.InstrumentError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, success)
    return redirect(back)


@login_required
@require_POST
def booking_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.select_related("instrument"), pk=pk)
    post = request.POST
    steps: dict[str, tuple[Callable[[], Any], str, str]] = {
        "approve": (
            lambda: services.decide(request.user, booking, approve=True),
            _("已批准预约。"),
            "instruments:desk",
        ),
        "reject": (
            lambda: services.decide(request.user, booking, approve=False, reason=post.get("reason", "")),
            _("已拒绝预约。"),
            "instruments:desk",
        ),
        "usage": (
            lambda: services.record_usage(
                request.user,
                booking,
                {
                    "started_at": post.get("started_at") or None,
                    "ended_at": post.get("ended_at") or None,
                    "samples": post.get("samples"),
                },
            ),
            _("已登记使用记录。"),
            "instruments:desk",
        ),
        "no-show": (
            lambda: services.mark_no_show(request.user, booking),
            _("已登记爽约。"),
            "instruments:desk",
        ),
        "cancel": (lambda: services.cancel(request.user, booking), _("已取消预约。"), "instruments:mine"),
        "voucher": (
            lambda: services.pay_with_voucher(
                request.user, booking, get_object_or_404(Voucher, pk=post.get("voucher"))
            ),
            _("已用创新券下单,服务机构确认后在“创新券”页面验收支付。"),
            "instruments:mine",
        ),
    }
    if step not in steps:
        raise PermissionDenied
    action, success, back = steps[step]
    return _act(request, action, success, back)


@login_required
@with_plan
def evaluation(request: HttpRequest, plan) -> HttpResponse:
    if not services.is_office(request.user):
        raise PermissionDenied
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    context = {"year": year, "rows": services.evaluate_owners(plan, year)}
    return render(request, "instruments/evaluation.html", context)
