from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "keju.notifications"
    label = "notifications"
