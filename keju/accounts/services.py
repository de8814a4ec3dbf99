"""Giving users roles, with the scope each role needs."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from keju.accounts.models import Role, RoleAssignment
from keju.accounts.scoping import forget_roles
from keju.orgs.models import Enterprise, OrgLevel, OrgUnit
from keju.planning.models import GoverningBody


class RoleError(Exception):
    """A role that does not fit its scope; the message is for the user, in Chinese."""


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
        raise RoleError(f"未知的角色“{role}”") from None
    label = role.label

    if role == Role.ENTERPRISE_REPORTER:
        if enterprise is None:
            raise RoleError(f"{label}须指定所属企业")
        if org_unit is not None or working_group is not None:
            raise RoleError(f"{label}只能指定企业,不能指定组织单元或工作小组")
        scope = {"enterprise": enterprise}
    else:
        if enterprise is not None:
            raise RoleError(f"{label}不能指定企业")
        if role == Role.WORKING_GROUP_STAFF:
            if working_group is None:
                raise RoleError(f"{label}须指定工作小组")
            if working_group.kind != "working_group":
                raise RoleError(f"“{working_group.name}”不是工作小组")
            zone = OrgUnit.objects.zone(working_group.plan_id)
            if org_unit is not None and org_unit.pk != zone.pk:
                raise RoleError(f"{label}的范围是试验区“{zone.name}”,不能指定“{org_unit.name}”")
            org_unit = zone
        elif working_group is not None:
            raise RoleError(f"{label}不能指定工作小组")
        if org_unit is None:
            need = "所辖区" if role == Role.DISTRICT_REVIEWER else "试验区"
            raise RoleError(f"{label}须指定{need}")
        if role == Role.DISTRICT_REVIEWER and org_unit.level != OrgLevel.DISTRICT:
            raise RoleError(f"{label}须指定一个区,“{org_unit.name}”是{org_unit.get_level_display()}")
        if role in (Role.OFFICE_STAFF, Role.EVALUATOR) and org_unit.level != OrgLevel.ZONE:
            raise RoleError(f"{label}的范围须是试验区,“{org_unit.name}”是{org_unit.get_level_display()}")
        scope = {"org_unit": org_unit, "working_group": working_group}
    return role, scope


def revoke_role(assignment: RoleAssignment) -> None:
    user = assignment.user
    assignment.delete()
    forget_roles(user)
