from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "keju.instruments"
    label = "instruments"
