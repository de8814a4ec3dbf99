from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "keju.web"
    label = "web"
