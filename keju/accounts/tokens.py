"""Issuing, checking and revoking API tokens (see ApiToken)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.accounts.models import ApiToken

TOKEN_PREFIX = "kj_"
# Writing last_used_at on every call would add a write to every read; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(Exception):
    """A token cannot be issued; the message is for the user, in the active language."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: Any, name: str, *, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the record and the plain token (shown only now)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("请为令牌起一个名称"))
    if len(name) > 100:
        raise TokenError(_("令牌名称不能超过100个字"))
    if not user.is_active:
        raise TokenError(_("用户“%(user)s”已停用,不能发放令牌") % {"user": user})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            record = ApiToken.objects.create(
                user=user, name=name, key_hash=hash_token(token), prefix=token[:10], expires_at=expires_at
            )
    except IntegrityError:
        raise TokenError(_("用户“%(user)s”已有名为“%(name)s”的令牌") % {"user": user, "name": name}) from None
    return record, token


def user_for_token(token: str) -> Any | None:
    """The active user a token belongs to, or None (unknown, revoked, expired, inactive user)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    record = ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(token)).first()
    if record is None or not record.user.is_active:
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user


def revoke_token(record: ApiToken) -> None:
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
