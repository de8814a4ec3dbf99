from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "keju.monitoring"
    label = "monitoring"
