"""Reading an uploaded template: the stamp, then every input cell through parse_value.

Values are read with python-calamine (fast, no styles); nothing here touches the
database. Each cell that cannot be read becomes a CellError naming sheet, cell and field.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from keju.plan.forms import FormField, ReportForm
from keju.reporting.excel import layout
from keju.reporting.excel.layout import Stamp
from keju.reporting.excel.safety import ExcelFileError
from keju.validation.values import CellValueError, parse_value


@dataclass(frozen=True)
class CellError:
    """One problem, located: shown on the page and in the downloadable error report."""

    sheet: str
    cell: str
    label: str
    message: str
    respondent: str = ""  # credit code / org code of the row, "" for file-level problems

    def as_row(self) -> tuple[str, str, str, str]:
        return (self.sheet, self.cell, self.label, self.message)


@dataclass
class SheetRow:
    """One respondent's input: its parsed values (form units), what was typed, its explanation."""

    respondent: str
    name: str
    row: int  # 1-based sheet row (bulk) or first field row (single)
    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    explanation: str = ""
    errors: list[CellError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # warnings left unexplained (row kept as draft)
    cells: dict[str, str] = field(default_factory=dict)  # field code → cell name, for mapping findings back
    anchor: str = "A1"  # where row-level messages point: the credit code, or the explanation cell

    @property
    def is_empty(self) -> bool:
        return not self.raw and not self.explanation


@dataclass
class ReadWorkbook:
    stamp: Stamp
    rows: list[SheetRow]
    errors: list[CellError]  # structural problems (moved columns, a renamed sheet)


def open_workbook(data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        raise ExcelFileError(
            _("文件无法作为 Excel 工作簿读取(%(reason)s);请使用本系统下载的模板填写后上传")
            % {"reason": str(exc)[:80]},
            code="not_xlsx",
        ) from None


def read_stamp(book: CalamineWorkbook) -> Stamp:
    if layout.STAMP_SHEET not in book.sheet_names:
        raise ExcelFileError(
            _("这不是本系统下载的填报模板(缺少“版本信息”工作表);请先下载模板,在模板中填写后上传"),
            code="not_template",
        )
    stamp = Stamp.from_rows(_sheet(book, layout.STAMP_SHEET))
    if stamp is None:
        raise ExcelFileError(_("模板的“版本信息”工作表已被改动,无法识别;请重新下载模板"), code="not_template")
    if stamp.format_version != layout.FORMAT_VERSION:
        raise ExcelFileError(
            _("模板格式版本(%(old)s)已停用,当前为%(new)s;请重新下载模板")
            % {"old": stamp.format_version, "new": layout.FORMAT_VERSION},
            code="old_template",
        )
    return stamp


def _sheet(book: CalamineWorkbook, name: str) -> list[list[Any]]:
    try:
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except CalamineError as exc:
        raise ExcelFileError(
            _("工作表“%(sheet)s”无法读取(%(reason)s)") % {"sheet": name, "reason": str(exc)[:80]},
            code="not_xlsx",
        ) from None


def _at(rows: Sequence[Sequence[Any]], row: int, column: int) -> Any:
    """The value at 1-based (row, column); None for empty cells and outside the used area."""
    if row - 1 >= len(rows):
        return None
    line = rows[row - 1]
    if column - 1 >= len(line):
        return None
    value = line[column - 1]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _as_code(value: Any) -> str:
    """A credit or org code as typed; a code typed as a number comes back as a float."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().upper().replace(" ", "")


def _parse(f: FormField, raw: Any) -> Any:
    # Fast path for the common case (a number in a number cell): no text to interpret.
    if type(raw) is float and f.type == "decimal" and math.isfinite(raw):
        return raw or 0.0  # no negative zero
    return parse_value(f, raw)


def read_workbook(book: CalamineWorkbook, stamp: Stamp, form: ReportForm) -> ReadWorkbook:
    if layout.DATA_SHEET not in book.sheet_names:
        raise ExcelFileError(
            _("找不到“%(sheet)s”工作表;请不要修改模板的工作表名称") % {"sheet": layout.DATA_SHEET},
            code="layout",
        )
    cells = _sheet(book, layout.DATA_SHEET)
    fields = [form.field(code) for code in stamp.fields]
    if stamp.scope == "bulk":
        return _read_bulk(cells, stamp, fields)
    return _read_single(cells, stamp, fields)


def _layout_error(cell: str, label: str, message: str) -> CellError:
    return CellError(layout.DATA_SHEET, cell, label, message)


def _read_single(cells: list[list[Any]], stamp: Stamp, fields: list[FormField]) -> ReadWorkbook:
    row = SheetRow(respondent=stamp.respondent, name="", row=layout.SINGLE_FIRST_ROW)
    structural: list[CellError] = []
    for i, f in enumerate(fields):
        r = layout.SINGLE_FIRST_ROW + i
        label = _at(cells, r, 2)
        if not (isinstance(label, str) and label.lstrip("'").startswith(f.label)):
            structural.append(
                _layout_error(
                    layout.cell_name(r, 2),
                    f.label,
                    _("此处应为“%(label)s”,模板的行被移动或删除了;请重新下载模板") % {"label": f.label},
                )
            )
            continue
        name = layout.cell_name(r, layout.SINGLE_VALUE_COLUMN)
        row.cells[f.code] = name
        raw = _at(cells, r, layout.SINGLE_VALUE_COLUMN)
        if raw is None:
            continue
        row.raw[f.code] = raw
        try:
            row.values[f.code] = _parse(f, raw)
        except CellValueError as exc:
            row.errors.append(CellError(layout.DATA_SHEET, name, f.label, exc.message, stamp.respondent))
    explanation_row = layout.SINGLE_FIRST_ROW + len(fields)
    row.anchor = layout.cell_name(explanation_row, layout.SINGLE_VALUE_COLUMN)
    explanation = _at(cells, explanation_row, layout.SINGLE_VALUE_COLUMN)
    row.explanation = "" if explanation is None else str(explanation).strip()
    return ReadWorkbook(stamp, [] if row.is_empty and not row.errors else [row], structural)


def _read_bulk(cells: list[list[Any]], stamp: Stamp, fields: list[FormField]) -> ReadWorkbook:
    structural: list[CellError] = []
    header = layout.BULK_HEADER_ROW
    for i, f in enumerate(fields):
        column = layout.BULK_FIRST_FIELD_COLUMN + i
        label = _at(cells, header, column)
        if not (isinstance(label, str) and label.lstrip("'").startswith(f.label)):
            structural.append(
                _layout_error(
                    layout.cell_name(header, column),
                    f.label,
                    _("此列应为“%(label)s”,模板的列被移动或删除了;请重新下载模板") % {"label": f.label},
                )
            )
    if structural:
        return ReadWorkbook(stamp, [], structural)
    explanation_col = layout.BULK_FIRST_FIELD_COLUMN + len(fields)
    rows: list[SheetRow] = []
    for r in range(layout.BULK_FIRST_ROW, len(cells) + 1):
        line = cells[r - 1]
        code = _as_code(_at(cells, r, layout.BULK_CODE_COLUMN))
        name = _at(cells, r, layout.BULK_NAME_COLUMN)
        row = SheetRow(respondent=code, name="" if name is None else str(name).lstrip("'"), row=r)
        row.anchor = layout.cell_name(r, layout.BULK_CODE_COLUMN)
        for i, f in enumerate(fields):
            column = layout.BULK_FIRST_FIELD_COLUMN + i
            cell = layout.cell_name(r, column)
            row.cells[f.code] = cell
            raw = line[column - 1] if column - 1 < len(line) else None
            if isinstance(raw, str):
                raw = raw.strip() or None
            if raw is None:
                continue
            row.raw[f.code] = raw
            try:
                row.values[f.code] = _parse(f, raw)
            except CellValueError as exc:
                row.errors.append(CellError(layout.DATA_SHEET, cell, f.label, exc.message, code))
        explanation = _at(cells, r, explanation_col)
        row.explanation = "" if explanation is None else str(explanation).strip()
        if row.is_empty:
            continue  # an expected enterprise nobody filled in yet, or a blank line
        if not code:
            row.errors.append(
                CellError(
                    layout.DATA_SHEET,
                    layout.cell_name(r, layout.BULK_CODE_COLUMN),
                    _("统一社会信用代码"),
                    _("第%(row)d行填写了数据,但没有统一社会信用代码") % {"row": r},
                )
            )
        rows.append(row)
    return ReadWorkbook(stamp, rows, structural)
