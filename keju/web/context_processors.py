from django.http import HttpRequest


def user_roles(request: HttpRequest) -> dict:
    """The signed-in user's roles, shown in the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    roles = user.roles.select_related("org_unit", "enterprise")
    return {"user_roles": [f"{r.get_role_display()}({r.enterprise or r.org_unit or ''})" for r in roles]}
