"""Early warnings: from progress statuses, projections, stage increments and coverage."""

from pathlib import Path

import polars as pl
import pytest

from keju.metrics.progress import assess_plan, progress_series
from keju.metrics.projection import project_frame
from keju.metrics.warnings import (
    WARNINGS,
    coverage_warnings,
    early_warnings,
    fmt,
    progress_warnings,
    projection_warnings,
    stage_warnings,
)
from keju.plan import load_plan

PLAN = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN)


def values(rows):
    return pl.DataFrame(rows, schema=["indicator", "org_unit", "year", "value"], orient="row")


def test_every_code_has_a_level_and_a_title():
    assert {level for level, _ in WARNINGS.values()} == {"red", "orange", "yellow"}
    assert all(title for _, title in WARNINGS.values())


def test_fmt_writes_figures_without_noise():
    assert [fmt(1377.0), fmt(2.6), fmt(0.672915), fmt(12345.6), fmt(0.0)] == [
        "1,377",
        "2.6",
        "0.6729",
        "12,346",
        "0",
    ]


def test_progress_warnings_levels_and_text(plan):
    vals = values(
        [
            ("energy_per_gdp", "lanbai", 2014, 2.17),
            ("energy_per_gdp", "lanbai", 2017, 2.3),  # worse: negative → red
            ("rd_intensity", "lanbai", 2014, 2.3),
            ("rd_intensity", "lanbai", 2017, 2.4),  # P 0.36 → limited → orange
            ("gdp", "lanbai", 2014, 552.4),
            ("gdp", "lanbai", 2017, 800.0),  # P = 0.8 → moderate → yellow
            ("tech_contract_turnover", "lanbai", 2014, 24.0),
            ("tech_contract_turnover", "lanbai", 2017, 70.0),  # achieved: no warning
        ]
    )
    assessed = assess_plan(plan, vals, year=2017)
    out = progress_warnings(plan, assessed)
    by = {r["indicator"]: r for r in out.iter_rows(named=True)}
    assert set(by) == {"energy_per_gdp", "rd_intensity", "gdp"}
    assert (by["energy_per_gdp"]["code"], by["energy_per_gdp"]["level"]) == ("progress_negative", "red")
    assert (by["rd_intensity"]["code"], by["rd_intensity"]["level"]) == ("progress_limited", "orange")
    assert (by["gdp"]["code"], by["gdp"]["level"]) == ("progress_slow", "yellow")
    text = by["energy_per_gdp"]["message"]
    assert text.startswith("兰白试验区 万元GDP能耗:2017年为 2.3吨标准煤,基期(2014年)2.17吨标准煤")
    assert "目标 1.7吨标准煤(2020年,规划目标)" in text and "状态“倒退”" in text


def test_district_without_own_target_is_held_to_the_zone_growth(plan):
    vals = values(
        [
            ("rd_intensity", "lanbai", 2014, 2.3),
            ("rd_intensity", "lzgxq", 2014, 3.0),
            ("rd_intensity", "lzgxq", 2017, 3.0),
        ]
    )
    series = progress_series(plan, vals, year=2017)
    series = series.filter((pl.col("org_unit") == "lzgxq") & (pl.col("indicator") == "rd_intensity")).row(
        0, named=True
    )
    assert series["target"] == pytest.approx(3.0 * 2.9 / 2.3)
    assert (series["target_year"], series["target_source"], series["base_source"]) == (
        2020,
        "implied",
        "data",
    )
    out = progress_warnings(plan, assess_plan(plan, vals, year=2017))
    msg = out.filter((pl.col("org_unit") == "lzgxq") & (pl.col("indicator") == "rd_intensity")).row(
        0, named=True
    )["message"]
    assert "兰州高新区 全社会研发投入占GDP的比重" in msg and "按试验区目标增速推算" in msg


def test_projection_warning_when_the_whole_interval_misses(plan):
    years = [2014, 2015, 2016, 2017, 2018]
    rows = [("gdp", "lanbai", y, v) for y, v in zip(years, [552.4, 560.0, 571.0, 579.0, 590.0], strict=True)]
    rows += [("rd_intensity", "lanbai", y, v) for y, v in zip(years, [2.3, 2.35, 2.6, 2.5, 2.7], strict=True)]
    vals = values(rows)
    assessed = assess_plan(plan, vals, year=2018)
    projections = project_frame(vals, ["indicator", "org_unit"], 2020)
    out = projection_warnings(plan, projections, assessed)
    by = {r["indicator"]: r for r in out.iter_rows(named=True)}
    assert by["gdp"]["code"] == "projection_miss" and by["gdp"]["level"] == "red"
    assert "整个区间低于目标 1,377亿元" in by["gdp"]["message"]
    assert "预计2020年为 " in by["gdp"]["message"] and "90%预测区间" in by["gdp"]["message"]
    # rd_intensity projects short of 2.9 but its interval still reaches it
    rd = projections.filter(pl.col("indicator") == "rd_intensity").row(0, named=True)
    assert rd["value"] < 2.9 < rd["upper"]
    assert by["rd_intensity"]["code"] == "projection_risk" and by["rd_intensity"]["level"] == "yellow"


