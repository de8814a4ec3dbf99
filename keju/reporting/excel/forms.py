"""The upload form of the Excel channel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from keju.reporting.excel.safety import MAX_UPLOAD_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("填好的模板(.xlsx)"),
        error_messages={"required": _("请选择要上传的 Excel 文件"), "empty": _("上传的文件是空的")},
    )
    form_code = forms.ChoiceField(
        label=_("报表"),
        required=False,
        help_text=_("选择后,若上传的不是该报表的模板将被拒绝;不选则按模板自动识别。"),
    )
    accept_valid = forms.BooleanField(
        label=_("只导入无误的行,有错误的行退回给我更正"),
        required=False,
        help_text=_("不勾选时整表要么全部导入,要么全部不导入。"),
    )

    def __init__(self, *args: Any, form_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form_code"].choices = [("", _("自动识别")), *(form_choices or [])]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        # Refused before reading it: the size is known from the request.
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件大小为%(size).1f MB,超过了%(limit)d MB的上限;请按区分批上传"),
                params={"size": upload.size / 1024 / 1024, "limit": MAX_UPLOAD_BYTES // 1024 // 1024},
                code="too_large",
            )
        return upload
