from django.contrib import admin

from keju.vouchers.models import Application, LedgerEntry, Order, Programme, Provider, Voucher, VoucherEvent


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "budget", "subsidy_ratio", "use_by", "settle_by"]
    readonly_fields = ["budget"]  # the budget is a ledger entry; change it by a new programme


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "accepts_vouchers"]
    filter_horizontal = ["members"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records change only through keju.vouchers.services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "programme", "amount", "status"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ["number", "enterprise", "quota"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["voucher", "provider", "voucher_amount", "status"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "account", "kind", "amount", "order"]
    list_filter = ["kind"]


@admin.register(VoucherEvent)
class VoucherEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "refused", "target"]