def test_projection_for_a_decreasing_indicator(plan):
    rows = [
        ("energy_per_gdp", "lanbai", y, v)
        for y, v in zip(range(2014, 2019), [2.17, 2.2, 2.21, 2.25, 2.26], strict=True)
    ]
    vals = values(rows)
    out = projection_warnings(
        plan, project_frame(vals, ["indicator", "org_unit"], 2020), assess_plan(plan, vals, year=2018)
    )
    row = out.row(0, named=True)
    assert row["code"] == "projection_miss" and "整个区间高于目标 1.7吨标准煤" in row["message"]


def test_stage_increment_behind_and_missed(plan):
    # 资源聚集阶段 2016—2017: GDP +200 亿元 (level indicator: change since end of 2015)
    base = [("gdp", "lanbai", 2015, 650.0)]
    in_progress = stage_warnings(plan, values([*base, ("gdp", "lanbai", 2016, 700.0)]), year=2016)
    row = in_progress.filter(pl.col("indicator") == "gdp").row(0, named=True)
    # expected so far 200 × 1/2 = 100, achieved 50 → 50% < 60% → orange
    assert (row["code"], row["level"]) == ("stage_behind", "orange")
    assert "资源聚集阶段(2016—2017年)要求新增 200亿元" in row["message"]
    assert "截至2016年应完成 100亿元" in row["message"] and "为进度要求的 50.0%" in row["message"]

    lagging = stage_warnings(plan, values([*base, ("gdp", "lanbai", 2016, 730.0)]), year=2016)
    assert lagging.row(0, named=True)["code"] == "stage_lagging"  # 80%

    missed = stage_warnings(
        plan, values([*base, ("gdp", "lanbai", 2016, 700.0), ("gdp", "lanbai", 2017, 800.0)]), year=2017
    )
    row = missed.row(0, named=True)
    assert (row["code"], row["level"]) == ("stage_missed", "red")
    assert "2015年末至2017年末新增 150亿元,完成 75.0%" in row["message"]

    met = stage_warnings(plan, values([*base, ("gdp", "lanbai", 2017, 860.0)]), year=2017)
    assert met.height == 0


def test_stage_increment_of_a_cumulative_flow_sums_the_years(plan):
    # 新增就业 is cumulative over the plan (8万人); 突破发展阶段 2018—2020 asks 4万人
    vals = values([("new_jobs", "lanbai", 2018, 1.0), ("new_jobs", "lanbai", 2019, 0.9)])
    row = stage_warnings(plan, vals, year=2019).row(0, named=True)
    # expected 4 × 2/3 = 2.667, achieved 1.9 → 71.25% → yellow
    assert row["code"] == "stage_lagging"
    assert "2018—2019年累计 1.9万人" in row["message"] and "为进度要求的 71.2%" in row["message"]


def test_missing_years_give_no_stage_verdict(plan):
    assert stage_warnings(plan, values([("gdp", "lanbai", 2016, 700.0)]), year=2016).height == 0


def test_coverage_warning_for_provisional_values(plan):
    vals = pl.DataFrame(
        {
            "indicator": ["rd_intensity", "gdp"],
            "org_unit": ["lzxq", "lzxq"],
            "period": ["2017", "2017"],
            "year": [2017, 2017],
            "value": [1.8, 120.0],
            "reported": [70, 4],
            "expected": [100, 4],
            "coverage": [0.7, 1.0],
            "provisional": [True, False],
        }
    )
    out = coverage_warnings(plan, vals, year=2017)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["code"], row["level"], row["org_unit"]) == ("provisional", "yellow", "lzxq")
    assert (
        "兰州新区 全社会研发投入占GDP的比重:2017年数值 1.8% 为暂定值,报送率 70.0%(应报 100 家,已报 70 家)"
        in row["message"]
    )


def test_early_warnings_combines_and_sorts_by_severity(plan):
    rows = [
        ("gdp", "lanbai", y, v) for y, v in zip(range(2014, 2018), [552.4, 600.0, 620.0, 640.0], strict=True)
    ]
    rows += [("rd_intensity", "lanbai", 2014, 2.3), ("rd_intensity", "lanbai", 2017, 2.7)]
    vals = values(rows).with_columns(
        pl.col("year").cast(pl.Utf8).alias("period"),
        pl.lit(0.5).alias("coverage"),
        (pl.col("indicator") == "rd_intensity").alias("provisional"),
    )
    assessed = assess_plan(plan, vals, year=2017)
    out = early_warnings(
        plan,
        year=2017,
        assessed=assessed,
        projections=project_frame(vals.drop("period"), ["indicator", "org_unit"], 2020),
        values=vals,
    )
    levels = out.get_column("level").to_list()
    assert levels == sorted(levels, key=["red", "orange", "yellow"].index)
    codes = set(out.get_column("code").to_list())
    assert {"projection_miss", "stage_missed", "provisional"} <= codes
    assert out.columns == ["code", "level", "title", "indicator", "org_unit", "year", "message"]
    assert early_warnings(plan, year=2017).height == 0
