"""Who may fill, review and lock which report (the workflow's side of keju.accounts.scoping).

Filling follows contract B: an enterprise's reporter fills its own enterprise's reports;
a district reviewer fills the reports of the enterprises placed in its district in the
report's period (a district's bulk upload) and its district's own forms; 省创新办 fills
any report of its zone. Working groups and evaluators never fill. Reviewing follows
`report_q(user, "review")`; locking is the office's.
"""

from __future__ import annotations

from typing import Any

from keju.accounts.models import Role
from keju.accounts.scoping import report_q, roles_of


def is_superuser(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def _office_plans(user: Any) -> set[int]:
    return {r.org_unit.plan_id for r in roles_of(user) if r.role == Role.OFFICE_STAFF}


def may_fill(
    user: Any, *, plan_id: int, district_id: int, enterprise_id: int | None, org_unit_id: int | None
) -> bool:
    """May `user` enter figures for this respondent, whose district in the period is `district_id`?"""
    if is_superuser(user):
        return True
    for r in roles_of(user):
        if r.role == Role.OFFICE_STAFF and r.org_unit.plan_id == plan_id:
            return True
        if (
            r.role == Role.ENTERPRISE_REPORTER
            and enterprise_id is not None
            and r.enterprise_id == enterprise_id
        ):
            return True
        # A reviewer: its enterprises of that period, or the district's own forms.
        if (
            r.role == Role.DISTRICT_REVIEWER
            and r.org_unit_id == district_id
            and (enterprise_id is not None or org_unit_id == district_id)
        ):
            return True
    return False


def may_fill_report(user: Any, report: Any) -> bool:
    return may_fill(
        user,
        plan_id=report.plan_id,
        district_id=report.district_id,
        enterprise_id=report.enterprise_id,
        org_unit_id=report.org_unit_id,
    )


def may_view_report(user: Any, report: Any) -> bool:
    from keju.reporting.models import Report

    return Report.objects.filter(report_q(user, "view"), pk=report.pk).exists()


def may_review_report(user: Any, report: Any) -> bool:
    from keju.reporting.models import Report

    return Report.objects.filter(report_q(user, "review"), pk=report.pk).exists()


def may_lock_report(user: Any, report: Any) -> bool:
    return is_superuser(user) or report.plan_id in _office_plans(user)


def may_manage_periods(user: Any, plan_id: int) -> bool:
    """Opening and closing reporting periods and moving deadlines: the office."""
    return is_superuser(user) or plan_id in _office_plans(user)
