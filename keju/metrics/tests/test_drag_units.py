"""Which lower units drag a total: ratio of sums, additive totals, and the drags adding up."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keju.metrics.drag import drag

approx = pytest.approx


def test_ratio_indicator_by_hand():
    # R&D intensity (×100): a 30/1000, b 10/1000, c 5/200 → zone 45/2200 = 2.0455%
    # required 2.5%: b at 2.5% would add 15 to the numerator → 60/2200 = 2.7273% → drag 0.6818
    # a at 2.5% would have 25 instead of 30 → 40/2200 = 1.8182% → drag −0.2273; c is on the path
    children = pl.DataFrame(
        {"unit": ["a", "b", "c"], "numerator": [30.0, 10.0, 5.0], "denominator": [1000.0, 1000.0, 200.0]}
    )
    out = drag(children, required=2.5, factor=100, names={"b": "兰州新区"}, unit="%")
    assert out.get_column("unit").to_list() == ["b", "c", "a"]
    b, c, a = out.iter_rows(named=True)
    assert b["value"] == approx(1.0) and b["drag"] == approx(60 / 22 - 45 / 22)
    assert b["rank"] == 1 and c["rank"] is None and a["rank"] is None
    assert c["drag"] == approx(0.0, abs=1e-12)
    assert a["drag"] == approx(40 / 22 - 45 / 22)
    gap = 2.5 - 45 / 22
    assert b["share"] == approx((60 / 22 - 45 / 22) / gap)  # 150%: a offsets a third of it
    assert "兰州新区:现值 1%,要求值 2.5%;若达到要求值,上级值将由 2.045%升至 2.727%" in b["explanation"]
    assert "拉动上级 0.2273%" in a["explanation"]


def test_a_small_unit_far_behind_drags_less_than_a_big_unit_a_little_behind():
    # an average of ratios would blame the small unit; the ratio of sums weighs by denominator
    children = pl.DataFrame(
        {"unit": ["small", "big"], "numerator": [0.5, 180.0], "denominator": [100.0, 10000.0]}
    )
    out = drag(children, required=2.0, factor=100)
    assert out.row(0, named=True)["unit"] == "big"


def test_decreasing_indicator_drag_sign():
    # energy per GDP: lower is better; unit x at 2.5 against 2.0 required drags the total up
    children = pl.DataFrame({"unit": ["x", "y"], "numerator": [250.0, 150.0], "denominator": [100.0, 100.0]})
    out = drag(children, required=2.0, direction="down")
    x = out.filter(pl.col("unit") == "x").row(0, named=True)
    # at 2.0 x would have 200: total 350/200 = 1.75 instead of 2.0 → drag −1 × (1.75 − 2.0) = 0.25
    assert x["drag"] == approx(0.25)
    assert x["rank"] == 1
    assert out.filter(pl.col("unit") == "y").row(0, named=True)["drag"] == approx(-0.25)


def test_additive_indicator_uses_each_childs_base_grown_at_the_parent_rate():
    # parent required 450 from a base of 300 (×1.5): a 200→300 required 300; b 100→100 required 150
    children = pl.DataFrame({"unit": ["a", "b"], "numerator": [300.0, 100.0], "base": [200.0, 100.0]})
    out = drag(children, required=450.0, unit="亿元")
    b = out.row(0, named=True)
    assert (b["unit"], b["required"], b["drag"], b["share"]) == ("b", 150.0, 50.0, 1.0)
    assert out.row(1, named=True)["drag"] == 0.0


def test_additive_base_and_required_are_in_the_indicators_unit():
    # GDP: numerators in 万元, factor 0.0001 → 亿元; bases and required in 亿元
    children = pl.DataFrame(
        {"unit": ["a", "b"], "numerator": [3_000_000.0, 1_000_000.0], "base": [200.0, 100.0]}
    )
    out = drag(children, required=450.0, factor=0.0001, unit="亿元")
    b = out.row(0, named=True)
    assert b["unit"] == "b"
    assert (b["value"], b["required"], b["drag"]) == (approx(100.0), approx(150.0), approx(50.0))


def test_child_specific_required_values_win():
    children = pl.DataFrame(
        {
            "unit": ["a", "b"],
            "numerator": [30.0, 10.0],
            "denominator": [1000.0, 1000.0],
            "required": [None, 1.2],
        }
    )
    out = drag(children, required=2.5, factor=100)
    assert out.filter(pl.col("unit") == "b").row(0, named=True)["drag"] == approx(0.1)
    assert out.filter(pl.col("unit") == "a").row(0, named=True)["required"] == 2.5


def test_bad_input_is_refused_in_chinese():
    ok = pl.DataFrame({"unit": ["a"], "numerator": [1.0], "denominator": [2.0]})
    with pytest.raises(ValueError, match="方向"):
        drag(ok, required=1.0, direction="sideways")
    with pytest.raises(ValueError, match="缺少列:numerator"):
        drag(ok.drop("numerator"), required=1.0)
    with pytest.raises(ValueError, match="没有要求值"):
        drag(ok)
    with pytest.raises(ValueError, match="分母合计为 0"):
        drag(ok.with_columns(pl.lit(0.0).alias("denominator")), required=1.0)
    with pytest.raises(ValueError, match="下级单位重复"):
        drag(pl.concat([ok, ok]), required=1.0)
    with pytest.raises(ValueError, match="缺失值"):
        drag(
            pl.DataFrame({"unit": ["a", "b"], "numerator": [1.0, None], "denominator": [2.0, 3.0]}),
            required=1.0,
        )


children_strategy = st.lists(
    st.tuples(st.floats(0, 1e4, allow_nan=False), st.floats(1, 1e4, allow_nan=False)), min_size=1, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(
    children_strategy,
    st.floats(0, 50, allow_nan=False),
    st.sampled_from(["up", "down"]),
    st.sampled_from([1.0, 100.0]),
)
def test_drags_add_up_to_the_parents_gap(rows, required, direction, factor):
    children = pl.DataFrame(
        {
            "unit": [f"u{i}" for i in range(len(rows))],
            "numerator": [r[0] for r in rows],
            "denominator": [r[1] for r in rows],
        }
    )
    out = drag(children, required=required, direction=direction, factor=factor)
    parent = factor * sum(r[0] for r in rows) / sum(r[1] for r in rows)
    sign = 1 if direction == "up" else -1
    assert out.get_column("drag").sum() == approx(
        sign * (required - parent), abs=1e-9 * max(1.0, parent, required)
    )
    drags = out.get_column("drag").to_list()
    assert drags == sorted(drags, reverse=True)
