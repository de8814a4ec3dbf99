"""The Open SDG progress measure, case by case against numbers worked out by hand, and the
vectorised form agreeing with the scalar one on arbitrary input."""

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keju.metrics.progress import (
    STATUS_LABELS,
    Assessment,
    assess,
    assess_frame,
    limit_coefficient,
    status_from_score,
)

approx = pytest.approx


def one(**kw: object) -> Assessment:
    return assess(**kw)  # type: ignore[arg-type]


def test_status_codes_and_chinese_labels():
    assert STATUS_LABELS == {
        "target_achieved": "已达标",
        "substantial_progress": "进展良好",
        "moderate_progress": "需加快",
        "limited_progress": "进展有限",
        "negative_progress": "倒退",
        "insufficient_data": "数据不足",
    }
    assert Assessment(None, None, "insufficient_data").label == "数据不足"


# ---------------------------------------------------------------- with a target


def test_with_target_on_track():
    # CAGR observed (2.6/2.3)^(1/3)-1 = 0.041700; required (2.9/2.3)^(1/6)-1 = 0.039377; P = 1.05901
    a = one(
        base_year=2014,
        base_value=2.3,
        current_year=2017,
        current_value=2.6,
        direction="up",
        target=2.9,
        target_year=2020,
    )
    assert a.progress_value == approx(1.0590111, rel=1e-6)
    assert a.score == approx(7.1429 * 1.0590111 - 4.2857, rel=1e-6)  # 3.27871
    assert a.status == "substantial_progress"


def test_with_target_limited_progress_uses_the_lower_score_line():
    # observed (2.4/2.3)^(1/2)-1 = 0.021508; required 0.039390; P = 0.54603 < 0.6
    a = one(
        base_year=2014,
        base_value=2.3,
        current_year=2016,
        current_value=2.4,
        direction="up",
        target=2.9,
        target_year=2020,
    )
    assert a.progress_value == approx(0.5460285, rel=1e-6)
    assert a.score == approx(4.1667 * 0.5460285 - 2.5, rel=1e-6)  # -0.22486
    assert a.status == "limited_progress"


def test_decreasing_indicator_with_target():
    # 万元GDP能耗 2.17 → 2.0 (2017), target 1.7 (2020): observed -0.026827, required -0.039863,
    # P = (+1)(-1)(-0.026827) / 0.039863 = 0.67298 → moderate; score 7.1429P - 4.2857 = 0.52087
    a = one(
        base_year=2014,
        base_value=2.17,
        current_year=2017,
        current_value=2.0,
        direction="down",
        target=1.7,
        target_year=2020,
    )
    assert a.progress_value == approx(0.672915, rel=1e-5)
    assert a.score == approx(0.520868, rel=1e-5)
    assert a.status == "moderate_progress"


def test_decreasing_indicator_moving_the_wrong_way_is_negative():
    a = one(
        base_year=2014,
        base_value=2.17,
        current_year=2017,
        current_value=2.3,
        direction="down",
        target=1.7,
        target_year=2020,
    )
    # observed (2.3/2.17)^(1/3)-1 = +0.019583; P = -0.019583/0.039863 = -0.49122; score 4.1667P - 2.5 = -4.54676
    assert a.progress_value == approx(-0.4912187, rel=1e-6)
    assert a.score == approx(-4.546761, rel=1e-6)
    assert a.status == "negative_progress"


def test_score_is_capped_at_plus_and_minus_five():
    high = one(
        base_year=2014,
        base_value=10,
        current_year=2016,
        current_value=19,
        direction="up",
        target=20,
        target_year=2020,
    )
    assert high.score == 5.0 and high.status == "substantial_progress"
    low = one(
        base_year=2014,
        base_value=10,
        current_year=2016,
        current_value=2,
        direction="up",
        target=20,
        target_year=2020,
    )
    assert low.score == -5.0 and low.status == "negative_progress"


def test_target_achieved_is_checked_first_for_both_directions():
    up = one(
        base_year=2014,
        base_value=2.3,
        current_year=2017,
        current_value=3.0,
        direction="up",
        target=2.9,
        target_year=2020,
    )
    assert (up.score, up.status) == (5.0, "target_achieved")
    assert up.progress_value == approx(((3.0 / 2.3) ** (1 / 3) - 1) / ((2.9 / 2.3) ** (1 / 6) - 1))
    down = one(
        base_year=2014,
        base_value=2.17,
        current_year=2018,
        current_value=1.7,
        direction="down",
        target=1.7,
        target_year=2020,
    )
    assert (down.score, down.status) == (5.0, "target_achieved")


