"""The audit trail of the platform's services (技术转移, 创新券, 仪器共享): one shape, one way to write it.

Each service keeps its own table (TransferEvent, VoucherEvent, InstrumentEvent subclass
ServiceEvent) so that its trail is read and purged on its own; the rule they share is here: every
action is recorded, a refusal too, and a refusal is recorded outside the transaction it rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction

T = TypeVar("T")
E = TypeVar("E", bound="ServiceError")
DETAIL_MAX = 2000


class ServiceError(Exception):
    """A refusal of a service, with the message shown to the user (translated when raised: in the
    language of the request; the audit trail records the same text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServiceEvent(models.Model):
    """What happened on the platform, refusals included (who, when, what, why)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    refused = models.BooleanField(default=False)
    target = models.CharField(max_length=64, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"

    @classmethod
    def record(
        cls, actor: Any, action: str, target: str = "", detail: str = "", *, refused: bool = False
    ) -> ServiceEvent:
        """Write one event; an anonymous actor is recorded as nobody."""
        return cls.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=action,
            target=target,
            detail=detail[:DETAIL_MAX],
            refused=refused,
        )


def refusal(
    event: type[ServiceEvent], error: type[E], actor: Any, action: str, target: str, message: str
) -> E:
    """Record the refusal (call it outside any transaction that will roll back); return the error to raise."""
    event.record(actor, action, target, message, refused=True)
    return error(message)


def guarded(
    event: type[ServiceEvent],
    error: type[ServiceError],
    actor: Any,
    action: str,
    target: str,
    work: Callable[[], T],
) -> T:
    """Run `work` in a transaction and record it; an `error` rolls the work back and is recorded outside it."""
    try:
        with transaction.atomic():
            result = work()
    except error as refused:
        event.record(actor, action, target, refused.message, refused=True)
        raise
    event.record(actor, action, target)
    return result
