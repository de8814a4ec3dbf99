"""Monitoring pages: progress towards targets, indicator values with their sources, warnings, index.

Signed-in users with a zone role (省创新办, 工作小组, 第三方评估) see the whole zone, a
district's reviewer its district and parks; everyone else is refused (the public pages
come with publishing). Every query goes through keju.monitoring.pages, which scopes it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from keju.accounts.models import ZONE_ROLES, Role
from keju.accounts.scoping import roles_of
from keju.metrics.progress import STATUS_ORDER
from keju.monitoring import freshness, pages, services
from keju.monitoring.models import Trigger
from keju.monitoring.querysets import can_view_monitoring
from keju.planning.models import Indicator, Plan
from keju.web.summaries import current_plan

View = Callable[..., HttpResponse]
LINEAGE_PAGE = 50


def monitoring_view(view: View) -> View:
    """Signed in, allowed to see monitoring results, and a plan loaded (else the no-plan page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_view_monitoring(request.user):
            raise PermissionDenied("您的角色无权查看监测结果")
        plan = current_plan(request.GET.get("plan"))
        if plan is None:
            return render(request, "web/no_plan.html")
        return view(request, plan, *args, **kwargs)

    return wrapper


def _empty(request: HttpRequest, plan: Plan, title: str) -> HttpResponse | None:
    if pages.has_results(plan):
        return None
    context = {"plan": plan, "title": title, **pages.empty_state(plan)}
    return render(request, "monitoring/empty.html", context)


@monitoring_view
def progress(request: HttpRequest, plan: Plan) -> HttpResponse:
    if (empty := _empty(request, plan, "目标进展")) is not None:
        return empty
    indicator = request.GET.get("indicator", "")
    unit = request.GET.get("unit", "")
    status = request.GET.get("status", "")
    if status and status not in STATUS_ORDER:
        status = ""
    with_trend = request.GET.get("trend", "1") != "0"
    rows = pages.progress_rows(
        request.user, plan, indicator=indicator, unit=unit, status=status, with_trend=with_trend
    )
    all_rows = pages.progress_rows(request.user, plan, indicator=indicator, unit=unit, with_trend=with_trend)
    context = {
        "plan": plan,
        "rows": rows,
        "counts": pages.status_counts(all_rows),
        "indicators": pages.indicator_choices(plan),
        "units": pages.visible_units(request.user, plan),
        "statuses": pages.status_counts(all_rows),
        "selected": {"indicator": indicator, "unit": unit, "status": status, "trend": with_trend},
        "colours": pages.STATUS_COLOURS,
        "kinds": pages.KIND_LABELS,
        "run": pages.last_good_run(plan),
    }
    return render(request, "monitoring/progress.html", context)


@monitoring_view
def values(request: HttpRequest, plan: Plan) -> HttpResponse:
    if (empty := _empty(request, plan, "指标数据")) is not None:
        return empty
    choices = pages.indicator_choices(plan)
    code = request.GET.get("indicator", "")
    indicator = choices.filter(code=code).first() if code else choices.filter(headline=True).first()
    indicator = indicator or choices.first()
    quarterly = request.GET.get("quarterly") == "1"
    matrix = pages.value_matrix(request.user, plan, indicator, quarterly=quarterly) if indicator else None
    context = {
        "plan": plan,
        "indicators": choices,
        "indicator": indicator,
        "matrix": matrix,
        "quarterly": quarterly,
    }
    return render(request, "monitoring/values.html", context)


@monitoring_view
def value_detail(request: HttpRequest, plan: Plan, indicator: str, unit: str, period: str) -> HttpResponse:
    value = pages.value_for(request.user, plan, indicator, unit, period)
    if value is None:
        raise Http404("没有该指标值,或您无权查看")
    page_number = _page_number(request)
    found = pages.lineage(value, limit=LINEAGE_PAGE, offset=(page_number - 1) * LINEAGE_PAGE)
    pager = Paginator(range(found.count), LINEAGE_PAGE).get_page(page_number) if found.count else None
    definition = get_object_or_404(Indicator, pk=value.indicator_id)
    context = {
        "plan": plan,
        "value": value,
        "indicator": definition,
        "formula": definition.formula or {},
        "series": pages.unit_series(value).visible_to(request.user),
        "lineage": found,
        "pager": pager,
        "assessments": pages.progress_rows(request.user, plan, indicator=indicator, unit=unit),
        "colours": pages.STATUS_COLOURS,
    }
    return render(request, "monitoring/value.html", context)


@monitoring_view
def warnings(request: HttpRequest, plan: Plan) -> HttpResponse:
    if (empty := _empty(request, plan, "预警")) is not None:
        return empty
    level = request.GET.get("level", "")
    unit = request.GET.get("unit", "")
    rows = pages.warnings_for(request.user, plan, level=level, unit=unit)
    page = Paginator(rows, 100).get_page(_page_number(request))
    context = {
        "plan": plan,
        "page": page,
        "levels": sorted(set(pages.warnings_for(request.user, plan).values_list("level", flat=True))),
        "units": pages.visible_units(request.user, plan),
        "selected": {"level": level, "unit": unit},
    }
    return render(request, "monitoring/warnings.html", context)


@monitoring_view
def index(request: HttpRequest, plan: Plan) -> HttpResponse:
    if (empty := _empty(request, plan, "发展指数与考核评价")) is not None:
        return empty
    year = _int(request.GET.get("year"))
    context = {
        "plan": plan,
        "table": pages.index_table(request.user, plan, year),
        "scorecards": pages.scorecards_for(request.user, plan),
    }
    return render(request, "monitoring/index.html", context)


def _may_recompute(user: Any) -> bool:
    return bool(user.is_superuser or any(r.role == Role.OFFICE_STAFF for r in roles_of(user)))


@monitoring_view
def runs(request: HttpRequest, plan: Plan) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or any(r.role in ZONE_ROLES for r in roles_of(user))):
        raise PermissionDenied(gettext("只有试验区层级的用户可以查看计算记录"))
    context = {
        "plan": plan,
        "runs": pages.recent_runs(plan),
        "pending": freshness.pending_register_changes(plan),
        "may_recompute": _may_recompute(user),
    }
    return render(request, "monitoring/runs.html", context)


@require_POST
@monitoring_view
def recompute_now(request: HttpRequest, plan: Plan) -> HttpResponse:
    """省创新办 starts a full recompute (e.g. after register changes); it runs in the request."""
    if not _may_recompute(request.user):
        raise PermissionDenied(gettext("只有省创新办可以发起全量重算"))
    try:
        run = services.recompute(plan, trigger=Trigger.MANUAL)
    except services.MonitoringError as exc:
        messages.error(request, gettext("全量重算失败:%(reason)s") % {"reason": exc})
    else:
        messages.success(
            request,
            gettext("全量重算已完成(计算记录 #%(run)s,用时 %(seconds).1f 秒)。")
            % {"run": run.pk, "seconds": (run.duration_ms or 0) / 1000},
        )
    return redirect(f"{reverse('monitoring:runs')}?{urlencode({'plan': plan.code})}")


def _page_number(request: HttpRequest) -> int:
    number = _int(request.GET.get("page"))
    return number if number and number > 0 else 1


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
