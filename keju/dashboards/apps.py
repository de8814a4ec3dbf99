from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "keju.dashboards"
    label = "dashboards"
    verbose_name = "监测看板"
