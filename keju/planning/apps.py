from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "keju.planning"
    label = "planning"
