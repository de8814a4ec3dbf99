from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "keju.accounts"
    label = "accounts"
