"""Precomputed dashboard data, kept until the monitoring results change.

Every dashboard figure is read from the stored results of the indicator engine
(keju.monitoring). A new computation run (a full recompute, or the update after an
approval) gives the plan a new results version, so entries cached under the old version
are simply never read again: invalidation on approval needs no explicit delete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

from keju.monitoring.models import ComputationRun, RunStatus
from keju.planning.models import Plan

T = TypeVar("T")
TIMEOUT_SECONDS = 6 * 3600


def results_version(plan: Plan) -> str:
    """The last finished computation run of the plan ('0' before any)."""
    run = (
        ComputationRun.objects.filter(plan=plan)
        .exclude(status=RunStatus.RUNNING)
        .order_by("-pk")
        .values_list("pk", "finished_at")
        .first()
    )
    if run is None:
        return "0"
    pk, finished_at = run
    return f"{pk}-{finished_at.timestamp() if finished_at else 0}"


def cached(plan: Plan, name: str, key: Any, build: Callable[[], T], version: str | None = None) -> T:
    """build() once per plan, results version, page name and key (e.g. the visible units).

    `key` must identify everything the result depends on besides the results version:
    the user's scope, the language, filters. Pass `version` when the caller already has it.
    """
    version = version if version is not None else results_version(plan)
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:16]
    cache_key = f"keju:dash:{plan.pk}:{version}:{name}:{digest}"
    value = cache.get(cache_key)
    if value is None:
        value = build()
        cache.set(cache_key, value, TIMEOUT_SECONDS)
    return value
