"""In-app notifications (and email when configured): deadlines, returned forms, red warnings, publications."""

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "keju.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from keju.notifications import signals

        # Lazy "app_label.Model" senders: connected once those apps are loaded, never imported here.
        post_save.connect(
            signals.review_action_saved, sender="reporting.ReviewAction", dispatch_uid="notifications.review"
        )
        post_save.connect(
            signals.computation_run_saved,
            sender="monitoring.ComputationRun",
            dispatch_uid="notifications.run",
        )
        post_save.connect(
            signals.publication_saved,
            sender="publishing.Publication",
            dispatch_uid="notifications.publication",
        )
