"""Template filters of the monitoring pages: status and warning labels and colours, target kinds."""

from __future__ import annotations

from typing import Any

from django import template

from keju.monitoring import pages

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    return pages.status_label(status)


@register.filter
def status_colour(status: str) -> str:
    return pages.STATUS_COLOURS.get(status, "#8a94a6")


@register.filter
def kind_label(kind: str) -> str:
    return str(pages.KIND_LABELS.get(kind, kind))


@register.filter
def warning_level(level: str) -> str:
    return str(pages.WARNING_LEVELS.get(level, level))


@register.filter
def warning_colour(level: str) -> str:
    return pages.WARNING_COLOURS.get(level, "#8a94a6")


@register.filter
def percent(value: float | None) -> str:
    """A share in 0..1 as a percentage with one decimal."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return mapping.get(key) if mapping else None
