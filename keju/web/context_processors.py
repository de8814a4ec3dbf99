from django.http import HttpRequest

from keju.accounts.scoping import roles_of


def user_roles(request: HttpRequest) -> dict:
    """The signed-in user's roles, shown in the header (roles_of caches them per request)."""
    user = getattr(request, "user", None)
    return {
        "user_roles": [f"{r.get_role_display()}({r.enterprise or r.org_unit or ''})" for r in roles_of(user)]
    }
