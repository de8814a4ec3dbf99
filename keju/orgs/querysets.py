"""Reusable queries on org units, enterprises and their placements.

Placement periods are half-open: [valid_from, valid_to), valid_to empty while
current. "On a date" therefore means valid_from <= date < valid_to.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from keju.accounts.scoping import Action
    from keju.orgs.models import OrgUnit


def _pk(unit: OrgUnit | int) -> int:
    return unit if isinstance(unit, int) else unit.pk


def covering_q(on: date | None, prefix: str = "") -> Q:
    """Placements covering `on`; with on=None, the current (open) placements."""
    if on is None:
        return Q(**{f"{prefix}valid_to__isnull": True})
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on})
    )


class OrgUnitQuerySet(models.QuerySet):
    def zone(self, plan: Any) -> OrgUnit:
        """The root of a plan's tree."""
        return self.get(plan=plan, level="zone")

    def districts(self) -> OrgUnitQuerySet:
        return self.filter(level="district")

    def subtree(self, unit: OrgUnit | int) -> OrgUnitQuerySet:
        """`unit` and everything below it (the tree is at most four levels deep)."""
        pk = _pk(unit)
        return self.filter(
            Q(pk=pk) | Q(parent_id=pk) | Q(parent__parent_id=pk) | Q(parent__parent__parent_id=pk)
        )

    def visible_to(self, user: Any, action: Action = "view") -> OrgUnitQuerySet:
        from keju.accounts.scoping import org_unit_q

        return self.filter(org_unit_q(user, action))


class PlacementQuerySet(models.QuerySet):
    def covering(self, on: date | None) -> PlacementQuerySet:
        return self.filter(covering_q(on))

    def current(self) -> PlacementQuerySet:
        return self.filter(valid_to__isnull=True)


class EnterpriseQuerySet(models.QuerySet):
    def active_on(self, on: date) -> EnterpriseQuerySet:
        """Registered on `on`: opened on or before it and not yet closed."""
        return self.filter(Q(opened_on__lte=on) & (Q(closed_on__isnull=True) | Q(closed_on__gt=on)))

    # One filter() call per lookup so that all conditions apply to the same
    # placement row; at most one placement covers a date, so no duplicates.
    def in_district(self, district: OrgUnit | int, on: date | None = None) -> EnterpriseQuerySet:
        """Enterprises placed in `district` on `on` (default: now)."""
        return self.filter(Q(placements__district_id=_pk(district)) & covering_q(on, "placements__"))

    def in_park(self, park: OrgUnit | int, on: date | None = None) -> EnterpriseQuerySet:
        return self.filter(Q(placements__park_id=_pk(park)) & covering_q(on, "placements__"))

    def in_org_unit(self, unit: OrgUnit, on: date | None = None) -> EnterpriseQuerySet:
        """Enterprises placed anywhere under `unit` (zone, city, district or park) on `on`."""
        where = {
            "zone": Q(placements__district__plan_id=unit.plan_id),
            "city": Q(placements__district__parent_id=unit.pk),
            "district": Q(placements__district_id=unit.pk),
            "park": Q(placements__park_id=unit.pk),
        }[unit.level]
        return self.filter(where & covering_q(on, "placements__"))

    def with_placement(self, on: date | None = None) -> EnterpriseQuerySet:
        """Annotate `district_id_on` and `park_id_on`: where each enterprise sat on `on`."""
        from keju.orgs.models import EnterprisePlacement

        placement = EnterprisePlacement.objects.filter(covering_q(on), enterprise_id=models.OuterRef("pk"))
        return self.annotate(
            district_id_on=models.Subquery(placement.values("district_id")[:1]),
            park_id_on=models.Subquery(placement.values("park_id")[:1]),
        )

    def visible_to(self, user: Any, action: Action = "view") -> EnterpriseQuerySet:
        from keju.accounts.scoping import enterprise_q

        return self.filter(enterprise_q(user, action))
