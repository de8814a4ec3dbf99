"""The reporting test zone (enterprises a, b in 兰州高新区, c in 白银高新区; one user per role)
and helpers to look at what each user was told."""

from __future__ import annotations

from typing import Any

import pytest

from keju.notifications.models import Notification
from keju.reporting import testing

shared_zone = testing.shared_zone
zone = testing.zone


def told(zone: Any, name: str, kind: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(user=zone.user(name))
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("id"))


def who_was_told(kind: str, contains: str = "") -> dict[str, int]:
    """username → number of notifications of `kind` (whose title or body contains `contains`)."""
    counts: dict[str, int] = {}
    for n in Notification.objects.filter(kind=kind).select_related("user"):
        if contains in n.title or contains in n.body:
            counts[n.user.username] = counts.get(n.user.username, 0) + 1
    return counts


@pytest.fixture
def mail_on(settings: Any) -> Any:
    settings.KEJU_SEND_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings
