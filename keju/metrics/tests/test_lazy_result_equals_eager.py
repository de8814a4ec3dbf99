"""The engine's result is laid out lazily: the long frame, built when asked, equals the eager one exactly,
the compact blocks hold the same numbers, and a result does not change when the engine moves on."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings

from keju.demo.generate import generate_zone
from keju.metrics.engine import FLAGS, Engine, compute
from keju.metrics.inputs import input_from_frames
from keju.metrics.tests.test_aggregation import frame_of, rows
from keju.metrics.tests.test_engine import FORMS, PLAN


def eager(data) -> pl.DataFrame:
    """The long frame laid out at once from every indicator's block (what compute returned before)."""
    eng = Engine(data)
    return eng.publish([eng.indicator_frame(code) for code in eng.prepared])


def assert_block_matches_frame(result, code: str) -> None:
    block = result.block(code)
    frame = result.values.filter(pl.col("indicator") == code)
    n_u, n_p = block.value.shape
    assert frame.height == n_u * n_p
    # The long frame lays a block out unit after unit, the periods of each unit in order.
    assert frame["org_unit"].to_list() == [u for u in block.org_units for _ in range(n_p)]
    assert frame["level"].cast(pl.String).to_list() == [lvl for lvl in block.levels for _ in range(n_p)]
    assert frame["period"].to_list() == list(block.periods) * n_u
    for name in ("numerator", "denominator", "value", "coverage"):
        expected = getattr(block, name).reshape(-1)
        got = frame[name].fill_null(np.nan).to_numpy()
        assert np.array_equal(got, expected, equal_nan=True), name
    assert frame["reported"].to_list() == block.reported.reshape(-1).astype(np.int64).tolist()
    assert frame["provisional"].to_list() == block.provisional.reshape(-1).tolist()
    assert frame["flag"].to_list() == [FLAGS[i] for i in block.flag.reshape(-1)]


@settings(max_examples=40, deadline=None)
@given(data=rows)
def test_the_lazy_result_equals_the_eager_frame_exactly(data):
    engine_input = input_from_frames(PLAN, FORMS, {"KJ101": frame_of(data)})
    result = compute(engine_input)
    assert not result.materialised
    wanted = ["high_tech_labour_productivity", "industrial_value_added"]
    part = result.frame(wanted)
    assert not result.materialised  # a few indicators without building the whole frame
    values = result.values
    assert result.materialised
    assert values.equals(eager(engine_input), null_equal=True)
    assert part.equals(values.filter(pl.col("indicator").is_in(wanted)), null_equal=True)
    assert result.codes == values["indicator"].unique(maintain_order=True).to_list()
    for code in wanted:
        assert_block_matches_frame(result, code)


def test_the_demo_zone_lazy_result_equals_the_eager_frame_and_its_blocks():
    zone = generate_zone(PLAN, FORMS)
    engine_input = input_from_frames(PLAN, FORMS, zone.frames())
    result = compute(engine_input)
    assert result.values.equals(eager(engine_input), null_equal=True)
    assert set(result.values["period_kind"].unique().to_list()) == {"year", "quarter", "ytd", "cumulative"}
    for code in result.codes:
        assert_block_matches_frame(result, code)


def test_a_result_stays_as_it_was_after_the_engine_applies_an_approval():
    zone = generate_zone(PLAN, FORMS)
    eng = Engine(input_from_frames(PLAN, FORMS, zone.frames()))
    before = eng.result()  # not laid out yet
    kj101 = eng.data.frames["KJ101"]
    row = kj101.filter(pl.col("year") == 2018).head(1)
    eng.update("KJ101", row.with_columns(pl.col("version") + 1, pl.col("value_added") * 3))
    laid_out_late = before.values
    assert laid_out_late.equals(
        compute(input_from_frames(PLAN, FORMS, zone.frames())).values, null_equal=True
    )
    after = eng.result().values
    assert not after.equals(laid_out_late, null_equal=True)  # the approval did change some values


def test_a_result_built_from_a_frame_keeps_that_frame():
    frame = eager(input_from_frames(PLAN, FORMS, {"KJ101": frame_of([(0, 5.0, 1.0, True, 3)])}))
    result = type(compute(input_from_frames(PLAN, FORMS, {})))(frame, ["问题"])
    assert result.materialised and result.values is frame and result.errors == ["问题"]
    assert result.frame(["industrial_value_added"]).equals(
        frame.filter(pl.col("indicator") == "industrial_value_added")
    )


def test_a_block_cannot_be_written_through():
    result = compute(input_from_frames(PLAN, FORMS, {"KJ101": frame_of([(0, 5.0, 1.0, True, 3)])}))
    block = result.block("industrial_value_added")
    with pytest.raises(ValueError):
        block.value[0, 0] = 1.0
    assert result.values.filter(pl.col("indicator") == "industrial_value_added")["value"][0] != 1.0
