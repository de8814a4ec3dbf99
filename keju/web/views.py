"""Pages of the zone: overview, plan, org structure, tasks, enterprise register."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from keju.orgs.models import Enterprise, OrgLevel, OrgUnit
from keju.planning.models import GoverningBody, IndustryChain, Stage, Target, Task
from keju.web import summaries


def with_plan(view):
    """Render the 'no plan loaded' page instead of failing when the database is empty."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        plan = summaries.current_plan(request.GET.get("plan"))
        if plan is None:
            return render(request, "web/no_plan.html", status=200)
        return view(request, plan, *args, **kwargs)

    return wrapper


@with_plan
def home(request: HttpRequest, plan) -> HttpResponse:
    today = timezone.localdate()
    count_indicators, district_rows = summaries.district_rows(plan, today)
    stages = Stage.objects.filter(plan=plan).prefetch_related("targets__indicator").order_by("start_year")
    context = {
        "plan": plan,
        "headline": summaries.headline_rows(plan),
        "count_indicators": count_indicators,
        "district_rows": district_rows,
        "stages": stages,
        "today": today,
    }
    return render(request, "web/home.html", context)


@with_plan
def plan_detail(request: HttpRequest, plan) -> HttpResponse:
    targets = (
        Target.objects.filter(plan=plan, stage__isnull=True)
        .select_related("indicator", "org_unit")
        .order_by("org_unit_id", "indicator_id", "year")
    )
    chains = IndustryChain.objects.filter(plan=plan).prefetch_related("districts").order_by("id")
    context = {
        "plan": plan,
        "targets": targets,
        "chains": chains,
        "stages": Stage.objects.filter(plan=plan)
        .prefetch_related("targets__indicator")
        .order_by("start_year"),
        "bodies": GoverningBody.objects.filter(plan=plan).select_related("org_unit", "parent").order_by("id"),
    }
    return render(request, "web/plan.html", context)


@with_plan
def org_tree(request: HttpRequest, plan) -> HttpResponse:
    return render(request, "web/org_tree.html", {"plan": plan, "tree": summaries.org_tree(plan)})


@with_plan
def tasks(request: HttpRequest, plan) -> HttpResponse:
    groups = GoverningBody.objects.filter(plan=plan, kind="working_group").order_by("id")
    selected = request.GET.get("group", "")
    task_list = Task.objects.filter(plan=plan).select_related("working_group").order_by("id")
    if selected == "none":
        task_list = task_list.filter(working_group__isnull=True)
    elif selected:
        task_list = task_list.filter(working_group__code=selected)
    context = {"plan": plan, "groups": groups, "selected": selected, "tasks": task_list}
    return render(request, "web/tasks.html", context)


@login_required
@with_plan
def enterprises(request: HttpRequest, plan) -> HttpResponse:
    """The enterprise register, limited to what the user's roles may see."""
    visible = Enterprise.objects.visible_to(request.user).filter(plan=plan)
    query = request.GET.get("q", "").strip()
    if query:
        visible = visible.filter(Q(name__icontains=query) | Q(credit_code__icontains=query))
    districts = OrgUnit.objects.visible_to(request.user).filter(plan=plan, level=OrgLevel.DISTRICT)
    district = request.GET.get("district", "")
    if district:
        # Only a district the user may see; an unknown code lists nothing.
        chosen = districts.filter(code=district).first()
        visible = visible.in_district(chosen) if chosen else visible.none()
    page = Paginator(visible.order_by("id"), 50).get_page(request.GET.get("page"))
    context = {
        "plan": plan,
        "page": page,
        "query": query,
        "district": district,
        "districts": districts,
    }
    return render(request, "web/enterprises.html", context)
