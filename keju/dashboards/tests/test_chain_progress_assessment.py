"""The chain progress service on hand-made counts: base, latest, target level, progress value,
score, status, projection and sparkline data, computed by hand from the measure's formulas."""

from __future__ import annotations

import polars as pl
import pytest

from keju.dashboards.board.chain_progress import Aim, assess_aims, with_groups


def counts(rows: dict[tuple[str, str], list[float]], start: int = 2014) -> pl.DataFrame:
    """{(unit, key): values from `start` on} as the unit counts the service takes."""
    data = [
        (unit, key, start + i, float(v)) for (unit, key), values in rows.items() for i, v in enumerate(values)
    ]
    return pl.DataFrame(
        data,
        schema={"unit": pl.String, "key": pl.String, "year": pl.Int64, "value": pl.Float64},
        orient="row",
    )


def increment(unit: str, key: str, value: float) -> Aim:
    return Aim(unit, key, "increment", 2015, 2020, value)


def one(aim: Aim, frame: pl.DataFrame, **kwargs):
    [result] = assess_aims([aim], frame, **kwargs)
    return result


def test_a_chain_at_its_target_is_achieved():
    # 5 at the end of 2014, +10 wanted by 2020: 15 reached in 2019.
    result = one(
        increment("chain:a", "platforms", 10), counts({("chain:a", "platforms"): [5, 7, 9, 11, 13, 15]})
    )
    assert (result.base_year, result.base_value) == (2014, 5.0)
    assert (result.current_year, result.current_value) == (2019, 15.0)
    assert result.target_value == 15.0
    assert (result.status, result.status_label, result.score) == ("target_achieved", "已达标", 5.0)
    # A straight line (+2 a year) projects exactly: 17 in 2020, with no spread.
    assert result.projection["year"] == 2020
    assert result.projection["value"] == pytest.approx(17.0)
    assert result.projection["lower"] == pytest.approx(17.0) and result.projection["upper"] == pytest.approx(
        17.0
    )


def test_a_progressing_chain_is_judged_on_the_growth_rate_it_needs():
    # base 10 (2014), target 10 + 10 = 20 in 2020, 15 in 2018.
    result = one(
        increment("chain:b", "platforms", 10),
        counts({("chain:b", "platforms"): [10, 11.25, 12.5, 13.75, 15]}),
    )
    required = (20 / 10) ** (1 / 6) - 1  # 0.122462
    observed = (15 / 10) ** (1 / 4) - 1  # 0.106682
    assert result.target_value == 20.0
    assert result.progress_value == pytest.approx(observed / required)  # 0.871143
    assert result.progress_value == pytest.approx(0.871143, abs=1e-6)
    assert result.score == pytest.approx(7.1429 * 0.871143 - 4.2857, abs=1e-5)  # 1.936785
    assert (result.status, result.status_label) == ("moderate_progress", "需加快")
    assert result.projection["value"] == pytest.approx(17.5)
    # Sparkline: the counts, the constant-growth path from 10 to 20, the projection band from 2018.
    assert result.chart["actual"] == [
        [2014 + i, v, False] for i, v in enumerate([10, 11.25, 12.5, 13.75, 15])
    ]
    path = dict((y, v) for y, v in result.chart["path"])
    assert sorted(path) == list(range(2014, 2021))
    assert path[2014] == pytest.approx(10) and path[2020] == pytest.approx(20)
    assert path[2017] == pytest.approx(10 * 2**0.5)
    assert result.chart["band"][0] == [2018, 15.0, 15.0]
    assert result.chart["band"][1][0] == 2020 and result.chart["band"][1][1] == pytest.approx(17.5)


def test_a_target_without_a_source_has_insufficient_data_and_says_why():
    frame = counts({("chain:a", "platforms"): [5, 7]})
    reason = "“国家级新产品”没有按产业链计数的来源"
    result = one(increment("chain:a", "new_products", 10), frame, notes={"new_products": reason})
    assert (result.status, result.status_label) == ("insufficient_data", "数据不足")
    assert result.note == reason
    assert result.base_value is None and result.current_value is None and result.progress_value is None
    assert result.chart == {"actual": [], "path": [], "band": []}
    assert result.aim.value == 10  # the plan's figure is still shown


