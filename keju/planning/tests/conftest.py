"""Fixtures shared across the apps (see keju.planning.testing)."""

from keju.planning.testing import plan  # noqa: F401
