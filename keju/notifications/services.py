"""Writing, reading and emailing notifications; who holds which role.

Everything that notifies goes through `deliver`: it writes the notifications that do not
exist yet (one per user and event, see models.Notification) and, after the transaction
commits, emails them when KEJU_SEND_EMAIL is on. Email never blocks or undoes the in-app
message: a failure is recorded on the notification and retried by
`keju notifications email` (and at the end of every `keju notifications remind`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from keju.accounts.models import Role, RoleAssignment
from keju.notifications.models import Notification

log = logging.getLogger("keju.notifications")

# Rows per INSERT / per IN (...) list: well under SQLite's bound-parameter limit.
CHUNK = 500
# An email that failed this many times is given up (the in-app message stays).
MAX_EMAIL_ATTEMPTS = 3
# Older notifications are not emailed any more: stale news by mail is noise.
EMAIL_MAX_AGE = timedelta(days=3)

T = TypeVar("T")


@dataclass(frozen=True)
class Draft:
    """A notification to write: who, what kind, which event, and the text."""

    user_id: int
    kind: str
    key: str
    title: str
    body: str
    url: str = ""


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def composing() -> Iterator[None]:
    """Compose stored texts in the site's language, not in the language of whoever's request
    triggered them (a reviewer browsing in English returns a Chinese reporter's form)."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def deliver(drafts: Iterable[Draft]) -> int:
    """Write the drafts that are new (per user and key) and queue their email; returns how
    many were written. Safe to call again with the same drafts: nothing is written twice."""
    unique: dict[tuple[int, str], Draft] = {}
    for d in drafts:
        unique.setdefault((d.user_id, d.key[:200]), d)
    if not unique:
        return 0
    wanted = list(unique.items())
    new: list[tuple[tuple[int, str], Draft]] = []
    for part in _chunks(wanted):
        existing = set(
            Notification.objects.filter(
                user_id__in={u for (u, _k), _d in part}, dedup_key__in={k for (_u, k), _d in part}
            ).values_list("user_id", "dedup_key")
        )
        new += [(key, d) for key, d in part if key not in existing]
    rows = [
        Notification(
            user_id=d.user_id,
            kind=d.kind,
            title=d.title[:200],
            body=d.body,
            url=d.url[:500],
            dedup_key=key[1],
        )
        for key, d in new
    ]
    with transaction.atomic():
        # ignore_conflicts: a concurrent run that wrote the same event first wins, silently.
        Notification.objects.bulk_create(rows, batch_size=CHUNK, ignore_conflicts=True)
        if rows and email_enabled():
            keys = [key for key, _d in new]
            transaction.on_commit(lambda: send_emails(_ids_of(keys)))
    return len(rows)


def _ids_of(keys: Sequence[tuple[int, str]]) -> list[int]:
    ids: list[int] = []
    for part in _chunks(keys):
        wanted = set(part)
        rows = Notification.objects.filter(
            user_id__in={u for u, _k in part}, dedup_key__in={k for _u, k in part}
        ).values_list("pk", "user_id", "dedup_key")
        ids += [pk for pk, u, k in rows if (u, k) in wanted]
    return ids


# --- email -------------------------------------------------------------------------------


def email_enabled() -> bool:
    return bool(getattr(settings, "KEJU_SEND_EMAIL", False))


def _absolute(url: str) -> str:
    base = str(getattr(settings, "KEJU_SITE_URL", "") or "").rstrip("/")
    return f"{base}{url}" if base and url.startswith("/") else url


def _message(n: Notification, connection: Any) -> EmailMessage:
    with composing():
        lines = [n.body.strip(), ""]
        if n.url:
            lines.append(_("查看详情:%(url)s") % {"url": _absolute(n.url)})
        lines += ["", _("此邮件由科聚网自动发送,请勿直接回复。站内通知可在“我的通知”中查看。")]
        subject = _("[科聚网] %(title)s") % {"title": n.title}
    return EmailMessage(
        subject=subject.replace("\n", " "),
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[n.user.email],
        connection=connection,
    )


def send_emails(ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Email the given notifications (or every pending one of the last days); returns (sent,
    failed). Each row is claimed by a conditional UPDATE first, so two processes never send
    the same message; failures are recorded on the row, never raised."""
    if not email_enabled():
        return 0, 0
    pending = Notification.objects.filter(
        emailed_at__isnull=True,
        email_attempts__lt=MAX_EMAIL_ATTEMPTS,
        created_at__gte=timezone.now() - EMAIL_MAX_AGE,
        user__is_active=True,
    ).exclude(user__email="")
    if ids is not None:
        id_list = list(ids)
        if not id_list:
            return 0, 0
        pending = pending.filter(pk__in=id_list)
    sent = failed = 0
    connection = None
    try:
        for n in pending.select_related("user").order_by("pk").iterator(chunk_size=CHUNK):
            claimed = Notification.objects.filter(
                pk=n.pk, emailed_at__isnull=True, email_attempts=n.email_attempts
            ).update(email_attempts=F("email_attempts") + 1)
            if not claimed:
                continue
            try:
                if connection is None:
                    connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 10)
                _message(n, connection).send(fail_silently=False)
            except Exception as exc:  # SMTP, DNS, bad address: record and go on
                failed += 1
                log.warning("email for notification %s failed: %s", n.pk, exc)
                Notification.objects.filter(pk=n.pk).update(email_error=f"{type(exc).__name__}: {exc}"[:1000])
                continue
            sent += 1
            Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now(), email_error="")
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:
                log.warning("closing the mail connection failed", exc_info=True)
    return sent, failed


# --- reading -----------------------------------------------------------------------------


def unread_count(user: Any) -> int:
    return Notification.objects.of(user).unread().count()


def mark_read(user: Any, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (Notification.DoesNotExist for anyone else's)."""
    n = Notification.objects.of(user).get(pk=notification_id)
    if n.read_at is None:
        n.read_at = timezone.now()
        Notification.objects.filter(pk=n.pk, read_at__isnull=True).update(read_at=n.read_at)
    return n


def mark_all_read(user: Any) -> int:
    return Notification.objects.of(user).unread().update(read_at=timezone.now())


# --- who holds which role ------------------------------------------------------------------

_ACTIVE = Q(user__is_active=True)


def reporters_of(enterprise_ids: Iterable[int]) -> dict[int, list[int]]:
    """enterprise id → ids of its active enterprise reporters."""
    out: dict[int, list[int]] = {}
    ids = list(enterprise_ids)
    for part in _chunks(ids):
        rows = RoleAssignment.objects.filter(_ACTIVE, role=Role.ENTERPRISE_REPORTER, enterprise_id__in=part)
        for user_id, enterprise_id in rows.values_list("user_id", "enterprise_id"):
            out.setdefault(enterprise_id, []).append(user_id)
    return out


def reviewers_of(district_ids: Iterable[int]) -> dict[int, list[int]]:
    """district id → ids of its active district reviewers (who also fill the district's forms)."""
    out: dict[int, list[int]] = {}
    ids = list(district_ids)
    for part in _chunks(ids):
        rows = RoleAssignment.objects.filter(_ACTIVE, role=Role.DISTRICT_REVIEWER, org_unit_id__in=part)
        for user_id, unit_id in rows.values_list("user_id", "org_unit_id"):
            out.setdefault(unit_id, []).append(user_id)
    return out


def zone_staff(plan_id: int, *roles: str) -> list[int]:
    """Ids of active users holding one of the zone-wide `roles` in the plan's zone."""
    rows = RoleAssignment.objects.filter(_ACTIVE, role__in=roles, org_unit__plan_id=plan_id)
    return sorted(set(rows.values_list("user_id", flat=True)))


def guarded(what: str, func: Callable[[], T]) -> T | None:
    """Run a trigger so that its failure never undoes the caller's work: in a savepoint, with
    the error logged. The event itself (a return, an approval, a publication) matters more
    than the message about it."""
    try:
        with transaction.atomic():
            return func()
    except Exception:
        log.exception("notifications for %s failed", what)
        return None
