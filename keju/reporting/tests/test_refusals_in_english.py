"""Reporting refusals are in the language of the page (English when the user chose English); the
API, whose clients send no language cookie, keeps answering in Chinese.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from keju.reporting import services
from keju.reporting.services import ReportingError
from keju.reporting.testing import kj101_values, shared_zone, zone  # noqa: F401

pytestmark = pytest.mark.django_db


def approved(zone):  # noqa: F811
    report = services.submit(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    return services.approve(report, actor=zone.user("reviewer_lzgxq"))


def test_approving_twice_is_refused_in_the_language_of_the_page(client, zone):  # noqa: F811
    report = approved(zone)
    client.force_login(zone.user("reviewer_lzgxq"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(reverse("reporting:approve", args=[report.pk])).content.decode()
    assert (
        "The report’s status is “Approved”; it cannot be approved. "
        "The report is approved; it can only be changed through a revision request." in page
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.post(reverse("reporting:approve", args=[report.pk])).content.decode()
    assert "报表状态为“审核通过”,不能审核通过。报表已审核通过,只能通过修订申请更改。" in page


def test_values_of_the_wrong_type_are_explained_in_english(zone):  # noqa: F811
    report = zone.report("a")
    with translation.override("en"), pytest.raises(ReportingError) as english:
        services.save_draft(report, actor=zone.user("reporter_a"), values={"nonsense": 1}, channel="web")
    assert english.value.code == "invalid_values"
    assert english.value.message.startswith("Invalid values, not saved: ")
    assert "has no field “nonsense”" in english.value.message
    with pytest.raises(ReportingError) as chinese:
        services.save_draft(report, actor=zone.user("reporter_a"), values={"nonsense": 1}, channel="web")
    assert (
        chinese.value.message.startswith("数值有误,未保存:") and "没有字段“nonsense”" in chinese.value.message
    )


def test_the_hard_error_count_reads_in_english_singular(zone):  # noqa: F811
    with translation.override("en"), pytest.raises(ReportingError) as english:
        services.submit(
            zone.report("a"),
            actor=zone.user("reporter_a"),
            values=kj101_values(rd_personnel=400),  # KJ101-E01: more R&D staff than employees
            channel="web",
        )
    assert english.value.code == "hard_errors"
    assert english.value.message.startswith(
        "1 hard edit check error must be corrected before the report can be submitted: "
    )
