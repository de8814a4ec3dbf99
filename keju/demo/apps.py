from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "keju.demo"
    label = "demo"
