"""Reusable queries on reports and reporting periods (permissions included)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

if TYPE_CHECKING:
    from keju.accounts.scoping import Action


def local_today() -> date:
    """Today in the project's time zone (deadlines are calendar days in China)."""
    return timezone.localdate()


def _period_of_report() -> Any:
    from keju.reporting.models import ReportingPeriod

    return ReportingPeriod.objects.filter(
        plan_id=OuterRef("plan_id"), form_code=OuterRef("form_code"), period=OuterRef("period")
    )


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: Action = "view") -> ReportQuerySet:
        """Reports the user may view, change or review (see keju.accounts.scoping)."""
        from keju.accounts.scoping import report_q

        return self.filter(report_q(user, action))

    def with_due(self) -> ReportQuerySet:
        """Annotate `due_on` and `period_open` from the report's reporting period (None if it has none)."""
        period = _period_of_report()
        return self.annotate(
            due_on=Subquery(period.values("due_on")[:1]),
            period_open=Subquery(period.values("is_open")[:1]),
        )

    def with_warning_counts(self) -> ReportQuerySet:
        """Annotate, for the report's current version: `warning_count` (explained warnings),
        `rejected_count` (explanations the reviewer rejected) and `pending_count`."""
        from keju.reporting.models import Explanation, ExplanationStatus

        def count(**filters: Any) -> Any:
            rows = (
                Explanation.objects.filter(report_id=OuterRef("pk"), version=OuterRef("version"), **filters)
                .order_by()
                .values("report_id")
                .annotate(n=Count("pk"))
                .values("n")
            )
            return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))

        return self.annotate(
            warning_count=count(),
            rejected_count=count(status=ExplanationStatus.REJECTED),
            pending_count=count(status=ExplanationStatus.PENDING),
        )

    def review_queue(self, user: Any) -> ReportQuerySet:
        """Submitted reports the user may review, oldest submission first, with their warnings
        counted (the explanations themselves: `report.explanations.filter(version=report.version)`)."""
        from keju.reporting.models import ReportStatus

        return (
            self.visible_to(user, "review")
            .filter(status=ReportStatus.SUBMITTED)
            .with_due()
            .with_warning_counts()
            .select_related("enterprise", "org_unit", "district")
            .order_by("submitted_at", "id")
        )

    def late(self) -> ReportQuerySet:
        """Reports first submitted after their period's due date (a day ends at midnight local time)."""
        return self.with_due().filter(first_submitted_at__date__gt=models.F("due_on"))

    def overdue(self, user: Any = None, *, today: date | None = None) -> ReportQuerySet:
        """Started but not submitted (draft or returned) while the due date of their open period
        has passed. Respondents who have not even started are listed by
        keju.reporting.services.overdue_respondents. With `user`, only what the user may view."""
        from keju.reporting.models import EDITABLE_STATUSES

        today = today or local_today()
        period = _period_of_report().filter(is_open=True, due_on__lt=today)
        qs = self.filter(Exists(period), status__in=EDITABLE_STATUSES).with_due()
        if user is not None:
            qs = qs.visible_to(user, "view")
        return qs.select_related("enterprise", "org_unit", "district").order_by("due_on", "district_id", "id")

    def of_period(self, form_code: str, period: str) -> ReportQuerySet:
        return self.filter(form_code=form_code, period=period)


class PeriodQuerySet(models.QuerySet):
    def open(self) -> PeriodQuerySet:
        return self.filter(is_open=True)

    def past_due(self, today: date | None = None) -> PeriodQuerySet:
        return self.filter(is_open=True, due_on__lt=today or local_today())

    def of_plan(self, plan: Any) -> PeriodQuerySet:
        return self.filter(plan=plan)

    def visible_to(self, user: Any) -> PeriodQuerySet:
        """Reporting periods are shown to anyone with a role in the plan (they are not secret,
        but the public sees nothing of the reporting system)."""
        from keju.accounts.scoping import roles_of

        if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
            return self
        plans = {(r.enterprise.plan_id if r.enterprise_id else r.org_unit.plan_id) for r in roles_of(user)}
        return self.filter(Q(plan_id__in=plans)) if plans else self.none()