def test_target_achieved_even_with_a_single_year_or_no_base():
    same_year = one(
        base_year=2014,
        base_value=5,
        current_year=2014,
        current_value=6,
        direction="up",
        target=6,
        target_year=2020,
    )
    assert same_year == Assessment(None, 5.0, "target_achieved")
    no_base = one(
        base_year=2014,
        base_value=None,
        current_year=2016,
        current_value=6,
        direction="up",
        target=6,
        target_year=2020,
    )
    assert no_base == Assessment(None, 5.0, "target_achieved")


def test_zero_target_is_replaced_by_a_thousandth():
    # target 0.001: required (0.001/5)^(1/6)-1 = -0.758142; observed (4/5)^(1/2)-1 = -0.105573
    # P = (-1)(-0.105573)/0.758142 = 0.139246; score 4.1667P - 2.5 = -1.919802
    a = one(
        base_year=2014,
        base_value=5,
        current_year=2016,
        current_value=4,
        direction="down",
        target=0,
        target_year=2020,
    )
    assert a.progress_value == approx(0.1392464, rel=1e-6)
    assert a.score == approx(-1.9198022, rel=1e-6)
    assert a.status == "limited_progress"
    reached = one(
        base_year=2014,
        base_value=5,
        current_year=2016,
        current_value=0.0005,
        direction="down",
        target=0,
        target_year=2020,
    )
    assert reached.status == "target_achieved"


def test_zero_base_is_replaced_by_a_thousandth():
    # (5/0.001)^(1/2)-1 = sqrt(5000)-1 = 69.710678
    free = one(base_year=2014, base_value=0, current_year=2016, current_value=5, direction="up")
    assert free.progress_value == approx(math.sqrt(5000) - 1)
    assert (free.score, free.status) == (5.0, "substantial_progress")
    # with target 10 in 2020: required (10/0.001)^(1/6)-1 = 3.641589; P = 19.14293
    aimed = one(
        base_year=2014,
        base_value=0,
        current_year=2016,
        current_value=5,
        direction="up",
        target=10,
        target_year=2020,
    )
    assert aimed.progress_value == approx(19.1429294, rel=1e-6)
    assert aimed.score == 5.0


def test_target_equal_to_base_not_reached_is_negative_with_no_finite_value():
    a = one(
        base_year=2014,
        base_value=5,
        current_year=2016,
        current_value=4,
        direction="up",
        target=5,
        target_year=2020,
    )
    assert a == Assessment(None, -5.0, "negative_progress")


def test_target_across_zero_from_the_base_cannot_be_assessed_by_growth():
    a = one(
        base_year=2014,
        base_value=-5,
        current_year=2016,
        current_value=-4,
        direction="up",
        target=2,
        target_year=2020,
    )
    assert a.status == "insufficient_data"


# ---------------------------------------------------------------- insufficient data


@pytest.mark.parametrize(
    ("base", "current"),
    [(5.0, -1.0), (-5.0, 1.0), (0.0, -2.0)],  # a zero base becomes +0.001 before the sign check
)
def test_sign_change_between_base_and_current_is_insufficient(base, current):
    a = one(base_year=2014, base_value=base, current_year=2016, current_value=current, direction="up")
    assert a == Assessment(None, None, "insufficient_data")


def test_fewer_than_two_years_is_insufficient():
    assert (
        one(base_year=2014, base_value=5, current_year=2014, current_value=6, direction="up").status
        == "insufficient_data"
    )
    assert (
        one(
            base_year=2016,
            base_value=5,
            current_year=2015,
            current_value=6,
            direction="up",
            target=9,
            target_year=2020,
        ).status
        == "insufficient_data"
    )


def test_missing_current_value_is_insufficient_even_with_a_target():
    for missing in (None, float("nan")):
        a = one(
            base_year=2014,
            base_value=5,
            current_year=2016,
            current_value=missing,
            direction="up",
            target=1,
            target_year=2020,
        )
        assert a == Assessment(None, None, "insufficient_data")


# ---------------------------------------------------------------- without a target


def test_negative_base_uses_the_sign_factor():
    # CAGR (−8/−10)^(1/2)−1 = −0.105573; s = −1: up → P = +0.105573, down → −0.105573
    up = one(base_year=2014, base_value=-10, current_year=2016, current_value=-8, direction="up")
    assert up.progress_value == approx(0.1055728, rel=1e-6)
    assert (up.score, up.status) == (5.0, "substantial_progress")
    down = one(base_year=2014, base_value=-10, current_year=2016, current_value=-8, direction="down")
    assert down.progress_value == approx(-0.1055728, rel=1e-6)
    assert (down.score, down.status) == (-5.0, "negative_progress")  # max(125P − 2.5, −5)


