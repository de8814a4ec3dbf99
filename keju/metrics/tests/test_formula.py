"""The formula parser accepts only sums of form fields; evaluation divides sums, not averages."""

import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from keju.metrics.formula import Filter, FormulaError, Term, evaluate, evaluate_many, evaluate_rollup, parse
from keju.plan import load_plan
from keju.plan.schema import Formula

PLAN = Path(__file__).resolve().parents[2] / "plans" / "lanbai-2015-2020.yaml"


def test_parse_terms_signs_and_flags():
    expr = parse(
        " sum(KJ101.rd_expenditure) + sum(KJ201.rd_expenditure_other) - sum(KJ101.value_added[industrial])"
    )
    assert expr.terms == (
        Term(1, "KJ101", "rd_expenditure"),
        Term(1, "KJ201", "rd_expenditure_other"),
        Term(-1, "KJ101", "value_added", (Filter("industrial"),)),
    )
    assert expr.forms == {"KJ101", "KJ201"}
    assert str(parse(str(expr))) == str(expr)


def test_parse_counts_references_and_compound_filters():
    expr = parse("count(KJ101[high_tech_enterprise, !above_scale]) + ind(gdp) - sum(KJ101.revenue[chain=c1])")
    assert expr.terms == (
        Term(1, "KJ101", None, (Filter("high_tech_enterprise"), Filter("above_scale", negate=True)), "count"),
        Term(1, "", "gdp", (), "indicator"),
        Term(-1, "KJ101", "revenue", (Filter("chain", value="c1"),)),
    )
    assert expr.terms[1].indicator == "gdp" and expr.forms == {"KJ101"}
    assert str(parse(str(expr))) == str(expr)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "公式为空"),
        ("sum(KJ101.x", "“)”"),
        ("sum(KJ101.x) * 2", "“*”无法识别"),
        ("__import__('os').system('rm')", "无法识别"),
        ("sum(KJ101.x) +", "“sum(”“count(”或“ind(”"),
        ("avg(KJ101.x)", "“sum(”“count(”或“ind(”"),
        ("sum(KJ101.x) sum(KJ101.y)", "“+”或“-”"),
        ("-sum(KJ101.x)", "“sum(”"),
        ("sum(KJ101)", "“.”"),
        ("sum(KJ101.x[industrial][above_scale])", "“)”"),
        ("sum(KJ101.x)) ", "“+”或“-”"),
        ("sum(KJ101.x[industry=c1])", "只有 chain"),
        ("ind(gdp.x)", "“)”"),
    ],
)
def test_parse_rejects_anything_else(text, message):
    with pytest.raises(FormulaError, match=re.escape(message)):
        parse(text)


def test_every_plan_formula_parses():
    plan = load_plan(PLAN)
    formulas = [i.formula for i in plan.indicators if i.formula]
    assert len(formulas) >= 10
    for f in formulas:
        parse(f.numerator)
        if f.denominator:
            parse(f.denominator)


FRAMES = {
    "KJ101": pl.DataFrame(
        {
            "org": ["a", "a", "b", "b"],
            "year": [2014] * 4,
            "value_added": [10.0, 30.0, 1.0, 2.0],
            "employees": [1, 1, 1, 9],
            "industrial": [True, False, True, True],
        }
    ),
    "KJ201": pl.DataFrame({"org": ["a", "b"], "year": [2014, 2014], "gdp": [100.0, 0.0]}),
}


def test_ratio_of_sums_not_mean_of_ratios():
    f = Formula(numerator="sum(KJ101.value_added)", denominator="sum(KJ101.employees)")
    table = evaluate_rollup(f, FRAMES, total="zone").sort("org")
    values = dict(zip(table["org"], table["value"], strict=True))
    assert values["a"] == 20.0 and values["b"] == 0.3
    assert values["zone"] == pytest.approx(43 / 12)  # not (20 + 0.3) / 2
    assert values["zone"] != pytest.approx((values["a"] + values["b"]) / 2)


def test_flags_factor_and_zero_denominator():
    f = Formula(numerator="sum(KJ101.value_added[industrial])", denominator="sum(KJ201.gdp)", factor=100)
    table = evaluate(f, FRAMES, ["org"]).sort("org")
    assert table["numerator"].to_list() == [10.0, 3.0]
    assert table["value"].to_list() == [10.0, None]  # a zero denominator gives no value


def test_no_denominator_and_grand_total():
    f = Formula(numerator="sum(KJ201.gdp)", factor=0.0001)
    table = evaluate(f, FRAMES, [])
    assert table.columns == ["numerator", "denominator", "value"]
    assert table["value"][0] == pytest.approx(0.01)


def test_missing_form_or_column_is_an_error():
    with pytest.raises(FormulaError, match="没有报表 KJ999 的数据"):
        evaluate(Formula(numerator="sum(KJ999.x)"), FRAMES, ["org"])
    with pytest.raises(FormulaError, match="没有列"):
        evaluate(Formula(numerator="sum(KJ201.gdp[industrial])"), FRAMES, ["org"])


def test_evaluate_many_long_table():
    formulas = {"va": Formula(numerator="sum(KJ101.value_added)"), "gdp": Formula(numerator="sum(KJ201.gdp)")}
    table = evaluate_many(formulas, FRAMES, ["year"])
    assert table.columns == ["indicator", "year", "numerator", "denominator", "value"]
    assert dict(zip(table["indicator"], table["value"], strict=True)) == {"va": 43.0, "gdp": 100.0}


amounts = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["d1", "d2", "d3", "d4"]), amounts, amounts), min_size=1, max_size=40
    )
)
def test_district_sums_add_up_to_the_zone(rows):
    frame = pl.DataFrame(rows, schema={"org": pl.String, "num": pl.Float64, "den": pl.Float64}, orient="row")
    frames = {"F": frame.with_columns(pl.lit(2014).alias("year"))}
    f = Formula(numerator="sum(F.num)", denominator="sum(F.den)", factor=100)
    table = evaluate_rollup(f, frames)
    parts, zone = table.filter(pl.col("org") != "zone"), table.filter(pl.col("org") == "zone")
    assert zone["numerator"][0] == pytest.approx(parts["numerator"].sum())
    assert zone["denominator"][0] == pytest.approx(parts["denominator"].sum())
    assert zone["value"][0] == pytest.approx(frame["num"].sum() / frame["den"].sum() * 100)


@settings(max_examples=60, deadline=None)
@given(n1=amounts, d1=amounts, n2=amounts, d2=amounts)
def test_ratio_of_sums_differs_from_mean_of_ratios(n1, d1, n2, d2):
    r1, r2 = n1 / d1, n2 / d2
    # For two parts the two coincide exactly when the ratios or the denominators are equal.
    assume(abs(r1 - r2) > 1e-6 * max(r1, r2) and abs(d1 - d2) > 1e-6 * max(d1, d2))
    frame = pl.DataFrame({"org": ["a", "b"], "year": [1, 1], "num": [n1, n2], "den": [d1, d2]})
    zone = evaluate(Formula(numerator="sum(F.num)", denominator="sum(F.den)"), {"F": frame}, ["year"])
    assert zone["value"][0] == pytest.approx((n1 + n2) / (d1 + d2), rel=1e-12)
    assert zone["value"][0] != pytest.approx((r1 + r2) / 2, rel=1e-9)
