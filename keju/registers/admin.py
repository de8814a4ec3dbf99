from django.contrib import admin

from keju.registers.models import EnterpriseRecognition, Incubator, InnovationAlliance, InnovationPlatform


@admin.register(InnovationPlatform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "platform_type", "level", "district", "recognised_on", "revoked_on"]
    list_filter = ["platform_type", "level"]
    search_fields = ["name", "host_name"]


@admin.register(InnovationAlliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ["name", "lead_unit", "member_count", "district", "founded_on", "dissolved_on"]
    search_fields = ["name", "lead_unit"]


@admin.register(Incubator)
class IncubatorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "level", "district", "recognised_on", "revoked_on"]
    list_filter = ["kind", "level"]
    search_fields = ["name", "operator"]


@admin.register(EnterpriseRecognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "level", "district", "recognised_on", "expires_on", "revoked_on"]
    list_filter = ["kind", "level"]
    search_fields = ["name", "enterprise__credit_code", "document_number"]
    raw_id_fields = ["enterprise"]
