"""Report forms as data (the "一套表" forms enterprises and districts fill in).

A form file declares the form's code, period type, respondent level, fields and
edit checks. Fields carry their unit, type, required-ness and allowed range; the
built-in checks (required, type, range) are generated from them. Declared checks
(`checks:`) are expressions of the safe language in `keju.validation.expr`,
compiled and verified against the form's fields when the form is loaded.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

# Days after the end of the period by which reports are due, when a form does not say.
DEFAULT_DEADLINE_DAYS: dict[str, int] = {"annual": 60, "quarterly": 20}


class FormItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormField(FormItem):
    code: str
    label: str
    unit: str | None = None
    type: Literal["decimal", "integer", "boolean", "text"] = "decimal"
    required: bool = True
    min: float | None = None
    max: float | None = None
    help: str = ""
    industrial_only: bool = Field(default=False, description="only industrial enterprises fill it")


class CheckRule(FormItem):
    """One declared edit check: `expr` must hold, else `message` is shown.

    `severity` error = 强制性审核 (blocks submission), warning = 核实性审核 (needs a
    written explanation). With `each`, the rule is repeated for every listed field:
    `_` in `expr` and `message` stands for that field, and the field code is appended
    to the rule's code (e.g. KJ101-W01-revenue).
    """

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    severity: Literal["error", "warning"]
    expr: str = Field(min_length=1, description="an expression of keju.validation.expr that must hold")
    message: str = Field(min_length=1, description="Chinese; {field}, {field.label}, {expression|pct}")
    name: str = Field(default="", description="a short Chinese title for the check catalogue")
    fields: list[str] = Field(default=[], description="where the UI shows it (first) and what it involves")
    each: list[str] = Field(default=[], description="repeat the rule for each of these fields")


class ReportForm(FormItem):
    code: str
    name: str
    period_type: Literal["annual", "quarterly"]
    respondent_level: Literal["enterprise", "district"]
    respondents: str = Field(default="all", description="which respondents must report, e.g. above_scale")
    source: str = ""
    deadline_days: int = Field(
        default=0, ge=0, description="days after the period's end by which reports are due"
    )
    fields: list[FormField]
    thresholds: dict[str, float] = Field(
        default={}, description="named constants the checks use, e.g. yoy_limit: 0.5"
    )
    checks: list[CheckRule] = []

    # The compiled checks (keju.validation.checks), built once per form on first use.
    _compiled: Any = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _default_deadline(cls, data: Any) -> Any:
        if isinstance(data, dict) and "deadline_days" not in data:
            default = DEFAULT_DEADLINE_DAYS.get(str(data.get("period_type")))
            if default is not None:
                data = {**data, "deadline_days": default}
        return data

    def field(self, code: str) -> FormField:
        for f in self.fields:
            if f.code == code:
                return f
        raise KeyError(code)
