from django.contrib import admin

from keju.accounts.admin import ScopedAdmin
from keju.accounts.scoping import enterprise_q, org_unit_q
from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdmin):
    scope = org_unit_q
    list_display = ["name", "code", "level", "kind", "parent", "plan"]
    list_filter = ["plan", "level"]
    search_fields = ["name", "code"]


class PlacementInline(admin.TabularInline):
    model = EnterprisePlacement
    extra = 0
    fields = ["district", "park", "valid_from", "valid_to"]
    # History is written by keju.orgs.services (move/close), not edited by hand.
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdmin):
    scope = enterprise_q
    list_display = [
        "name",
        "credit_code",
        "industry_code",
        "is_industrial",
        "is_above_scale",
        "opened_on",
        "closed_on",
    ]
    list_filter = ["plan", "is_industrial", "is_above_scale", "is_high_tech_enterprise"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["is_industrial"]
    raw_id_fields = ["industry_chain"]
    inlines = [PlacementInline]


@admin.register(EnterprisePlacement)
class EnterprisePlacementAdmin(ScopedAdmin):
    scope = enterprise_q
    scope_prefix = "enterprise__"
    list_display = ["enterprise", "district", "park", "valid_from", "valid_to"]
    list_filter = ["district"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    raw_id_fields = ["enterprise"]
