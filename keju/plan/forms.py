"""Report forms as data (the "一套表" forms enterprises and districts fill in).

A form file declares the form's code, period type, respondent level and fields.
Edit checks and unit conversion build on these declarations.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


class ReportForm(FormItem):
    code: str
    name: str
    period_type: Literal["annual", "quarterly"]
    respondent_level: Literal["enterprise", "district"]
    respondents: str = Field(default="all", description="which respondents must report, e.g. above_scale")
    source: str = ""
    fields: list[FormField]

    def field(self, code: str) -> FormField:
        for f in self.fields:
            if f.code == code:
                return f
        raise KeyError(code)