def test_a_chain_with_only_its_base_year_has_insufficient_data():
    result = one(increment("chain:a", "platforms", 10), counts({("chain:a", "platforms"): [5]}))
    assert result.status == "insufficient_data" and result.base_value == 5.0 and result.current_value is None
    assert result.note  # a reason is given


def test_a_zero_base_counts_as_0_001_as_the_measure_defines():
    # 0 at the end of 2014, 2 in 2016, target +5 by 2020.
    result = one(increment("chain:c", "alliances", 5), counts({("chain:c", "alliances"): [0, 0, 2]}))
    required = (5 / 0.001) ** (1 / 6) - 1  # 3.134970
    observed = (2 / 0.001) ** (1 / 2) - 1  # 43.721360
    assert result.base_value == 0.0 and result.target_value == 5.0
    assert result.progress_value == pytest.approx(observed / required)  # 13.946
    assert (result.status, result.score) == ("substantial_progress", 5.0)
    # A series that stays at 0: the current value is not replaced, so the growth rate is −100 %.
    flat = one(increment("chain:d", "alliances", 5), counts({("chain:d", "alliances"): [0, 0, 0]}))
    assert flat.progress_value == pytest.approx(-1 / required)  # −0.318982
    assert flat.status == "negative_progress"
    assert flat.score == pytest.approx(max(4.1667 * (-1 / required) - 2.5, -5.0))


def test_a_cumulative_target_sums_the_yearly_flows_from_the_plan_start():
    # Completed projects: 3 in 2014 (before the plan: not counted), then 2, 4, 6; 30 wanted over 2015—2020.
    aim = Aim("chain:e", "achievements", "cumulative", 2015, 2020, 30)
    result = one(aim, counts({("chain:e", "achievements"): [3, 2, 4, 6]}))
    assert result.chart["actual"] == [[2015, 2.0, False], [2016, 6.0, False], [2017, 12.0, False]]
    # The base is the first year's sum (as for the zone's cumulative targets).
    assert (result.base_year, result.base_value, result.current_value, result.target_value) == (
        2015,
        2.0,
        12.0,
        30.0,
    )
    required = (30 / 2) ** (1 / 5) - 1  # 0.718771
    observed = (12 / 2) ** (1 / 2) - 1  # 1.449490
    assert result.progress_value == pytest.approx(observed / required)  # 2.016624
    assert (result.status, result.score) == ("substantial_progress", 5.0)
    assert result.projection is not None and result.projection["value"] > 12


def test_groups_are_the_sum_of_their_chains_and_are_judged_alike():
    chains = pl.DataFrame(
        {
            "chain": ["a", "a", "b", "b", "x", "x"],
            "key": ["platforms"] * 6,
            "year": [2014, 2015] * 3,
            "value": [5.0, 7.0, 1.0, 2.0, 100.0, 100.0],
        }
    )
    units = with_groups(chains, {"a": "g", "b": "g"})  # x belongs to no group
    by = {(u, y): v for u, _k, y, v in units.iter_rows()}
    assert by[("group:g", 2014)] == 6.0 and by[("group:g", 2015)] == 9.0
    assert by[("chain:x", 2015)] == 100.0 and ("group:x", 2015) not in by
    group = one(increment("group:g", "platforms", 3), units)
    assert (group.base_value, group.current_value, group.target_value, group.status) == (
        6.0,
        9.0,
        9.0,
        "target_achieved",
    )


def test_results_come_back_in_the_order_of_the_aims():
    aims = [increment("chain:b", "platforms", 1), increment("chain:a", "platforms", 1)]
    frame = counts({("chain:a", "platforms"): [1, 1], ("chain:b", "platforms"): [1, 5]})
    results = assess_aims(aims, frame)
    assert [r.aim.unit for r in results] == ["chain:b", "chain:a"]
    # b: 1 → 5 against 1 + 1; a: 1 → 1, no growth (progress 0).
    assert [r.status for r in results] == ["target_achieved", "limited_progress"]
    assert results[1].progress_value == 0.0
