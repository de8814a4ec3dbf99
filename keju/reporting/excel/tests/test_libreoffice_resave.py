"""A template filled with openpyxl and re-saved by LibreOffice (headless) still uploads:
the hidden stamp sheet, the layout and the values survive the round trip."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from keju.reporting.excel.services import import_workbook
from keju.reporting.excel.tests.conftest import fill, kj101_values, template
from keju.reporting.models import Report, ReportStatus

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
]


def resave_with_libreoffice(data: bytes, tmp_path) -> bytes:
    src = tmp_path / "in" / "filled.xlsx"
    src.parent.mkdir()
    src.write_bytes(data)
    out = tmp_path / "out"
    # Its own profile: a user's running LibreOffice (or another test) must not interfere.
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    subprocess.run(
        ["soffice", profile, "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = (out / "filled.xlsx").read_bytes()
    assert resaved != data
    return resaved


def test_single_template_resaved_by_libreoffice_uploads(zone, tmp_path):
    data = fill(template(zone, zone.reporter), {None: kj101_values(revenue="4.52105亿元")})
    result = import_workbook(zone.reporter, zone.plan, resave_with_libreoffice(data, tmp_path))
    assert result.ok, result.errors or result.file_error
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED
    assert report.values["revenue"] == pytest.approx(45210.5)
    assert report.values["has_rd_institution"] is True


def test_bulk_template_resaved_by_libreoffice_uploads(zone, tmp_path):
    data = fill(
        template(zone, zone.reviewer),
        {zone.xq[0].credit_code: kj101_values(), zone.xq[2].credit_code: kj101_values(employees="３２０")},
    )
    result = import_workbook(zone.reviewer, zone.plan, resave_with_libreoffice(data, tmp_path))
    assert result.ok and result.submitted == 2, result.errors or result.file_error
    assert Report.objects.get(enterprise=zone.xq[2]).values["employees"] == 320
