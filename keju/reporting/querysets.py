"""Reusable queries on reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from keju.accounts.scoping import Action


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user: Any, action: Action = "view") -> ReportQuerySet:
        """Reports the user may view, change or review (see keju.accounts.scoping)."""
        from keju.accounts.scoping import report_q

        return self.filter(report_q(user, action))
