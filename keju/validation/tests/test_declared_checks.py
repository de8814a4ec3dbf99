"""Declared checks of each class fire past their boundary, stay quiet at it, and name labels and values."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keju.validation.checks import CheckContext, check_many, check_report, compile_form, peer_statistics

from .conftest import CLEAN, make_form


def kj101_values(**changes):
    base = {
        "employees": 100,
        "revenue": 8123.45,
        "gross_output": 7900.12,
        "value_added": 2100.33,
        "net_profit": 400.5,
        "taxes_paid": 300.2,
        "exports": 1200.7,
        "rd_personnel": 12,
        "rd_personnel_fte": 9.5,
        "rd_expenditure": 260.42,
        "invention_patents_valid": 3,
        "new_product_sales": 900.1,
        "tech_contract_turnover": 0.0,
        "energy_consumption": 812.3,
        "has_rd_institution": True,
        "skilled_workers": 40,
        "technicians": 6,
        "is_above_scale": True,
        "is_high_tech_enterprise": False,
        "is_innovative_enterprise": False,
    }
    return {**base, **changes}


def codes(outcome):
    return [f.code for f in outcome.findings]


def finding(outcome, code):
    [found] = [f for f in outcome.findings if f.code == code]
    return found


def test_a_plausible_enterprise_report_passes_every_check(forms):
    outcome = check_report(forms["KJ101"], kj101_values())
    assert outcome.findings == []


# --- 强制性审核: parts ≤ whole ---------------------------------------------------------------


def test_rd_personnel_not_more_than_employees(forms):
    form = forms["KJ101"]
    assert check_report(form, kj101_values(rd_personnel=100, rd_personnel_fte=80)).ok
    outcome = check_report(form, kj101_values(employees=100, rd_personnel=120, rd_personnel_fte=80))
    found = finding(outcome, "KJ101-E01")
    assert found.severity == "error"
    assert found.message == "R&D人员(120人)不能多于年末从业人员(100人)"
    assert found.fields == ("rd_personnel", "employees")
    assert not outcome.ok


@pytest.mark.parametrize(
    ("code", "changes", "message"),
    [
        (
            "KJ101-E02",
            {"rd_personnel_fte": 12.5},
            "R&D人员折合全时当量(12.5人年)不能大于R&D人员(12人):每人每年最多折合 1 人年",
        ),
        ("KJ101-E03", {"skilled_workers": 101}, "技术工人人数(101人)不能多于年末从业人员(100人)"),
        ("KJ101-E04", {"technicians": 41}, "其中技师和高级技师(41人)不能多于技术工人人数(40人)"),
        ("KJ101-E05", {"exports": 8123.46}, "出口总额(8123.46万元)不能大于营业收入(8123.45万元)"),
        ("KJ101-E06", {"new_product_sales": 9000}, "新产品销售收入(9000万元)不能大于营业收入(8123.45万元)"),
        ("KJ101-E07", {"value_added": 8000}, "增加值(8000万元)不能大于工业总产值(当年价)(7900.12万元)"),
    ],
)
def test_kj101_hard_checks(forms, code, changes, message):
    outcome = check_report(forms["KJ101"], kj101_values(**changes))
    assert [f.code for f in outcome.errors] == [code]
    found = finding(outcome, code)
    assert (found.severity, found.message) == ("error", message)


def test_parts_equal_to_the_whole_pass(forms):
    values = kj101_values(rd_personnel=100, rd_personnel_fte=100, skilled_workers=100, technicians=100)
    values.update(exports=8123.45, new_product_sales=8123.45, value_added=7900.12)
    assert check_report(forms["KJ101"], values).ok


def test_a_part_whose_whole_is_missing_does_not_fire(forms):
    # gross_output is optional (industrial enterprises only): without it E07 cannot be judged.
    outcome = check_report(forms["KJ101"], kj101_values(gross_output=None, value_added=9999))
    assert "KJ101-E07" not in codes(outcome)


def test_district_hard_checks(forms):
    form = forms["KJ201"]
    values = {
        "gdp": 2_000_000,
        "gdp_constant": 1_900_000,
        "fiscal_expenditure": 300_000,
        "fiscal_st_expenditure": 300_000.01,
        "resident_population": 40.5,
        "urban_population": 40.5001,
        "energy_consumption": 1_000_000,
        "tech_contract_turnover": 50_000,
        "rd_expenditure_other": 10_000,
        "new_jobs": 13_000,
        "fixed_asset_investment": 500_000,
    }
    outcome = check_report(form, values)
    assert codes(outcome) == ["KJ201-E01", "KJ201-E02"]
    assert outcome.errors[0].message == "其中城镇常住人口(40.5001万人)不能多于年末常住人口(40.5万人)"
    assert outcome.errors[1].message == "其中科学技术支出(300000.01万元)不能大于一般公共预算支出(300000万元)"


# --- 强制性审核: year-to-date values never fall within a year -------------------------------------


def kj102_values(**changes):
    base = {
        "employees": 100,
        "revenue": 4000.5,
        "gross_output": 3900.25,
        "value_added": 1000.75,
        "taxes_paid": 150.5,
        "exports": 300.25,
        "rd_expenditure": 80.5,
    }
    return {**base, **changes}


def test_quarterly_cumulative_values_do_not_decrease(forms):
    form = forms["KJ102"]
    previous = kj102_values(revenue=4000.5)
    same = check_report(form, kj102_values(), CheckContext(previous=previous))
    assert "KJ102-E01-revenue" not in codes(same)
    lower = check_report(form, kj102_values(revenue=3999.5), CheckContext(previous=previous))
    found = finding(lower, "KJ102-E01-revenue")
    assert found.severity == "error" and found.fields == ("revenue",)
    assert (
        found.message
        == "营业收入(本年累计)是本年累计数,本期(3999.5万元)不能小于本年上一季度的累计数(4000.5万元)"
    )
    # the first quarter has no previous period of the same year: nothing to compare
    assert check_report(form, kj102_values(rd_expenditure=1.5), CheckContext(previous=None)).ok


def test_a_quarter_with_nothing_new_is_a_warning(forms):
    form = forms["KJ102"]
    outcome = check_report(form, kj102_values(), CheckContext(previous=kj102_values()))
    assert {"KJ102-W01-revenue", "KJ102-W01-gross_output"} <= set(codes(outcome))
    assert outcome.ok
    zero = check_report(form, kj102_values(revenue=0), CheckContext(previous=kj102_values(revenue=0)))
    assert "KJ102-W01-revenue" not in codes(zero)


# --- 核实性审核: year-on-year change ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "now", "fires"),
    [
        (1000, 1500, False),  # exactly +50%: at the threshold
        (1000, 1500.5, True),
        (1000, 500, False),  # exactly -50%
        (1000, 499, True),
        (100, 190, False),  # +90% but only 90万元: below the minimum change
        (100, 201, True),
        (None, 5000, False),  # no last year: no comparison
        (0, 5000, False),  # growth from zero is undefined
    ],
)
def test_year_on_year_change(forms, last, now, fires):
    small = {"exports": 0, "new_product_sales": 0, "net_profit": 0, "taxes_paid": 0}
    context = CheckContext(last_year=kj101_values(revenue=last, **small))
    outcome = check_report(forms["KJ101"], kj101_values(revenue=now, **small), context)
    assert ("KJ101-W10-revenue" in codes(outcome)) is fires
    assert outcome.ok


def test_year_on_year_message(forms):
    context = CheckContext(last_year=kj101_values(revenue=1000))
    outcome = check_report(forms["KJ101"], kj101_values(revenue=2500), context)
    found = finding(outcome, "KJ101-W10-revenue")
    assert found.severity == "warning" and found.fields == ("revenue",)
    assert found.message == "营业收入为2500万元,上年为1000万元,同比变化150%,超过±50%,请核实或说明原因"


# --- 核实性审核: industry peers (robust z-score on the median) ---------------------------------------

PEERS = [120.0, 150.0, 200.0, 260.0, 300.0, 330.0, 420.0, 500.0, 650.0, 800.0, 1000.0]


def _log_bound(peers, z):
    stats = peer_statistics(peers)
    return math.exp(stats["log_median"] + z * stats["log_mad"] / 0.6745)


def test_peer_statistics():
    stats = peer_statistics([1.0, 2.0, 3.0, 4.0, 100.0, float("nan"), None, float("inf"), "x", True])
    assert stats["count"] == 5 and stats["median"] == 3 and stats["mad"] == 1
    logs = np.log([1.0, 2.0, 3.0, 4.0, 100.0])
    assert stats["log_median"] == pytest.approx(np.median(logs))
    empty = peer_statistics([])
    assert empty["count"] == 0 and math.isnan(empty["median"]) and math.isnan(empty["log_mad"])
    negative = peer_statistics((-1.0, -2.0), raw=False)
    assert negative == {
        "count": 2,
        "log_median": pytest.approx(math.nan, nan_ok=True),
        "log_mad": pytest.approx(math.nan, nan_ok=True),
    }


@pytest.mark.parametrize(("factor", "fires"), [(0.999, False), (1.001, True)])
def test_far_from_peers_at_the_threshold(forms, factor, fires):
    value = round(_log_bound(PEERS, 3.5) * factor, 6)
    context = CheckContext(peers={"revenue": PEERS})
    outcome = check_report(
        forms["KJ101"], kj101_values(revenue=value, exports=0, new_product_sales=0), context
    )
    assert ("KJ101-W20-revenue" in codes(outcome)) is fires


def test_far_below_peers_fires_too(forms):
    value = round(_log_bound(PEERS, -3.6), 6)
    context = CheckContext(peers={"revenue": PEERS})
    outcome = check_report(
        forms["KJ101"],
        kj101_values(revenue=value, exports=0, new_product_sales=0, net_profit=0, taxes_paid=0),
        context,
    )
    found = finding(outcome, "KJ101-W20-revenue")
    assert "与同行业11家企业的中位数(330万元)相差过大" in found.message


def test_too_few_peers_or_no_spread_stays_quiet(forms):
    huge = kj101_values(revenue=10_000_000.5)
    assert "KJ101-W20-revenue" not in codes(
        check_report(forms["KJ101"], huge, CheckContext(peers={"revenue": PEERS[:9]}))
    )
    flat = CheckContext(peers={"revenue": [500.0] * 20})
    assert "KJ101-W20-revenue" not in codes(check_report(forms["KJ101"], huge, flat))


# --- 核实性审核: suspicious round numbers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fires"),
    [(5000, True), (1000, True), (5000.01, False), (900, False), (1050, False), (12300, True)],
)
def test_round_numbers(forms, value, fires):
    outcome = check_report(forms["KJ101"], kj101_values(rd_expenditure=value))
    assert ("KJ101-W30-rd_expenditure" in codes(outcome)) is fires
    if fires:
        assert finding(outcome, "KJ101-W30-rd_expenditure").message == (
            f"R&D经费内部支出({value}万元)恰为 100 万元的整数倍,疑为估计数,请按会计报表填写实际数"
        )


# --- 核实性审核: equal to last period when it usually moves -------------------------------------------


def _history(values):
    return tuple(kj101_values(rd_expenditure=v) for v in values)


@pytest.mark.parametrize(
    ("history", "fires"),
    [
        ([100.5, 120.25, 130.75, 150.5], True),  # always moved, now equal to the last: suspicious
        ([100.5, 120.25, 120.25, 150.5], False),  # moved in 2 of 3 pairs (67% < 75%)
        ([150.5, 150.5, 150.5, 150.5], False),  # never moves: equal is normal
        ([130.75, 150.5], False),  # too short a history
        ([100.5, 120.25, 130.75, 140.5], False),  # not equal to the last
    ],
)
def test_equal_to_last_period(forms, history, fires):
    context = CheckContext(history=_history(history), last_year=_history(history)[-1])
    outcome = check_report(forms["KJ101"], kj101_values(rd_expenditure=150.5), context)
    assert ("KJ101-W40-rd_expenditure" in codes(outcome)) is fires


def test_last_period_of_an_annual_form_falls_back_to_last_year(forms):
    form = make_form(
        checks=[
            {
                "code": "T1-W01",
                "severity": "warning",
                "expr": "revenue != last(revenue)",
                "message": "{revenue.label}与上期({last(revenue)})相同",
            }
        ]
    )
    outcome = check_report(form, CLEAN, CheckContext(last_year={"revenue": 5000.5}))
    assert [f.message for f in outcome.warnings] == ["营业收入与上期(5000.5万元)相同"]
    quarterly = make_form(period_type="quarterly", checks=form.checks)
    assert check_report(quarterly, CLEAN, CheckContext(last_year={"revenue": 5000.5})).ok


# --- the machinery ---------------------------------------------------------------------------------


def test_checks_compile_once_per_form(forms):
    assert compile_form(forms["KJ101"]) is compile_form(forms["KJ101"])


def test_message_templates():
    form = make_form(
        thresholds={"limit": 0.25},
        checks=[
            {
                "code": "T1-W01",
                "severity": "warning",
                "each": ["revenue"],
                "expr": "_ < 0",
                "message": "{_.label}({_}, {_|num}{_.unit}, {revenue / 10|num}千万元) {{{limit|pct}}} {flag} {share}",
            },
        ],
    )
    [found] = check_report(form, {**CLEAN, "flag": True}).warnings
    assert found.code == "T1-W01-revenue"
    assert found.message == "营业收入(5000.5万元, 5000.5万元, 500.05千万元) {25%} 是 未填报"


def test_bulk_equals_one_by_one(forms):
    rng = np.random.default_rng(7)
    form = forms["KJ101"]
    rows, contexts = [], []
    for i in range(60):
        values = kj101_values(
            revenue=float(rng.choice([5000, 8123.45, 100.5, -1])),
            rd_personnel=int(rng.integers(0, 130)),
            rd_expenditure=float(rng.choice([0, 260.42, 1000])),
            exports=None if i % 7 == 0 else 1200.7,
            technicians="x" if i % 11 == 0 else 6,
        )
        rows.append(values)
        last = kj101_values(revenue=float(rng.choice([1000, 8000])))
        contexts.append(
            None if i % 5 == 0 else CheckContext(last_year=last, history=(last,), peers={"revenue": PEERS})
        )
    bulk = check_many(form, rows, contexts)
    single = [check_report(form, r, c) for r, c in zip(rows, contexts, strict=True)]
    assert bulk == single
    assert any(o.errors for o in bulk) and any(o.warnings for o in bulk) and any(o.ok for o in bulk)


money = st.one_of(
    st.none(),
    st.sampled_from([0, 0.0, 100.5, 1000, 5000, 8123.45, -3, 1e-9, 1e12]),
    st.floats(min_value=-1e6, max_value=1e7, allow_nan=False),
)
people = st.one_of(st.none(), st.integers(min_value=-5, max_value=500), st.sampled_from([12.5, "x", True]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.fixed_dictionaries(
                {
                    "revenue": money,
                    "rd_expenditure": money,
                    "exports": money,
                    "employees": people,
                    "rd_personnel": people,
                }
            ),
            st.one_of(
                st.none(),
                st.fixed_dictionaries({"revenue": money, "rd_expenditure": money, "employees": people}),
            ),
            st.lists(st.fixed_dictionaries({"revenue": money, "rd_expenditure": money}), max_size=5),
            st.booleans(),
        ),
        min_size=2,
        max_size=12,
    )
)
def test_one_report_and_a_bulk_upload_give_the_same_findings(forms, cases):
    """check_report evaluates one report without NumPy; check_many evaluates arrays: they must agree."""
    form = forms["KJ101"]
    rows, contexts = [], []
    for changes, last, history, with_peers in cases:
        rows.append(kj101_values(**changes))
        contexts.append(
            CheckContext(
                last_year=None if last is None else kj101_values(**last),
                history=tuple(history),
                peers={"revenue": PEERS, "rd_expenditure": PEERS[:5]} if with_peers else None,
            )
        )
    assert check_many(form, rows, contexts) == [
        check_report(form, r, c) for r, c in zip(rows, contexts, strict=True)
    ]
