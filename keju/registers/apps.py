from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "keju.registers"
    label = "registers"
