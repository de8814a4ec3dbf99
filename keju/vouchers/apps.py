from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "keju.vouchers"
    label = "vouchers"
