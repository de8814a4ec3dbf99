"""Completeness and overdue page: reported / expected and on time per district, form and period;
respondents who have not reported; zone staff see all districts, a reviewer its own."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from keju.reporting import services
from keju.reporting.testing import YEAR, kj101_values, shared_zone, zone  # noqa: F401

pytestmark = pytest.mark.django_db


def page_of(client, zone, name: str, **params: str):  # noqa: F811
    client.force_login(zone.user(name))
    return client.get(reverse("reporting:completeness"), params)


def row(page: str, form: str, period: str, district: str) -> list[str]:
    """The numeric cells of one completeness row."""
    match = re.search(
        rf'<tr data-form="{form}" data-period="{period}" data-district="{district}">(.*?)</tr>', page, re.S
    )
    assert match, f"no row {form} {period} {district}"
    return re.findall(r'<td class="num">(?:<span class="bar">.*?</span> )?([^<]*)</td>', match.group(1))


def test_office_sees_every_district_with_reported_over_expected(client, zone):  # noqa: F811
    services.submit(zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web")
    page = page_of(client, zone, "office", form="KJ101").content.decode()
    expected, reported, rate, on_time, on_time_rate, approved = row(page, "KJ101", str(YEAR), "兰州高新区")
    assert (expected, reported, rate) == ("2", "1", "50.0%")
    assert on_time == "0" and on_time_rate == "0.0%"  # the 2020 deadline passed long ago
    assert row(page, "KJ101", str(YEAR), "白银高新区")[:2] == ["1", "0"]


def test_overdue_list_names_who_has_not_reported(client, zone):  # noqa: F811
    services.submit(zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web")
    zone.report("b")  # opened, still a draft
    page = page_of(client, zone, "office", form="KJ101").content.decode()
    overdue = page.split('id="overdue"')[1]
    assert "兰州乙电子有限公司" in overdue and "草稿" in overdue
    assert "白银丙有色金属有限公司" in overdue and "未开始" in overdue
    assert "兰州甲材料有限公司" not in overdue.split('id="late"')[0]
    # Reported, but after the deadline.
    late = page.split('id="late"')[1]
    assert "兰州甲材料有限公司" in late and "已上报" in late


def test_reviewer_sees_only_its_district(client, zone):  # noqa: F811
    page = page_of(client, zone, "reviewer_bygxq").content.decode()
    assert 'data-district="白银高新区"' in page
    assert 'data-district="兰州高新区"' not in page
    assert "兰州乙电子有限公司" not in page


def test_reporters_and_people_without_a_role_are_refused(client, zone):  # noqa: F811
    for name in ("reporter_a", "nobody"):
        assert page_of(client, zone, name).status_code == 403


def test_filters_by_period_and_closed_periods(client, zone):  # noqa: F811
    page = page_of(client, zone, "office", period=f"{YEAR}Q1").content.decode()
    assert f'data-period="{YEAR}Q1"' in page and f'data-period="{YEAR}"' not in page
    page = page_of(client, zone, "office", form="KJ101").content.decode()
    assert f'data-period="{YEAR - 1}"' not in page  # closed periods are left out by default
    page = page_of(client, zone, "office", form="KJ101", all="1").content.decode()
    assert f'data-period="{YEAR - 1}"' in page
