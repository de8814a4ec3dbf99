"""Who may open the plan-level dashboards, and the plan they show."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from keju.monitoring.pages import visible_units
from keju.monitoring.querysets import can_view_monitoring
from keju.planning.models import Plan
from keju.web.summaries import current_plan

View = Callable[..., HttpResponse]


def board_view(view: View) -> View:
    """As the monitoring pages: zone roles and district reviewers, a plan loaded."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_view_monitoring(request.user):
            raise PermissionDenied("您的角色无权查看看板")
        plan = current_plan(request.GET.get("plan"))
        if plan is None:
            return render(request, "web/no_plan.html")
        return view(request, plan, *args, **kwargs)

    return wrapper


def scope_key(user: Any, plan: Plan, *extra: Any) -> tuple[Any, ...]:
    """What a cached figure depends on besides the results: visible units, language, filters."""
    units = tuple(visible_units(user, plan).values_list("id", flat=True))
    return (units, get_language(), *extra)


def int_param(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