@pytest.mark.parametrize(
    ("current", "progress", "score", "status"),
    [
        (101.0, 0.01, 1.25, "moderate_progress"),  # med ≤ P < high: 250P − 1.25
        (101.6, 0.016, 3.0, "substantial_progress"),  # P ≥ high: min(500P − 5, 5)
        (103.0, 0.03, 5.0, "substantial_progress"),
        (100.3, 0.003, -1.0, "limited_progress"),  # 0 ≤ P < med: 500P − 2.5
        (99.0, -0.01, -3.75, "negative_progress"),  # P < 0: max(125P − 2.5, −5)
        (99.9, -0.001, -2.625, "negative_progress"),
    ],
)
def test_no_target_thresholds_and_score_lines(current, progress, score, status):
    a = one(base_year=2014, base_value=100, current_year=2015, current_value=current, direction="up")
    assert a.progress_value == approx(progress, abs=1e-12)
    assert a.score == approx(score, abs=1e-9)
    assert a.status == status


def test_limit_coefficient_cases():
    assert limit_coefficient(250, 100) == 1.0  # |b| ≥ 2|L|
    assert limit_coefficient(200, 100) == 1.0
    assert limit_coefficient(80, 100) == approx(1 - 0.8**4.44)  # |b| ≤ |L|: 0.628705
    assert limit_coefficient(80, 100) == approx(0.6287046, rel=1e-6)
    assert limit_coefficient(150, 100) == approx(1 - 0.5**4.44)  # between: 1 − ((2L − b)/L)^4.44
    assert limit_coefficient(-80, -100) == limit_coefficient(80, 100)
    assert limit_coefficient(100, 100) == 0.0
    assert limit_coefficient(0, 0) == 1.0  # checked first: b ≥ 2L


def test_limit_below_the_limit_shrinks_thresholds():
    # base 80 of 100: C = 0.628705; P = (80.4/80)^(1/2) − 1 = 0.0024969 < med·C = 0.0031436
    # score 500P/C − 2.5 = −0.514264
    a = one(base_year=2014, base_value=80, current_year=2016, current_value=80.4, direction="up", limit=100)
    assert a.progress_value == approx(0.0024969, rel=1e-4)
    assert a.score == approx(-0.5142640, rel=1e-6)
    assert a.status == "limited_progress"
    without = one(base_year=2014, base_value=80, current_year=2016, current_value=80.4, direction="up")
    assert without.score == approx(500 * 0.002496882788 - 2.5)


def test_limit_between_limit_and_twice_the_limit():
    # base 150, L 100: C = 1 − 0.5^4.44 = 0.953948; P = 0.00099950; score 500P/C − 2.5 = −1.976114
    a = one(base_year=2014, base_value=150, current_year=2016, current_value=150.3, direction="up", limit=100)
    assert a.score == approx(-1.9761138, rel=1e-6)


def test_limit_far_away_changes_nothing():
    a = one(base_year=2014, base_value=250, current_year=2016, current_value=250.5, direction="up", limit=100)
    b = one(base_year=2014, base_value=250, current_year=2016, current_value=250.5, direction="up")
    assert a == b
    assert a.score == approx(500 * 0.000999500499 - 2.5)


def test_base_on_the_limit_held_scores_five_and_falling_back_is_negative():
    held = one(
        base_year=2014, base_value=100, current_year=2016, current_value=100.1, direction="up", limit=100
    )
    assert (held.score, held.status) == (5.0, "substantial_progress")  # C = 0
    fell = one(base_year=2014, base_value=100, current_year=2016, current_value=99, direction="up", limit=100)
    # P = (0.99)^(1/2) − 1 = −0.0050126; 125P − 2.5 = −3.126570
    assert fell.score == approx(-3.1265704, rel=1e-6)
    assert fell.status == "negative_progress"


def test_status_bands_on_the_score():
    assert [status_from_score(x) for x in (5, 2.5, 2.4999, 0, -0.001, -2.5, -2.5001, -5)] == [
        "substantial_progress",
        "substantial_progress",
        "moderate_progress",
        "moderate_progress",
        "limited_progress",
        "limited_progress",
        "negative_progress",
        "negative_progress",
    ]


# ---------------------------------------------------------------- bad input


def test_bad_direction_is_refused_in_chinese():
    with pytest.raises(ValueError, match="方向“sideways”无效"):
        one(base_year=2014, base_value=1, current_year=2016, current_value=2, direction="sideways")


def test_target_without_year_or_before_base_is_refused():
    with pytest.raises(ValueError, match="没有目标年份"):
        one(base_year=2014, base_value=1, current_year=2016, current_value=2, direction="up", target=3)
    with pytest.raises(ValueError, match="应晚于基期年份"):
        one(
            base_year=2014,
            base_value=1,
            current_year=2016,
            current_value=2,
            direction="up",
            target=3,
            target_year=2014,
        )


