from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "keju.publishing"
    label = "publishing"
