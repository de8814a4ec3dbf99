"""`keju metrics recompute` stores exactly what the engine computes, atomically, with a run record."""

from __future__ import annotations

from io import StringIO

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from keju.metrics.engine import compute
from keju.metrics.inputs import input_from_frames
from keju.monitoring import services
from keju.monitoring.models import ComputationRun, IndicatorValue, ProgressAssessment, RunStatus, Trigger
from keju.monitoring.objects import REGISTER_FED
from keju.monitoring.services import MonitoringError, recompute, stored_values_frame
from keju.monitoring.sources import default_years, engine_input

pytestmark = pytest.mark.django_db

KEYS = ["indicator", "org_unit", "period"]


def _floats(series: pl.Series) -> list[float]:
    return series.cast(pl.Float64).fill_null(float("nan")).to_list()


def _stored(plan) -> pl.DataFrame:
    """Stored values of the report-fed indicators (register-fed ones: test_registered_objects_*)."""
    return stored_values_frame(plan).filter(~pl.col("indicator").is_in(list(REGISTER_FED))).sort(KEYS)


def test_the_demo_ends_with_a_full_recompute(demo):
    run = demo.result.run
    assert run is not None and run.trigger == Trigger.DEMO and run.full
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert IndicatorValue.objects.filter(plan=demo.plan).count() == run.changes["values"]["added"] > 0
    assert ProgressAssessment.objects.filter(plan=demo.plan).exists()


def test_stored_values_equal_the_engines(demo):
    plan = demo.plan
    result = compute(engine_input(plan, default_years(plan)), years=default_years(plan))
    engine = result.values.select(
        *KEYS, "numerator", "denominator", "value", "reported", "expected", "coverage", "provisional"
    ).sort(KEYS)
    stored = _stored(plan).select(engine.columns)
    assert stored.height == engine.height
    assert stored.select(KEYS).equals(engine.select(KEYS))
    for column in ("numerator", "denominator", "value", "coverage"):
        assert _floats(stored[column]) == pytest.approx(_floats(engine[column]), rel=1e-12, nan_ok=True), (
            column
        )
    for column in ("reported", "expected", "provisional"):
        assert stored[column].to_list() == engine[column].to_list(), column


def test_stored_values_equal_the_engine_on_the_generated_frames(demo):
    """The whole adapter (reports written, read back, computed) changes no figure.

    The latest year is left out: the demo's reporting cycle (keju.demo.reporting_demo) has some
    of its reports back in review, so they do not count yet.
    """
    plan = demo.plan
    closed = [y for y in demo.zone.years if y < max(demo.zone.years)]
    generated = compute(input_from_frames(demo.spec, demo.forms, demo.zone.frames()), years=closed)
    yearly = (pl.col("period") == pl.col("year").cast(pl.String)) & pl.col("year").is_in(closed)
    mine = _stored(plan).filter(yearly)
    theirs = generated.values.filter(yearly)
    joined = theirs.join(mine, on=KEYS, suffix="_db")
    assert joined.height == theirs.height == mine.height
    for column in ("numerator", "denominator", "value"):
        assert _floats(joined[column]) == pytest.approx(
            _floats(joined[f"{column}_db"]), rel=1e-9, nan_ok=True
        )


def test_a_second_recompute_changes_nothing(demo):
    before = _stored(demo.plan).drop("coverage")
    run = recompute(demo.plan)
    assert run.status == RunStatus.SUCCEEDED
    assert run.changes["values"] == {"added": 0, "changed": 0, "removed": 0}
    assert _stored(demo.plan).drop("coverage").equals(before)
    assert run.duration_ms > 0 and "compute" in run.timings


def test_recompute_of_some_years_replaces_only_those(demo):
    plan = demo.plan
    IndicatorValue.objects.filter(plan=plan, year=2016).update(value=-1.0)
    IndicatorValue.objects.filter(plan=plan, year=2017).update(value=-1.0)
    run = recompute(plan, years=[2016])
    assert run.changes["values"]["changed"] > 0
    assert not IndicatorValue.objects.filter(plan=plan, year=2016, value=-1.0).exists()
    assert IndicatorValue.objects.filter(plan=plan, year=2017, value=-1.0).exists()


def test_a_failing_engine_keeps_the_previous_results(demo, monkeypatch):
    before = _stored(demo.plan)

    def broken(*args, **kwargs):
        raise RuntimeError("引擎内部错误")

    monkeypatch.setattr(services, "_compute", broken)
    with pytest.raises(MonitoringError, match="引擎内部错误"):
        recompute(demo.plan)
    run = ComputationRun.objects.filter(plan=demo.plan).latest("id")
    assert run.status == RunStatus.FAILED and "引擎内部错误" in run.errors[-1]
    assert _stored(demo.plan).equals(before)


def test_the_recompute_command(demo):
    out, err = StringIO(), StringIO()
    call_command(
        "metrics", "recompute", "--plan", demo.plan.code, "--years", "2019", "2020", stdout=out, stderr=err
    )
    assert "已重新计算" in out.getvalue()
    run = ComputationRun.objects.filter(plan=demo.plan).latest("id")
    assert run.trigger == Trigger.COMMAND and run.years == [2019, 2020]
    with pytest.raises(CommandError, match="没有编码为“nowhere”的规划"):
        call_command("metrics", "recompute", "--plan", "nowhere", stdout=out)
    with pytest.raises(CommandError, match="年份无效"):
        call_command("metrics", "recompute", "--years", "20", stdout=out)
