from django.apps import AppConfig


class PoolsConfig(AppConfig):
    name = "keju.pools"
    label = "pools"
