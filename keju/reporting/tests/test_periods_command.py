"""`keju periods`: the office opens and closes reporting periods and moves deadlines."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from keju.reporting import testing
from keju.reporting.models import ReportingPeriod
from keju.reporting.testing import YEAR

pytestmark = pytest.mark.django_db

shared_zone = testing.shared_zone
zone = testing.zone


def run(*args: str) -> str:
    out = StringIO()
    call_command("periods", *args, stdout=out)
    return out.getvalue()


def test_open_move_and_close_a_period(zone):
    assert "已开放 KJ101 2021,截止 2022-03-31" in run("open", "KJ101", "2021")
    assert "截止日期为 2022-04-30" in run("due", "KJ101", "2021", "--due", "2022-04-30")
    row = ReportingPeriod.objects.get(plan=zone.plan, form_code="KJ101", period="2021")
    assert (row.due_on, row.due_overridden, row.is_open) == (date(2022, 4, 30), True, True)
    run("close", "KJ101", "2021")
    assert not ReportingPeriod.objects.get(pk=row.pk).is_open
    listing = run("list")
    assert f"KJ101\t{YEAR}\t开放" in listing and "KJ101\t2021\t关闭\t截止 2022-04-30(已调整)" in listing


def test_bad_input_is_refused_in_chinese(zone):
    with pytest.raises(CommandError, match="格式错误"):
        run("open", "KJ101", "2021Q1")
    with pytest.raises(CommandError, match="未知的报表"):
        run("open", "KJ999", "2021")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("open", "KJ101", "2021", "--due", "31/03/2022")
    with pytest.raises(CommandError, match="早于报告期结束日"):
        run("open", "KJ101", "2021", "--due", "2021-06-30")
    with pytest.raises(CommandError, match="不存在"):
        run("close", "KJ102", "2030Q1")
    assert not ReportingPeriod.objects.filter(period="2021").exists()
