"""Files that are not a usable template: each is refused with a clear Chinese message, nothing written."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from keju.reporting.excel import layout, safety
from keju.reporting.excel.services import import_workbook
from keju.reporting.excel.tests.conftest import fill, kj101_values, template
from keju.reporting.models import AuditEntry, IdempotencyRecord, Report, ReportingPeriod
from keju.reporting.services import close_period

pytestmark = pytest.mark.django_db

CJK = tuple(chr(c) for c in range(0x4E00, 0x9FFF))


def state() -> tuple[int, int, int]:
    return (
        Report.objects.count(),
        AuditEntry.objects.filter(report__isnull=False).count(),
        IdempotencyRecord.objects.count(),
    )


def refused(zone, user, data: bytes, code: str, *words: str, **kwargs) -> str:
    before = state()
    result = import_workbook(user, zone.plan, data, filename="x.xlsx", **kwargs)
    assert result.file_error_code == code, (result.file_error_code, result.file_error, result.errors)
    message = result.file_error
    assert any(ch in message for ch in CJK), message
    for word in words:
        assert word in message, message
    assert not result.stored
    assert state() == before
    return message


def repack(
    data: bytes, *, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None
) -> bytes:
    """The same package with parts added or replaced (as another program might write it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = (replace or {}).get(info.filename, src.read(info))
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def filled(zone) -> bytes:
    return fill(template(zone, zone.reporter), {None: kj101_values()})


def test_text_file_is_not_an_xlsx(zone):
    refused(zone, zone.reporter, "统一社会信用代码,营业收入\n".encode(), "not_xlsx", "xlsx")


def test_old_xls_file_is_refused_with_save_as_hint(zone):
    refused(zone, zone.reporter, safety._OLE2_MAGIC + b"\x00" * 4000, "not_xlsx", ".xls", "另存为")


def test_truncated_file_is_corrupt(zone):
    data = filled(zone)
    refused(zone, zone.reporter, data[: len(data) // 2], "not_xlsx", "损坏")


def test_empty_file(zone):
    refused(zone, zone.reporter, b"", "not_xlsx", "空")


def test_corrupt_part_inside_a_valid_zip(zone):
    data = repack(filled(zone), replace={"xl/workbook.xml": b"<workbook><sheets><sheet"})
    refused(zone, zone.reporter, data, "not_xlsx")


def test_workbook_that_is_not_a_keju_template(zone):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "营业收入"
    out = io.BytesIO()
    wb.save(out)
    refused(zone, zone.reporter, out.getvalue(), "not_template", "模板")


def test_upload_over_the_size_limit(zone):
    data = filled(zone) + b"\x00" * (safety.MAX_UPLOAD_BYTES + 1)
    refused(zone, zone.reporter, data, "too_large", "MB")


def test_zip_bomb_part_is_refused_before_parsing(zone):
    bomb = b"\x00" * (8 * 1024 * 1024)  # ~8 KB compressed: a ratio of ~1000
    data = repack(filled(zone), add={"xl/media/image1.bin": bomb})
    refused(zone, zone.reporter, data, "zip_bomb", "压缩炸弹")


def test_too_many_parts_is_a_bomb(zone):
    data = repack(filled(zone), add={f"xl/media/p{i}.bin": b"x" for i in range(safety.MAX_PARTS + 1)})
    refused(zone, zone.reporter, data, "zip_bomb")


def test_formula_in_a_cell_is_refused_with_its_cell(zone):
    data = fill(template(zone, zone.reporter), {None: kj101_values(revenue="=40000+5210.5")})
    message = refused(zone, zone.reporter, data, "formulas", "D6", "公式", layout.DATA_SHEET)
    assert "数值" in message


def test_formula_on_another_sheet_is_refused_too(zone):
    wb = openpyxl.load_workbook(io.BytesIO(filled(zone)))
    wb.create_sheet("草稿")["B2"] = "=SUM(1,2)"
    out = io.BytesIO()
    wb.save(out)
    refused(zone, zone.reporter, out.getvalue(), "formulas", "草稿", "B2")


def test_external_link_is_refused(zone):
    link = (
        b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><externalBook><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        b"</externalBook></externalLink>"
    )
    data = repack(filled(zone), add={"xl/externalLinks/externalLink1.xml": link})
    refused(zone, zone.reporter, data, "external_links", "外部链接")


def _edit_stamp(data: bytes, key: str, value: str) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[layout.STAMP_SHEET]
    for row in ws.iter_rows():
        if row[0].value == key:
            row[1].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_template_of_an_older_form_version_is_refused(zone):
    data = _edit_stamp(filled(zone), "form_hash", "0123456789abcdef")
    refused(zone, zone.reporter, data, "old_template", "旧版本", "重新下载")


def test_template_with_changed_field_list_is_an_old_version(zone):
    data = _edit_stamp(filled(zone), "fields", "employees,revenue")
    refused(zone, zone.reporter, data, "old_template")


def test_template_of_an_old_format_version_is_refused(zone):
    data = _edit_stamp(filled(zone), "format_version", "0")
    refused(zone, zone.reporter, data, "old_template", "重新下载")


def test_template_of_another_form_than_the_one_chosen(zone):
    refused(zone, zone.reporter, filled(zone), "wrong_template", "KJ101", "KJ102", expected_form="KJ102")


def test_template_of_another_period_than_the_one_chosen(zone):
    refused(zone, zone.reporter, filled(zone), "wrong_template", "2016", "2017", expected_period="2017")


def test_template_of_a_form_this_plan_does_not_have(zone):
    data = _edit_stamp(filled(zone), "form", "KJ999")
    refused(zone, zone.reporter, data, "wrong_template", "KJ999")


def test_template_of_another_plan(zone):
    data = _edit_stamp(filled(zone), "plan", "lanbai-2015-2020")
    refused(zone, zone.reporter, data, "wrong_template", "规划")


def test_closed_period_is_refused(zone):
    data = filled(zone)
    close_period(ReportingPeriod.objects.get(plan=zone.plan, form_code="KJ101", period="2016"))
    refused(zone, zone.reporter, data, "period_closed", "已关闭")


def test_period_never_opened_is_refused(zone):
    data = _edit_stamp(filled(zone), "period", "2015")
    refused(zone, zone.reporter, data, "period_closed", "2015")


def test_someone_elses_template_is_refused(zone):
    refused(zone, zone.other_reviewer, template(zone, zone.reviewer), "not_allowed", "无权")
    refused(zone, zone.evaluator, filled(zone), "not_allowed", "无权")


def test_renamed_data_sheet_is_refused(zone):
    wb = openpyxl.load_workbook(io.BytesIO(filled(zone)))
    wb[layout.DATA_SHEET].title = "Sheet1"
    out = io.BytesIO()
    wb.save(out)
    refused(zone, zone.reporter, out.getvalue(), "layout", layout.DATA_SHEET)


def test_deleted_stamp_sheet_is_not_a_template(zone):
    wb = openpyxl.load_workbook(io.BytesIO(filled(zone)))
    del wb[layout.STAMP_SHEET]
    out = io.BytesIO()
    wb.save(out)
    refused(zone, zone.reporter, out.getvalue(), "not_template", "版本信息")


def test_template_uploaded_without_any_value(zone):
    refused(zone, zone.reporter, template(zone, zone.reporter), "empty", "没有填写")
    refused(zone, zone.reviewer, template(zone, zone.reviewer), "empty", "没有填写")
