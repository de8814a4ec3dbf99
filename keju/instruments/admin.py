from django.contrib import admin

from keju.instruments.models import Booking, Instrument, InstrumentEvent, UsageRecord, Violation


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "owner_name", "original_value", "fee_per_hour", "status"]
    list_filter = ["category", "status"]
    search_fields = ["name", "owner_name"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["instrument", "user", "start", "end", "status"]
    list_filter = ["status"]
    raw_id_fields = ["enterprise", "voucher_order"]

    def has_change_permission(self, request, obj=None):
        return False  # bookings change through keju.instruments.services (overlap rules)


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    list_display = ["booking", "effective_hours", "external", "fee"]


@admin.register(Violation)
class ViolationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "at"]


@admin.register(InstrumentEvent)
class InstrumentEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "refused", "target"]

    def has_change_permission(self, request, obj=None):
        return False
