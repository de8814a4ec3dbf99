"""`notifications_unread` for the header: the signed-in user's unread count.

Lazy and cached on the request: pages that never show it run no query, pages that show it
(however many templates render it) run one COUNT on the (user, read_at) index.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

_ATTR = "_keju_unread_notifications"


class UnreadCount:
    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @property
    def value(self) -> int:
        cached = getattr(self._request, _ATTR, None)
        if cached is None:
            from keju.notifications.services import unread_count

            user = getattr(self._request, "user", None)
            cached = unread_count(user) if user is not None and user.is_authenticated else 0
            setattr(self._request, _ATTR, cached)
        return int(cached)

    def __int__(self) -> int:
        return self.value

    def __bool__(self) -> bool:
        return self.value > 0

    def __str__(self) -> str:
        return str(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == other

    def __hash__(self) -> int:
        return hash(self.value)


def notifications(request: HttpRequest) -> dict[str, Any]:
    return {"notifications_unread": UnreadCount(request)}
