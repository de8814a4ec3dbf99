"""Building template workbooks (openpyxl): the layouts of keju.reporting.excel.layout.

Pure with respect to the database: the caller passes the form, the stamp, the respondents
and the reference values; this module only lays them out.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from keju.plan.forms import FormField, ReportForm
from keju.reporting.excel import layout
from keju.reporting.excel.layout import Stamp
from keju.validation.values import neutralise_formula

INPUT_FILL = PatternFill("solid", fgColor="DDEBF7")  # light blue: cells to fill
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
UNLOCKED = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Respondent:
    code: str  # credit code, or the org unit's code for a district's own form
    name: str
    # Only when a template comes back for correction: what was typed, the explanation, the errors.
    typed: Mapping[str, Any] = field(default_factory=dict)
    explanation: str = ""
    errors: Sequence[str] = ()


@dataclass
class TemplateContent:
    form: ReportForm
    stamp: Stamp
    title: str
    respondents: Sequence[Respondent]
    # respondent code → {field code: value} of the previous period, for reference
    previous: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    previous_label: str = ""


def text(value: object) -> str:
    """Any text that goes into a cell: never read back as a formula (= + - @)."""
    return neutralise_formula("" if value is None else str(value))


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    return text(value)


def build_workbook(content: TemplateContent) -> bytes:
    """The template as .xlsx bytes."""
    wb = Workbook()
    data = wb.active
    assert data is not None
    data.title = layout.DATA_SHEET
    fields = [content.form.field(code) for code in content.stamp.fields]
    if content.stamp.scope == "bulk":
        _bulk_sheet(data, content, fields)
        if content.previous:
            _bulk_reference_sheet(wb.create_sheet(layout.REFERENCE_SHEET), content, fields)
    else:
        _single_sheet(data, content, fields)
    _notes_sheet(wb.create_sheet(layout.NOTES_SHEET), content, fields)
    _stamp_sheet(wb.create_sheet(layout.STAMP_SHEET), content.stamp)
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _print_setup(ws: Worksheet) -> None:
    """Landscape, one page wide: the sheet prints legibly for signing and filing."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _protect(ws: Worksheet) -> None:
    # No password: the protection guards against slips, not people; the stamp and the
    # server-side checks are what count.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _header(ws: Worksheet, row: int, column: int, value: str, comment: str = "") -> None:
    cell = ws.cell(row=row, column=column, value=text(value))
    cell.font = BOLD
    cell.fill = HEADER_FILL
    cell.border = BOX
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    if comment:
        cell.comment = Comment(text(comment), "科聚网")


def _field_help(f: FormField) -> str:
    parts = [f.help] if f.help else []
    if f.type == "boolean":
        parts.append(_("填“是”或“否”"))
    elif f.type == "integer":
        parts.append(_("整数"))
    if f.unit:
        parts.append(_("单位:%(unit)s") % {"unit": f.unit})
    if f.min is not None:
        parts.append(_("不小于%(min)s") % {"min": _num(f.min)})
    if f.max is not None:
        parts.append(_("不大于%(max)s") % {"max": _num(f.max)})
    parts.append(_("必填") if f.required else _("选填"))
    return ";".join(parts)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _validation(f: FormField) -> DataValidation | None:
    """An Excel data validation for the field's input cells (dropdown 是/否, numbers)."""
    if f.type == "boolean":
        dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
        dv.error = _("请选择“是”或“否”")
        dv.errorStyle = "stop"
    elif f.type in ("integer", "decimal"):
        kind = "whole" if f.type == "integer" else "decimal"
        low = f.min if f.min is not None else -1e15
        high = f.max if f.max is not None else 1e15
        dv = DataValidation(
            type=kind, operator="between", formula1=_num(low), formula2=_num(high), allow_blank=True
        )
        # A warning, not a stop: the server also accepts "12万" or "1,234" typed as text.
        dv.errorStyle = "warning"
        dv.error = _field_help(f)
    else:
        return None
    dv.errorTitle = text(f.label)
    dv.prompt = text(_field_help(f))
    dv.promptTitle = text(f.label)
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _title_rows(ws: Worksheet, content: TemplateContent, width: int, note: str) -> None:
    ws.cell(row=1, column=1, value=text(content.title)).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    cell = ws.cell(row=2, column=1, value=text(note))
    cell.alignment = WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))
    ws.row_dimensions[2].height = 45


