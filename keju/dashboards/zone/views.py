"""Zone dashboards: the headline overview, the district comparison and the drill-down.

Access as for the monitoring pages: zone roles see the zone, a district's reviewer its
district and parks; everyone else is refused. Every figure is read from the stored results
through keju.dashboards.cache, once per results version, user scope and language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from keju.dashboards.cache import cached, results_version
from keju.dashboards.zone import services
from keju.monitoring import pages
from keju.monitoring.views import monitoring_view
from keju.orgs.models import OrgLevel, OrgUnit
from keju.planning.models import Indicator, Plan


def _empty(request: HttpRequest, plan: Plan, version: str, tab: str) -> HttpResponse | None:
    """The explanation page while the plan has no stored results (no reports, none approved,
    or not computed yet)."""
    if cached(plan, "zone-has-results", (), lambda: pages.has_results(plan), version=version):
        return None
    context = {"plan": plan, "tab": tab, **pages.empty_state(plan)}
    return render(request, "dashboards/zone/empty.html", context)


def _year(request: HttpRequest, years: list[int]) -> int | None:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    return year if year in years else (years[0] if years else None)


def _body(
    plan: Plan, version: str, name: str, key: Any, template: str, context: Callable[[], dict[str, Any]]
) -> str:
    """The page's dashboard part, rendered once per results version and key (scope, language,
    filters) and kept as HTML: a warm request only signs the user in and wraps it in the layout.
    The templates escape every user text when the fragment is rendered."""
    return mark_safe(  # noqa: S308 — our own template output, escaped when rendered
        cached(plan, name, key, lambda: render_to_string(template, context()), version=version)
    )


@monitoring_view
def overview(request: HttpRequest, plan: Plan) -> HttpResponse:
    version = results_version(plan)
    if (empty := _empty(request, plan, version, "overview")) is not None:
        return empty
    scope = services.scope_of(request.user, plan)
    body = _body(
        plan,
        version,
        "zone-overview",
        scope.key,
        "dashboards/zone/_overview_body.html",
        lambda: {"data": services.overview(plan, scope)},
    )
    return render(request, "dashboards/zone/overview.html", {"plan": plan, "tab": "overview", "body": body})


@monitoring_view
def districts(request: HttpRequest, plan: Plan) -> HttpResponse:
    version = results_version(plan)
    if (empty := _empty(request, plan, version, "districts")) is not None:
        return empty
    scope = services.scope_of(request.user, plan)
    years = cached(plan, "zone-years", (), lambda: services.value_years(plan), version=version)
    year = _year(request, years)
    sort = request.GET.get("sort", "")
    descending = request.GET.get("order", "desc") != "asc"

    def build() -> dict[str, Any]:
        table = services.districts_table(plan, scope, year) if year else {"indicators": [], "rows": []}
        return _districts_context(plan, scope, table, years, year, sort, descending)

    codes = cached(plan, "zone-headline-codes", (), lambda: services.headline_codes(plan), version=version)
    sort = sort if sort in codes else (codes[0] if codes else "")
    body = _body(
        plan,
        version,
        "zone-districts",
        (scope.key, year, sort, descending),
        "dashboards/zone/_districts_body.html",
        build,
    )
    return render(request, "dashboards/zone/districts.html", {"plan": plan, "tab": "districts", "body": body})


def _districts_context(
    plan: Plan,
    scope: services.Scope,
    table: dict[str, Any],
    years: list[int],
    year: int | None,
    sort: str,
    descending: bool,
) -> dict[str, Any]:
    codes = [i["code"] for i in table["indicators"]]
    sort = sort if sort in codes else (codes[0] if codes else "")
    rows = list(table["rows"])
    if sort:
        column = codes.index(sort)
        present = [r for r in rows if r["cells"][column]["value"] is not None]
        present.sort(key=lambda r: r["cells"][column]["value"], reverse=descending)
        rows = present + [r for r in rows if r["cells"][column]["value"] is None]  # missing last
    chart = {
        "names": [r["name"] for r in rows],
        "values": [r["cells"][codes.index(sort)]["value"] for r in rows] if sort else [],
        "indicator": next((i["name"] for i in table["indicators"] if i["code"] == sort), ""),
    }
    return {
        "plan": plan,
        "years": years,
        "year": year,
        "indicators": table["indicators"],
        "rows": rows,
        "sort": sort,
        "descending": descending,
        "chart": chart,
        "top": services.root_unit(plan, scope),
    }


@monitoring_view
def unit(request: HttpRequest, plan: Plan, code: str) -> HttpResponse:
    version = results_version(plan)
    if (empty := _empty(request, plan, version, "districts")) is not None:
        return empty
    scope = services.scope_of(request.user, plan)
    found = OrgUnit.objects.filter(plan=plan, code=code).select_related("parent__parent__parent").first()
    if found is None or not scope.sees(found):
        raise Http404(_("没有该组织单元,或您无权查看"))
    years = cached(plan, "zone-years", (), lambda: services.value_years(plan), version=version)
    year = _year(request, years)
    choices = cached(
        plan, "zone-indicators", get_language(), lambda: services.indicator_choices(plan), version=version
    )
    wanted = request.GET.get("indicator", "")
    chosen = next((i for i in choices if i["code"] == wanted), choices[0] if choices else None)
    if chosen is None or year is None:
        context = {"plan": plan, "tab": "districts", **pages.empty_state(plan)}
        return render(request, "dashboards/zone/empty.html", context)
    user = request.user

    def build() -> dict[str, Any]:
        indicator = Indicator.objects.get(plan=plan, pk=chosen["pk"])
        enterprises: dict[str, Any] | None = None
        if found.level in (OrgLevel.PARK, OrgLevel.DISTRICT) and services.may_see_enterprises(user, scope):
            # Which enterprises a user may see follows from the scope (the cache key): all of the
            # zone's for zone roles, those ever placed in the district for its reviewer.
            listed = services.enterprise_rows(plan, found, indicator, year)
            visible = services.enterprise_ids_visible(user, [r["id"] for r in listed["rows"]])
            enterprises = {
                "rows": [r for r in listed["rows"] if r["id"] in visible],
                "error": listed["error"],
            }
        return {
            "data": services.drill(plan, scope, found, indicator, year),
            "years": years,
            "year": year,
            "choices": choices,
            "indicator": chosen,
            "enterprises": enterprises,
        }

    body = _body(
        plan,
        version,
        "zone-unit",
        (scope.key, found.pk, chosen["pk"], year),
        "dashboards/zone/_unit_body.html",
        build,
    )
    context = {"plan": plan, "tab": "districts", "body": body, "unit_name": found.name}
    return render(request, "dashboards/zone/unit.html", context)
