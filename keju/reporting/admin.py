from django.contrib import admin

from keju.accounts.admin import ScopedAdmin
from keju.accounts.scoping import report_q
from keju.reporting.models import (
    AuditEntry,
    Explanation,
    Report,
    ReportingPeriod,
    ReportVersion,
    ReviewAction,
)


class ReadOnlyAdmin(ScopedAdmin):
    """Reporting data are read here; they change only through the workflow, never by hand."""

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    scope = report_q
    list_display = [
        "form_code",
        "period",
        "enterprise",
        "org_unit",
        "district",
        "status",
        "channel",
        "version",
        "submitted_at",
    ]
    list_filter = ["form_code", "year", "status", "channel", "district"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "org_unit__name"]
    list_select_related = ["enterprise", "org_unit", "district"]
    readonly_fields = [f.name for f in Report._meta.fields]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyAdmin):
    # Periods are opened and closed with `keju periods` or the services (audited).
    list_display = ["form_code", "period", "starts_on", "ends_on", "due_on", "due_overridden", "is_open"]
    list_filter = ["form_code", "is_open", "year"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    scope = report_q
    scope_prefix = "report__"
    list_display = ["at", "actor_name", "channel", "action", "report", "field", "old_value", "new_value"]
    list_filter = ["action", "channel"]
    search_fields = ["actor_name", "field", "report__enterprise__name"]
    list_select_related = ["report"]


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    scope = report_q
    scope_prefix = "report__"
    list_display = ["report", "version", "status", "action", "actor_name", "channel", "created_at"]
    list_filter = ["status", "action"]
    list_select_related = ["report"]


@admin.register(Explanation)
class ExplanationAdmin(ReadOnlyAdmin):
    scope = report_q
    scope_prefix = "report__"
    list_display = ["report", "version", "check_code", "status", "author_name", "created_at"]
    list_filter = ["status"]
    list_select_related = ["report"]


@admin.register(ReviewAction)
class ReviewActionAdmin(ReadOnlyAdmin):
    scope = report_q
    scope_prefix = "report__"
    list_display = ["report", "version", "decision", "actor_name", "at"]
    list_filter = ["decision"]
    list_select_related = ["report"]
