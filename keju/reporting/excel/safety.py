"""Checks on an uploaded file before any spreadsheet library parses it.

An .xlsx file is a zip package of XML parts. Everything here looks at the zip directory
and at raw XML bytes only, so a hostile file (zip bomb, formulas, links to other
workbooks) is refused before a parser expands it.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A 5,000-row template is ~3 MB of XML once unpacked; 200 MB leaves room and stops bombs.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_PARTS = 2_000
# Sheet XML compresses 10-30×; far beyond that is a decompression bomb.
MAX_RATIO = 200
RATIO_APPLIES_ABOVE = 1024 * 1024

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# <f>, <f t="shared" …/>, or a prefixed <x:f>: a cell formula (not <formula1> of a data validation).
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL_WITH_FORMULA = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br=\"([A-Z]{1,3}[0-9]{1,7})\"[^>]*>(?:(?!</(?:[A-Za-z_][\w.-]*:)?c>).)*?"
    rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]",
    re.DOTALL,
)
_SHEET_ENTRY = re.compile(r"^xl/worksheets/sheet\d+\.xml$")


class ExcelFileError(Exception):
    """The file cannot be read as a Keju template; `message` says why, in Chinese."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def inspect_package(data: bytes, *, sheet_names: dict[str, str] | None = None) -> None:
    """Refuse anything that is not a plain, formula-free, self-contained .xlsx package.

    `sheet_names` maps package part names (xl/worksheets/sheet1.xml) to sheet names for
    messages; it is read from the package when not given.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExcelFileError(
            _("文件大小为%(size).1f MB,超过了%(limit)d MB的上限;请按区分批上传")
            % {"size": len(data) / 1024 / 1024, "limit": MAX_UPLOAD_BYTES // 1024 // 1024},
            code="too_large",
        )
    if not data:
        raise ExcelFileError(_("上传的文件是空的"), code="not_xlsx")
    if data.startswith(_OLE2_MAGIC):
        raise ExcelFileError(
            _("这是旧版 Excel(.xls)或加密的文件,无法读取;请在 Excel 中另存为“Excel 工作簿(*.xlsx)”后再上传"),
            code="not_xlsx",
        )
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ExcelFileError(
            _(
                "文件不是有效的 Excel 工作簿(.xlsx),可能已损坏或不是 Excel 文件;请使用本系统下载的模板填写后上传"
            ),
            code="not_xlsx",
        ) from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ExcelFileError(
            _("文件不是 Excel 工作簿(.xlsx);请使用本系统下载的模板填写后上传"), code="not_xlsx"
        )
    _check_sizes(infos)
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise ExcelFileError(
            _("工作簿含有指向其他文件的外部链接;请在 Excel 中“断开链接”(只保留数值)后再上传"),
            code="external_links",
        )
    try:
        workbook_xml = package.read("xl/workbook.xml")
        if b"externalReference" in workbook_xml:
            raise ExcelFileError(
                _("工作簿含有指向其他文件的外部链接;请在 Excel 中“断开链接”(只保留数值)后再上传"),
                code="external_links",
            )
        sheets = sheet_names if sheet_names is not None else _sheet_names(package, workbook_xml)
        for info in infos:
            if _SHEET_ENTRY.match(info.filename):
                _check_formulas(package.read(info), sheets.get(info.filename, info.filename))
    except zipfile.BadZipFile:
        raise ExcelFileError(_("文件已损坏(压缩数据校验失败),无法读取"), code="not_xlsx") from None


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    bomb = ExcelFileError(
        _("文件解压后异常巨大(疑似“压缩炸弹”),已拒绝;请上传本系统模板填写的正常工作簿"), code="zip_bomb"
    )
    if len(infos) > MAX_PARTS:
        raise bomb
    total = 0
    for info in infos:
        total += info.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise bomb
        if info.file_size > RATIO_APPLIES_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise bomb


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")


def _sheet_names(package: zipfile.ZipFile, workbook_xml: bytes) -> dict[str, str]:
    """Part name → sheet name, for messages that say which sheet holds a formula."""
    try:
        rels_xml = package.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets: dict[str, str] = {}
    for tag in _REL.findall(rels_xml):
        attrs = dict(_ATTR.findall(tag))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace").lstrip("/")
        if not target.startswith("xl/"):
            target = "xl/" + target
        targets[attrs.get(b"Id", b"").decode()] = target
    names: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(workbook_xml):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag)}
        rel = attrs.get(b"id", b"").decode()
        if rel in targets:
            names[targets[rel]] = _unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
    return names


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _check_formulas(sheet_xml: bytes, sheet: str) -> None:
    if not _FORMULA_TAG.search(sheet_xml):
        return
    cells = [m.decode() for m in _CELL_WITH_FORMULA.findall(sheet_xml)[:10]]
    where = "、".join(cells) if cells else _("(未能定位)")
    raise ExcelFileError(
        _("工作表“%(sheet)s”的单元格 %(cells)s 含有公式;本系统只接受数值,请复制后“选择性粘贴—数值”再上传")
        % {"sheet": sheet, "cells": where},
        code="formulas",
    )
