"""Time-weighted linear projection with a prediction interval, by hand and vectorised."""

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keju.metrics.projection import Projection, project, project_frame, t_cdf, t_quantile

approx = pytest.approx


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        (0.95, 1, 6.313752),
        (0.95, 2, 2.919986),
        (0.95, 3, 2.353363),
        (0.95, 5, 2.015048),
        (0.975, 10, 2.228139),
        (0.95, 30, 1.697261),
        (0.05, 5, -2.015048),
    ],
)
def test_t_quantile_matches_tables(p, df, expected):
    assert t_quantile(p, df) == approx(expected, abs=1e-6)
    assert t_cdf(t_quantile(p, df), df) == approx(p, abs=1e-12)


def test_equal_weights_is_ordinary_least_squares_by_hand():
    # x̄ = 2015.5, ȳ = 2.75, Sxx = 5, Sxy = 5.5 → slope 1.1; 2020: 2.75 + 1.1·4.5 = 7.7
    # residuals −0.1, 0.8, −1.3, 0.6 → SSR 2.7, σ² = 1.35; var = 1.35·(1 + 1/4 + 4.5²/5) = 7.155
    # t(0.95, 2) = 2.919986 → half width 7.810623
    p = project([2014, 2015, 2016, 2017], [1, 3, 2, 5], 2020, half_life=math.inf)
    assert p is not None
    assert (p.year, p.n) == (2020, 4)
    assert p.slope == approx(1.1)
    assert p.value == approx(7.7)
    assert p.lower == approx(7.7 - 2.919986 * math.sqrt(7.155), abs=1e-5)
    assert p.upper == approx(7.7 + 7.810623, abs=1e-5)


def test_recent_years_weigh_more_by_hand():
    # half-life 1: weights 0.25, 0.5, 1; weighted means t̄ = 2015.428571, ȳ = 3; Sxx = 0.928571,
    # Sxy = 1.5 → slope 1.615385 (OLS would give 1.5); 2020: 3 + 1.615385·4.571429 = 10.384615
    # weighted SSR 0.076923 (df 1); var = 0.076923·(1 + 1/1.75 + 4.571429²/0.928571) = 1.852071
    # t(0.95, 1) = 6.313752 → half width 8.592436
    p = project([2014, 2015, 2016], [1, 2, 4], 2020, half_life=1.0)
    assert p is not None
    assert p.slope == approx(1.615385, abs=1e-6)
    assert p.value == approx(10.384615, abs=1e-6)
    assert p.lower == approx(10.384615 - 8.592436, abs=1e-5)
    assert p.upper == approx(10.384615 + 8.592436, abs=1e-5)
    ols = project([2014, 2015, 2016], [1, 2, 4], 2020, half_life=math.inf)
    assert ols is not None and ols.value == approx(9.833333, abs=1e-6)


def test_default_half_life_follows_a_late_break_more_than_ols():
    years = list(range(2010, 2018))
    values = [10, 10, 10, 10, 10, 12, 14, 16]
    weighted = project(years, values, 2020)
    ols = project(years, values, 2020, half_life=math.inf)
    assert weighted is not None and ols is not None
    assert weighted.value > ols.value


def test_interval_widens_for_fewer_points_and_higher_level():
    years, values = [2014, 2015, 2016, 2017, 2018], [1.0, 2.2, 2.9, 4.1, 5.0]
    five = project(years, values, 2020)
    three = project(years[2:], values[2:], 2020)
    assert five is not None and three is not None
    assert (three.upper - three.lower) > (five.upper - five.lower)
    wide = project(years, values, 2020, level=0.99)
    assert wide is not None and (wide.upper - wide.lower) > (five.upper - five.lower)


