"""The demo zone's reporting cycle: periods, a reviewer's queue with explained warnings,
returned and overdue reports — made through the workflow, and replaced cleanly on a rerun."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from keju.demo.persist import run_demo
from keju.reporting import services
from keju.reporting.models import AuditEntry, Explanation, Report, ReportingPeriod, ReportStatus, ReviewAction

pytestmark = pytest.mark.django_db

YEARS = [2014, 2015]


def test_demo_leaves_a_reporting_cycle_in_progress(settings):
    result = run_demo(settings.KEJU_DEFAULT_PLAN, seed=7, enterprises=200, years=YEARS, accounts=True)
    plan = result.plan
    User = get_user_model()
    periods = ReportingPeriod.objects.filter(plan=plan)
    assert not periods.filter(year=2014, is_open=True).exists()
    assert periods.filter(year=2015, form_code="KJ101", is_open=True).exists()
    reviewer = User.objects.get(username="reviewer_lzgxq")
    queue = list(Report.objects.review_queue(reviewer))
    assert queue, "the demo reviewer has nothing to review"
    assert any(r.warning_count for r in queue)
    explained = Explanation.objects.filter(report__in=queue)
    assert explained.exists() and all(len(e.text) >= services.MIN_EXPLANATION_CHARS for e in explained)
    assert Report.objects.filter(plan=plan, status=ReportStatus.RETURNED).count() >= 2
    assert ReviewAction.objects.filter(decision="return").exclude(reason="").exists()
    reporter = User.objects.get(username="reporter")
    own = Report.objects.visible_to(reporter, "change").get(form_code="KJ101", period="2015")
    assert own.status == ReportStatus.RETURNED
    assert services.overdue_respondents(plan, user=User.objects.get(username="office"))
    assert AuditEntry.objects.filter(channel="demo", action="submit").exists()
    # Running the demo again replaces all of it (no dangling workflow rows, no duplicate accounts).
    again = run_demo(settings.KEJU_DEFAULT_PLAN, seed=7, enterprises=200, years=YEARS, accounts=True)
    assert Report.objects.review_queue(User.objects.get(username="reviewer_lzgxq")).count() == len(queue)
    assert not AuditEntry.objects.filter(report__isnull=True, period__isnull=True).exists()
    assert again.plan.pk == plan.pk
