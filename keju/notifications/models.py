"""Notifications: one message to one user, in the app and (when configured) by email.

A notification is written once per event and user: `dedup_key` names the event (the
review action, the reporting period's deadline stage, the computation run, the
publication) and the unique (user, dedup_key) index makes every trigger idempotent, so
the daily reminder run, a retried signal or a re-saved publication never tell anyone twice.
Titles and bodies are stored as composed (Chinese, naming the form, period, respondent,
indicator and values): they record what the user was told at the time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DEADLINE_SOON = "deadline_soon", _("即将截止")
    OVERDUE = "overdue", _("逾期未报")
    REPORT_RETURNED = "report_returned", _("报表退回")
    REPORT_APPROVED = "report_approved", _("审核通过")
    WARNING_RED = "warning_red", _("红色预警")
    PUBLICATION_PUBLISHED = "publication_published", _("出版物发布")


class NotificationQuerySet(models.QuerySet):
    def of(self, user: object) -> NotificationQuerySet:
        """The user's own notifications (nobody reads another's)."""
        pk = getattr(user, "pk", None)
        if pk is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=500, blank=True, help_text="a path inside the site")
    dedup_key = models.CharField(max_length=200, help_text="the event; one notification per user and event")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("邮件尝试次数"), default=0)
    email_error = models.TextField(_("邮件发送错误"), blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedup_key"], name="notification_once_per_event"),
        ]
        indexes = [
            # The header's unread count and the inbox.
            models.Index(fields=["user", "read_at"], name="notification_user_read"),
            # The email retry pass.
            models.Index(
                fields=["created_at"], condition=Q(emailed_at__isnull=True), name="notification_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class RedWarningState(models.Model):
    """A red early warning currently standing, to tell "turned red" from "still red".

    keju.monitoring replaces its EarlyWarning rows on every computation, so the warnings
    themselves cannot remember that they were already announced. One row per warning
    identity (code, indicator, target, org unit) while it stays red; a fully successful run
    without it deletes the row, so a warning that clears and comes back is announced again.
    """

    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    since = models.DateTimeField(auto_now_add=True)
    run_id = models.PositiveIntegerField(help_text="the computation run that first found it red")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="red_warning_state_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.key}"