def test_fewer_than_three_points_gives_none():
    assert project([2014, 2015], [1.0, 2.0], 2020) is None
    assert project([2014, 2015, 2016], [1.0, None, float("nan")], 2020) is None
    assert project([], [], 2020) is None


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="同一年份"):
        project([2014, 2014, 2015], [1, 2, 3], 2020)
    with pytest.raises(ValueError, match="个数不一致"):
        project([2014, 2015, 2016], [1, 2], 2020)
    with pytest.raises(ValueError, match="置信水平"):
        project([2014, 2015, 2016], [1, 2, 3], 2020, level=1.5)


def test_frame_projects_each_group_and_leaves_out_short_ones():
    long = pl.DataFrame(
        {
            "indicator": ["a"] * 4 + ["b"] * 3 + ["c"] * 2,
            "org_unit": ["z"] * 9,
            "year": [2014, 2015, 2016, 2017, 2014, 2015, 2016, 2014, 2015],
            "value": [1.0, 3.0, 2.0, 5.0, 1.0, 2.0, 4.0, 1.0, 2.0],
        }
    )
    out = project_frame(long, ["indicator", "org_unit"], 2020, half_life=1.0)
    assert out.columns == ["indicator", "org_unit", "year", "value", "lower", "upper", "n", "slope"]
    assert out.get_column("indicator").to_list() == ["a", "b"]
    b = out.filter(pl.col("indicator") == "b").row(0, named=True)
    assert b["value"] == approx(10.384615, abs=1e-6)
    assert b["n"] == 3 and b["year"] == 2020


def test_frame_without_groups_and_with_duplicates():
    single = pl.DataFrame({"year": [2014, 2015, 2016, 2017], "value": [1.0, 3.0, 2.0, 5.0]})
    out = project_frame(single, [], 2020, half_life=math.inf)
    assert out.row(0, named=True)["value"] == approx(7.7)
    dup = pl.DataFrame({"k": ["x", "x", "x"], "year": [2014, 2014, 2015], "value": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="k=x 的 2014 年出现了多个数值"):
        project_frame(dup, ["k"], 2020)


series_strategy = st.lists(
    st.tuples(
        st.sets(st.integers(2005, 2019), min_size=0, max_size=10),
        st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=10, max_size=10),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=100, deadline=None)
@given(series_strategy, st.sampled_from([0.8, 0.9, 0.95]), st.sampled_from([1.0, 3.0, 5.0]))
def test_project_frame_agrees_with_project(groups, level, half_life):
    rows = []
    expected: dict[str, Projection | None] = {}
    for g, (years, vals) in enumerate(groups):
        ys = sorted(years)
        for y, v in zip(ys, vals, strict=False):
            rows.append((f"g{g}", y, v))
        expected[f"g{g}"] = project(ys, vals[: len(ys)], 2020, level=level, half_life=half_life)
    long = pl.DataFrame(rows, schema={"key": pl.Utf8, "year": pl.Int64, "value": pl.Float64}, orient="row")
    out = {
        r["key"]: r
        for r in project_frame(long, ["key"], 2020, level=level, half_life=half_life).iter_rows(named=True)
    }
    for key, want in expected.items():
        if want is None:
            assert key not in out
            continue
        got = out[key]
        assert got["n"] == want.n
        scale = max(1.0, abs(want.value), abs(want.upper - want.lower))
        for field in ("value", "lower", "upper"):
            assert got[field] == approx(getattr(want, field), abs=1e-7 * scale)


def test_frame_with_no_usable_points_is_empty_with_the_same_columns():
    empty = pl.DataFrame(
        {"k": ["x", "x"], "year": [2014, 2015], "value": [None, float("nan")]},
        schema={"k": pl.Utf8, "year": pl.Int64, "value": pl.Float64},
    )
    out = project_frame(empty, ["k"], 2020)
    assert out.height == 0
    assert out.columns == ["k", "year", "value", "lower", "upper", "n", "slope"]
    short = pl.DataFrame({"k": ["x", "x"], "year": [2014, 2015], "value": [1.0, 2.0]})
    assert project_frame(short, ["k"], 2020).columns == out.columns
    assert project_frame(short, ["k"], 2020).height == 0
