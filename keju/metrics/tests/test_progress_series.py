"""The plan's series for the progress measure: bases, targets (own, from increments, implied)."""

from pathlib import Path

import polars as pl
import pytest

from keju.metrics.progress import assess_plan, progress_series, required_path
from keju.plan import load_plan

PLAN = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN)


def frame(rows, period=False):
    out = pl.DataFrame(rows, schema=["indicator", "org_unit", "year", "value"], orient="row")
    return out.with_columns(pl.col("year").cast(pl.Utf8).alias("period")) if period else out


def row(series, indicator, org):
    return series.filter((pl.col("indicator") == indicator) & (pl.col("org_unit") == org)).row(0, named=True)


def test_zone_series_take_the_plans_base_and_target(plan):
    series = progress_series(
        plan, frame([("gdp", "lanbai", 2014, 560.0), ("gdp", "lanbai", 2017, 900.0)]), year=2017
    )
    gdp = row(series, "gdp", "lanbai")
    # the plan states 552.4 for 2014: it wins over the computed 560
    assert (gdp["base_value"], gdp["base_source"]) == (552.4, "plan")
    assert (gdp["target"], gdp["target_year"], gdp["target_source"]) == (1377.0, 2020, "plan")
    assert (gdp["base_year"], gdp["current_year"], gdp["current_value"], gdp["direction"]) == (
        2014,
        2017,
        900.0,
        "up",
    )
    assert gdp["series"] == "gdp@lanbai"
    energy = row(series, "energy_per_gdp", "lanbai")
    assert energy["direction"] == "down" and energy["current_value"] is None


def test_district_decomposition_targets_are_the_districts_own(plan):
    series = progress_series(plan, frame([]), year=2017)
    assert row(series, "enterprises_total", "lzgxq")["target"] == 3000
    assert row(series, "high_tech_enterprises", "bygxq")["target"] == 50


def test_increment_target_becomes_a_level_over_the_base(plan):
    vals = frame([("rd_platforms", "lanbai", 2014, 120.0), ("rd_platforms", "lanbai", 2017, 400.0)])
    r = row(progress_series(plan, vals, year=2017), "rd_platforms", "lanbai")
    assert (r["base_source"], r["target"], r["target_year"]) == ("data", 620.0, 2020)  # 120 + 500
    without_base = row(
        progress_series(plan, frame([("rd_platforms", "lanbai", 2017, 400.0)]), year=2017),
        "rd_platforms",
        "lanbai",
    )
    assert without_base["target"] is None and without_base["target_year"] is None


def test_implied_district_target_follows_the_zone_growth(plan):
    vals = frame(
        [
            ("energy_per_gdp", "lzxq", 2014, 3.1),
            ("energy_per_gdp", "lzxq", 2017, 2.9),
            ("gdp", "lzxq", 2014, 100.0),
            ("gdp", "lzxq", 2017, 180.0),
        ]
    )
    series = progress_series(plan, vals, year=2017, org_units=["lzxq"])
    assert set(series.get_column("org_unit").to_list()) == {"lzxq"}
    energy = row(series, "energy_per_gdp", "lzxq")
    assert energy["target"] == pytest.approx(3.1 * 1.7 / 2.17)
    assert energy["target_source"] == "implied" and energy["direction"] == "down"
    gdp = row(series, "gdp", "lzxq")
    assert gdp["target"] == pytest.approx(100.0 * 1377 / 552.4)


def test_shares_get_a_limit_of_100_and_implied_targets_need_a_zone_base(plan):
    # 有研发机构的工业企业占比: zone target 25 (2020), no base in the plan
    ind = "industrial_enterprises_with_rd_share"
    alone = row(progress_series(plan, frame([(ind, "lzxq", 2014, 10.0)]), year=2017), ind, "lzxq")
    assert alone["limit"] == 100.0
    assert alone["target"] is None and alone["target_source"] is None  # no zone base: no implied target
    with_zone = row(
        progress_series(plan, frame([(ind, "lzxq", 2014, 10.0), (ind, "lanbai", 2014, 12.5)]), year=2017),
        ind,
        "lzxq",
    )
    assert (
        with_zone["target"] == pytest.approx(20.0) and with_zone["target_source"] == "implied"
    )  # 10 × 25 / 12.5
    assert row(progress_series(plan, frame([]), year=2017), "gdp", "lanbai")["limit"] is None


def test_quarterly_rows_are_ignored_when_periods_are_given(plan):
    vals = frame([("gdp", "lanbai", 2017, 900.0)], period=True)
    quarter = pl.DataFrame(
        {"indicator": ["gdp"], "org_unit": ["lanbai"], "year": [2017], "value": [200.0], "period": ["2017Q1"]}
    )
    series = progress_series(plan, pl.concat([vals, quarter]), year=2017)
    assert row(series, "gdp", "lanbai")["current_value"] == 900.0


def test_assess_plan_covers_every_target_and_status(plan):
    vals = frame(
        [
            ("gdp", "lanbai", 2017, 1400.0),  # achieved
            ("rd_intensity", "lanbai", 2017, 2.7),  # substantial
            ("energy_per_gdp", "lanbai", 2017, 2.0),  # moderate
            ("tech_contract_turnover", "lanbai", 2017, 28.0),  # limited
            ("invention_patents_per_10k", "lanbai", 2017, 6.0),  # negative
        ]
    )
    out = assess_plan(plan, vals, year=2017)
    status = {
        r["indicator"]: r["status"] for r in out.filter(pl.col("org_unit") == "lanbai").iter_rows(named=True)
    }
    assert status["gdp"] == "target_achieved"
    assert status["rd_intensity"] == "substantial_progress"
    assert status["energy_per_gdp"] == "moderate_progress"
    assert status["tech_contract_turnover"] == "limited_progress"
    assert status["invention_patents_per_10k"] == "negative_progress"
    assert status["fiscal_st_share"] == "insufficient_data"


def test_required_path_is_the_constant_growth_path():
    assert required_path(2.3, 2014, 2.9, 2020, 2014) == pytest.approx(2.3)
    assert required_path(2.3, 2014, 2.9, 2020, 2020) == pytest.approx(2.9)
    assert required_path(100, 2014, 400, 2020, 2017) == pytest.approx(200.0)  # halfway in time: ×2
    with pytest.raises(ValueError, match="符号相反"):
        required_path(-1, 2014, 2, 2020, 2017)
