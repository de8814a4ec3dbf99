"""我的填报: what the user must fill, with status, deadlines and reminders; starting a report."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from keju.accounts.models import Role
from keju.accounts.scoping import has_role, roles_of
from keju.orgs.models import Enterprise, OrgUnit
from keju.reporting import services
from keju.reporting.models import Channel, Report
from keju.reporting.views.reminders import reporter_reminders, reviewer_reminders, todo_rows


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = todo_rows(request.user, today)
    reviewer = has_role(request.user, Role.DISTRICT_REVIEWER, Role.OFFICE_STAFF) or request.user.is_superuser
    reminders = reviewer_reminders(request.user, today) if reviewer else reporter_reminders(rows, today)
    context = {
        "rows": rows,
        "returned": [r for r in rows if r.return_reason],
        "reminders": reminders,
        "today": today,
        "is_reviewer": reviewer,
        "has_roles": bool(roles_of(request.user)) or request.user.is_superuser,
        "others": Report.objects.visible_to(request.user, "change")
        .exclude(pk__in=[r.report.pk for r in rows if r.report])
        .select_related("enterprise", "org_unit")
        .order_by("-updated_at")[:20],
    }
    return render(request, "reporting/mine.html", context)


class StartForm(forms.Form):
    form = forms.CharField(max_length=16)
    period = forms.CharField(max_length=8)
    enterprise_id = forms.IntegerField(required=False)
    org_unit_id = forms.IntegerField(required=False)


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Open (or find) the report of a form, period and respondent, then go to its fill page."""
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("填报请求不完整,请从“我的填报”重新进入。"))
        return redirect(reverse("reporting:mine"))
    data = form.cleaned_data
    enterprise = org_unit = None
    # Respondents only within the user's scope; the service checks the right to fill again.
    if data["enterprise_id"]:
        enterprise = Enterprise.objects.visible_to(request.user).filter(pk=data["enterprise_id"]).first()
    elif data["org_unit_id"]:
        org_unit = OrgUnit.objects.visible_to(request.user).filter(pk=data["org_unit_id"]).first()
    if enterprise is None and org_unit is None:
        messages.error(request, _("未找到填报单位,或您无权为其填报。"))
        return redirect(reverse("reporting:mine"))
    plan = enterprise.plan if enterprise is not None else org_unit.plan  # one of them is set
    try:
        report = services.open_report(
            actor=request.user,
            plan=plan,
            form_code=data["form"],
            period=data["period"],
            enterprise=enterprise,
            org_unit=org_unit,
            channel=Channel.WEB,
        )
    except services.ReportingError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("reporting:mine"))
    return redirect(reverse("reporting:report", args=[report.pk]))
