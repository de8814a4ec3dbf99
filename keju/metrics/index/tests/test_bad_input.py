"""Bad input gives a clear Chinese error or a documented, flagged result — never a silent NaN."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from keju.metrics.index import IndexInputError, build_index
from keju.metrics.index.stages import treat_column
from keju.metrics.index.tests.helpers import leaf, long, spec, stage
from keju.plan.index_spec import Treatment


def _every_score_finite_or_warned(result: object) -> None:
    scores: pl.DataFrame = result.scores  # type: ignore[attr-defined]
    empty = scores.filter(pl.col("score").is_null())
    warnings: list[str] = result.warnings  # type: ignore[attr-defined]
    for row in empty.iter_rows(named=True):
        assert any(row["unit"] in w and row["name"] in w for w in warnings), row
    assert all(math.isfinite(v) for v in scores["score"].drop_nulls().to_list())


def test_an_all_missing_indicator_is_dropped_with_a_warning_and_the_index_still_computes() -> None:
    data = long({"x": {"a": 1.0, "b": 2.0, "c": 3.0}, "y": {"a": None, "b": None, "c": None}})
    result = build_index(data, spec({"g": [leaf("x"), leaf("y")]}, impute="mean"))
    assert any("“y”" in w and "略去" in w for w in result.warnings)
    assert result.steps.filter((pl.col("step") == "dropped") & (pl.col("indicator") == "y")).height == 3
    assert dict(result.index.select("unit", "score").rows()) == {"a": 0.0, "b": 50.0, "c": 100.0}
    _every_score_finite_or_warned(result)


def test_an_indicator_absent_from_the_data_is_treated_as_all_missing() -> None:
    result = build_index(long({"x": {"a": 1.0, "b": 2.0}}), spec({"g": [leaf("x"), leaf("nowhere")]}))
    assert any("nowhere" in w for w in result.warnings)
    assert result.index["score"].null_count() == 0


def test_zero_variance_is_flagged_and_left_out_of_the_aggregate() -> None:
    data = long({"x": {"a": 5.0, "b": 5.0, "c": 5.0}, "y": {"a": 1.0, "b": 2.0, "c": 3.0}})
    for method in ("minmax", "zscore"):
        result = build_index(data, spec({"g": [leaf("x"), leaf("y")]}, normalise=method))
        assert any("“x”" in w and "没有差异" in w for w in result.warnings)
        assert result.steps.filter(pl.col("step") == "zero_spread").height == 3
        assert result.index["score"].null_count() == 0


def test_a_unit_with_no_usable_child_gets_an_empty_score_and_a_warning() -> None:
    data = long({"x": {"a": 1.0, "b": 2.0, "c": None}})
    result = build_index(data, spec({"g": [leaf("x")]}))
    assert dict(result.index.select("unit", "score").rows())["c"] is None
    _every_score_finite_or_warned(result)


def test_negative_values_refuse_the_plain_log_and_keep_the_winsorised_values_flagged() -> None:
    v = np.array([-5, 1, 1, 1, 1, 1, 1, 1, 2, 50, 100, 1000.0])
    col = treat_column(v, Treatment(method="skew_kurtosis", winmax=0, fallback="log"), allow_log=True)
    assert col.log is None and col.log_refused and "负值" in col.note
    assert np.isfinite(col.values).all()
    data = long({"x": {f"u{i}": float(x) for i, x in enumerate(v)}})
    result = build_index(data, spec({"g": [leaf("x")]}, treat="skew_kurtosis", winmax=0, fallback="log"))
    assert result.steps.filter(pl.col("step") == "log_refused").height == v.size
    assert any("负值" in w for w in result.warnings)
    assert result.index["score"].null_count() == 0


def test_the_default_log_fallback_handles_zero_and_negative_values() -> None:
    v = np.array([-5, 0, 0, 0, 0, 0, 0, 0, 2, 50, 100, 1000.0])
    col = treat_column(v, Treatment(method="skew_kurtosis", winmax=0), allow_log=True)
    assert col.log == "log_ct" and np.isfinite(col.values).all()


def test_goalposts_refuse_the_log_fallback_because_it_would_change_the_units() -> None:
    v = [1, 1, 1, 1, 1, 1, 1, 1, 2, 50, 100, 1000.0]
    data = long({"x": {f"u{i}": x for i, x in enumerate(v)}})
    s = spec(
        {"g": [leaf("x", goalposts=(0.0, 10.0))]}, treat="skew_kurtosis", winmax=0, normalise="goalposts"
    )
    result = build_index(data, s)
    assert result.steps.filter(pl.col("step") == "log_transformed").height == 0
    assert result.steps.filter(pl.col("step") == "log_refused").height == len(v)
    assert any("固定基准" in w for w in result.warnings)


def test_zscores_cannot_be_combined_with_a_geometric_mean() -> None:
    with pytest.raises(ValidationError, match="z-score"):
        spec({"g": [leaf("x")]}, normalise="zscore", aggregate="geometric")


def test_a_negative_child_of_a_geometric_mean_is_a_clear_error() -> None:
    from keju.metrics.index.aggregate import weighted_mean

    with pytest.raises(IndexInputError, match="不小于"):
        weighted_mean(np.array([[-5.0, 10.0]]), np.array([1.0, 1.0]), "geometric", 1.0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pl.DataFrame({"unit": ["a"], "value": [1.0]}), "缺少列"),
        (long({"x": {"a": 1.0}}).vstack(long({"x": {"a": 2.0}})), "出现了 2 次"),
        (long({"x": {"a": float("inf"), "b": 1.0}}), "不是有限数值"),
        (long({}), "没有任何单元"),
    ],
)
def test_malformed_data_is_refused_with_a_chinese_message(data: pl.DataFrame, message: str) -> None:
    with pytest.raises(IndexInputError, match=message):
        build_index(data, spec({"g": [leaf("x")]}))


def test_missing_denominator_data_group_data_goalposts_and_targets_are_refused() -> None:
    data = long({"x": {"a": 1.0, "b": 2.0}})
    with pytest.raises(IndexInputError, match="没有提供分母数据"):
        build_index(data, spec({"g": [leaf("x", denominator="gdp")]}))
    with pytest.raises(IndexInputError, match="分母数据中没有:gdp"):
        build_index(
            data,
            spec({"g": [leaf("x", denominator="gdp")]}),
            denominators=pl.DataFrame({"unit": ["a"], "pop": [1.0]}),
        )
    with pytest.raises(IndexInputError, match="分组数据"):
        build_index(data, spec({"g": [leaf("x")]}, impute="group_mean", by="city"))
    with pytest.raises(IndexInputError, match="基准值和目标值"):
        build_index(data, spec({"g": [leaf("x")]}, normalise="goalposts"))
    with pytest.raises(IndexInputError, match="目标值"):
        build_index(data, spec({"g": [leaf("x")]}, normalise="distance_to_target"))


def test_an_indicator_without_direction_is_refused() -> None:
    from keju.plan.index_spec import IndexIndicator

    s = spec({"g": [IndexIndicator(indicator="x")]})
    with pytest.raises(IndexInputError, match="方向"):
        build_index(long({"x": {"a": 1.0}}), s)


def test_every_stage_frame_holds_nulls_not_nans() -> None:
    data = long({"x": {"a": 1.0, "b": None, "c": 3.0}, "y": {"a": 5.0, "b": 5.0, "c": 5.0}})
    result = build_index(data, spec({"g": [leaf("x"), leaf("y")]}))
    for name in ("raw", "denominated", "imputed", "treated", "normalised", "aggregated"):
        frame: pl.DataFrame = getattr(result, name)
        assert frame["value"].is_nan().sum() == 0, name
    assert stage(result, "normalised", "y") == {"a": None, "b": None, "c": None}
