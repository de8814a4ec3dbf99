from django.contrib import admin

from keju.accounts.admin import ScopedAdmin
from keju.accounts.scoping import report_q
from keju.reporting.models import Report


@admin.register(Report)
class ReportAdmin(ScopedAdmin):
    """Reports are read here; they change only through reporting and review, never by hand."""

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
    ]
    list_filter = ["form_code", "year", "status", "channel", "district"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "org_unit__name"]
    list_select_related = ["enterprise", "org_unit", "district"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
