"""Who may see which monitoring results (before publishing; the public pages come with publishing).

- superuser: everything;
- 省创新办, 工作小组, 第三方评估 (zone roles): every org unit of their zone;
- 管委会审核员: its district and the district's parks (not the zone, not other districts);
- enterprise reporters, users without a role, anonymous users: nothing. Aggregates of
  unpublished data are not theirs to see.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from keju.accounts.models import ZONE_ROLES, Role
from keju.accounts.scoping import NOTHING, roles_of


def monitoring_unit_q(user: Any, prefix: str = "") -> Q:
    """Org units whose monitoring results the user may view (prefix: path to the OrgUnit)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Q()
    parts: list[Q] = []
    for r in roles_of(user):
        if r.role in ZONE_ROLES:
            parts.append(Q(**{f"{prefix}plan_id": r.org_unit.plan_id}))
        elif r.role == Role.DISTRICT_REVIEWER:
            parts.append(Q(**{f"{prefix}pk": r.org_unit_id}) | Q(**{f"{prefix}parent_id": r.org_unit_id}))
    if not parts:
        return NOTHING
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def can_view_monitoring(user: Any) -> bool:
    """Whether the user may open the monitoring pages at all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser) or any(
        r.role in ZONE_ROLES or r.role == Role.DISTRICT_REVIEWER for r in roles_of(user)
    )


class MonitoredQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> MonitoredQuerySet:
        """Rows about org units the user may view (see monitoring_unit_q)."""
        return self.filter(monitoring_unit_q(user, "org_unit__"))
