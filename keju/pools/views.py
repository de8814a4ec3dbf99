"""Pages of the project reserve library and the talent pool: search, entry, consent, counts against targets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keju.planning.models import IndustryChain, Target
from keju.pools import services
from keju.pools.models import Project, ProjectKind, ProjectStage, Talent, TalentKind
from keju.web.views import with_plan

MAX_QUERY = 100


def _scope(request: HttpRequest, plan) -> list:
    districts = services.visible_districts(request.user, plan)
    if not districts:
        raise PermissionDenied
    return districts


@login_required
@with_plan
def projects(request: HttpRequest, plan) -> HttpResponse:
    districts = _scope(request, plan)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    rows = Project.objects.filter(plan=plan, district__in=districts).select_related(
        "district", "industry_chain"
    )
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(responsible_unit__icontains=query) | Q(outcome__icontains=query)
        )
    for key in ("stage", "kind"):
        if request.GET.get(key):
            rows = rows.filter(**{key: request.GET[key]})
    if request.GET.get("chain"):
        rows = rows.filter(industry_chain__code=request.GET["chain"])
    if request.method == "POST":
        try:
            project = services.save_project(request.user, plan, request.POST)
        except services.PoolError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("已录入项目“%(name)s”。") % {"name": project.name})
            return redirect("pools:projects")
    context = {
        "rows": rows[:300],
        "query": query,
        "districts": districts,
        "editable": services.editable_districts(request.user, plan),
        "kinds": ProjectKind.choices,
        "stages": ProjectStage.choices,
        "chains": IndustryChain.objects.filter(plan=plan),
        "data": request.POST,
        "filters": request.GET,
    }
    return render(request, "pools/projects.html", context, status=400 if request.method == "POST" else 200)


@login_required
@with_plan
def talents(request: HttpRequest, plan) -> HttpResponse:
    districts = _scope(request, plan)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    rows = Talent.objects.filter(plan=plan, district__in=districts).select_related("district")
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(field__icontains=query) | Q(employer__icontains=query)
        )
    if request.GET.get("kind"):
        rows = rows.filter(kind=request.GET["kind"])
    if request.method == "POST":
        try:
            services.record_talent(request.user, plan, request.POST)
        except services.PoolError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("已录入人才库。"))
            return redirect("pools:talents")
    counts: dict[str, int] = {}
    for row in services.pool_counts(plan):
        if row["district"] in {d.code for d in districts}:
            counts[row["indicator"]] = counts.get(row["indicator"], 0) + row["value"]
    targets = Target.objects.filter(
        plan=plan,
        indicator__code__in=list(services.TALENT_INDICATORS.values())
        + list(services.PROJECT_INDICATORS.values()),
    ).select_related("indicator")
    context = {
        "rows": rows[:300],
        "query": query,
        "districts": districts,
        "editable": services.editable_districts(request.user, plan),
        "kinds": TalentKind.choices,
        "data": request.POST,
        "progress": [(t, counts.get(t.indicator.code, 0)) for t in targets],
    }
    return render(request, "pools/talents.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    talent = get_object_or_404(Talent, pk=pk)
    try:
        services.withdraw_consent(request.user, talent)
    except services.PoolError as refusal:
        raise PermissionDenied(refusal.message) from None
    messages.success(request, _("已删除该人才的姓名和联系方式,统计记录保留。"))
    return redirect("pools:talents")