def test_frame_refuses_bad_rows_naming_the_series():
    frame = pl.DataFrame(
        {
            "series": ["ok", "bad"],
            "base_year": [2014, 2014],
            "base_value": [1.0, 1.0],
            "current_year": [2016, 2016],
            "current_value": [2.0, 2.0],
            "direction": ["up", "upward"],
        }
    )
    with pytest.raises(ValueError, match="“bad”"):
        assess_frame(frame)
    with pytest.raises(ValueError, match="缺少列:direction"):
        assess_frame(frame.drop("direction"))
    no_year = frame.with_columns(pl.lit("up").alias("direction"), pl.Series("target", [None, 3.0]))
    with pytest.raises(ValueError, match="没有目标年份:“bad”"):
        assess_frame(no_year)


def test_frame_without_optional_columns_and_empty_frame():
    frame = pl.DataFrame(
        {
            "series": ["a"],
            "base_year": [2014],
            "base_value": [100.0],
            "current_year": [2015],
            "current_value": [101.0],
            "direction": ["up"],
        }
    )
    out = assess_frame(frame)
    assert out.row(0, named=True)["status"] == "moderate_progress"
    assert assess_frame(frame.head(0)).columns[-3:] == ["progress_value", "score", "status"]


# ---------------------------------------------------------------- scalar and vectorised agree

values = st.one_of(
    st.none(),
    st.just(0.0),
    st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False),
    st.sampled_from([1.0, -1.0, 100.0, 2.3, 0.001]),
)
rows = st.fixed_dictionaries(
    {
        "base_year": st.integers(2010, 2020),
        "base_value": values,
        "current_year": st.integers(2008, 2022),
        "current_value": values,
        "direction": st.sampled_from(["up", "down"]),
        "target": values,
        "target_offset": st.integers(1, 12),
        "limit": st.one_of(
            st.none(), st.just(0.0), st.floats(min_value=-200, max_value=200, allow_nan=False)
        ),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(rows, min_size=1, max_size=30))
def test_assess_frame_agrees_with_assess(batch):
    records = []
    for i, r in enumerate(batch):
        target_year = r["base_year"] + r["target_offset"] if r["target"] is not None else None
        records.append(
            {
                "series": f"s{i}",
                "base_year": r["base_year"],
                "base_value": r["base_value"],
                "current_year": r["current_year"],
                "current_value": r["current_value"],
                "direction": r["direction"],
                "target": r["target"],
                "target_year": target_year,
                "limit": r["limit"],
            }
        )
    schema = {
        "series": pl.Utf8,
        "base_year": pl.Int64,
        "base_value": pl.Float64,
        "current_year": pl.Int64,
        "current_value": pl.Float64,
        "direction": pl.Utf8,
        "target": pl.Float64,
        "target_year": pl.Int64,
        "limit": pl.Float64,
    }
    out = assess_frame(pl.DataFrame(records, schema=schema))
    for rec, got in zip(records, out.iter_rows(named=True), strict=True):
        kwargs = {k: v for k, v in rec.items() if k != "series"}
        want = assess(**kwargs)
        assert got["status"] == want.status, rec
        for key in ("progress_value", "score"):
            w, g = getattr(want, key), got[key]
            if w is None or (isinstance(w, float) and math.isnan(w)):
                assert g is None, (rec, key)
            else:
                assert g == approx(w, rel=1e-12, abs=1e-12), (rec, key)


@pytest.mark.parametrize("target", [None, 0.0])
def test_a_base_so_small_that_growth_overflows_says_nothing_in_both_paths(target):
    """Base 2.2e-308 → 4.0 in a year: the growth rate overflows to infinity (found by hypothesis)."""
    row = dict(base_year=2010, base_value=2.2250738585072014e-308, current_year=2011, current_value=4.0)
    want = one(**row, direction="up", target=target, target_year=None if target is None else 2011)
    frame = pl.DataFrame(
        [{**row, "series": "s", "direction": "up", "target": target, "target_year": 2011, "limit": None}],
        schema={
            "series": pl.Utf8,
            "base_year": pl.Int64,
            "base_value": pl.Float64,
            "current_year": pl.Int64,
            "current_value": pl.Float64,
            "direction": pl.Utf8,
            "target": pl.Float64,
            "target_year": pl.Int64,
            "limit": pl.Float64,
        },
    )
    got = assess_frame(frame).row(0, named=True)
    assert want.progress_value is None and got["progress_value"] is None
    assert got["status"] == want.status
    assert want.status == ("insufficient_data" if target is None else "target_achieved")
