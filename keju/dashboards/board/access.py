"""What a plan-level dashboard figure depends on (its cache key), and parameter parsing.

Who may open the dashboards and the plan they show: keju.monitoring.views.monitoring_view,
the same rule as the monitoring pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from keju.monitoring.pages import visible_units
from keju.planning.models import Plan


def scope_key(user: Any, plan: Plan, *extra: Any) -> tuple[Any, ...]:
    """What a cached figure depends on besides the results: visible units, language, filters."""
    units = tuple(visible_units(user, plan).values_list("id", flat=True))
    return (units, get_language(), *extra)


def int_param(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
