"""Summing over runs of rows that sit together (frames ordered by place and period) gives the
sums of the per-row scatter; the neighbours of own-quarter flows and the repeat check found the
fast way are those found the general way; an update sums like the frame it patches, to the last bit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keju.metrics.cube import FormCube, order_by_place
from keju.metrics.engine import Engine, compute
from keju.metrics.inputs import input_from_frames
from keju.metrics.tests.test_engine import FLAGS, FORMS, PLAN

# (district, park) places of the Lanbai tree; the last park does not lie in its district.
PLACES = [
    ("lzxq", "lzxq-core"),
    ("lzxq", None),
    ("lzgxq", "lzgxq-yantan"),
    ("bygxq", None),
    ("lzjjq", None),
    ("lzxq", "lzgxq-yantan"),
]
QUARTERLY = ["above_scale_industrial_value_added"]


def quarterly_frame(
    seed: int,
    enterprises: int,
    *,
    move: float = 0.05,
    gap: float = 0.05,
    repeat: float = 0.0,
    order: str = "place",
) -> pl.DataFrame:
    """KJ102 rows for 2016–2018: year-to-date amounts; some enterprises move, skip quarters or
    send a second version; rows ordered by place and period ("place") or shuffled."""
    rng = np.random.default_rng(seed)
    n_q = 12
    ent = np.repeat(np.arange(enterprises), n_q)
    qi = np.tile(np.arange(n_q), enterprises)
    home = rng.integers(0, len(PLACES), enterprises)
    away = rng.integers(0, len(PLACES), enterprises)
    moves_at = np.where(rng.random(enterprises) < move, rng.integers(1, n_q, enterprises), n_q)
    place = np.where(qi >= moves_at[ent], away[ent], home[ent])
    keep = rng.random(len(ent)) >= gap
    ent, qi, place = ent[keep], qi[keep], place[keep]
    version = np.ones(len(ent), dtype=np.int64)
    again = np.flatnonzero(rng.random(len(ent)) < repeat)
    if len(again):  # a second version, sometimes naming another place
        ent = np.concatenate([ent, ent[again]])
        qi = np.concatenate([qi, qi[again]])
        other = rng.integers(0, len(PLACES), len(again))
        place = np.concatenate([place, np.where(rng.random(len(again)) < 0.3, other, place[again])])
        version = np.concatenate([version, np.full(len(again), 2)])
    n = len(ent)
    share = (qi % 4 + 1) / 4
    frame = pl.DataFrame(
        {
            "report_id": np.arange(n, dtype=np.int64),
            "version": version,
            "enterprise": ent.astype(np.int64),
            "district": [PLACES[p][0] for p in place],
            "park": pl.Series([PLACES[p][1] for p in place], dtype=pl.String),
            "year": (2016 + qi // 4).astype(np.int64),
            "quarter": (qi % 4 + 1).astype(np.int64),
        }
    ).with_columns(
        (pl.col("year").cast(pl.String) + "Q" + pl.col("quarter").cast(pl.String)).alias("period"),
        *[pl.lit(False).alias(f) for f in FLAGS],
    )
    frame = frame.with_columns(
        pl.Series("above_scale", rng.random(n) < 0.8),
        pl.Series("industrial", rng.random(n) < 0.9),
        pl.Series("high_tech_industry", rng.random(n) < 0.3),
    )
    for fld in FORMS["KJ102"].fields:
        values = np.round(rng.lognormal(3, 1, n) * share, 2)
        if fld.type == "integer":
            frame = frame.with_columns(pl.Series(fld.code, values.astype(np.int64)))
        else:
            frame = frame.with_columns(pl.Series(fld.code, values))
    if order == "place":
        return order_by_place(frame)
    return frame.sample(fraction=1.0, shuffle=True, seed=seed)


def assert_same_results(a, b, *, exact: bool = False) -> None:
    assert a.codes == b.codes
    for code in a.codes:
        x, y = a.block(code), b.block(code)
        for name in ("numerator", "denominator", "value"):
            got, want = getattr(x, name), getattr(y, name)
            if exact:
                assert np.array_equal(got, want, equal_nan=True), (code, name)
            else:
                assert np.allclose(got, want, rtol=1e-9, atol=1e-6, equal_nan=True), (code, name)
        for name in ("reported", "expected", "missing", "flag", "provisional"):
            assert np.array_equal(getattr(x, name), getattr(y, name), equal_nan=True), (code, name)


def cube_of(frame: pl.DataFrame, summation: str = "runs"):
    eng = Engine(input_from_frames(PLAN, FORMS, {"KJ102": frame}), indicators=QUARTERLY, summation=summation)
    return eng.cube("KJ102")


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    move=st.sampled_from([0.0, 0.05, 0.3]),
    gap=st.sampled_from([0.0, 0.1, 0.4]),
    order=st.sampled_from(["place", "shuffled"]),
)
def test_sums_over_runs_equal_the_scatter(seed, move, gap, order):
    data = input_from_frames(
        PLAN, FORMS, {"KJ102": quarterly_frame(seed, 60, move=move, gap=gap, order=order)}
    )
    assert_same_results(compute(data, summation="runs"), compute(data, summation="scatter"))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    move=st.sampled_from([0.0, 0.05, 0.3]),
    gap=st.sampled_from([0.0, 0.1, 0.4]),
    order=st.sampled_from(["place", "shuffled"]),
)
def test_neighbours_found_over_runs_are_those_found_by_slot(seed, move, gap, order):
    cube = cube_of(quarterly_frame(seed, 80, move=move, gap=gap, order=order))
    assert cube.summed_over == "runs"
    fast = cube._neighbours_by_runs(cube._runs)
    general = cube._neighbours_by_slot()
    for mine, theirs in zip(fast, general, strict=True):
        assert np.array_equal(mine, theirs)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), repeat=st.sampled_from([0.0, 0.0, 0.01, 0.2]))
def test_the_repeat_check_sees_every_repeated_period(seed, repeat):
    frame = quarterly_frame(seed, 30, repeat=repeat)
    repeated = frame.select("enterprise", "period").is_duplicated().any()
    cube = cube_of(frame, "scatter")
    cube.valid = cube.valid | True  # before the older versions are set aside
    assert cube._may_repeat() == repeated


def test_repeated_reports_count_once_either_way():
    frame = quarterly_frame(3, 200, repeat=0.05)
    data = input_from_frames(PLAN, FORMS, {"KJ102": frame})
    runs, scatter = compute(data, summation="runs"), compute(data, summation="scatter")
    assert any("重复报表" in e for e in runs.errors)
    assert_same_results(runs, scatter)


def test_the_demo_zone_sums_alike_in_any_order():
    from keju.demo.generate import generate_zone

    zone = generate_zone(PLAN, FORMS)
    frames = zone.frames()
    by_place = {code: order_by_place(f) for code, f in frames.items()}
    shuffled = {code: f.sample(fraction=1.0, shuffle=True, seed=1) for code, f in frames.items()}
    ordered = compute(input_from_frames(PLAN, FORMS, by_place))
    assert_same_results(ordered, compute(input_from_frames(PLAN, FORMS, by_place), summation="scatter"))
    assert_same_results(ordered, compute(input_from_frames(PLAN, FORMS, shuffled)))
    eng = Engine(input_from_frames(PLAN, FORMS, by_place))
    assert eng.cube("KJ102").summed_over == "runs"  # large enough and ordered
    assert Engine(input_from_frames(PLAN, FORMS, shuffled)).cube("KJ102").summed_over == "scatter"


def test_auto_sums_over_runs_only_for_large_ordered_frames():
    assert cube_of(quarterly_frame(1, 600), "auto").summed_over == "runs"
    assert cube_of(quarterly_frame(1, 600, order="shuffled"), "auto").summed_over == "scatter"
    assert cube_of(quarterly_frame(1, 20), "auto").summed_over == "scatter"  # too few rows to bother
    with pytest.raises(ValueError, match="summation"):
        cube_of(quarterly_frame(1, 20), "sideways")


@pytest.mark.parametrize("summation", ["runs", "scatter"])
def test_an_update_equals_a_full_recompute_to_the_last_bit(summation):
    frame = quarterly_frame(11, 600, move=0.1, gap=0.1)
    data = input_from_frames(PLAN, FORMS, {"KJ102": frame})
    eng = Engine(data, summation=summation)
    eng.result()
    assert eng.cube("KJ102").summed_over == summation
    # Enterprise 5 corrects its 2017Q3 report and moves to another district; enterprise 9 revises 2017Q2.
    old = frame.filter(
        ((pl.col("enterprise") == 5) & (pl.col("period") == "2017Q3"))
        | ((pl.col("enterprise") == 9) & (pl.col("period") == "2017Q2"))
    )
    assert old.height == 2
    revised = old.with_columns(
        pl.col("version") + 1,
        pl.col("value_added") * 1.37 + 0.01,
        pl.when(pl.col("enterprise") == 5)
        .then(pl.lit("lzjjq"))
        .otherwise(pl.col("district"))
        .alias("district"),
        pl.when(pl.col("enterprise") == 5).then(None).otherwise(pl.col("park")).alias("park"),
    )
    changed = eng.update("KJ102", revised)
    assert not changed.values.is_empty()
    full = compute(eng.data, summation=summation)
    keys = ["indicator", "org_unit", "period"]
    joined = changed.values.join(full.values, on=keys, suffix="_full")
    assert joined.height == changed.values.height
    for name in ("numerator", "denominator", "value"):
        a = joined[name].fill_null(np.nan).to_numpy()
        b = joined[f"{name}_full"].fill_null(np.nan).to_numpy()
        assert np.array_equal(a, b, equal_nan=True), name
    # The update's frame keeps the rows in place; the revised ones come last.
    assert eng.data.frames["KJ102"].tail(2)["version"].to_list() == [2, 2]


def test_an_unchanged_year_to_date_figure_is_an_own_flow_of_exactly_zero():
    # Many enterprises whose revenue did not grow in Q2: the leaf's Q2 flow is 0, not a residue
    # of subtracting two sums, so the export share says zero_denominator instead of a huge number.
    frame = quarterly_frame(5, 400, move=0.0, gap=0.0, order="shuffled")  # Q1 and Q2 summed in other orders
    frame = frame.with_columns(
        pl.when(pl.col("quarter") == 2)
        .then(pl.col("revenue").shift(1).over(["enterprise", "year"], order_by="quarter"))
        .otherwise(pl.col("revenue"))
        .alias("revenue"),
        pl.col("above_scale").or_(True),
        pl.col("industrial").or_(True),
    )
    q1 = frame.filter(pl.col("period") == "2017Q1").select("enterprise", "revenue")
    q2 = frame.filter(pl.col("period") == "2017Q2").select("enterprise", "revenue")
    assert q1.join(q2, on="enterprise").filter(pl.col("revenue") != pl.col("revenue_right")).is_empty()
    data = input_from_frames(PLAN, FORMS, {"KJ102": frame})
    for summation in ("runs", "scatter"):
        result = compute(data, indicators=["above_scale_export_share"], summation=summation)
        q2017 = result.values.filter(pl.col("period") == "2017Q2")
        assert q2017["denominator"].to_list() == [0.0] * q2017.height
        assert set(q2017["flag"].to_list()) <= {"zero_denominator", "no_data"}
        assert q2017["value"].null_count() == q2017.height


@pytest.mark.parametrize("every", [1, 3])
def test_runs_merged_from_stretches_are_the_runs_of_the_key(every):
    # Runs come from the stretches of one place and period (merged where the key is the same);
    # an update's cube (rows picked from the whole frame) also ends a run where its rows jump.
    frame = quarterly_frame(21, 300, move=0.1, gap=0.1)
    eng = Engine(input_from_frames(PLAN, FORMS, {"KJ102": frame}), indicators=QUARTERLY, summation="runs")
    whole = eng.cube("KJ102")
    picked = np.flatnonzero((np.arange(whole.frame.height) % 7) < 7 - every + 1)
    cube = FormCube(
        whole.code,
        whole.form,
        whole.frame[picked],
        whole.tree,
        whole.years,
        whole.kinds,
        None,
        summation="runs",
        positions=picked,
    )
    for c in (whole, cube):
        merged = c._runs
        c._placed = None  # as if every row had been placed on its own
        by_key = c._find_runs()
        assert np.array_equal(merged.starts, by_key.starts)
        assert np.array_equal(merged.keys, by_key.keys)
