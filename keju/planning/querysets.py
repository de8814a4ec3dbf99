"""Reusable queries on plan items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from keju.accounts.scoping import Action


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: Action = "view") -> TaskQuerySet:
        """Tasks the user may view or update the tracking status of (see keju.accounts.scoping)."""
        from keju.accounts.scoping import task_q

        return self.filter(task_q(user, action))
