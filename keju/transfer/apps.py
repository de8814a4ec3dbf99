from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "keju.transfer"
    label = "transfer"
