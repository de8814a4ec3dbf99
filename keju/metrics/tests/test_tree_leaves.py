"""Leaf of each report row from its district and park codes, whatever the columns' type."""

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keju.metrics.tree import build_tree_index

UNITS = pl.DataFrame(
    {
        "code": ["zone", "c1", "d1", "d2", "p1", "p2"],
        "parent": [None, "zone", "c1", "c1", "d1", "d2"],
        "level": ["zone", "city", "district", "district", "park", "park"],
    }
)

DISTRICTS = ["d1", "d2", "d1", None, "dx", "d2", "d1"]
PARKS = ["p1", None, "p2", "p1", "p1", "p2", "px"]
# d1/p1 → park leaf; d2 without park → d2's own leaf; d1 with d2's park → d1's own leaf
# (counted as a bad park); unknown or null district → -1; unknown park → the district's leaf.


def _expected(index):  # type: ignore[no-untyped-def]
    d1, d2 = index.district_leaf["d1"], index.district_leaf["d2"]
    p1, p2 = index.park_leaf["p1"], index.park_leaf["p2"]
    return [p1, d2, d1, -1, -1, p2, d1]


@pytest.mark.parametrize(
    "dtype",
    [pl.String, pl.Categorical, pl.Enum(["d1", "d2", "dx", "p1", "p2", "px"])],
    ids=["string", "categorical", "enum"],
)
def test_leaves_are_the_same_for_text_categorical_and_enum_columns(dtype: pl.DataType) -> None:
    index = build_tree_index(UNITS)
    district = pl.Series("district", DISTRICTS, dtype=pl.String).cast(dtype)
    park = pl.Series("park", PARKS, dtype=pl.String).cast(dtype)
    leaves, bad_parks = index.leaves_of(district, park)
    assert leaves.tolist() == _expected(index)
    assert bad_parks == 1


def test_a_categorical_column_of_nulls_or_no_rows_has_no_leaves() -> None:
    index = build_tree_index(UNITS)
    nulls = pl.Series("district", [None, None], dtype=pl.String).cast(pl.Categorical)
    assert index.leaves_of(nulls, None)[0].tolist() == [-1, -1]
    empty = pl.Series("district", [], dtype=pl.String).cast(pl.Categorical)
    assert index.leaves_of(empty, None)[0].dtype == np.int64
    assert len(index.leaves_of(empty, None)[0]) == 0


def test_bad_parks_are_counted_for_the_rows_a_stretch_stands_for() -> None:
    index = build_tree_index(UNITS)
    district = pl.Series("district", DISTRICTS, dtype=pl.String)
    park = pl.Series("park", PARKS, dtype=pl.String)
    _, bad_parks = index.leaves_of(district, park, np.array([1, 1, 7, 1, 1, 1, 1]))
    assert bad_parks == 7  # the d1 row with d2's park stands for seven rows


trees = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 40)), min_size=1, max_size=30)


@settings(max_examples=40, deadline=None)
@given(shape=trees, seed=st.integers(0, 1000))
def test_the_roll_up_adds_every_leaf_under_each_unit(shape, seed) -> None:
    # Cities with districts with parks (some districts without parks); the level-by-level roll-up
    # must give what the membership matrix says: each unit the sum of the leaves under it.
    rows = [("zone", None, "zone")]
    for c, (n_districts, n_parks) in enumerate(shape):
        rows.append((f"c{c}", "zone", "city"))
        for d in range(n_districts):
            rows.append((f"c{c}d{d}", f"c{c}", "district"))
            for p in range(n_parks % (d + 2)):
                rows.append((f"c{c}d{d}p{p}", f"c{c}d{d}", "park"))
    units = pl.DataFrame(
        rows, schema={"code": pl.String, "parent": pl.String, "level": pl.String}, orient="row"
    )
    index = build_tree_index(units)
    leaf_sums = np.random.default_rng(seed).random((index.n_leaves, 5))
    assert np.allclose(index.rollup(leaf_sums), index.membership @ leaf_sums, rtol=1e-12, atol=1e-12)
