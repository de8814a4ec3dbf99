from django.contrib import admin

from keju.transfer.models import Achievement, Match, Need, TechContract, TransferEvent


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ["title", "owner_name", "field", "stage", "status"]
    list_filter = ["status", "field", "stage"]
    search_fields = ["title", "description"]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["title", "enterprise", "field", "mode", "status"]
    list_filter = ["status", "field"]
    search_fields = ["title", "description"]
    raw_id_fields = ["enterprise"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["need", "achievement", "status", "broker", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["need", "achievement"]


@admin.register(TechContract)
class TechContractAdmin(admin.ModelAdmin):
    list_display = ["registration_number", "title", "contract_type", "amount", "district", "registered_on"]
    list_filter = ["contract_type"]
    raw_id_fields = ["seller", "buyer", "match"]


@admin.register(TransferEvent)
class TransferEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "refused", "target"]
    list_filter = ["refused", "action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
