"""The Excel pages: choosing and downloading a template, uploading it, downloading the error report."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from keju.reporting.excel import layout
from keju.reporting.excel.safety import MAX_UPLOAD_BYTES
from keju.reporting.excel.tests.conftest import fill, kj101_values, template
from keju.reporting.models import Report

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, data: bytes, **extra):
    return client.post(
        reverse("reporting:excel-upload"),
        {"file": SimpleUploadedFile("填报.xlsx", data, content_type=XLSX), **extra},
    )


def test_anonymous_users_are_sent_to_log_in(client, zone):
    for name in ("excel-template", "excel-upload", "excel-template-download"):
        response = client.get(reverse(f"reporting:{name}"))
        assert response.status_code == 302 and "login" in response["Location"]


def test_reporter_sees_its_forms_and_downloads_its_template(client, zone):
    client.force_login(zone.reporter)
    page = client.get(reverse("reporting:excel-template"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "KJ101" in text and zone.xq[0].name in text
    assert "KJ201" not in text.split("2. ")[0]  # the district form is not the reporter's
    response = client.get(
        reverse("reporting:excel-template-download"),
        {"form": "KJ101", "period": "2016", "target": f"enterprise:{zone.xq[0].credit_code}"},
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert layout.STAMP_SHEET in wb.sheetnames


def test_downloading_another_districts_template_is_forbidden(client, zone):
    client.force_login(zone.other_reviewer)
    response = client.get(
        reverse("reporting:excel-template-download"), {"form": "KJ101", "period": "2016", "target": "bulk:XQ"}
    )
    assert response.status_code == 403
    assert "无权" in response.content.decode()


def test_user_without_a_filling_role_sees_a_notice(client, zone):
    client.force_login(zone.evaluator)
    page = client.get(reverse("reporting:excel-template"))
    assert page.status_code == 200 and "您没有需要通过 Excel 填报的报表" in page.content.decode()


def test_upload_page_shows_success(client, zone):
    client.force_login(zone.reporter)
    response = upload(client, fill(template(zone, zone.reporter), {None: kj101_values()}))
    assert response.status_code == 200
    assert "导入成功" in response.content.decode()
    assert Report.objects.count() == 1


def test_upload_with_errors_lists_each_cell_and_offers_the_error_report(client, zone):
    client.force_login(zone.reporter)
    response = upload(client, fill(template(zone, zone.reporter), {None: kj101_values(revenue="很多")}))
    assert response.status_code == 400
    text = response.content.decode()
    assert "D6" in text and "营业收入" in text and "整个文件未导入" in text
    link = re.search(r'href="([^"]+/errors\.xlsx)"', text)
    assert link, text
    report = client.get(link.group(1))
    assert report.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(report.content))[layout.ERRORS_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert rows[0][:3] == [layout.DATA_SHEET, "D6", "营业收入"]
    # The report is its owner's alone.
    client.force_login(zone.reviewer)
    assert client.get(link.group(1)).status_code == 404
    assert Report.objects.count() == 0


def test_accept_valid_rows_offers_the_rows_to_correct(client, zone):
    client.force_login(zone.reviewer)
    data = fill(
        template(zone, zone.reviewer),
        {zone.xq[0].credit_code: kj101_values(), zone.xq[1].credit_code: kj101_values(revenue="很多")},
    )
    response = upload(client, data, accept_valid="on")
    assert response.status_code == 200
    text = response.content.decode()
    assert "已导入无误的行" in text
    link = re.search(r'href="([^"]+/corrections\.xlsx)"', text)
    assert link
    wb = openpyxl.load_workbook(io.BytesIO(client.get(link.group(1)).content))
    assert wb[layout.DATA_SHEET].cell(row=layout.BULK_FIRST_ROW, column=1).value == zone.xq[1].credit_code
    assert Report.objects.count() == 1


def test_file_level_refusal_is_shown(client, zone):
    client.force_login(zone.reporter)
    response = upload(client, b"not a workbook")
    assert response.status_code == 400
    assert "不是有效的 Excel 工作簿" in response.content.decode()


def test_upload_over_the_limit_is_refused_by_the_form(client, zone):
    client.force_login(zone.reporter)
    response = upload(client, b"\x00" * (MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 400
    assert "超过了" in response.content.decode()
    assert Report.objects.count() == 0


def test_choosing_a_form_refuses_another_forms_template(client, zone):
    client.force_login(zone.reviewer)
    data = fill(template(zone, zone.reviewer), {zone.xq[0].credit_code: kj101_values()})
    response = upload(client, data, form_code="KJ201")
    assert response.status_code == 400
    assert "不是所选的KJ201" in response.content.decode()
    assert Report.objects.count() == 0


def test_uploading_someone_elses_template_is_forbidden(client, zone):
    client.force_login(zone.other_reviewer)
    data = fill(template(zone, zone.reviewer), {zone.xq[0].credit_code: kj101_values()})
    response = upload(client, data)
    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_retried_post_creates_nothing_new(client, zone):
    client.force_login(zone.reporter)
    data = fill(template(zone, zone.reporter), {None: kj101_values()})
    assert upload(client, data).status_code == 200
    version = Report.objects.get().version
    assert upload(client, data).status_code == 200
    assert Report.objects.count() == 1 and Report.objects.get().version == version
