"""Page data for the reporting pages, as plain functions of models and forms (no requests here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.forms import BoundField
from django.utils.translation import gettext as _

from keju.plan.forms import FormField, ReportForm
from keju.reporting.forms import ReportValuesForm, explain_name, sections, value_name
from keju.reporting.models import (
    AuditEntry,
    Explanation,
    ExplanationStatus,
    Report,
    ReportStatus,
    ReportVersion,
    ReviewAction,
    ReviewDecision,
)

# A report is "due soon" this many days before its deadline.
DUE_SOON_DAYS = 7


def show_value(form_field: FormField | None, value: Any) -> str:
    """A stored value as a person reads it: 是/否, thousands separators, no float noise."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:,.6f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    return str(value)


def with_unit(form_field: FormField | None, value: Any) -> str:
    text = show_value(form_field, value)
    if form_field is not None and form_field.unit and text != "—" and form_field.type != "boolean":
        return f"{text} {form_field.unit}"
    return text


# --- the fill page -------------------------------------------------------------------------------


@dataclass
class FieldRow:
    field: FormField
    bound: BoundField
    errors: list[str]
    warnings: list[str]
    copied: bool
    previous: str


@dataclass
class SectionRows:
    title: str
    rows: list[Any]  # FieldRow on the fill page, ValueRow on the detail page


@dataclass
class WarningItem:
    code: str
    message: str
    fields: list[str]
    bound: BoundField | None
    prior_text: str = ""
    rejected_reason: str = ""


