from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "keju.orgs"
    label = "orgs"
