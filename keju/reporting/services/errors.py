"""Refusals of the reporting workflow, with messages in the active language (Chinese for API clients,
which send no language cookie) and machine-readable codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from keju.validation.checks import Finding


class ReportingError(Exception):
    """The workflow refused a call; nothing was written.

    `code` is stable for programs ("not_allowed", "period_closed", "not_in_district",
    "hard_errors", "unexplained_warnings", "version_conflict", "invalid_state",
    "unknown_form", "invalid_values", "idempotency_mismatch", "reason_required", …);
    `message` is for the user; `findings` are the edit-check results behind it.
    """

    def __init__(self, message: str, *, code: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.findings: list[Finding] = list(findings)

    def __str__(self) -> str:
        return self.message


class VersionConflict(ReportingError):
    """Someone changed the report after the caller read it; the caller must reload."""

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(message, code="version_conflict")
        self.current_version = current_version


class NotFound(ReportingError):
    """The object does not exist or the user may not see it (the two are not told apart)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(_("未找到该报表,或您无权查看") if message is None else message, code="not_found")
