from django.contrib import admin

from keju.accounts.admin import ScopedAdmin
from keju.accounts.scoping import task_q
from keju.planning.models import (
    Baseline,
    GoverningBody,
    Indicator,
    IndustryChain,
    Plan,
    Stage,
    Target,
    Task,
    TaskUpdate,
)

# Plan items come from the plan file (`keju plan load`); editing them here would be undone
# by the next load, so the admin shows them read-only. A task's status and deadline move only
# through the task board (keju.dashboards.board.tasks.record_update), which keeps every change
# as a TaskUpdate: the admin shows both read-only too.


class PlanItemAdmin(admin.ModelAdmin):
    list_filter = ["plan"]
    search_fields = ["code"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Plan)
class PlanAdmin(PlanItemAdmin):
    list_display = ["title", "code", "zone_name", "plan_start", "plan_end", "loaded_at"]
    list_filter = []
    exclude = ["document"]


@admin.register(Indicator)
class IndicatorAdmin(PlanItemAdmin):
    list_display = ["name", "code", "unit", "direction", "headline", "additive", "source"]
    list_filter = ["plan", "headline"]
    search_fields = ["code", "name"]


@admin.register(Stage)
class StageAdmin(PlanItemAdmin):
    list_display = ["name", "code", "start_year", "end_year"]


@admin.register(Target)
class TargetAdmin(PlanItemAdmin):
    list_display = ["code", "indicator", "org_unit", "stage", "kind", "year", "comparison", "value"]
    list_filter = ["plan", "kind", "org_unit"]


@admin.register(Baseline)
class BaselineAdmin(PlanItemAdmin):
    list_display = ["code", "indicator", "org_unit", "scope", "year", "value"]


@admin.register(IndustryChain)
class IndustryChainAdmin(PlanItemAdmin):
    list_display = ["name", "code", "group_name", "platforms", "alliances", "achievements", "new_products"]


@admin.register(GoverningBody)
class GoverningBodyAdmin(PlanItemAdmin):
    list_display = ["name", "code", "kind", "parent", "lead_department", "org_unit"]
    list_filter = ["plan", "kind"]


@admin.register(Task)
class TaskAdmin(ScopedAdmin):
    scope = task_q
    list_display = ["code", "__str__", "kind", "working_group", "status", "due_year"]
    list_filter = ["plan", "kind", "status", "working_group"]
    search_fields = ["code", "title"]
    readonly_fields = [
        "status",
        "due_year",
        "due_date",
        "plan",
        "code",
        "title",
        "kind",
        "category",
        "working_group",
        "responsibility_basis",
        "quantity_indicator",
        "quantity_value",
        "source",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TaskUpdate)
class TaskUpdateAdmin(admin.ModelAdmin):
    """The audit trail of the task board: read-only, rows are only ever added by the board."""

    list_display = ["task", "previous_status", "status", "due_date", "author_name", "created_at"]
    list_filter = ["status", "task__working_group"]
    search_fields = ["task__code", "task__title", "evidence"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
