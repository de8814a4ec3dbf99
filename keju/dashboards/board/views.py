"""Plan-level dashboard pages (thin: the figures come from the page services beside)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from keju.dashboards.board import chains, collection, index, scorecards, stages, structure, tasks
from keju.dashboards.board.access import int_param, scope_key
from keju.dashboards.cache import cached
from keju.monitoring import pages
from keju.monitoring.pages import STATUS_COLOURS, STATUS_TEXT
from keju.monitoring.views import monitoring_view
from keju.planning.models import Plan, Task, TaskStatus


def _base(plan: Plan, tab: str) -> dict[str, Any]:
    context: dict[str, Any] = {"plan": plan, "tab": tab, "has_results": pages.has_results(plan)}
    if not context["has_results"]:
        context.update(pages.empty_state(plan))
    return context


def _legend() -> list[tuple[str, str]]:
    return [(STATUS_COLOURS[s], str(label)) for s, label in STATUS_TEXT.items()]


@monitoring_view
def structure_page(request: HttpRequest, plan: Plan) -> HttpResponse:
    choices = list(structure.headline_choices(plan))
    code = request.GET.get("indicator", "")
    indicator = next((i for i in choices if i.code == code), choices[0] if choices else None)
    roots: list[structure.Node] = []
    if indicator is not None:
        roots = cached(
            plan,
            "board-structure",
            scope_key(request.user, plan, indicator.code),
            lambda: structure.structure(request.user, plan, indicator),
        )
    nodes = [n for r in roots for n in r.walk()]
    context = {
        **_base(plan, "structure"),
        "indicators": choices,
        "indicator": indicator,
        "nodes": nodes,
        "tree": [r.echarts() for r in roots],
        "legend": _legend(),
        "assessed": sum(1 for n in nodes if n.status),
    }
    return render(request, "dashboards/board/structure.html", context)


@monitoring_view
def chains_page(request: HttpRequest, plan: Plan) -> HttpResponse:
    # Register counts change without a computation run: cached per results version like the other
    # pages (new entries show after the next run), and per day through `on`.
    on = chains.as_of(plan)
    page = cached(
        plan,
        "board-chains",
        scope_key(request.user, plan, on),
        lambda: chains.chains_page(request.user, plan, on),
    )
    chart = {
        "chains": [r.chain.name for r in page.rows],
        "series": [
            {"name": label, "data": [r.targets[i] for r in page.rows]} for i, label in enumerate(page.labels)
        ],
    }
    context = {**_base(plan, "chains"), "page": page, "chart": chart}
    return render(request, "dashboards/board/chains.html", context)


@monitoring_view
def stages_page(request: HttpRequest, plan: Plan) -> HttpResponse:
    blocks = cached(
        plan, "board-stages", scope_key(request.user, plan), lambda: stages.stages_page(request.user, plan)
    )
    context = {**_base(plan, "stages"), "blocks": blocks}
    return render(request, "dashboards/board/stages.html", context)


@monitoring_view
def index_page(request: HttpRequest, plan: Plan) -> HttpResponse:
    year = int_param(request.GET.get("year"))
    page = cached(
        plan,
        "board-index",
        scope_key(request.user, plan, year),
        lambda: index.index_page(request.user, plan, year),
    )
    context = {**_base(plan, "index"), "page": page, "chart": page.chart()}
    return render(request, "dashboards/board/index.html", context)


@monitoring_view
def scorecards_page(request: HttpRequest, plan: Plan) -> HttpResponse:
    code, _sep, period = request.GET.get("choice", "").partition("|")
    page = cached(
        plan,
        "board-scorecards",
        scope_key(request.user, plan, code, period),
        lambda: scorecards.scorecard_page(request.user, plan, code, period),
    )
    context = {**_base(plan, "scorecards"), "page": page, "chart": page.chart()}
    return render(request, "dashboards/board/scorecards.html", context)


@monitoring_view
def collection_page(request: HttpRequest, plan: Plan) -> HttpResponse:
    # Not cached: reports arrive without a computation run.
    form_code, _sep, period = request.GET.get("period", "").partition(":")
    page = collection.collection_page(request.user, plan, form_code=form_code, period=period)
    context = {"plan": plan, "tab": "collection", "page": page}
    return render(request, "dashboards/board/collection.html", context)


@monitoring_view
def tasks_page(request: HttpRequest, plan: Plan) -> HttpResponse:
    # Not cached: task updates change it without a computation run.
    page = tasks.board(
        request.user, plan, group=request.GET.get("group", ""), kind=request.GET.get("kind", "")
    )
    return render(request, "dashboards/board/tasks.html", {"plan": plan, "tab": "tasks", "board": page})


def _task(request: HttpRequest, plan: Plan, code: str) -> Task:
    task = (
        tasks.visible_tasks(request.user, plan)
        .select_related("working_group", "org_unit")
        .filter(code=code)
        .first()
    )
    if task is None:
        raise Http404("没有该任务,或您无权查看")
    return task


@monitoring_view
def task_detail(request: HttpRequest, plan: Plan, code: str) -> HttpResponse:
    task = _task(request, plan, code)
    return render(request, "dashboards/board/task.html", _task_context(request, plan, task))


def _task_context(request: HttpRequest, plan: Plan, task: Task, **extra: Any) -> dict[str, Any]:
    due = tasks.due_date(task, plan)
    return {
        "plan": plan,
        "tab": "tasks",
        "task": task,
        "due_on": due,
        "overdue": tasks.is_overdue(task, plan, timezone.localdate()),
        "history": tasks.history(task),
        "may_update": tasks.can_update(request.user, task),
        "statuses": TaskStatus.choices,
        "form": {"status": task.status, "evidence": "", "evidence_url": "", "due_date": ""},
        "saved": request.GET.get("saved") == "1",
        **extra,
    }


@require_POST
@monitoring_view
def task_update(request: HttpRequest, plan: Plan, code: str) -> HttpResponse:
    task = _task(request, plan, code)
    if not tasks.can_update(request.user, task):
        raise PermissionDenied("您无权更新该任务:只有省创新办和负责该任务的工作小组可以记录进展。")
    form = {k: request.POST.get(k, "") for k in ("status", "evidence", "evidence_url", "due_date")}
    try:
        tasks.record_update(
            task,
            request.user,
            status=form["status"],
            evidence=form["evidence"],
            evidence_url=form["evidence_url"],
            due_date_text=form["due_date"],
        )
    except tasks.TaskUpdateError as exc:
        # Shown again with what the user typed: nothing is lost. (200, as a form with its
        # errors, so the browser does not report a failed request.)
        context = _task_context(request, plan, task, form=form, error=exc.message, error_field=exc.field)
        return render(request, "dashboards/board/task.html", context)
    # A flag in the address rather than the messages framework: the page says it itself, once.
    return redirect(reverse("dashboards:task", args=[task.code]) + "?saved=1")
