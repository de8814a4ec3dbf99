"""Receivers connecting other apps' events to notifications (connected in apps.ready()).

The other apps know nothing of notifications: a returned or approved report is a new
reporting.ReviewAction, a finished indicator computation a monitoring.ComputationRun saved
as succeeded or partial, a publication a publishing.Publication saved as published. Each
receiver runs in a savepoint and logs its failure, so a notification problem never undoes
the event it is about; each trigger is idempotent, so a second save tells nobody twice.
"""

from __future__ import annotations

from typing import Any

from keju.notifications import triggers
from keju.notifications.services import guarded


def review_action_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        guarded(f"review action {instance.pk}", lambda: triggers.report_reviewed(instance))


def computation_run_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not raw and instance.finished_at is not None:
        guarded(f"computation run {instance.pk}", lambda: triggers.warnings_turned_red(instance))


def publication_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.status == "published":
        guarded(f"publication {instance.pk}", lambda: triggers.publication_published(instance))
