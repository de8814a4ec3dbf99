"""Giving users roles, with the scope each role needs."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from keju.accounts.models import Role, RoleAssignment
from keju.accounts.scoping import forget_roles
from keju.orgs.models import Enterprise, OrgLevel, OrgUnit
from keju.planning.models import GoverningBody


class RoleError(Exception):
    """A role that does not fit its scope; the message is for the user, in the active language."""


def assign_role(
    user: Any,
    role: str,
    *,
    org_unit: OrgUnit | None = None,
    enterprise: Enterprise | None = None,
    working_group: GoverningBody | None = None,
) -> RoleAssignment:
    """Give `user` a role, idempotently.

    企业填报员 needs an enterprise; 管委会审核员 a district; 省创新办 and 第三方评估 the zone;
    工作小组 a working-group body (its zone is implied). Raises RoleError otherwise.
    """
    role, scope = role_scope(role, org_unit=org_unit, enterprise=enterprise, working_group=working_group)
    with transaction.atomic():
        assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, **scope)
    forget_roles(user)
    return assignment


def role_scope(
    role: str,
    *,
    org_unit: OrgUnit | None = None,
    enterprise: Enterprise | None = None,
    working_group: GoverningBody | None = None,
) -> tuple[Role, dict[str, Any]]:
    """Check that the scope fits the role; return the role and the assignment's scope fields."""
    try:
        role = Role(role)
    except ValueError:
        raise RoleError(_("未知的角色“%(role)s”") % {"role": role}) from None
    label = role.label

    if role == Role.ENTERPRISE_REPORTER:
        if enterprise is None:
            raise RoleError(_("%(role)s须指定所属企业") % {"role": label})
        if org_unit is not None or working_group is not None:
            raise RoleError(_("%(role)s只能指定企业,不能指定组织单元或工作小组") % {"role": label})
        scope = {"enterprise": enterprise}
    else:
        if enterprise is not None:
            raise RoleError(_("%(role)s不能指定企业") % {"role": label})
        if role == Role.WORKING_GROUP_STAFF:
            if working_group is None:
                raise RoleError(_("%(role)s须指定工作小组") % {"role": label})
            if working_group.kind != "working_group":
                raise RoleError(_("“%(name)s”不是工作小组") % {"name": working_group.name})
            zone = OrgUnit.objects.zone(working_group.plan_id)
            if org_unit is not None and org_unit.pk != zone.pk:
                raise RoleError(
                    _("%(role)s的范围是试验区“%(zone)s”,不能指定“%(unit)s”")
                    % {"role": label, "zone": zone.name, "unit": org_unit.name}
                )
            org_unit = zone
        elif working_group is not None:
            raise RoleError(_("%(role)s不能指定工作小组") % {"role": label})
        if org_unit is None:
            if role == Role.DISTRICT_REVIEWER:
                raise RoleError(_("%(role)s须指定所辖区") % {"role": label})
            raise RoleError(_("%(role)s须指定试验区") % {"role": label})
        if role == Role.DISTRICT_REVIEWER and org_unit.level != OrgLevel.DISTRICT:
            raise RoleError(
                _("%(role)s须指定一个区,“%(unit)s”是%(level)s")
                % {"role": label, "unit": org_unit.name, "level": org_unit.get_level_display()}
            )
        if role in (Role.OFFICE_STAFF, Role.EVALUATOR) and org_unit.level != OrgLevel.ZONE:
            raise RoleError(
                _("%(role)s的范围须是试验区,“%(unit)s”是%(level)s")
                % {"role": label, "unit": org_unit.name, "level": org_unit.get_level_display()}
            )
        scope = {"org_unit": org_unit, "working_group": working_group}
    return role, scope


def revoke_role(assignment: RoleAssignment) -> None:
    user = assignment.user
    assignment.delete()
    forget_roles(user)
