"""Monte Carlo sensitivity of the ranks: seeded, reproducible, and consistent with the nominal index."""

from __future__ import annotations

import polars as pl
import pytest

from keju.metrics.index import IndexInputError, build_index, method_combinations, sensitivity
from keju.metrics.index.tests.helpers import leaf, long, spec

DATA = long(
    {
        "x": {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0, "f": None},
        "y": {"a": 5.0, "b": 3.0, "c": 4.0, "d": 1.0, "e": 2.0, "f": 2.5},
        "z": {"a": 2.0, "b": 2.5, "c": 1.0, "d": 5.0, "e": 4.0, "f": 3.0},
    }
)
GROUPS = pl.DataFrame({"unit": list("abcdef"), "city": list("ppqqqq")})
SPEC = spec(
    {
        "g1": [leaf("x", target=6.0, goalposts=(0.0, 6.0)), leaf("y", target=6.0, goalposts=(0.0, 6.0))],
        "g2": [leaf("z", target=6.0, goalposts=(0.0, 6.0))],
    },
    impute="mean",
    by="city",
)


def test_the_same_seed_gives_the_same_table_and_another_seed_another() -> None:
    one = sensitivity(DATA, SPEC, runs=300, seed=7, groups=GROUPS)
    two = sensitivity(DATA, SPEC, runs=300, seed=7, groups=GROUPS)
    other = sensitivity(DATA, SPEC, runs=300, seed=8, groups=GROUPS)
    assert one.equals(two)
    assert not one.equals(other)
    assert set(one.columns) >= {"unit", "code", "median_rank", "rank_low", "rank_high", "nominal_rank"}


def test_rank_intervals_contain_the_median_and_cover_every_level() -> None:
    table = sensitivity(DATA, SPEC, runs=400, seed=1, groups=GROUPS)
    assert set(table["code"].unique().to_list()) == {"g1", "g2", "idx"}
    assert (table["rank_low"] <= table["median_rank"]).all()
    assert (table["median_rank"] <= table["rank_high"]).all()
    assert table["runs"].unique().to_list() == [400]
    assert table["rank_low"].min() >= 1 and table["rank_high"].max() <= 6


def test_without_noise_and_with_the_spec_methods_every_run_gives_the_nominal_rank() -> None:
    table = sensitivity(
        DATA,
        SPEC,
        runs=50,
        seed=3,
        weight_noise=0.0,
        normalisations=["minmax"],
        aggregations=["arithmetic"],
        imputations=["mean"],
    )
    nominal = build_index(DATA, SPEC).scores.select("unit", "code", "rank")
    joined = table.join(nominal, on=["unit", "code"])
    assert (joined["median_rank"] == joined["rank"]).all()
    assert (joined["rank_low"] == joined["rank_high"]).all()
    assert (joined["nominal_rank"] == joined["rank"]).all()


def test_method_choices_are_only_the_valid_combinations() -> None:
    combos = method_combinations(SPEC, with_groups=True)
    assert ("mean", "zscore", "geometric") not in combos
    assert ("group_mean", "goalposts", "harmonic") in combos
    without_posts = spec({"g": [leaf("x")]})
    assert not any(
        n in ("goalposts", "distance_to_target")
        for _, n, _ in method_combinations(without_posts, with_groups=False)
    )


def test_a_clear_error_for_impossible_settings() -> None:
    with pytest.raises(IndexInputError, match="至少为 1"):
        sensitivity(DATA, SPEC, runs=0)
    with pytest.raises(IndexInputError, match="扰动"):
        sensitivity(DATA, SPEC, weight_noise=1.5)
    with pytest.raises(IndexInputError, match="没有可用的方法组合"):
        sensitivity(DATA, spec({"g": [leaf("x")]}), normalisations=["goalposts"])


def test_unranked_units_are_left_out_of_the_table() -> None:
    table = sensitivity(DATA, SPEC, runs=20, seed=1, unranked=["f"])
    assert "f" not in table["unit"].to_list()
