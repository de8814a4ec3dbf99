"""The indicator engine on small hand-computed zones: every headline indicator, org history,
year-to-date quarters, coverage, lineage, incremental updates and every bad input of issue 4."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from keju.metrics.engine import Engine, EngineInput, OrgTree, compute, count_objects, lineage
from keju.metrics.formula import FormulaError
from keju.metrics.inputs import EXPECTED_SCHEMA, input_from_frames
from keju.plan import check_plan, load_forms, load_plan
from keju.plan.schema import Deflator, EngineSettings, Formula, Indicator, Plan

PLAN_PATH = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"
PLAN = load_plan(PLAN_PATH)
FORMS = load_forms(PLAN, PLAN_PATH)
FLAGS = ("industrial", "above_scale", "high_tech_enterprise", "high_tech_industry", "strategic_emerging")


def kj101(rows: list[dict]) -> pl.DataFrame:
    """KJ101 rows: every field 0 unless given; flags False unless given."""
    form = FORMS["KJ101"]
    out = []
    for r in rows:
        row = {
            "enterprise": r["enterprise"],
            "district": r["district"],
            "park": r.get("park"),
            "year": r["year"],
        }
        row["period"] = str(r["year"])
        row.update({f: r.get(f, False) for f in FLAGS})
        for fld in form.fields:
            default = False if fld.type == "boolean" else 0
            row[fld.code] = r.get(fld.code, default)
        out.append(row)
    schema = {
        "enterprise": pl.Int64,
        "district": pl.String,
        "park": pl.String,
        "year": pl.Int64,
        "period": pl.String,
    }
    schema.update({f: pl.Boolean for f in FLAGS})
    types = {"decimal": pl.Float64, "integer": pl.Int64, "boolean": pl.Boolean}
    schema.update({f.code: types[f.type] for f in form.fields})
    return pl.DataFrame(out, schema=schema, orient="row")


def kj201(rows: list[dict]) -> pl.DataFrame:
    form = FORMS["KJ201"]
    out = [
        {"district": r["district"], "year": r["year"], "period": str(r["year"])}
        | {f.code: r.get(f.code, 0) for f in form.fields}
        for r in rows
    ]
    schema = {"district": pl.String, "year": pl.Int64, "period": pl.String}
    schema.update({f.code: (pl.Int64 if f.type == "integer" else pl.Float64) for f in form.fields})
    return pl.DataFrame(out, schema=schema, orient="row")


def kj102(rows: list[dict]) -> pl.DataFrame:
    form = FORMS["KJ102"]
    out = []
    for r in rows:
        row = {
            "enterprise": r["enterprise"],
            "district": r["district"],
            "park": r.get("park"),
            "year": r["year"],
            "quarter": r["quarter"],
            "period": f"{r['year']}Q{r['quarter']}",
        }
        row.update({f: r.get(f, False) for f in FLAGS})
        row.update({f.code: r.get(f.code, 0) for f in form.fields})
        out.append(row)
    schema = {
        "enterprise": pl.Int64,
        "district": pl.String,
        "park": pl.String,
        "year": pl.Int64,
        "quarter": pl.Int64,
        "period": pl.String,
    }
    schema.update({f: pl.Boolean for f in FLAGS})
    schema.update({f.code: (pl.Int64 if f.type == "integer" else pl.Float64) for f in form.fields})
    return pl.DataFrame(out, schema=schema, orient="row")


# Two districts of two cities, 2016: enterprise 1 in a park of lzxq, 2 outside the parks of lzxq, 3 in bygxq.
E1 = dict(
    enterprise=1,
    district="lzxq",
    park="lzxq-core",
    year=2016,
    industrial=True,
    high_tech_industry=True,
    strategic_emerging=True,
    employees=100,
    value_added=500.0,
    rd_expenditure=40.0,
    rd_personnel_fte=12.0,
    invention_patents_valid=6,
)
E2 = dict(
    enterprise=2,
    district="lzxq",
    year=2016,
    industrial=True,
    employees=300,
    value_added=900.0,
    rd_expenditure=10.0,
    rd_personnel_fte=3.0,
    invention_patents_valid=1,
)
E3 = dict(
    enterprise=3,
    district="bygxq",
    park="bygxq-main",
    year=2016,
    industrial=True,
    high_tech_industry=True,
    employees=50,
    value_added=100.0,
    rd_expenditure=5.0,
    rd_personnel_fte=5.0,
    invention_patents_valid=3,
)
D1 = dict(
    district="lzxq",
    year=2016,
    gdp=10000.0,
    gdp_constant=9000.0,
    fiscal_expenditure=2000.0,
    fiscal_st_expenditure=40.0,
    resident_population=10.0,
    tech_contract_turnover=3000.0,
    rd_expenditure_other=50.0,
    energy_consumption=18000.0,
)
D2 = dict(
    district="bygxq",
    year=2016,
    gdp=5000.0,
    gdp_constant=4000.0,
    fiscal_expenditure=1000.0,
    fiscal_st_expenditure=35.0,
    resident_population=5.0,
    tech_contract_turnover=1000.0,
    rd_expenditure_other=15.0,
    energy_consumption=10000.0,
)


def small_input(expected: pl.DataFrame | None = None, plan: Plan = PLAN) -> EngineInput:
    frames = {"KJ101": kj101([E1, E2, E3]), "KJ201": kj201([D1, D2])}
    return input_from_frames(plan, FORMS, frames, expected=expected)


def value(result, indicator: str, unit: str, period: str):
    row = result.values.filter(
        (pl.col("indicator") == indicator) & (pl.col("org_unit") == unit) & (pl.col("period") == period)
    )
    assert row.height == 1, (indicator, unit, period, row)
    return row.row(0, named=True)


# Zone = lzxq + bygxq here; every figure below is computed by hand from E1–E3 and D1–D2.
HEADLINE = {
    "gdp": 1.5,  # (10000 + 5000) 万元 = 1.5 亿元
    "rd_intensity": (40 + 10 + 5 + 50 + 15) / 15000 * 100,  # 0.8 %
    "fiscal_st_share": (40 + 35) / 3000 * 100,  # 2.5 %
    "high_tech_va_share": (500 + 100) / (500 + 900 + 100) * 100,  # 40 %
    "strategic_emerging_va_share": 500 / 15000 * 100,
    "high_tech_labour_productivity": (500 + 100) / (100 + 50),  # 4 万元/人
    "rd_personnel_per_10k": (12 + 3 + 5) / 15,  # 人年 per 万人
    "invention_patents_per_10k": (6 + 1 + 3) / 15,
    "tech_contract_turnover": 0.4,  # 4000 万元
    "energy_per_gdp": 28000 / 13000,  # at 2014 prices
}


@pytest.mark.parametrize(("code", "expected"), sorted(HEADLINE.items()))
def test_headline_indicators_by_hand(code, expected):
    result = compute(small_input(), indicators=[code])
    assert result.errors == []
    row = value(result, code, "lanbai", "2016")
    assert row["value"] == pytest.approx(expected, rel=1e-12)
    assert row["flag"] is None and row["coverage"] == 1.0 and row["provisional"] is False


def test_district_city_and_park_values_are_ratios_of_their_own_sums():
    result = compute(small_input(), indicators=["high_tech_va_share", "rd_intensity"])
    assert value(result, "high_tech_va_share", "lzxq", "2016")["value"] == pytest.approx(500 / 1400 * 100)
    assert value(result, "high_tech_va_share", "lzxq-core", "2016")["value"] == pytest.approx(100.0)
    assert value(result, "high_tech_va_share", "lanzhou", "2016")["value"] == pytest.approx(500 / 1400 * 100)
    assert value(result, "rd_intensity", "baiyin", "2016")["value"] == pytest.approx(20 / 5000 * 100)
    # An indicator over a district form has no park values.
    parks = result.values.filter((pl.col("indicator") == "rd_intensity") & (pl.col("level") == "park"))
    assert parks.is_empty()
    about = result.indicators.filter(pl.col("indicator") == "rd_intensity").row(0, named=True)
    assert about["convention"].startswith("全社会R&D经费") and about["unit"] == "%"
    assert about["forms"] == "KJ101、KJ201" and about["lowest_level"] == "district"


def test_moved_enterprise_counts_where_it_was_in_each_period():
    rows = [dict(E1, year=2015), dict(E1, district="bygxq", park=None, year=2016, value_added=700.0)]
    data = input_from_frames(PLAN, FORMS, {"KJ101": kj101(rows)})
    result = compute(data, indicators=["industrial_value_added"])
    assert value(result, "industrial_value_added", "lzxq", "2015")["numerator"] == 500
    assert value(result, "industrial_value_added", "bygxq", "2015")["numerator"] == 0  # nobody expected there
    assert value(result, "industrial_value_added", "bygxq", "2016")["numerator"] == 700
    assert value(result, "industrial_value_added", "lanbai", "2015-2016")["numerator"] == 1200


def test_year_to_date_quarters_own_flows_and_moves():
    # Enterprise 7 reports YTD value added 10, 25, 45, 70 and moves from lzxq to bygxq in Q3;
    # enterprise 8 (lzxq) reports 5, 12, 20, 30 and enterprise 9 misses Q2.
    rows = [
        *[
            dict(enterprise=7, district="lzxq", year=2017, quarter=q, value_added=v, employees=e)
            for q, v, e in ((1, 10.0, 40), (2, 25.0, 42))
        ],
        *[
            dict(enterprise=7, district="bygxq", year=2017, quarter=q, value_added=v, employees=e)
            for q, v, e in ((3, 45.0, 44), (4, 70.0, 46))
        ],
        *[
            dict(enterprise=8, district="lzxq", year=2017, quarter=q, value_added=v, employees=10)
            for q, v in ((1, 5.0), (2, 12.0), (3, 20.0), (4, 30.0))
        ],
        *[
            dict(enterprise=9, district="lzxq", year=2017, quarter=q, value_added=v, employees=5)
            for q, v in ((1, 1.0), (3, 3.0), (4, 4.0))
        ],
    ]
    data = input_from_frames(PLAN, FORMS, {"KJ102": kj102(rows)})
    result = compute(data, indicators=["above_scale_industrial_value_added"])
    code = "above_scale_industrial_value_added"

    def num(unit, period):
        return value(result, code, unit, period)["numerator"]

    # The year is the fourth quarter's YTD figure, counted where each respondent was then.
    assert num("bygxq", "2017") == 70 and num("lzxq", "2017") == 34 and num("lanbai", "2017") == 104
    # Own quarters: differences of the same respondent, counted where it was in that quarter.
    assert num("lzxq", "2017Q2") == (25 - 10) + (12 - 5)  # enterprise 9's Q2 is missing
    assert value(result, code, "lzxq", "2017Q2")["value"] is not None
    assert num("bygxq", "2017Q3") == 45 - 25  # moved in: its Q3 flow counts in bygxq
    assert num("lzxq", "2017Q3") == (20 - 12)  # 9's Q3 has no Q2 to subtract: not counted, flagged
    q3 = value(result, code, "lzxq", "2017Q3")
    assert q3["flag"] == "missing_input" and "1 份报表" in q3["note"]
    assert num("lanbai", "2017Q4") == (70 - 45) + (30 - 20) + (4 - 3)
    assert num("lanbai", "2017Q1-Q3") == 45 + 20 + 3
    # The quarters' own flows of a respondent that never misses a report add up to its year.
    assert sum(num("lanbai", f"2017Q{q}") for q in range(1, 5)) == 104 - (3 - 1)  # 9's Q2–Q3 flow unknown


def test_stock_fields_take_the_period_end():
    rows = [dict(enterprise=7, district="lzxq", year=2017, quarter=q, employees=40 + q) for q in range(1, 5)]
    data = input_from_frames(PLAN, FORMS, {"KJ102": kj102(rows)})
    frames = data.frames
    plan = PLAN.model_copy(
        update={
            "indicators": [
                Indicator(
                    code="q_employees",
                    name="期末从业人员",
                    unit="人",
                    source="test",
                    formula=Formula(numerator="sum(KJ102.employees)"),
                )
            ],
            "targets": [],
            "baselines": [],
        }
    )
    result = compute(EngineInput(plan, FORMS, frames, data.expected, data.tree))
    assert value(result, "q_employees", "lanbai", "2017")["value"] == 44
    assert value(result, "q_employees", "lanbai", "2017Q2")["value"] == 42
    assert value(result, "q_employees", "lanbai", "2017Q1-Q3")["value"] == 43
    assert result.values.filter(
        pl.col("period_kind") == "cumulative"
    ).is_empty()  # stocks never sum over years


def test_coverage_and_provisional_values():
    expected = pl.DataFrame(
        [
            ("KJ101", "2016", str(e), d, p)
            for e, d, p in (
                (1, "lzxq", "lzxq-core"),
                (2, "lzxq", None),
                (3, "bygxq", "bygxq-main"),
                (4, "bygxq", None),
                (5, "bygxq", None),
            )
        ]
        + [("KJ201", "2016", d, d, None) for d in ("lzxq", "bygxq")],
        schema=EXPECTED_SCHEMA,
        orient="row",
    )
    result = compute(small_input(expected), indicators=["high_tech_va_share", "rd_intensity"])
    bygxq = value(result, "high_tech_va_share", "bygxq", "2016")
    assert (bygxq["reported"], bygxq["expected"]) == (1, 3)
    assert bygxq["coverage"] == pytest.approx(1 / 3) and bygxq["provisional"] is True
    assert "初步数" in bygxq["note"] and bygxq["value"] == pytest.approx(100.0)
    zone = value(result, "rd_intensity", "lanbai", "2016")  # the lowest coverage of its two forms
    assert zone["coverage"] == pytest.approx(3 / 5) and zone["provisional"] is True
    lzxq = value(result, "rd_intensity", "lzxq", "2016")
    assert lzxq["coverage"] == 1.0 and lzxq["provisional"] is False


@pytest.mark.parametrize(
    ("indicator", "unit", "period"),
    [("rd_intensity", "lanbai", "2016"), ("high_tech_va_share", "lzxq", "2016"), ("gdp", "baiyin", "2016")],
)
def test_lineage_sums_back_to_the_value(indicator, unit, period):
    data = small_input()
    row = value(compute(data, indicators=[indicator]), indicator, unit, period)
    lin = lineage(data, indicator, unit, period)
    assert lin["numerator"].sum() == pytest.approx(row["numerator"], rel=1e-12)
    if row["denominator"] is not None:
        assert lin["denominator"].sum() == pytest.approx(row["denominator"], rel=1e-12)
    assert lin["report_id"].null_count() == 0 and lin["version"].to_list() == [1] * lin.height


def test_lineage_of_an_own_quarter_lists_both_reports():
    rows = [
        dict(enterprise=7, district="lzxq", year=2017, quarter=q, value_added=v)
        for q, v in ((1, 10.0), (2, 25.0))
    ]
    data = input_from_frames(PLAN, FORMS, {"KJ102": kj102(rows)})
    lin = lineage(data, "above_scale_industrial_value_added", "lzxq", "2017Q2")
    assert sorted(lin["numerator"].to_list()) == [-10.0, 25.0]
    with pytest.raises(FormulaError, match="没有期间"):
        lineage(data, "above_scale_industrial_value_added", "lzxq", "2031")


def test_incremental_update_equals_full_recompute():
    eng = Engine(small_input())
    eng.result()
    revised = kj101([dict(E3, value_added=300.0)]).with_columns(
        pl.lit(3, dtype=pl.Int64).alias("report_id"), pl.lit(2, dtype=pl.Int64).alias("version")
    )
    changed = eng.update("KJ101", revised)
    bygxq_parks = {u.code for u in PLAN.org_units if u.parent == "bygxq"}
    assert set(changed.values["org_unit"].unique()) == {"bygxq", "baiyin", "lanbai"} | bygxq_parks
    full = compute(eng.data)
    joined = changed.values.join(full.values, on=["indicator", "org_unit", "period"], suffix="_full")
    assert joined.height == changed.values.height
    diff = joined.filter(pl.col("value").fill_null(-1) != pl.col("value_full").fill_null(-1))
    assert diff.is_empty()
    assert value(full, "high_tech_va_share", "lanbai", "2016")["value"] == pytest.approx(800 / 1700 * 100)
    assert eng.data.frames["KJ101"].height == 3  # the new version replaced the old one


# --- bad input ----------------------------------------------------------------------------


def with_indicators(*indicators: Indicator, engine: EngineSettings | None = None) -> Plan:
    update: dict = {"indicators": [*PLAN.indicators, *indicators]}
    if engine is not None:
        update["engine"] = engine
    return PLAN.model_copy(update=update)


def test_missing_values_are_flagged_not_silently_summed():
    frames = {
        "KJ101": kj101([E1, E2, E3]).with_columns(
            pl.when(pl.col("enterprise") == 2)
            .then(None)
            .otherwise(pl.col("value_added"))
            .alias("value_added")
        ),
        "KJ201": kj201([D1, D2]),
    }
    result = compute(input_from_frames(PLAN, FORMS, frames), indicators=["high_tech_va_share"])
    row = value(result, "high_tech_va_share", "lzxq", "2016")
    assert row["flag"] == "missing_input" and row["value"] == pytest.approx(100.0)
    assert value(result, "high_tech_va_share", "bygxq", "2016")["flag"] is None


def test_zero_denominator_gives_a_null_value_with_a_flag():
    frames = {"KJ101": kj101([E1, E2, E3]), "KJ201": kj201([dict(D1, gdp=0.0), D2])}
    result = compute(input_from_frames(PLAN, FORMS, frames), indicators=["rd_intensity"])
    row = value(result, "rd_intensity", "lzxq", "2016")
    assert row["value"] is None and row["flag"] == "zero_denominator" and "分母为零" in row["note"]
    assert value(result, "rd_intensity", "lanbai", "2016")["value"] == pytest.approx(120 / 5000 * 100)
    assert result.values["value"].is_nan().sum() == 0


def test_unknown_field_cycle_and_unit_mismatch_fail_only_their_indicator():
    plan = with_indicators(
        Indicator(
            code="bad_field",
            name="坏字段",
            unit="亿元",
            source="t",
            formula=Formula(numerator="sum(KJ101.no_such_field)", factor=0.0001),
        ),
        Indicator(
            code="loop_a", name="甲", unit="万元", source="t", formula=Formula(numerator="ind(loop_b)")
        ),
        Indicator(
            code="loop_b",
            name="乙",
            unit="万元",
            source="t",
            formula=Formula(numerator="ind(loop_a) + sum(KJ201.gdp)"),
        ),
        Indicator(
            code="mixed",
            name="混合",
            unit="万元",
            source="t",
            formula=Formula(numerator="sum(KJ201.gdp) + sum(KJ201.resident_population)"),
        ),
        Indicator(
            code="wrong_factor",
            name="错系数",
            unit="亿元",
            source="t",
            formula=Formula(numerator="sum(KJ201.gdp)"),
        ),
        Indicator(
            code="bad_flag",
            name="坏标志",
            unit="万元",
            source="t",
            formula=Formula(numerator="sum(KJ101.value_added[high_tec])"),
        ),
        Indicator(
            code="ratio_ref",
            name="引用比值",
            unit="%",
            source="t",
            formula=Formula(numerator="ind(rd_intensity)"),
        ),
    )
    result = compute(small_input(plan=plan))
    errors = "\n".join(result.errors)
    assert "报表 KJ101 没有字段 no_such_field" in errors
    assert "循环引用:loop_a → loop_b → loop_a" in errors
    assert "单位不一致" in errors and "resident_population" in errors
    assert "错系数(wrong_factor):单位不一致" in errors
    assert "[high_tec]" in errors and "是比值" in errors
    assert len(result.errors) == 7
    assert value(result, "gdp", "lanbai", "2016")["value"] == pytest.approx(1.5)  # the rest still computed
    problems = "\n".join(str(p) for p in check_plan(plan, FORMS))
    assert "循环引用" in problems and "no_such_field" in problems and "单位不一致" in problems


def test_a_frame_without_a_needed_column_fails_its_indicator_only():
    frames = {"KJ101": kj101([E1]).drop("high_tech_industry"), "KJ201": kj201([D1])}
    result = compute(input_from_frames(PLAN, FORMS, frames), indicators=["high_tech_va_share", "gdp"])
    assert any("high_tech_industry" in e for e in result.errors)
    assert value(result, "gdp", "lzxq", "2016")["value"] == pytest.approx(1.0)


def test_unknown_district_rows_are_reported_not_counted():
    frames = {"KJ201": kj201([D1, dict(D2, district="nowhere")])}
    result = compute(input_from_frames(PLAN, FORMS, frames), indicators=["gdp"])
    assert value(result, "gdp", "lanbai", "2016")["value"] == pytest.approx(1.0)
    assert any("nowhere" in e for e in result.errors)


def test_deflator_gives_comparable_prices_and_flags_a_missing_year():
    deflator = Deflator(
        code="gdp_index", name="GDP平减指数", base_year=2014, source="t", index={2014: 100.0, 2016: 125.0}
    )
    plan = with_indicators(
        Indicator(
            code="energy_real",
            name="万元GDP能耗(可比价)",
            unit="吨标准煤",
            source="t",
            formula=Formula(
                numerator="sum(KJ201.energy_consumption)",
                denominator="sum(KJ201.gdp)",
                unit="吨标准煤/万元",
                deflator="gdp_index",
            ),
        ),
        engine=EngineSettings(deflators=[deflator]),
    )
    frames = {"KJ201": kj201([D1, D2, dict(D1, year=2015)])}
    result = compute(input_from_frames(plan, FORMS, frames), indicators=["energy_real"])
    assert value(result, "energy_real", "lanbai", "2016")["value"] == pytest.approx(28000 / (15000 / 1.25))
    missing = value(result, "energy_real", "lzxq", "2015")
    assert missing["value"] is None and missing["flag"] == "missing_deflator"


def test_duplicate_reports_count_once_with_the_latest_version():
    frame = kj201([D1, dict(D1, gdp=12000.0)]).with_columns(pl.Series("version", [1, 2]))
    result = compute(input_from_frames(PLAN, FORMS, {"KJ201": frame}), indicators=["gdp"])
    assert value(result, "gdp", "lzxq", "2016")["numerator"] == 12000
    assert any("重复" in e for e in result.errors)


def test_count_objects_by_type_chain_and_district_rolled_up():
    objects = pl.DataFrame(
        {
            "type": ["incubator", "incubator", "platform", "platform"],
            "chain": ["c1", None, "c1", "c1"],
            "district": ["lzxq", "lzgxq", "bygxq", "lzxq"],
        }
    )
    flat = count_objects(objects, ["type", "district"])
    assert flat.filter(pl.col("type") == "platform")["count"].to_list() == [1, 1]
    rolled = count_objects(objects, ["type", "district"], tree=OrgTree.from_plan(PLAN))
    zone = rolled.filter(pl.col("org_unit") == "lanbai").sort("type")
    assert zone["count"].to_list() == [2, 2]
    lanzhou = rolled.filter((pl.col("org_unit") == "lanzhou") & (pl.col("type") == "incubator"))
    assert lanzhou["count"].to_list() == [2]
    with pytest.raises(ValueError, match="没有列 kind"):
        count_objects(objects, ["kind"])


def test_nan_or_infinity_in_the_data_counts_as_missing():
    frame = kj101([E1, E2, E3]).with_columns(
        pl.when(pl.col("enterprise") == 2)
        .then(float("nan"))
        .otherwise(pl.col("value_added"))
        .alias("value_added")
    )
    result = compute(input_from_frames(PLAN, FORMS, {"KJ101": frame}), indicators=["industrial_value_added"])
    row = value(result, "industrial_value_added", "lzxq", "2016")
    assert row["numerator"] == 500 and row["flag"] == "missing_input"
    assert result.values["value"].is_nan().sum() == 0


def test_no_data_at_all_and_unknown_indicator_codes():
    empty = input_from_frames(PLAN, FORMS, {})
    result = compute(empty, indicators=["gdp", "no_such_indicator"])
    assert result.values.is_empty()
    assert result.errors == ["no_such_indicator:指标不存在"]


def test_expected_reports_that_never_came_give_no_data():
    expected = pl.DataFrame(
        [("KJ201", "2017", "lzxq", "lzxq", None), ("KJ201", "2016", "lzxq", "lzxq", None)],
        schema=EXPECTED_SCHEMA,
        orient="row",
    )
    data = input_from_frames(PLAN, FORMS, {"KJ201": kj201([D1])}, expected=expected)
    result = compute(data, indicators=["gdp"])
    row = value(result, "gdp", "lzxq", "2017")
    assert row["value"] is None and row["flag"] == "no_data" and "KJ201" in row["note"]
    assert row["coverage"] == 0 and row["provisional"] is True
    assert value(result, "gdp", "lzxq", "2016")["value"] == pytest.approx(1.0)


def test_count_objects_at_a_year_end():
    from datetime import date

    objects = pl.DataFrame(
        {
            "type": ["incubator"] * 3,
            "district": ["lzxq"] * 3,
            "valid_from": [date(2015, 3, 1), date(2017, 1, 1), date(2014, 1, 1)],
            "valid_to": [None, None, date(2016, 6, 30)],
        }
    )
    assert count_objects(objects, ["type"], year=2016)["count"].to_list() == [1]
    assert count_objects(objects, ["type"], year=2015)["count"].to_list() == [2]


def test_a_park_outside_the_rows_district_counts_in_the_district_and_is_reported():
    frames = {"KJ101": kj101([dict(E2, park="bygxq-main")])}
    result = compute(input_from_frames(PLAN, FORMS, frames), indicators=["industrial_value_added"])
    assert value(result, "industrial_value_added", "lzxq", "2016")["numerator"] == 900
    assert value(result, "industrial_value_added", "bygxq-main", "2016")["numerator"] == 0
    assert any("园区不属于其分区" in e for e in result.errors)


def test_updates_in_a_row_before_any_result_equal_a_full_recompute():
    eng = Engine(small_input())
    first = kj101([dict(E3, value_added=300.0, district="lzxq", park=None)]).with_columns(
        pl.lit(3, dtype=pl.Int64).alias("report_id"), pl.lit(2, dtype=pl.Int64).alias("version")
    )
    eng.update("KJ101", first)
    second = kj101([dict(E1, value_added=50.0, rd_expenditure=7.0)]).with_columns(
        pl.lit(1, dtype=pl.Int64).alias("report_id"), pl.lit(2, dtype=pl.Int64).alias("version")
    )
    eng.update("KJ101", second)
    # The approval re-summed only its district and year: the whole frame's row keys wait until
    # something asks for rows again.
    assert eng.cubes["KJ101"]._stale
    after = eng.result().values.sort("indicator", "org_unit", "period")
    recomputed = compute(eng.data)
    full = recomputed.values.sort("indicator", "org_unit", "period")
    assert after.select("indicator", "org_unit", "period").equals(
        full.select("indicator", "org_unit", "period")
    )
    for col in ("numerator", "denominator", "value", "reported", "coverage"):
        a, b = after[col].fill_null(-1.0).to_list(), full[col].fill_null(-1.0).to_list()
        assert a == pytest.approx(b), col
    assert value(recomputed, "high_tech_va_share", "lanbai", "2016")["value"] == pytest.approx(
        (50 + 300) / (50 + 900 + 300) * 100
    )
    # E3's corrected district: bygxq was expected to report and no longer has any report.
    assert value(recomputed, "rd_intensity", "bygxq", "2016")["flag"] == "no_data"


def test_an_update_of_quarterly_reports_equals_a_full_recompute():
    rows = [
        dict(enterprise=e, district=d, park=p, year=2018, quarter=q, value_added=100.0 * q + e)
        for e, d, p in ((1, "lzxq", "lzxq-core"), (2, "bygxq", None), (3, "lzgxq", "lzgxq-yantan"))
        for q in range(1, 5)
    ]
    data = input_from_frames(PLAN, FORMS, {"KJ102": kj102(rows)})
    eng = Engine(data, indicators=["above_scale_industrial_value_added"])
    eng.result()
    # Enterprise 2 moves to lzxq in Q3 (a corrected report), so both districts change.
    revised = kj102([dict(rows[6], district="lzxq", park=None, value_added=999.0)])
    changed = eng.update(
        "KJ102",
        revised.with_columns(
            pl.lit(7, dtype=pl.Int64).alias("report_id"), pl.lit(2, dtype=pl.Int64).alias("version")
        ),
    )
    assert {"lzxq", "bygxq"} <= set(changed.values["org_unit"].to_list())
    full = compute(eng.data, indicators=["above_scale_industrial_value_added"])
    joined = changed.values.join(full.values, on=["indicator", "org_unit", "period"], suffix="_full")
    assert joined.height == changed.values.height
    assert joined["numerator"].to_list() == pytest.approx(joined["numerator_full"].to_list())
    q3 = value(full, "above_scale_industrial_value_added", "lzxq", "2018Q3")["numerator"]
    assert q3 == pytest.approx((301 - 201) + (999 - 202))  # enterprise 2's own Q3 flow counts where it moved


def test_a_bulk_update_of_many_reports_equals_a_full_recompute():
    places = [("lzxq", "lzxq-core"), ("lzxq", None), ("bygxq", "bygxq-main"), ("lzgxq", None)]
    rows = [
        dict(
            enterprise=i,
            district=places[i % 4][0],
            park=places[i % 4][1],
            year=2016,
            industrial=True,
            high_tech_industry=i % 3 == 0,
            value_added=10.0 + i,
            employees=5 + i,
        )
        for i in range(100)
    ]
    data = input_from_frames(PLAN, FORMS, {"KJ101": kj101(rows)})
    eng = Engine(data, indicators=["high_tech_va_share", "high_tech_labour_productivity"])
    eng.result()
    # 80 revised reports (more than a handful: the bulk path), half of them in another district.
    revised = kj101(
        [
            dict(r, value_added=r["value_added"] * 2, district="lzgxq", park=None) if i % 2 else r
            for i, r in enumerate(rows[:80])
        ]
    ).with_columns((pl.col("enterprise") + 1).alias("report_id"), pl.lit(2, dtype=pl.Int64).alias("version"))
    changed = eng.update("KJ101", revised)
    assert eng.data.frames["KJ101"].height == 100
    full = compute(eng.data, indicators=["high_tech_va_share", "high_tech_labour_productivity"])
    joined = full.values.join(changed.values, on=["indicator", "org_unit", "period"], suffix="_inc")
    assert joined.height == changed.values.height
    assert {"lzxq", "bygxq", "lzgxq", "lzxq-core", "lanzhou", "baiyin", "lanbai"} <= set(joined["org_unit"])
    assert joined["numerator_inc"].to_list() == pytest.approx(joined["numerator"].to_list())
    assert joined["denominator_inc"].to_list() == pytest.approx(joined["denominator"].to_list())
