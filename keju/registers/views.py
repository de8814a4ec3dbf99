"""Pages of the registers: overview of counts, lists with search and filters, detail with the audit
trail, entry, correction and revocation forms. Scoped: zone roles see the zone (the evaluator
read-only), a 管委会审核员 sees and edits its district (and sees the recognitions of enterprises
that moved into it); everyone else is refused."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from keju.monitoring.objects import REGISTER_COUNTS, register_count, register_frames
from keju.orgs.models import OrgLevel, OrgUnit
from keju.planning.models import Indicator, IndustryChain, Plan, Target
from keju.registers import services
from keju.registers.models import IncubatorKind, Level, PlatformType, RecognitionKind
from keju.web.views import with_plan

MAX_QUERY = 100
PAGE = 300

TITLES = {
    "platform": gettext_lazy("创新平台"),
    "alliance": gettext_lazy("产业技术创新战略联盟"),
    "incubator": gettext_lazy("孵化器、众创空间和加速器"),
    "recognition": gettext_lazy("创新型企业等认定企业"),
}
# Which column is the entry's type, its start and end, per register.
TYPE_FIELD = {"platform": "platform_type", "alliance": None, "incubator": "kind", "recognition": "kind"}
TYPE_CHOICES = {
    "platform": PlatformType.choices,
    "alliance": [],
    "incubator": IncubatorKind.choices,
    "recognition": RecognitionKind.choices,
}
START = {
    "platform": "recognised_on",
    "alliance": "founded_on",
    "incubator": "recognised_on",
    "recognition": "recognised_on",
}
END = {
    "platform": "revoked_on",
    "alliance": "dissolved_on",
    "incubator": "revoked_on",
    "recognition": "revoked_on",
}
SEARCHED = {
    "platform": ["name", "host_name", "document_number"],
    "alliance": ["name", "lead_unit", "document_number"],
    "incubator": ["name", "operator", "document_number"],
    "recognition": ["name", "enterprise__credit_code", "document_number", "issued_by"],
}
# The form fields that name an enterprise of the register by its credit code, and the entry's field.
CREDIT_CODES = {
    "host_credit_code": "host_enterprise",
    "lead_credit_code": "lead_enterprise",
    "operator_credit_code": "operator_enterprise",
    "credit_code": "enterprise",
}


def _field(name: str, label: Any, kind: str = "text", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "kind": kind, "required": extra.pop("required", True), **extra}


def form_fields(register: str) -> list[dict[str, Any]]:
    """The entry form of a register: name, label, input kind, choices."""
    common_tail = [
        _field("park", gettext_lazy("所在园区"), "park", required=False),
        _field("industry_chain", gettext_lazy("产业链"), "chain", required=False),
        _field("document_number", gettext_lazy("认定文号"), required=False, maxlength=100),
        _field("issued_by", gettext_lazy("认定部门"), required=False, maxlength=100),
    ]
    head = [
        _field("name", gettext_lazy("名称"), maxlength=200),
        _field("district", gettext_lazy("所在区"), "district"),
    ]
    if register == "platform":
        return [
            *head,
            _field("platform_type", gettext_lazy("平台类型"), "select", choices=PlatformType.choices),
            _field("level", gettext_lazy("级别"), "select", choices=Level.choices),
            _field("host_name", gettext_lazy("依托单位"), required=False, maxlength=200),
            _field(
                "host_credit_code", gettext_lazy("依托企业统一社会信用代码"), required=False, maxlength=18
            ),
            _field("recognised_on", gettext_lazy("认定日期"), "date"),
            *common_tail,
        ]
    if register == "recognition":
        return [
            _field("credit_code", gettext_lazy("企业统一社会信用代码"), maxlength=18),
            _field("kind", gettext_lazy("认定类别"), "select", choices=RecognitionKind.choices),
            _field("level", gettext_lazy("级别"), "select", choices=Level.choices),
            _field("recognised_on", gettext_lazy("认定日期"), "date"),
            _field("expires_on", gettext_lazy("有效期至"), "date", required=False),
            _field("industry_chain", gettext_lazy("产业链"), "chain", required=False),
            _field("document_number", gettext_lazy("认定文号"), required=False, maxlength=100),
            _field("issued_by", gettext_lazy("认定部门"), required=False, maxlength=100),
        ]
    if register == "alliance":
        return [
            *head,
            _field("level", gettext_lazy("级别"), "select", choices=Level.choices, required=False),
            _field("lead_unit", gettext_lazy("牵头单位"), required=False, maxlength=200),
            _field(
                "lead_credit_code", gettext_lazy("牵头企业统一社会信用代码"), required=False, maxlength=18
            ),
            _field("member_count", gettext_lazy("成员单位数"), "number"),
            _field("founded_on", gettext_lazy("成立日期"), "date"),
            *common_tail,
        ]
    return [
        *head,
        _field("kind", gettext_lazy("类别"), "select", choices=IncubatorKind.choices),
        _field("level", gettext_lazy("级别"), "select", choices=Level.choices),
        _field("specialised", gettext_lazy("专业孵化器"), "checkbox", required=False),
        _field("operator", gettext_lazy("运营机构"), required=False, maxlength=200),
        _field(
            "operator_credit_code", gettext_lazy("运营企业统一社会信用代码"), required=False, maxlength=18
        ),
        _field("area_m2", gettext_lazy("场地面积(平方米)"), "number"),
        _field("residents", gettext_lazy("在孵企业和团队数"), "number", required=False),
        _field("recognised_on", gettext_lazy("认定日期"), "date"),
        *common_tail,
    ]


def _register(register: str) -> Any:
    if register not in services.MODELS:
        raise Http404
    return services.MODELS[register]


def _scope(request: HttpRequest, plan: Plan) -> list[OrgUnit]:
    districts = services.visible_districts(request.user, plan)
    if not districts:
        raise PermissionDenied
    return districts


def _on(request: HttpRequest) -> tuple[date, str]:
    """The date the counts are for (?on=YYYY-MM-DD, default today); a bad date is explained, not fatal."""
    raw = request.GET.get("on", "").strip()
    if not raw:
        return timezone.localdate(), ""
    try:
        return date.fromisoformat(raw), ""
    except ValueError:
        return timezone.localdate(), _("日期“%(raw)s”无效,已按今天统计。") % {"raw": raw[:20]}


def _entry(register: str, pk: int, plan: Plan, districts: list[OrgUnit]) -> Any:
    model = _register(register)
    return get_object_or_404(
        model.objects.filter(plan=plan)
        .visible_in(districts)
        .select_related("district", "park", "industry_chain"),
        pk=pk,
    )


@login_required
@with_plan
def overview(request: HttpRequest, plan: Plan) -> HttpResponse:
    districts = _scope(request, plan)
    on, problem = _on(request)
    codes = [d.code for d in districts]
    frames = {
        name: frame.filter(frame["district"].is_in(codes)) for name, frame in register_frames(plan).items()
    }
    empty = all(f.is_empty() for f in frames.values())
    labels = {
        "platform": dict(PlatformType.choices),
        "alliance": {"alliance": TITLES["alliance"]},
        "incubator": dict(IncubatorKind.choices),
        "recognition": dict(RecognitionKind.choices),
    }
    by_type = []
    for name, frame in frames.items():
        active = frame.filter(
            (frame["valid_from"] <= on) & (frame["valid_to"].is_null() | (frame["valid_to"] > on))
        )
        counts = {
            (r["type"], r["district"]): r["len"]
            for r in active.group_by("type", "district").len().iter_rows(named=True)
        }
        for value, label in labels[name].items():
            cells = [counts.get((value, d.code), 0) for d in districts]
            by_type.append({"register": name, "label": label, "cells": cells, "total": sum(cells)})
    chains = []
    for chain in IndustryChain.objects.filter(plan=plan).order_by("id"):
        platforms = frames["platform"].filter(frames["platform"]["chain"] == chain.code)
        alliances = frames["alliance"].filter(frames["alliance"]["chain"] == chain.code)
        chains.append(
            {
                "chain": chain,
                "platforms": _active_count(platforms, on),
                "alliances": _active_count(alliances, on),
            }
        )
    indicators = []
    present = {i.code: i for i in Indicator.objects.filter(plan=plan, code__in=list(REGISTER_COUNTS))}
    targets: dict[str, list[Target]] = {}
    for t in Target.objects.filter(
        plan=plan, indicator__code__in=list(present), org_unit__level=OrgLevel.ZONE
    ):
        targets.setdefault(t.indicator.code, []).append(t)
    for code, indicator in present.items():
        counted = register_count(frames, REGISTER_COUNTS[code], on)
        value = float(counted["value"].sum()) if not counted.is_empty() else 0.0
        indicators.append({"indicator": indicator, "value": value, "targets": targets.get(code, [])})
    context = {
        "plan": plan,
        "districts": districts,
        "zone": len(districts) == OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT).count(),
        "on": on,
        "problem": problem,
        "empty": empty,
        "by_type": by_type,
        "chains": chains,
        "indicators": indicators,
        "titles": TITLES,
        "editable": services.editable_districts(request.user, plan),
    }
    return render(request, "registers/overview.html", context)


def _active_count(frame: Any, on: date) -> int:
    return frame.filter(
        (frame["valid_from"] <= on) & (frame["valid_to"].is_null() | (frame["valid_to"] > on))
    ).height


@login_required
@with_plan
def entries(request: HttpRequest, plan: Plan, register: str) -> HttpResponse:
    model = _register(register)
    districts = _scope(request, plan)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    rows = (
        model.objects.filter(plan=plan)
        .visible_in(districts)
        .select_related("district", "park", "industry_chain")
    )
    if query:
        condition = Q()
        for name in SEARCHED[register]:
            condition |= Q(**{f"{name}__icontains": query})
        rows = rows.filter(condition)
    filters = request.GET
    if filters.get("district"):
        rows = rows.filter(district__code=filters["district"])
    if filters.get("chain"):
        rows = rows.filter(industry_chain__code=filters["chain"])
    if filters.get("level"):
        rows = rows.filter(level=filters["level"])
    if TYPE_FIELD[register] and filters.get("type"):
        rows = rows.filter(**{TYPE_FIELD[register]: filters["type"]})
    status = filters.get("status", "active")
    on, problem = _on(request)
    if status == "active":
        rows = rows.active_on(on)
    elif status == "revoked":
        rows = rows.ended()
    total = rows.count()
    context = {
        "plan": plan,
        "register": register,
        "title": TITLES[register],
        "titles": TITLES,
        "rows": rows[:PAGE],
        "total": total,
        "page": PAGE,
        "query": query,
        "filters": filters,
        "status": status,
        "on": on,
        "problem": problem,
        "districts": districts,
        "chains": IndustryChain.objects.filter(plan=plan).order_by("id"),
        "levels": Level.choices,
        "types": TYPE_CHOICES[register],
        "start": START[register],
        "end": END[register],
        "editable": services.editable_districts(request.user, plan),
        "any": model.objects.filter(plan=plan).visible_in(districts).exists(),
    }
    return render(request, "registers/list.html", context)


def _form_context(request: HttpRequest, plan: Plan, register: str, data: Any, entry: Any = None) -> dict:
    editable = services.editable_districts(request.user, plan)
    return {
        "plan": plan,
        "register": register,
        "title": TITLES[register],
        "fields": [{**f, "value": str(data.get(f["name"], "") or "")} for f in form_fields(register)],
        "entry": entry,
        "editable": editable,
        "parks": OrgUnit.objects.filter(plan=plan, level=OrgLevel.PARK, parent__in=editable).order_by("id"),
        "chains": IndustryChain.objects.filter(plan=plan).order_by("id"),
    }


@login_required
@with_plan
def create(request: HttpRequest, plan: Plan, register: str) -> HttpResponse:
    _register(register)
    _scope(request, plan)
    if not services.editable_districts(request.user, plan):
        raise PermissionDenied
    data: Any = {}
    if request.method == "POST":
        data = request.POST
        try:
            entry = services.register(request.user, plan, register, request.POST)
        except services.RegisterError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("已登记“%(name)s”。") % {"name": entry.name})
            return redirect("registers:detail", register=register, pk=entry.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "registers/form.html", _form_context(request, plan, register, data), status=status)


def _initial(register: str, entry: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in form_fields(register):
        name = f["name"]
        if name in {"district", "park", "industry_chain"}:
            unit = getattr(entry, name)
            data[name] = unit.code if unit else ""
        elif name in CREDIT_CODES:
            enterprise = getattr(entry, CREDIT_CODES[name], None)
            data[name] = enterprise.credit_code if enterprise else ""
        else:
            value = getattr(entry, name)
            data[name] = value.isoformat() if isinstance(value, date) else ("" if value is None else value)
    return data


@login_required
@with_plan
def change(request: HttpRequest, plan: Plan, register: str, pk: int) -> HttpResponse:
    entry = _entry(register, pk, plan, _scope(request, plan))
    if not services.can_edit(request.user, entry):
        raise PermissionDenied
    data: Any = _initial(register, entry)
    if request.method == "POST":
        data = request.POST
        try:
            services.edit(request.user, entry, request.POST)
        except services.RegisterError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("已保存修改。"))
            return redirect("registers:detail", register=register, pk=entry.pk)
    status = 400 if request.method == "POST" else 200
    context = _form_context(request, plan, register, data, entry)
    return render(request, "registers/form.html", context, status=status)


def _facts(register: str, entry: Any) -> list[tuple[Any, Any]]:
    """The entry's fields as (label, shown value) for the detail page."""
    facts = []
    for f in form_fields(register):
        name = f["name"]
        if name == "name":
            continue
        if name in CREDIT_CODES:
            enterprise = getattr(entry, CREDIT_CODES[name], None)
            value: Any = f"{enterprise.name}({enterprise.credit_code})" if enterprise else ""
        elif f["kind"] == "select":
            value = getattr(entry, f"get_{name}_display")()
        elif f["kind"] == "checkbox":
            value = _("是") if getattr(entry, name) else _("否")
        else:
            value = getattr(entry, name)
        facts.append((f["label"], value))
    if register == "recognition":
        # Where it was recognised (fixed) and where the enterprise is now (what it counts in).
        facts.append((_("认定时所在区"), _place(entry.district, entry.park)))
        now = entry.enterprise.current_placement
        facts.append((_("企业现在所在区"), _place(now.district, now.park) if now else _("已注销")))
    return facts


