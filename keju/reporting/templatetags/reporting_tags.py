"""Template filters of the reporting pages."""

from __future__ import annotations

from typing import Any

from django import template

from keju.reporting.views.presenters import show_value, with_unit

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.873 → "87.3%"; None (nobody expected) → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{int(digits)}f}%"


@register.filter
def bar_width(value: float | None) -> str:
    """A CSS width for a 0..1 share."""
    if value is None:
        return "0%"
    return f"{max(0.0, min(1.0, value)) * 100:.0f}%"


@register.filter
def overdue_on(row: Any, today: Any) -> bool:
    return bool(row.is_overdue(today))


@register.filter
def due_soon_on(row: Any, today: Any) -> bool:
    return bool(row.is_due_soon(today))


@register.filter
def days_left_on(row: Any, today: Any) -> int:
    return int(row.days_left(today))


@register.filter
def days_late_on(row: Any, today: Any) -> int:
    return int(-row.days_left(today))


@register.filter
def plain(value: Any) -> str:
    return show_value(None, value)


@register.filter
def value_of(values: dict[str, Any], field: Any) -> str:
    """A report value with its unit: {{ report.values|value_of:field }}."""
    return with_unit(field, (values or {}).get(field.code))
