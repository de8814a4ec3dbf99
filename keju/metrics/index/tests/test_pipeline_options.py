"""Each option of each step on small data computed by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from keju.metrics.index import build_index, kurtosis, skewness
from keju.metrics.index.aggregate import weighted_mean
from keju.metrics.index.stages import treat_column, winsorise
from keju.metrics.index.tests.helpers import leaf, long, spec, stage
from keju.plan.index_spec import Treatment

UNITS = ("a", "b", "c", "d")


def approx(d: dict[str, float | None]) -> dict[str, object]:
    return {k: (pytest.approx(v, abs=1e-12) if v is not None else None) for k, v in d.items()}


# ---------------------------------------------------------------- denomination


def test_denomination_divides_by_the_named_denominator_and_flags_zero_and_missing() -> None:
    data = long({"x": {"a": 10, "b": 20, "c": 30, "d": 40}})
    dens = pl.DataFrame({"unit": ["a", "b", "c", "d"], "pop": [2.0, 4.0, 0.0, None]})
    result = build_index(data, spec({"g": [leaf("x", denominator="pop")]}, impute="mean"), denominators=dens)
    assert stage(result, "denominated", "x") == {"a": 5.0, "b": 5.0, "c": None, "d": None}
    steps = {(r["unit"], r["step"]) for r in result.steps.iter_rows(named=True)}
    assert ("c", "zero_denominator") in steps and ("d", "missing_denominator") in steps
    assert ("c", "imputed") in steps and ("a", "denominated") in steps


def test_denominators_may_be_given_long() -> None:
    data = long({"x": {"a": 10, "b": 30}})
    dens = pl.DataFrame({"unit": ["a", "b"], "denominator": ["gdp", "gdp"], "value": [5.0, 10.0]})
    result = build_index(data, spec({"g": [leaf("x", denominator="gdp")]}), denominators=dens)
    assert stage(result, "denominated", "x") == {"a": 2.0, "b": 3.0}


# ---------------------------------------------------------------- imputation

MISSING = {"x": {"a": 1.0, "b": None, "c": 3.0, "d": 10.0}, "y": {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}}
GROUPS = pl.DataFrame({"unit": list(UNITS), "city": ["p", "p", "q", "q"]})


@pytest.mark.parametrize(
    ("method", "expected"),
    [("mean", 14 / 3), ("median", 3.0), ("group_mean", 1.0), ("group_median", 1.0)],
)
def test_imputation_fills_the_missing_cell(method: str, expected: float) -> None:
    s = spec({"g": [leaf("x"), leaf("y")]}, impute=method, by="city" if method.startswith("group") else None)
    result = build_index(long(MISSING), s, groups=GROUPS)
    assert stage(result, "imputed", "x")["b"] == pytest.approx(expected)
    imputed = result.steps.filter(pl.col("step") == "imputed")
    assert imputed.select("unit", "indicator").rows() == [("b", "x")]


def test_group_imputation_falls_back_to_all_units_when_the_group_has_no_value() -> None:
    groups = pl.DataFrame({"unit": list(UNITS), "city": ["p", "q", "q", "q"]})
    data = long(
        {"x": {"a": None, "b": 2.0, "c": 4.0, "d": 9.0}, "y": {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}}
    )
    s = spec({"g": [leaf("x"), leaf("y")]}, impute="group_mean", by="city")
    result = build_index(data, s, groups=groups)
    assert stage(result, "imputed", "x")["a"] == pytest.approx(5.0)
    assert result.steps.filter(pl.col("step") == "imputed_overall").select("unit").to_series().to_list() == [
        "a"
    ]


def test_without_imputation_a_missing_cell_is_left_out_and_the_weights_rescaled() -> None:
    s = spec({"g": [leaf("x", weight=1), leaf("y", weight=3)]})
    result = build_index(long(MISSING), s)
    # b has only y: normalised (2 - 1) / 3 * 100
    assert result.scores.filter((pl.col("unit") == "b") & (pl.col("code") == "g"))["score"][
        0
    ] == pytest.approx(100 / 3)
    assert ("b", "x", "missing") in result.steps.select("unit", "indicator", "step").rows()


def test_median_of_an_even_count_is_the_midpoint() -> None:
    data = long(
        {
            "x": {"a": 1.0, "b": 2.0, "c": 10.0, "d": 20.0, "e": None},
            "y": {u: 1.0 + i for i, u in enumerate("abcde")},
        }
    )
    result = build_index(data, spec({"g": [leaf("x"), leaf("y")]}, impute="median"))
    assert stage(result, "imputed", "x")["e"] == pytest.approx(6.0)


# ---------------------------------------------------------------- outlier treatment


def test_skewness_and_kurtosis_are_the_type_2_sample_statistics() -> None:
    v = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100.0])
    n = v.size
    d = v - v.mean()
    m2, m3, m4 = (d**2).sum(), (d**3).sum(), (d**4).sum()
    g1 = math.sqrt(n) * m3 / m2**1.5
    r = n * m4 / m2**2
    assert skewness(v) == pytest.approx(g1 * math.sqrt(n * (n - 1)) / (n - 2))
    assert kurtosis(v) == pytest.approx(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))
    assert skewness(v) == pytest.approx(3.2556381840605075)
    assert kurtosis(v) == pytest.approx(10.706673906421969)


def test_winsorisation_replaces_the_maximum_by_the_next_highest_until_the_test_passes() -> None:
    v = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100.0])
    x, high, low = winsorise(v, Treatment(method="skew_kurtosis", winmax=5))
    assert x.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]
    assert high.tolist() == [False] * 10 + [True] and not low.any()


def test_winsorisation_at_the_bottom_for_negative_skew() -> None:
    v = -np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100.0])
    x, high, low = winsorise(v, Treatment(method="skew_kurtosis", winmax=5))
    assert x[-1] == -10 and low[-1] and not high.any()


def test_a_passing_indicator_is_not_treated() -> None:
    v = np.array([1.0, 2, 3, 4, 5, 6])
    col = treat_column(v, Treatment(method="skew_kurtosis"), allow_log=True)
    assert col.values.tolist() == v.tolist() and not col.high.any() and col.log is None


def test_log_fallback_applies_to_the_original_values_when_winsorisation_is_not_enough() -> None:
    v = np.array([1, 1, 1, 1, 1, 1, 1, 1, 2, 50, 100, 1000.0])
    col = treat_column(v, Treatment(method="skew_kurtosis", winmax=0), allow_log=True)
    assert col.log == "log_ct"
    np.testing.assert_allclose(col.values, np.log(v - 1 + 0.01 * 999))


def test_treatment_is_recorded_per_cell_in_steps() -> None:
    x = {u: float(i + 1) for i, u in enumerate("abcdefghij")} | {"k": 100.0}
    y = {u: float(i) for i, u in enumerate("abcdefghijk")}
    result = build_index(long({"x": x, "y": y}), spec({"g": [leaf("x"), leaf("y")]}, treat="skew_kurtosis"))
    assert result.steps.filter(pl.col("step") == "winsorised_high").select("unit", "indicator").rows() == [
        ("k", "x")
    ]
    assert stage(result, "treated", "x")["k"] == 10.0
    assert result.treatment.filter(pl.col("indicator") == "x")["treatment"][0] == "缩尾 1 个点"


# ---------------------------------------------------------------- normalisation

X = {"x": {"a": 2.0, "b": 4.0, "c": 6.0, "d": 10.0}}


def test_minmax_scales_to_0_100_and_reverses_a_down_indicator() -> None:
    up = build_index(long(X), spec({"g": [leaf("x")]}))
    assert stage(up, "normalised", "x") == approx({"a": 0.0, "b": 25.0, "c": 50.0, "d": 100.0})
    down = build_index(long(X), spec({"g": [leaf("x", direction="down")]}))
    assert stage(down, "normalised", "x") == approx({"a": 100.0, "b": 75.0, "c": 50.0, "d": 0.0})
    assert down.steps.filter(pl.col("step") == "reversed").height == 4


def test_zscore_uses_the_sample_standard_deviation() -> None:
    result = build_index(long(X), spec({"g": [leaf("x")]}, normalise="zscore"))
    sd = math.sqrt(35 / 3)
    assert stage(result, "normalised", "x") == approx({u: (v - 5.5) / sd for u, v in X["x"].items()})


def test_distance_to_target_is_capped_at_the_target() -> None:
    result = build_index(long(X), spec({"g": [leaf("x", target=8.0)]}, normalise="distance_to_target"))
    assert stage(result, "normalised", "x") == approx({"a": 0.0, "b": 100 / 3, "c": 200 / 3, "d": 100.0})
    assert result.steps.filter(pl.col("step") == "clipped_high")["unit"].to_list() == ["d"]


def test_distance_to_target_for_a_down_indicator() -> None:
    result = build_index(
        long(X), spec({"g": [leaf("x", direction="down", target=4.0)]}, normalise="distance_to_target")
    )
    # (max - x) / (max - T): d=10 → 0, c=6 → 4/6, b=4 → 1, a=2 → 8/6 capped to 1
    assert stage(result, "normalised", "x") == approx({"a": 100.0, "b": 100.0, "c": 200 / 3, "d": 0.0})


def test_goalposts_score_the_share_of_the_way_from_base_to_target_clipped() -> None:
    up = build_index(long(X), spec({"g": [leaf("x", goalposts=(3.0, 7.0))]}, normalise="goalposts"))
    assert stage(up, "normalised", "x") == approx({"a": 0.0, "b": 25.0, "c": 75.0, "d": 100.0})
    assert up.steps.filter(pl.col("step") == "clipped_low")["unit"].to_list() == ["a"]
    down = build_index(
        long(X), spec({"g": [leaf("x", direction="down", goalposts=(7.0, 3.0))]}, normalise="goalposts")
    )
    assert stage(down, "normalised", "x") == approx({"a": 100.0, "b": 75.0, "c": 25.0, "d": 0.0})


def test_goalposts_without_clipping_extrapolate() -> None:
    result = build_index(
        long(X), spec({"g": [leaf("x", goalposts=(3.0, 7.0))]}, normalise="goalposts", clip=False)
    )
    assert stage(result, "normalised", "x") == approx({"a": -25.0, "b": 25.0, "c": 75.0, "d": 175.0})


def test_goalpost_scores_do_not_depend_on_the_other_units() -> None:
    s = spec({"g": [leaf("x", goalposts=(3.0, 7.0))]}, normalise="goalposts")
    alone = build_index(long({"x": {"b": 4.0}}), s)
    together = build_index(long(X), s)
    assert stage(alone, "normalised", "x")["b"] == stage(together, "normalised", "x")["b"]


# ---------------------------------------------------------------- weighting and aggregation


def _agg(values: list[float], weights: list[float], method: str, shift: float) -> float:
    return float(weighted_mean(np.array([values]), np.array(weights), method, shift)[0])  # type: ignore[arg-type]


def test_arithmetic_geometric_and_harmonic_means_by_hand() -> None:
    assert _agg([20, 80], [1, 3], "arithmetic", 0) == pytest.approx(65.0)
    assert _agg([20, 80], [1, 3], "geometric", 0) == pytest.approx(20**0.25 * 80**0.75)
    assert _agg([20, 80], [1, 3], "harmonic", 0) == pytest.approx(4 / (1 / 20 + 3 / 80))


def test_geometric_mean_with_a_normalised_zero_uses_the_shift() -> None:
    # exp((ln(0+1) + 3 ln(80+1)) / 4) - 1 = 81^0.75 - 1 = 26
    assert _agg([0, 80], [1, 3], "geometric", 1.0) == pytest.approx(26.0)
    assert _agg([0, 80], [1, 3], "harmonic", 1.0) == pytest.approx(4 / (1 + 3 / 81) - 1)
    # without a shift a zero child gives the limit 0, not NaN or an error
    assert _agg([0, 80], [1, 3], "geometric", 0.0) == 0.0
    assert _agg([0, 80], [1, 3], "harmonic", 0.0) == 0.0


def test_geometric_index_with_a_minmax_zero_is_finite_and_ordered() -> None:
    data = long({"x": {"a": 1.0, "b": 2.0, "c": 3.0}, "y": {"a": 3.0, "b": 1.0, "c": 2.0}})
    result = build_index(data, spec({"g": [leaf("x"), leaf("y")]}, aggregate="geometric"))
    scores = dict(result.index.select("unit", "score").rows())
    assert all(math.isfinite(v) for v in scores.values())
    # a: x=0, y=100 → sqrt(1·101) − 1; c: x=100, y=50 → sqrt(101·51) − 1
    assert scores["a"] == pytest.approx(math.sqrt(101) - 1)
    assert scores["c"] == pytest.approx(math.sqrt(101 * 51) - 1)


def test_expert_weights_and_equal_weighting() -> None:
    data = long({"x": {"a": 0.0, "b": 10.0}, "y": {"a": 10.0, "b": 0.0}})
    leaves = {"g1": [leaf("x")], "g2": [leaf("y")]}
    expert = build_index(data, spec(leaves, group_weights={"g1": 3, "g2": 1}))
    assert dict(expert.index.select("unit", "score").rows()) == {
        "a": pytest.approx(25.0),
        "b": pytest.approx(75.0),
    }
    equal = build_index(data, spec(leaves, group_weights={"g1": 3, "g2": 1}, weighting="equal"))
    assert dict(equal.index.select("unit", "score").rows()) == {
        "a": pytest.approx(50.0),
        "b": pytest.approx(50.0),
    }


def test_ranks_per_aggregate_with_ties_sharing_the_best_rank() -> None:
    data = long({"x": {"a": 1.0, "b": 3.0, "c": 3.0, "d": 2.0}})
    result = build_index(data, spec({"g": [leaf("x")]}))
    assert dict(result.index.select("unit", "rank").rows()) == {"a": 4, "b": 1, "c": 1, "d": 3}
    assert set(result.scores["code"].unique().to_list()) == {"g", "idx"}


def test_ranks_follow_the_published_rounded_scores() -> None:
    data = long({"x": {"a": 1.0, "b": 1.00001, "c": 0.0}, "y": {"a": 1.0, "b": 1.0, "c": 2.0}})
    unrounded = build_index(data, spec({"g": [leaf("x")]}))
    assert dict(unrounded.index.select("unit", "rank").rows())["a"] == 2
    rounded = build_index(data, spec({"g": [leaf("x")]}, rank_decimals=2))
    assert dict(rounded.index.select("unit", "rank").rows()) == {"a": 1, "b": 1, "c": 3}


def test_unranked_units_are_scored_with_the_peers_parameters_but_not_ranked() -> None:
    data = long({"x": {"a": 2.0, "b": 4.0, "c": 6.0, "zone": 5.0}})
    result = build_index(data, spec({"g": [leaf("x")]}), unranked=["zone"])
    assert stage(result, "normalised", "x")["zone"] == pytest.approx(75.0)
    ranks = dict(result.index.select("unit", "rank").rows())
    assert ranks == {"a": 3, "b": 2, "c": 1, "zone": None}


def test_multi_level_tree_levels_and_weighted_means() -> None:
    from keju.plan.index_spec import IndexGroup, IndexSpec

    s0 = spec({"p1": [leaf("x")], "p2": [leaf("y")]})
    nested = IndexSpec(
        code="idx",
        name="idx",
        rank_decimals=None,
        methods=s0.methods,
        groups=[
            IndexGroup(code="sub", name="sub", weight=1, groups=list(s0.groups)),
            IndexGroup(code="p3", name="p3", weight=1, indicators=[leaf("z")]),
        ],
    )
    data = long({"x": {"a": 0.0, "b": 1.0}, "y": {"a": 1.0, "b": 0.0}, "z": {"a": 1.0, "b": 0.0}})
    result = build_index(data, nested)
    levels = dict(result.scores.select("code", "level").unique().rows())
    assert levels == {"p1": 2, "p2": 2, "p3": 2, "sub": 3, "idx": 4}
    # a: sub = (0 + 100) / 2 = 50; idx = (50 + 100) / 2 = 75
    assert dict(result.index.select("unit", "score").rows())["a"] == pytest.approx(75.0)


def test_sorted_ranks_equal_counting_the_strictly_better_units() -> None:
    from keju.metrics.index.aggregate import rank_desc

    rng = np.random.default_rng(11)
    for _ in range(100):
        s = rng.integers(0, 5, size=(3, 7, 2)).astype(float)
        s[rng.random(s.shape) < 0.2] = np.nan
        ranked = rng.random(7) < 0.8
        got = rank_desc(s, ranked)
        sv = np.where(ranked[:, None], s, np.nan)
        better = (sv[..., None, :, :] > sv[..., :, None, :]) & ~np.isnan(sv)[..., None, :, :]
        expected = np.where(~np.isnan(sv), 1 + better.sum(axis=-2), np.nan)
        np.testing.assert_array_equal(got, expected)


def test_coinr_metadata_must_describe_a_tree() -> None:
    from keju.metrics.index import spec_from_coinr
    from keju.plan.index_spec import IndexMethods

    agg = pl.DataFrame({"AgLevel": [2, 3], "Code": ["P", "Top"], "Name": ["P", "Top"], "Weight": [1.0, 1.0]})
    meta = pl.DataFrame(
        {
            "IndCode": ["x"],
            "Direction": ["1"],
            "IndWeight": ["2"],
            "Denominator": [""],
            "Target": [""],
            "Agg1": ["P"],
            "Agg2": ["Top"],
        }
    )
    built = spec_from_coinr(meta, agg, IndexMethods())
    assert built.code == "Top" and built.leaves()[0].weight == 2.0 and built.leaves()[0].denominator is None
    with pytest.raises(ValueError, match="Agg1"):
        spec_from_coinr(meta.drop("Agg1", "Agg2"), agg, IndexMethods())
    with pytest.raises(ValueError, match="不是数字"):
        spec_from_coinr(meta.with_columns(pl.lit("heavy").alias("IndWeight")), agg, IndexMethods())
    two_tops = pl.concat(
        [meta, meta.with_columns(pl.lit("y").alias("IndCode"), pl.lit("Other").alias("Agg2"))]
    )
    with pytest.raises(ValueError, match="不唯一"):
        spec_from_coinr(two_tops, agg, IndexMethods())
