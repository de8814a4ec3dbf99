"""Pages of the Excel channel: choose and download a template, upload it, see the result.

Thin: what a user may download or upload is decided in keju.reporting.excel.services.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from keju.reporting.excel import results
from keju.reporting.excel.forms import UploadForm
from keju.reporting.excel.safety import MAX_UPLOAD_BYTES, ExcelFileError
from keju.reporting.excel.services import (
    XLSX_MIME,
    build_template,
    import_workbook,
    open_periods,
    targets_for,
)
from keju.reporting.services.errors import ReportingError
from keju.reporting.services.forms import forms_for
from keju.web.views import with_plan


def _attachment(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_MIME)
    # RFC 6266: an ASCII fallback plus the UTF-8 name.
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _form_choices(plan: Any) -> list[tuple[str, str]]:
    try:
        return [(f.code, f"{f.code} {f.name}") for f in forms_for(plan).values()]
    except ReportingError:
        return []


def _choices(user: Any, plan: Any) -> list[dict[str, Any]]:
    try:
        forms = forms_for(plan)
    except ReportingError:
        return []
    rows = []
    for form in forms.values():
        targets = targets_for(user, plan, form)
        if targets:
            rows.append({"form": form, "targets": targets, "periods": open_periods(plan, form.code)})
    return rows


@login_required
@require_GET
@with_plan
def template_page(request: HttpRequest, plan: Any) -> HttpResponse:
    return _template_page(request, plan)


def _template_page(request: HttpRequest, plan: Any, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "plan": plan,
        "choices": _choices(request.user, plan),
        "error": error,
        "upload_form": UploadForm(form_choices=_form_choices(plan)),
        "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024,
    }
    return render(request, "reporting/excel/templates.html", context, status=status)


@login_required
@require_GET
@with_plan
def template_download(request: HttpRequest, plan: Any) -> HttpResponse:
    scope, _sep, code = request.GET.get("target", "").partition(":")
    try:
        filename, data = build_template(
            request.user, plan, request.GET.get("form", ""), request.GET.get("period", ""), scope, code
        )
    except (ExcelFileError, ReportingError) as exc:
        return _template_page(request, plan, exc.message, 403 if exc.code == "not_allowed" else 400)
    return _attachment(data, filename)


@login_required
@require_http_methods(["GET", "POST"])
@with_plan
def upload(request: HttpRequest, plan: Any) -> HttpResponse:
    context: dict[str, Any] = {"plan": plan, "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024}
    if request.method != "POST":
        context["form"] = UploadForm(
            form_choices=_form_choices(plan), initial={"form_code": request.GET.get("form", "")}
        )
        return render(request, "reporting/excel/upload.html", context)
    form = UploadForm(request.POST, request.FILES, form_choices=_form_choices(plan))
    context["form"] = form
    if not form.is_valid():
        return render(request, "reporting/excel/upload.html", context, status=400)
    upload_file = form.cleaned_data["file"]
    data = upload_file.read(MAX_UPLOAD_BYTES + 1)
    result = import_workbook(
        request.user,
        plan,
        data,
        filename=upload_file.name or "",
        accept_valid=form.cleaned_data["accept_valid"],
        expected_form=form.cleaned_data["form_code"],
    )
    files: dict[str, bytes] = {}
    if not result.ok:
        files["errors"] = result.error_workbook()
    if result.correction_workbook is not None:
        files["corrections"] = result.correction_workbook
    context["result"] = result
    context["token"] = results.save(request.user, files) if files else ""
    context["files"] = sorted(files)
    context["form"] = UploadForm(
        form_choices=_form_choices(plan),
        initial={k: form.cleaned_data[k] for k in ("form_code", "accept_valid")},
    )
    if result.file_error_code == "not_allowed":
        status = 403
    elif not result.ok and not result.stored:
        status = 400
    else:
        status = 200
    return render(request, "reporting/excel/upload.html", context, status=status)


@login_required
@require_GET
def result_file(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    data = results.load(request.user, token, kind)
    if data is None:
        raise Http404(_("文件不存在或已过期"))
    name = {"errors": _("错误报告"), "corrections": _("待更正")}[kind]
    return _attachment(data, f"{name}-{token[:8]}.xlsx")