def _place(district: OrgUnit, park: OrgUnit | None) -> str:
    return f"{district.name} · {park.name}" if park else district.name


@login_required
@with_plan
def detail(request: HttpRequest, plan: Plan, register: str, pk: int) -> HttpResponse:
    entry = _entry(register, pk, plan, _scope(request, plan))
    end = getattr(entry, END[register])
    expired = bool(getattr(entry, "expired", False))
    can_edit = services.can_edit(request.user, entry)
    context = {
        "plan": plan,
        "register": register,
        "title": TITLES[register],
        "entry": entry,
        "start": getattr(entry, START[register]),
        "end": end,
        "expires_on": getattr(entry, "expires_on", None),
        "expired": expired,
        "facts": _facts(register, entry),
        "events": entry.events.select_related("user"),
        "can_edit": can_edit,
        "can_revoke": can_edit and end is None and not expired,
        "today": timezone.localdate(),
    }
    return render(request, "registers/detail.html", context)


@login_required
@require_POST
@with_plan
def withdraw(request: HttpRequest, plan: Plan, register: str, pk: int) -> HttpResponse:
    entry = _entry(register, pk, plan, _scope(request, plan))
    if not services.can_edit(request.user, entry):
        raise PermissionDenied
    try:
        services.revoke(request.user, entry, request.POST)
    except services.RegisterError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("已撤销“%(name)s”,它仍计入撤销日期之前的统计。") % {"name": entry.name})
    return redirect("registers:detail", register=register, pk=entry.pk)
