"""Admin for role assignments, and the scoped ModelAdmin the other apps use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from keju.accounts.models import RoleAssignment
from keju.accounts.services import RoleError, role_scope

ScopeFunction = Callable[..., Q]


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin that shows staff only what their roles let them see and change.

    Set `scope` to one of the keju.accounts.scoping functions (and `scope_prefix`
    when the model reaches the scoped one through a relation).
    """

    scope: ScopeFunction | None = None
    scope_prefix = ""

    def scoped(self, request: HttpRequest, action: str) -> Q:
        if self.scope is None or request.user.is_superuser:
            return Q()
        return type(self).scope(request.user, action, prefix=self.scope_prefix)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(self.scoped(request, "view"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or self.scope is None or request.user.is_superuser:
            return True
        return self.model._default_manager.filter(pk=obj.pk).filter(self.scoped(request, "change")).exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.has_change_permission(request, obj)


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "org_unit", "enterprise", "working_group"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role"):
            try:
                _, scope = role_scope(
                    data["role"],
                    org_unit=data.get("org_unit"),
                    enterprise=data.get("enterprise"),
                    working_group=data.get("working_group"),
                )
            except RoleError as exc:
                raise ValidationError(str(exc)) from exc
            # 工作小组 gets its zone filled in, as assign_role would.
            data.update(scope)
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "org_unit", "enterprise", "working_group"]
    list_filter = ["role"]
    search_fields = ["user__username", "enterprise__name", "org_unit__name"]
    raw_id_fields = ["user", "enterprise"]