def _single_sheet(ws: Worksheet, content: TemplateContent, fields: list[FormField]) -> None:
    respondent = content.respondents[0]
    note = _(
        "填报单位:%(name)s(%(code)s)。请只在蓝色单元格(D列)填写本期数值,单位以“计量单位”列为准;"
        "“上期数值”仅供参考。如有核实性审核提示,请在最后一行填写说明。"
    ) % {"name": respondent.name, "code": respondent.code}
    _title_rows(ws, content, 6, note)
    ws.row_dimensions[3].height = 4
    header = [
        _("序号"),
        _("指标名称"),
        _("计量单位"),
        _("本期数值"),
        content.previous_label or _("上期数值"),
        _("填报说明"),
    ]
    for i, value in enumerate(header, start=1):
        _header(ws, layout.SINGLE_HEADER_ROW, i, value)
    previous = content.previous.get(respondent.code, {})
    prefill = respondent.typed
    validations: dict[str, DataValidation] = {}
    row = layout.SINGLE_FIRST_ROW
    for i, f in enumerate(fields, start=1):
        ws.cell(row=row, column=1, value=i).border = BOX
        label = ws.cell(row=row, column=2, value=text(f.label + ("" if f.required else _("(选填)"))))
        label.border = BOX
        ws.cell(row=row, column=3, value=text(f.unit or "")).border = BOX
        value = ws.cell(row=row, column=layout.SINGLE_VALUE_COLUMN, value=_cell_value(prefill.get(f.code)))
        value.fill = INPUT_FILL
        value.border = BOX
        value.protection = UNLOCKED
        if f.type != "text":
            value.number_format = "General"
        ref = ws.cell(row=row, column=layout.SINGLE_PREVIOUS_COLUMN, value=_cell_value(previous.get(f.code)))
        ref.border = BOX
        help_cell = ws.cell(row=row, column=6, value=text(_field_help(f)))
        help_cell.border = BOX
        help_cell.alignment = WRAP
        dv = _validation(f)
        if dv is not None:
            key = f"{dv.type}:{dv.formula1}:{dv.formula2}"
            validations.setdefault(key, dv).add(value.coordinate)
        row += 1
    ws.cell(row=row, column=2, value=text(_("核实性审核说明"))).font = BOLD
    explanation = ws.cell(
        row=row, column=layout.SINGLE_VALUE_COLUMN, value=text(respondent.explanation) or None
    )
    explanation.fill = INPUT_FILL
    explanation.border = BOX
    explanation.protection = UNLOCKED
    explanation.alignment = WRAP
    ws.merge_cells(start_row=row, start_column=layout.SINGLE_VALUE_COLUMN, end_row=row, end_column=6)
    ws.row_dimensions[row].height = 60
    errors = respondent.errors
    if errors:
        cell = ws.cell(row=row + 1, column=2, value=text(_("上次上传的错误:") + ";".join(errors)))
        cell.fill = ERROR_FILL
        cell.alignment = WRAP
        ws.merge_cells(start_row=row + 1, start_column=2, end_row=row + 1, end_column=6)
    for dv in validations.values():
        ws.add_data_validation(dv)
    for column, width in zip("ABCDEF", (6, 34, 12, 18, 18, 48), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = ws.cell(row=layout.SINGLE_FIRST_ROW, column=1)
    _print_setup(ws)
    _protect(ws)


def _bulk_sheet(ws: Worksheet, content: TemplateContent, fields: list[FormField]) -> None:
    n = len(fields)
    explanation_col = layout.BULK_FIRST_FIELD_COLUMN + n
    error_col = explanation_col + 1
    with_errors = any(r.errors for r in content.respondents)
    note = _(
        "每行一家企业;统一社会信用代码和企业名称已预填,不可修改。请只在蓝色单元格填写,单位以表头括号内为准;"
        "布尔项从下拉框选择“是/否”。企业如有核实性审核提示,请在“核实性审核说明”列填写说明,否则该企业只保存为草稿。"
        "上期数值见“上期数据”工作表。"
    )
    _title_rows(ws, content, error_col if with_errors else explanation_col, note)
    _header(ws, layout.BULK_HEADER_ROW, layout.BULK_CODE_COLUMN, _("统一社会信用代码"))
    _header(ws, layout.BULK_HEADER_ROW, layout.BULK_NAME_COLUMN, _("企业名称"))
    for i, f in enumerate(fields):
        header = layout.field_header(f.label, f.unit) + ("" if f.required else _("(选填)"))
        _header(ws, layout.BULK_HEADER_ROW, layout.BULK_FIRST_FIELD_COLUMN + i, header, _field_help(f))
    _header(
        ws,
        layout.BULK_HEADER_ROW,
        explanation_col,
        _("核实性审核说明"),
        _("对系统提示的核实性审核问题作出说明"),
    )
    if with_errors:
        _header(ws, layout.BULK_HEADER_ROW, error_col, _("错误说明(上传前可不删除)"))
    first = layout.BULK_FIRST_ROW
    last = first + max(len(content.respondents), 1) - 1
    for r, respondent in enumerate(content.respondents):
        row = first + r
        ws.cell(row=row, column=layout.BULK_CODE_COLUMN, value=text(respondent.code)).number_format = "@"
        ws.cell(row=row, column=layout.BULK_NAME_COLUMN, value=text(respondent.name))
        for i, f in enumerate(fields):
            if f.code in respondent.typed:
                value = _cell_value(respondent.typed[f.code])
                ws.cell(row=row, column=layout.BULK_FIRST_FIELD_COLUMN + i, value=value)
        if respondent.explanation:
            ws.cell(row=row, column=explanation_col, value=text(respondent.explanation))
        if respondent.errors:
            cell = ws.cell(row=row, column=error_col, value=text(";".join(respondent.errors)))
            cell.fill = ERROR_FILL
    # Styles and validations by column: one DataValidation per column, not per cell.
    for column in range(layout.BULK_FIRST_FIELD_COLUMN, explanation_col + 1):
        for row in range(first, last + 1):
            cell = ws.cell(row=row, column=column)
            cell.fill = INPUT_FILL
            cell.protection = UNLOCKED
    for i, f in enumerate(fields):
        dv = _validation(f)
        if dv is not None:
            letter = layout.column_letter(layout.BULK_FIRST_FIELD_COLUMN + i)
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 30
    for column in range(layout.BULK_FIRST_FIELD_COLUMN, explanation_col):
        ws.column_dimensions[layout.column_letter(column)].width = 14
    ws.column_dimensions[layout.column_letter(explanation_col)].width = 40
    if with_errors:
        ws.column_dimensions[layout.column_letter(error_col)].width = 60
    ws.row_dimensions[layout.BULK_HEADER_ROW].height = 48
    ws.freeze_panes = ws.cell(row=first, column=layout.BULK_FIRST_FIELD_COLUMN)
    _print_setup(ws)
    _protect(ws)


def _bulk_reference_sheet(ws: Worksheet, content: TemplateContent, fields: list[FormField]) -> None:
    ws.cell(row=1, column=1, value=text(content.previous_label)).font = Font(bold=True, size=12)
    ws.cell(row=2, column=1, value=text(_("仅供参考,本表内容不会被导入。")))
    _header(ws, layout.BULK_HEADER_ROW, 1, _("统一社会信用代码"))
    _header(ws, layout.BULK_HEADER_ROW, 2, _("企业名称"))
    for i, f in enumerate(fields):
        _header(ws, layout.BULK_HEADER_ROW, 3 + i, layout.field_header(f.label, f.unit))
    for r, respondent in enumerate(content.respondents):
        values = content.previous.get(respondent.code)
        row = layout.BULK_FIRST_ROW + r
        ws.cell(row=row, column=1, value=text(respondent.code))
        ws.cell(row=row, column=2, value=text(respondent.name))
        if values:
            for i, f in enumerate(fields):
                ws.cell(row=row, column=3 + i, value=_cell_value(values.get(f.code)))
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 30
    ws.freeze_panes = ws.cell(row=layout.BULK_FIRST_ROW, column=3)
    _protect(ws)


def _notes_sheet(ws: Worksheet, content: TemplateContent, fields: list[FormField]) -> None:
    form = content.form
    lines = [
        _("%(code)s %(name)s") % {"code": form.code, "name": form.name},
        _(
            "1. 请使用本系统下载的模板,不要增删或移动行列、不要修改工作表名称;“版本信息”工作表为隐藏表,请勿改动。"
        ),
        _("2. 只填写数值,不要填写公式,也不要链接其他工作簿;从其他表格复制时请使用“选择性粘贴—数值”。"),
        _("3. 数值以表头所示单位为准;如填写了带单位的数值(如“12万元”“3.5亿元”),系统会换算为表头单位。"),
        _("4. 上传后系统逐个单元格检查,错误会按“工作表、单元格、字段、说明”列出,并可下载错误报告。"),
        _("5. 出现核实性审核提示时须填写说明;没有说明的报表只保存为草稿,不会上报。"),
    ]
    for i, line in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text(line)).font = BOLD if i == 1 else Font()
    start = len(lines) + 2
    for i, value in enumerate(
        (_("字段代码"), _("指标名称"), _("计量单位"), _("类型"), _("是否必填"), _("取值范围"), _("说明"))
    ):
        _header(ws, start, 1 + i, value)
    types = {"decimal": _("数值"), "integer": _("整数"), "boolean": _("是/否"), "text": _("文本")}
    for r, f in enumerate(fields, start=start + 1):
        low = "" if f.min is None else _num(f.min)
        high = "" if f.max is None else _num(f.max)
        bounds = f"{low} ~ {high}" if (low or high) else ""
        row = (
            f.code,
            f.label,
            f.unit or "",
            types[f.type],
            _("是") if f.required else _("否"),
            bounds,
            f.help,
        )
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=text(value)).alignment = WRAP
    for column, width in zip("ABCDEFG", (24, 30, 12, 8, 10, 16, 50), strict=True):
        ws.column_dimensions[column].width = width
    _protect(ws)


def _stamp_sheet(ws: Worksheet, stamp: Stamp) -> None:
    for r, (key, value) in enumerate(stamp.rows(), start=1):
        ws.cell(row=r, column=1, value=key)
        # Stored as text so a re-save never turns "1" or a code into a number.
        ws.cell(row=r, column=2, value=text(value)).number_format = "@"
    ws.sheet_state = "hidden"
    _protect(ws)


def error_report_workbook(errors: Sequence[tuple[str, str, str, str]], title: str) -> bytes:
    """A workbook listing errors: 工作表 | 单元格 | 字段 | 错误说明."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = layout.ERRORS_SHEET
    ws.cell(row=1, column=1, value=text(title)).font = Font(bold=True, size=12)
    for i, value in enumerate((_("工作表"), _("单元格"), _("字段"), _("错误说明")), start=1):
        _header(ws, 2, i, value)
    for r, row in enumerate(errors, start=3):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=text(value)).alignment = WRAP
    for column, width in zip("ABCD", (14, 10, 28, 90), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
