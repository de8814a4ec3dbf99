from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "keju.reporting"
    label = "reporting"
