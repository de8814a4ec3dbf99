"""The reporting workflow (contract B): open, save, check, submit, review, lock, revise;
reporting periods and deadlines; expected respondents, completeness and the overdue list.

Import from here (`from keju.reporting.services import submit, ReportingError`); the
submodules are an implementation detail.
"""

from keju.reporting.services.bulk import BulkOutcome, BulkSubmission, submit_many, submit_one
from keju.reporting.services.completeness import (
    CompletenessRow,
    OverdueRow,
    classification_flags,
    completeness,
    expected_respondents,
    overdue_respondents,
)
from keju.reporting.services.errors import NotFound, ReportingError, VersionConflict
from keju.reporting.services.forms import form_for, forms_for, period_bounds, periods_of_year
from keju.reporting.services.periods import close_period, ensure_periods, open_period, set_due_date
from keju.reporting.services.workflow import (
    MIN_EXPLANATION_CHARS,
    approve,
    check,
    clean_values,
    in_one_transaction,
    lock,
    lock_visible,
    open_report,
    parse_values,
    report_form,
    request_revision,
    return_report,
    save_draft,
    submit,
)

__all__ = [
    "BulkOutcome",
    "BulkSubmission",
    "MIN_EXPLANATION_CHARS",
    "CompletenessRow",
    "NotFound",
    "OverdueRow",
    "ReportingError",
    "VersionConflict",
    "approve",
    "check",
    "classification_flags",
    "clean_values",
    "close_period",
    "completeness",
    "ensure_periods",
    "expected_respondents",
    "form_for",
    "forms_for",
    "in_one_transaction",
    "lock",
    "lock_visible",
    "open_period",
    "open_report",
    "overdue_respondents",
    "parse_values",
    "period_bounds",
    "periods_of_year",
    "report_form",
    "request_revision",
    "return_report",
    "save_draft",
    "set_due_date",
    "submit",
    "submit_many",
    "submit_one",
]
