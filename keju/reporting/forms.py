"""Django forms generated from a report form's data (keju.plan.forms.ReportForm).

Every value field is a text input parsed by keju.validation.values.parse_value, so what a
person types ("1,234", "１２３", "12万") is understood the same way in every channel.
Required-ness is not enforced here: a draft may be incomplete, and on submission the
edit checks (强制性审核) report missing fields next to the fields themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from keju.plan.forms import FormField, ReportForm

VALUE_PREFIX = "v_"
EXPLAIN_PREFIX = "explain_"
# Explanations must say something; "已核实" alone is the rubber stamp reviewers complain about.
MIN_EXPLANATION_CHARS = 4
MAX_EXPLANATION_CHARS = 2000
MAX_REASON_CHARS = 2000

BOOLEAN_CHOICES = [("", "—"), ("true", _("是")), ("false", _("否"))]


def value_name(code: str) -> str:
    return f"{VALUE_PREFIX}{code}"


def explain_name(check_code: str) -> str:
    return f"{EXPLAIN_PREFIX}{check_code}"


def parse_field(form_field: FormField, raw: object) -> Any:
    """Parse one typed value; CellValueError (a ValueError) carries the Chinese message."""
    from keju.validation.values import parse_value

    if isinstance(raw, str):
        raw = raw.strip()
    return parse_value(form_field, raw)


class ReportValueField(forms.Field):
    """One field of a report form: text in, a parsed value in the form's unit out."""

    def __init__(self, form_field: FormField, **kwargs: Any) -> None:
        self.form_field = form_field
        super().__init__(required=False, label=form_field.label, help_text=form_field.help, **kwargs)

    def to_python(self, value: Any) -> Any:
        try:
            return parse_field(self.form_field, value)
        except ValueError as exc:
            raise forms.ValidationError(getattr(exc, "message", None) or str(exc), code="invalid") from exc


def display_value(form_field: FormField, value: Any) -> str:
    """A stored value as the input shows it (booleans as the select's keys, no float noise)."""
    if value is None:
        return ""
    if form_field.type == "boolean":
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}" if abs(value) < 1e15 else repr(value)
    return str(value)


class ReportValuesForm(forms.Form):
    """The values of one report, plus its version and the explanations of its warnings."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # Field codes copied from the previous period and not changed since (shown as copied).
    copied = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        report_form: ReportForm,
        *args: Any,
        warning_codes: Iterable[str] = (),
        disabled: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.report_form = report_form
        for f in report_form.fields:
            widget: forms.Widget
            if f.type == "boolean":
                widget = forms.Select(choices=BOOLEAN_CHOICES)
            elif f.type == "text":
                widget = forms.TextInput(attrs={"maxlength": 500})
            else:
                # Text, not type=number: the browser would refuse "1,234" or "12万" silently.
                widget = forms.TextInput(
                    attrs={"inputmode": "decimal", "autocomplete": "off", "class": "num"}
                )
            self.fields[value_name(f.code)] = ReportValueField(f, widget=widget, disabled=disabled)
        self.warning_codes = list(dict.fromkeys(warning_codes))
        for code in self.warning_codes:
            self.fields[explain_name(code)] = forms.CharField(
                required=False,
                max_length=MAX_EXPLANATION_CHARS,
                widget=forms.Textarea(attrs={"rows": 2}),
                label=_("情况说明"),
                disabled=disabled,
            )

    # --- reading ---------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Parsed values of the fields that parsed (call after is_valid())."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            f.code: cleaned[value_name(f.code)]
            for f in self.report_form.fields
            if value_name(f.code) in cleaned
        }

    def field_errors(self) -> dict[str, list[str]]:
        """Parse errors by field code."""
        result: dict[str, list[str]] = {}
        for f in self.report_form.fields:
            errors = self.errors.get(value_name(f.code))
            if errors:
                result[f.code] = [str(e) for e in errors]
        return result

    def explanations(self) -> dict[str, str]:
        """Explanations typed for the warnings, keyed by check code (empty ones left out)."""
        cleaned = getattr(self, "cleaned_data", {})
        result = {}
        for code in self.warning_codes:
            text = (cleaned.get(explain_name(code)) or "").strip()
            if text:
                result[code] = text
        return result

    def copied_codes(self) -> list[str]:
        raw = (getattr(self, "cleaned_data", {}).get("copied") or self.data.get("copied") or "").strip()
        known = {f.code for f in self.report_form.fields}
        return [c for c in raw.split(",") if c in known]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for code in self.warning_codes:
            text = (cleaned.get(explain_name(code)) or "").strip()
            if text and len(text) < MIN_EXPLANATION_CHARS:
                self.add_error(
                    explain_name(code),
                    _("情况说明过短:请写明数据变化的原因(至少%(n)d个字)。") % {"n": MIN_EXPLANATION_CHARS},
                )
        return cleaned


def initial_for(report_form: ReportForm, values: Mapping[str, Any], version: int) -> dict[str, Any]:
    """Initial data of a ReportValuesForm from stored values."""
    initial: dict[str, Any] = {"version": version, "copied": ""}
    for f in report_form.fields:
        initial[value_name(f.code)] = display_value(f, values.get(f.code))
    return initial


def fill_empty(
    report_form: ReportForm, data: Mapping[str, Any], previous: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Bound data with the empty fields filled from the previous period's values.

    What the user already typed is never replaced. Returns the new data and the codes copied.
    """
    result = {k: data.get(k) for k in data}
    copied: list[str] = []
    for f in report_form.fields:
        name = value_name(f.code)
        if str(result.get(name) or "").strip():
            continue
        if previous.get(f.code) is None:
            continue
        result[name] = display_value(f, previous[f.code])
        copied.append(f.code)
    already = [c for c in str(result.get("copied") or "").split(",") if c]
    result["copied"] = ",".join(dict.fromkeys([*already, *copied]))
    return result, copied


@dataclass
class Section:
    """A block of fields as on the paper form."""

    title: str
    fields: list[FormField] = field(default_factory=list)


def sections(report_form: ReportForm) -> list[Section]:
    """The form's fields grouped as on the paper form.

    A form file may name each field's `section`; without it the classification flags
    (是/否 questions) form their own block after the figures, as on the Torch and NBS forms.
    """
    result: dict[str, Section] = {}
    has_sections = any(getattr(f, "section", None) for f in report_form.fields)
    for f in report_form.fields:
        if has_sections:
            title = str(getattr(f, "section", None) or _("其他"))
        elif f.type == "boolean":
            title = str(_("分类标志"))
        else:
            title = str(_("主要指标"))
        result.setdefault(title, Section(title)).fields.append(f)
    return list(result.values())


class ReasonForm(forms.Form):
    """A required reason (return, reject an explanation, revision)."""

    reason = forms.CharField(
        label=_("原因"),
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写原因。")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写原因。"), code="required")
        return reason


class ReturnForm(ReasonForm):
    """Return a report to its respondent; optionally reject some of its explanations."""

    rejected = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args: Any, explanation_codes: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rejected"].choices = [(c, c) for c in explanation_codes]
        self.fields["rejected"].error_messages["invalid_choice"] = _("所选的情况说明不属于该报表。")


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
