"""Where things sit in a Keju Excel template, and the version stamp that identifies it.

Two layouts share one format:

- ``single``: one respondent (an enterprise's own report, or a district's own form);
  one row per field — 指标名称 | 计量单位 | 本期数值 | 上期数值(参考) | 填报说明.
- ``bulk``: a district reviewer fills an enterprise form for many enterprises;
  one row per enterprise — 统一社会信用代码 | 企业名称 | one column per field | 核实性审核说明.

The stamp lives on a hidden, protected sheet: Excel and LibreOffice both keep hidden
sheets and their cell values when a workbook is re-saved (document properties and
defined names are less reliably kept).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _

from keju.plan.forms import ReportForm

# Bump when the layout changes: older templates are then refused with a clear message.
FORMAT_VERSION = "1"
STAMP_MARKER = "keju-excel-template"

DATA_SHEET = "填报数据"
REFERENCE_SHEET = "上期数据"
NOTES_SHEET = "填报说明"
STAMP_SHEET = "版本信息"
ERRORS_SHEET = "错误报告"

# single layout: header on row 4, one field per row from row 5; the value in column D.
SINGLE_HEADER_ROW = 4
SINGLE_FIRST_ROW = 5
SINGLE_VALUE_COLUMN = 4  # D
SINGLE_PREVIOUS_COLUMN = 5  # E

# bulk layout: header on row 3, one enterprise per row from row 4.
BULK_HEADER_ROW = 3
BULK_FIRST_ROW = 4
BULK_CODE_COLUMN = 1  # A
BULK_NAME_COLUMN = 2  # B
BULK_FIRST_FIELD_COLUMN = 3  # C

Scope = Literal["enterprise", "district", "bulk"]


def form_hash(form: ReportForm) -> str:
    """A short fingerprint of the form definition (fields, units, checks): a template made
    for an older definition of the same form is refused."""
    return hashlib.sha256(form.model_dump_json().encode()).hexdigest()[:16]


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"


def period_label(period: str) -> str:
    year, quarter = period[:4], period[5:] if len(period) > 4 else ""
    if quarter:
        return _("%(year)s年第%(quarter)s季度") % {"year": year, "quarter": quarter}
    return _("%(year)s年") % {"year": year}


def field_header(label: str, unit: str | None) -> str:
    return f"{label}({unit})" if unit else label


@dataclass(frozen=True)
class Stamp:
    """What a template was made for; read back from an uploaded workbook and compared."""

    plan: str
    form: str
    form_hash: str
    period: str
    scope: Scope
    respondent: str  # credit code (enterprise), org code (district's own form, or the bulk district)
    fields: tuple[str, ...]  # field codes in the order of the template's rows / columns
    format_version: str = FORMAT_VERSION

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("marker", STAMP_MARKER),
            ("format_version", self.format_version),
            ("plan", self.plan),
            ("form", self.form),
            ("form_hash", self.form_hash),
            ("period", self.period),
            ("scope", self.scope),
            ("respondent", self.respondent),
            ("fields", ",".join(self.fields)),
        ]

    @classmethod
    def from_rows(cls, rows: list[list[object]]) -> Stamp | None:
        """The stamp from the stamp sheet's cells, or None when it is not a Keju template."""
        data: dict[str, str] = {}
        for row in rows:
            if len(row) >= 2 and isinstance(row[0], str):
                value = row[1]
                # A re-save may turn "1" into the number 1.
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                data[row[0]] = "" if value is None else str(value)
        if data.get("marker") != STAMP_MARKER:
            return None
        scope = data.get("scope", "")
        if scope not in ("enterprise", "district", "bulk"):
            return None
        return cls(
            plan=data.get("plan", ""),
            form=data.get("form", ""),
            form_hash=data.get("form_hash", ""),
            period=data.get("period", ""),
            scope=scope,  # type: ignore[arg-type]
            respondent=data.get("respondent", ""),
            fields=tuple(f for f in data.get("fields", "").split(",") if f),
            format_version=data.get("format_version", ""),
        )
