"""Completeness and timeliness (报送率、及时率) per district, form and period, and the list of
respondents who have not reported or are late. Zone staff see every district, a district
reviewer its own; enterprise reporters have no business here."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from keju.accounts.models import Role
from keju.accounts.scoping import has_role
from keju.reporting import services
from keju.reporting.models import Report, ReportingPeriod
from keju.web.summaries import current_plan

OVERDUE_PAGE_SIZE = 100
SEES_COMPLETENESS = (Role.DISTRICT_REVIEWER, Role.OFFICE_STAFF, Role.WORKING_GROUP_STAFF, Role.EVALUATOR)


@dataclass
class Total:
    expected: int = 0
    reported: int = 0
    on_time: int = 0
    approved: int = 0

    def add(self, row: services.CompletenessRow) -> None:
        self.expected += row.expected
        self.reported += row.reported
        self.on_time += row.on_time
        self.approved += row.approved

    @property
    def rate(self) -> float | None:
        return self.reported / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@login_required
@require_GET
def completeness(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or has_role(request.user, *SEES_COMPLETENESS)):
        raise PermissionDenied(_("报送情况只对管委会审核员和试验区工作人员开放。"))
    plan = current_plan(request.GET.get("plan"))
    if plan is None:
        return render(request, "web/no_plan.html")
    today = timezone.localdate()
    form_code = request.GET.get("form", "").strip() or None
    period = request.GET.get("period", "").strip() or None
    only_open = request.GET.get("all") != "1"
    try:
        forms = services.forms_for(plan)
        rows = services.completeness(
            plan, form_code=form_code, period=period, user=request.user, only_open=only_open
        )
        late = services.overdue_respondents(plan, user=request.user, today=today, form_code=form_code)
    except services.ReportingError as exc:
        return render(
            request, "reporting/completeness.html", {"error": exc.message, "plan": plan}, status=422
        )
    if period:
        late = [r for r in late if r.period == period]
    totals: dict[tuple[str, str], Total] = {}
    for row in rows:
        totals.setdefault((row.form_code, row.period), Total()).add(row)
    groups = [
        {
            "form_code": code,
            "period": p,
            "total": total,
            "rows": [r for r in rows if (r.form_code, r.period) == (code, p)],
        }
        for (code, p), total in totals.items()
    ]
    # Reported, but after the deadline (judged on the first submission).
    late_reports = Report.objects.visible_to(request.user).filter(plan=plan).late()
    if form_code:
        late_reports = late_reports.filter(form_code=form_code)
    if period:
        late_reports = late_reports.filter(period=period)
    if only_open:
        late_reports = late_reports.filter(period_open=True)
    late_reports = late_reports.select_related("enterprise", "org_unit", "district").order_by(
        "form_code", "period", "district_id", "id"
    )
    periods = ReportingPeriod.objects.filter(plan=plan)
    if only_open:
        periods = periods.filter(is_open=True)
    context = {
        "plan": plan,
        "groups": groups,
        "forms": forms,
        "form_code": form_code or "",
        "period": period or "",
        "only_open": only_open,
        "periods": sorted(set(periods.values_list("period", flat=True)), reverse=True),
        "late_page": Paginator(late, OVERDUE_PAGE_SIZE).get_page(request.GET.get("page")),
        "late_count": len(late),
        "late_reports": Paginator(late_reports, OVERDUE_PAGE_SIZE).get_page(request.GET.get("late_page")),
        "today": today,
    }
    return render(request, "reporting/completeness.html", context)
