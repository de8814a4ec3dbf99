from django.http import HttpRequest

from keju.accounts.models import ZONE_ROLES, Role
from keju.accounts.scoping import roles_of


def user_roles(request: HttpRequest) -> dict:
    """The signed-in user's roles for the header, and which menu sections they can use.

    roles_of caches the roles per request, so this costs one query per page.
    """
    user = getattr(request, "user", None)
    roles = roles_of(user)
    kinds = {r.role for r in roles}
    superuser = bool(getattr(user, "is_superuser", False))
    zone = superuser or bool(kinds & ZONE_ROLES)
    return {
        "user_roles": [f"{r.get_role_display()}({r.enterprise or r.org_unit or ''})" for r in roles],
        "menu": {
            "reporting": superuser
            or bool(kinds & {Role.ENTERPRISE_REPORTER, Role.DISTRICT_REVIEWER})
            or zone,
            "review": superuser or bool(kinds & {Role.DISTRICT_REVIEWER, Role.OFFICE_STAFF}),
            "monitoring": zone or Role.DISTRICT_REVIEWER in kinds,
            "pools": zone or Role.DISTRICT_REVIEWER in kinds,
            "vouchers": superuser
            or bool(kinds & {Role.ENTERPRISE_REPORTER, Role.OFFICE_STAFF})
            or _provider_member(user),
        },
    }


def _provider_member(user: object) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    from keju.vouchers.models import Provider

    return Provider.objects.filter(members=user).exists()
