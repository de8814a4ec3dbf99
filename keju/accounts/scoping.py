"""Who may see and do what, as Q objects (NetBox style: permissions live in querysets).

Every function takes a user and an action and returns a Q to filter the model's
queryset with; managers call them as `Model.objects.visible_to(user, action)`.
Rules, per role:

- superuser: everything.
- office_staff (省创新办): the whole zone; views, reviews, and keeps the register and tasks.
- working_group_staff (工作小组): views the whole zone; changes only the tasks of its group.
- evaluator (第三方评估): views the whole zone, changes nothing.
- district_reviewer (管委会审核员): its district — the enterprises ever placed there (view),
  those placed there now (change), the reports whose `district` is it (view), their
  enterprise reports (review) and the district's own reports (change).
- enterprise_reporter (企业填报员): its enterprise and the enterprise's reports.
- Nobody but the respondent changes a report (see report_q).
- anonymous users, inactive users and users without a role: nothing. Public pages
  show the published plan without going through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from django.db.models import Q

from keju.accounts.models import ZONE_ROLES, Role, RoleAssignment

Action = Literal["view", "change", "review"]
ACTIONS: frozenset[str] = frozenset({"view", "change", "review"})

NOTHING = Q(pk__in=[])
EVERYTHING = Q()

_CACHE_ATTR = "_keju_roles"


def roles_of(user: Any) -> list[RoleAssignment]:
    """The user's role assignments, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        # With the plans (without their large document): the API picks the user's plan from
        # its roles without another query.
        cached = list(
            RoleAssignment.objects.filter(user_id=user.pk)
            .select_related("org_unit__plan", "enterprise__plan", "working_group")
            .defer("org_unit__plan__document", "enterprise__plan__document")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after assigning or revoking one)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: Any, *roles: str) -> bool:
    return any(r.role in roles for r in roles_of(user))


def _check(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {sorted(ACTIONS)}")


def _is_superuser(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def _zone_plans(roles: Iterable[RoleAssignment], allowed: Iterable[str]) -> set[int]:
    allowed = set(allowed)
    return {r.org_unit.plan_id for r in roles if r.role in allowed and r.role in ZONE_ROLES}


def _any(parts: list[Q]) -> Q:
    if not parts:
        return NOTHING
    result = parts[0]
    for part in parts[1:]:
        result |= part
    return result


def _zone_roles_for(action: str) -> set[str]:
    # Working groups and evaluators see the zone; only the office acts on its data.
    return set(ZONE_ROLES) if action == "view" else {Role.OFFICE_STAFF}


def _subtree_q(unit_id: int, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}pk": unit_id})
        | Q(**{f"{prefix}parent_id": unit_id})
        | Q(**{f"{prefix}parent__parent_id": unit_id})
    )


def org_unit_q(user: Any, action: Action = "view", prefix: str = "") -> Q:
    """Org units in the user's scope: the whole tree for zone roles, a district's subtree for
    its reviewer, the units its enterprise has been placed in for a reporter (view only)."""
    _check(action)
    if _is_superuser(user):
        return EVERYTHING
    roles = roles_of(user)
    parts: list[Q] = []
    if plans := _zone_plans(roles, _zone_roles_for(action)):
        parts.append(Q(**{f"{prefix}plan_id__in": plans}))
    for r in roles:
        if r.role == Role.DISTRICT_REVIEWER:
            parts.append(_subtree_q(r.org_unit_id, prefix))
        elif r.role == Role.ENTERPRISE_REPORTER and action == "view":
            from keju.orgs.models import EnterprisePlacement

            placed = EnterprisePlacement.objects.filter(enterprise_id=r.enterprise_id)
            parts.append(
                Q(**{f"{prefix}pk__in": placed.values("district_id")})
                | Q(**{f"{prefix}pk__in": placed.exclude(park=None).values("park_id")})
            )
    return _any(parts)


def enterprise_q(user: Any, action: Action = "view", prefix: str = "") -> Q:
    """Enterprises in the user's scope. A reviewer views every enterprise that has ever been
    placed in its district (their past reports stay reviewable) but changes only those placed
    there now; a reporter views and changes its own enterprise."""
    _check(action)
    if _is_superuser(user):
        return EVERYTHING
    from keju.orgs.models import EnterprisePlacement

    roles = roles_of(user)
    parts: list[Q] = []
    if plans := _zone_plans(roles, _zone_roles_for(action)):
        parts.append(Q(**{f"{prefix}plan_id__in": plans}))
    for r in roles:
        if r.role == Role.DISTRICT_REVIEWER:
            placed = EnterprisePlacement.objects.filter(district_id=r.org_unit_id)
            if action != "view":
                placed = placed.filter(valid_to__isnull=True)
            parts.append(Q(**{f"{prefix}pk__in": placed.values("enterprise_id")}))
        elif r.role == Role.ENTERPRISE_REPORTER and action in {"view", "change"}:
            parts.append(Q(**{f"{prefix}pk": r.enterprise_id}))
    return _any(parts)


def report_q(user: Any, action: Action = "view", prefix: str = "") -> Q:
    """Reports in the user's scope.

    "change" follows the 四条红线 of statistical reporting: respondents report for
    themselves and nobody edits their figures — an enterprise's reporter changes its
    reports, a district's reviewer the district's own reports, the office none.
    "review": a reviewer checks the enterprise reports of its district, the office any
    report of the zone (it is the one that checks the district reports).
    A report's `district` is fixed when it is made (where the respondent sat in the
    report's period), so moving an enterprise later does not hand its old reports over.
    """
    _check(action)
    if _is_superuser(user):
        return EVERYTHING
    roles = roles_of(user)
    parts: list[Q] = []
    zone_roles = {"view": ZONE_ROLES, "review": {Role.OFFICE_STAFF}, "change": set()}[action]
    if plans := _zone_plans(roles, zone_roles):
        parts.append(Q(**{f"{prefix}plan_id__in": plans}))
    for r in roles:
        if r.role == Role.DISTRICT_REVIEWER:
            parts.append(
                {
                    "view": Q(**{f"{prefix}district_id": r.org_unit_id}),
                    "review": Q(
                        **{f"{prefix}district_id": r.org_unit_id, f"{prefix}enterprise__isnull": False}
                    ),
                    "change": Q(**{f"{prefix}org_unit_id": r.org_unit_id}),
                }[action]
            )
        elif r.role == Role.ENTERPRISE_REPORTER and action in {"view", "change"}:
            parts.append(Q(**{f"{prefix}enterprise_id": r.enterprise_id}))
    return _any(parts)


def task_q(user: Any, action: Action = "view", prefix: str = "") -> Q:
    """Plan tasks: everyone with a role in the plan views them; the office changes all of
    them (tracking status), a working group the tasks assigned to it."""
    _check(action)
    if _is_superuser(user):
        return EVERYTHING
    roles = roles_of(user)
    parts: list[Q] = []
    if action == "view":
        plans = {(r.enterprise.plan_id if r.enterprise_id else r.org_unit.plan_id) for r in roles}
        if plans:
            parts.append(Q(**{f"{prefix}plan_id__in": plans}))
        return _any(parts)
    if plans := _zone_plans(roles, {Role.OFFICE_STAFF}):
        parts.append(Q(**{f"{prefix}plan_id__in": plans}))
    for r in roles:
        if r.role == Role.WORKING_GROUP_STAFF:
            parts.append(Q(**{f"{prefix}working_group_id": r.working_group_id}))
    return _any(parts)
