"""Several years with fixed goalposts: adding a year never changes an earlier year's scores."""

from __future__ import annotations

import polars as pl
import pytest

from keju.metrics.index import IndexInputError
from keju.metrics.index.panel import build_index_panel, reference_goalposts
from keju.metrics.index.tests.helpers import leaf, spec

SPEC = spec(
    {"g": [leaf("x", goalposts=(0.0, 10.0)), leaf("y"), leaf("w", direction="down")]},
    normalise="goalposts",
).model_copy(update={"reference_year": 2014})


def _data(years: range) -> pl.DataFrame:
    rows = []
    for year in years:
        k = year - 2014
        for i, unit in enumerate("abc"):
            rows += [
                {"unit": unit, "indicator": "x", "year": year, "value": 2.0 + i + k},
                {"unit": unit, "indicator": "y", "year": year, "value": 10.0 * (i + 1) + k},
                {"unit": unit, "indicator": "w", "year": year, "value": 5.0 - i - 0.5 * k},
            ]
    return pl.DataFrame(rows)


def test_scores_of_past_years_do_not_shift_when_a_year_is_added() -> None:
    short = build_index_panel(_data(range(2014, 2017)), SPEC)
    longer = build_index_panel(_data(range(2014, 2021)), SPEC)
    for year in (2014, 2015, 2016):
        assert short[year].index.equals(longer[year].index)


def test_reference_year_goalposts_are_the_worst_and_best_unit_by_direction() -> None:
    data = _data(range(2014, 2015)).drop("year")
    filled = reference_goalposts(data, SPEC)
    posts = {leaf.indicator: leaf.goalposts for leaf in filled.leaves()}
    assert (posts["x"].base, posts["x"].target) == (0.0, 10.0)  # given: kept
    assert (posts["y"].base, posts["y"].target) == (10.0, 30.0)
    assert (posts["w"].base, posts["w"].target) == (5.0, 3.0)  # down: the worst is the highest
    results = build_index_panel(_data(range(2014, 2016)), SPEC)
    assert dict(
        results[2014].normalised.filter(pl.col("indicator") == "y").select("unit", "value").rows()
    ) == {
        "a": 0.0,
        "b": 50.0,
        "c": 100.0,
    }


def test_missing_reference_year_or_year_column_is_refused() -> None:
    with pytest.raises(IndexInputError, match="参照年份 2014 没有数据"):
        build_index_panel(_data(range(2015, 2017)), SPEC)
    with pytest.raises(IndexInputError, match="year"):
        build_index_panel(_data(range(2014, 2015)).drop("year"), SPEC)
    no_reference = SPEC.model_copy(update={"reference_year": None})
    with pytest.raises(IndexInputError, match="reference_year"):
        build_index_panel(_data(range(2014, 2016)), no_reference)
