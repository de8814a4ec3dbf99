"""`keju demo` (default size) ends with the indicators computed, showing every progress status."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from keju.metrics.progress import STATUS_LABELS
from keju.monitoring.models import (
    ComputationRun,
    EarlyWarning,
    IndexScore,
    ProgressAssessment,
    RunStatus,
    Scorecard,
)
from keju.monitoring.pages import STATUS_TEXT


@pytest.mark.django_db
def test_the_default_demo_shows_every_status():
    out = StringIO()
    call_command("demo", no_accounts=True, stdout=out)
    run = ComputationRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert "指标计算" in out.getvalue()
    statuses = set(ProgressAssessment.objects.values_list("status", flat=True))
    assert statuses == set(STATUS_LABELS), statuses
    # The story of keju/demo/scenario.py: 白银高新区 stalls on R&D and falls back on fiscal S&T.
    by = {
        (a.indicator.code, a.org_unit.code): a.status
        for a in ProgressAssessment.objects.select_related("indicator", "org_unit").filter(
            target__isnull=True
        )
    }
    assert by[("rd_intensity", "bygxq")] == "limited_progress"
    assert by[("fiscal_st_share", "bygxq")] == "negative_progress"
    zone = {
        a.indicator.code: a.status
        for a in ProgressAssessment.objects.select_related("indicator").filter(
            org_unit__level="zone", target_kind="level", indicator__headline=True
        )
    }
    assert zone["rd_intensity"] == zone["energy_per_gdp"] == "target_achieved"
    assert zone["gdp"] == "substantial_progress"
    assert EarlyWarning.objects.exists() and IndexScore.objects.exists() and Scorecard.objects.exists()


def test_status_labels_are_the_measures():
    assert {k: str(v) for k, v in STATUS_TEXT.items()} == STATUS_LABELS