@dataclass
class FillFindings:
    """What the edit checks said, placed where the page shows it."""

    errors: list[Any] = field(default_factory=list)  # Finding (severity error)
    warnings: list[Any] = field(default_factory=list)  # Finding (severity warning)

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def by_field(self, severity: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for f in self.errors if severity == "error" else self.warnings:
            if f.fields:
                found.setdefault(f.fields[0], []).append(f.message)
        return found

    def unplaced_errors(self, known: Iterable[str]) -> list[Any]:
        """Errors with no field of the form to show them next to (shown at the top)."""
        codes = set(known)
        return [f for f in self.errors if not f.fields or f.fields[0] not in codes]


def findings_of(outcome: Any) -> FillFindings:
    if outcome is None:
        return FillFindings()
    return FillFindings(errors=list(outcome.errors), warnings=list(outcome.warnings))


def findings_from_list(findings: Sequence[Any]) -> FillFindings:
    return FillFindings(
        errors=[f for f in findings if f.severity == "error"],
        warnings=[f for f in findings if f.severity == "warning"],
    )


def latest_explanations(report: Report) -> dict[str, Explanation]:
    """The most recent explanation of each warning of the report (any version)."""
    latest: dict[str, Explanation] = {}
    for e in Explanation.objects.filter(report=report).order_by("version", "id"):
        latest[e.check_code] = e
    return latest


def fill_sections(
    report_form: ReportForm,
    form: ReportValuesForm,
    findings: FillFindings,
    *,
    parse_errors: Mapping[str, list[str]],
    copied: Iterable[str],
    previous_values: Mapping[str, Any] | None,
) -> list[SectionRows]:
    errors = findings.by_field("error")
    warnings = findings.by_field("warning")
    copied_set = set(copied)
    previous_values = previous_values or {}
    result = []
    for section in sections(report_form):
        rows = [
            FieldRow(
                field=f,
                bound=form[value_name(f.code)],
                errors=[*parse_errors.get(f.code, []), *errors.get(f.code, [])],
                warnings=warnings.get(f.code, []),
                copied=f.code in copied_set,
                previous=with_unit(f, previous_values.get(f.code)) if f.code in previous_values else "",
            )
            for f in section.fields
        ]
        result.append(SectionRows(section.title, rows))
    return result


def warning_items(
    form: ReportValuesForm, findings: FillFindings, prior: Mapping[str, Explanation]
) -> list[WarningItem]:
    items = []
    for w in findings.warnings:
        earlier = prior.get(w.code)
        name = explain_name(w.code)
        items.append(
            WarningItem(
                code=w.code,
                message=w.message,
                fields=list(w.fields),
                bound=form[name] if name in form.fields else None,
                prior_text=earlier.text if earlier else "",
                rejected_reason=earlier.review_reason
                if earlier and earlier.status == ExplanationStatus.REJECTED
                else "",
            )
        )
    return items


def explanation_initial(
    warnings: Iterable[Any], prior: Mapping[str, Explanation], drafts: Mapping[str, str]
) -> dict[str, str]:
    """Explanation boxes start with what the user typed before (kept in the session) or the
    earlier, not rejected, explanation of the same warning (which the service carries over)."""
    initial = {}
    for w in warnings:
        text = drafts.get(w.code, "")
        earlier = prior.get(w.code)
        if not text and earlier is not None and earlier.status != ExplanationStatus.REJECTED:
            text = earlier.text
        if text:
            initial[explain_name(w.code)] = text
    return initial


@dataclass
class ConflictRow:
    label: str
    mine: str
    theirs: str


def conflict_rows(
    report_form: ReportForm, mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> list[ConflictRow]:
    """Fields where the user's input differs from what is stored now."""
    rows = []
    for f in report_form.fields:
        if f.code not in mine:
            continue
        if mine.get(f.code) != theirs.get(f.code):
            rows.append(
                ConflictRow(f.label, with_unit(f, mine.get(f.code)), with_unit(f, theirs.get(f.code)))
            )
    return rows


def submitted_version(report: Report) -> int | None:
    """The version of the report's latest submission (its explanations belong to it)."""
    if report.status == ReportStatus.SUBMITTED:
        return report.version
    return (
        ReportVersion.objects.filter(report=report, status=ReportStatus.SUBMITTED)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )


def last_return(report: Report) -> ReviewAction | None:
    """The reviewer's latest return of the report, if that is its current state."""
    if report.status != ReportStatus.RETURNED:
        return None
    return ReviewAction.objects.filter(report=report, decision=ReviewDecision.RETURN).order_by("-id").first()


# --- the detail page -------------------------------------------------------------------------------


@dataclass
class ValueRow:
    field: FormField
    value: str
    previous: str
    change: str  # relative change against the previous period, e.g. "+12.5%"


def relative_change(value: Any, previous: Any) -> str:
    numeric = (int, float)
    if (
        not isinstance(value, numeric)
        or not isinstance(previous, numeric)
        or isinstance(value, bool)
        or isinstance(previous, bool)
        or previous == 0
    ):
        return ""
    return f"{(value - previous) / abs(previous) * 100:+.1f}%"


def value_rows(
    report_form: ReportForm, values: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> list[SectionRows]:
    previous = previous or {}
    result = []
    for section in sections(report_form):
        rows = [
            ValueRow(
                field=f,
                value=with_unit(f, values.get(f.code)),
                previous=with_unit(f, previous.get(f.code)) if previous else "",
                change=relative_change(values.get(f.code), previous.get(f.code)),
            )
            for f in section.fields
        ]
        result.append(SectionRows(section.title, rows))
    return result


@dataclass
class AuditRow:
    entry: AuditEntry
    field_label: str
    old: str
    new: str


def audit_rows(report: Report, report_form: ReportForm) -> list[AuditRow]:
    """The report's audit trail, newest first, with field labels and readable values."""
    labels = {f.code: f for f in report_form.fields}
    status_labels = dict(ReportStatus.choices)
    rows = []
    for entry in AuditEntry.objects.filter(report=report).order_by("-at", "-id"):
        f = labels.get(entry.field)
        if entry.field == "status":
            label = _("状态")
            old = str(status_labels.get(entry.old_value, entry.old_value or "—"))
            new = str(status_labels.get(entry.new_value, entry.new_value or "—"))
        elif f is not None:
            label, old, new = f.label, with_unit(f, entry.old_value), with_unit(f, entry.new_value)
        else:
            label = entry.field
            old, new = show_value(None, entry.old_value), show_value(None, entry.new_value)
        rows.append(AuditRow(entry, label, old, new))
    return rows


@dataclass
class VersionRow:
    version: ReportVersion
    changes: list[tuple[str, str, str]]  # label, before, after (against the previous kept version)


def version_rows(report: Report, report_form: ReportForm) -> list[VersionRow]:
    """Every kept version, newest first, each with what changed since the one before."""
    versions = list(ReportVersion.objects.filter(report=report).order_by("version"))
    rows = []
    before: Mapping[str, Any] = {}
    for v in versions:
        changes = [
            (f.label, with_unit(f, before.get(f.code)), with_unit(f, v.values.get(f.code)))
            for f in report_form.fields
            if before.get(f.code) != v.values.get(f.code)
        ]
        rows.append(VersionRow(v, changes if before or v is not versions[0] else []))
        before = v.values
    rows.reverse()
    return rows


# --- the reporter's home ---------------------------------------------------------------------------


@dataclass
class TodoRow:
    form: ReportForm
    period: str
    due_on: date
    respondent_label: str
    report: Report | None
    start_kwargs: dict[str, Any]  # hidden fields of the "填报" button when there is no report yet
    return_reason: str = ""

    @property
    def status_code(self) -> str:
        return self.report.status if self.report else "none"

    @property
    def status_label(self) -> str:
        return self.report.get_status_display() if self.report else _("未填报")

    @property
    def done(self) -> bool:
        return self.report is not None and self.report.status not in (
            ReportStatus.DRAFT,
            ReportStatus.RETURNED,
        )

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days

    def is_overdue(self, today: date) -> bool:
        return not self.done and today > self.due_on

    def is_due_soon(self, today: date) -> bool:
        return not self.done and today <= self.due_on <= today + timedelta(days=DUE_SOON_DAYS)


@dataclass
class Reminder:
    level: str  # "bad" or "" (CSS)
    text: str
    url: str = ""
