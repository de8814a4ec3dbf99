"""Properties of the engine's aggregation: aggregate-then-divide equals pooled raw data, row order
does not matter, own quarters of year-to-date reports agree with per-respondent differences."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keju.metrics.engine import compute
from keju.metrics.inputs import input_from_frames
from keju.metrics.tests.test_engine import FORMS, PLAN, kj101, kj102

PLACES = [("lzxq", "lzxq-core"), ("lzxq", None), ("lzgxq", "lzgxq-yantan"), ("bygxq", None), ("lzjjq", None)]
amounts = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
rows = st.lists(
    st.tuples(st.sampled_from(range(len(PLACES))), amounts, amounts, st.booleans(), st.integers(1, 500)),
    min_size=1,
    max_size=60,
)


def frame_of(data) -> pl.DataFrame:
    return kj101(
        [
            dict(
                enterprise=i,
                district=PLACES[p][0],
                park=PLACES[p][1],
                year=2016,
                industrial=True,
                high_tech_industry=ht,
                value_added=va,
                employees=emp,
                rd_expenditure=rd,
            )
            for i, (p, va, rd, ht, emp) in enumerate(data)
        ]
    )


@settings(max_examples=50, deadline=None)
@given(data=rows, seed=st.integers(0, 2**31))
def test_aggregate_then_divide_equals_pooled_raw_data_in_any_row_order(data, seed):
    frame = frame_of(data)
    result = compute(
        input_from_frames(PLAN, FORMS, {"KJ101": frame}), indicators=["high_tech_labour_productivity"]
    )
    shuffled = compute(
        input_from_frames(PLAN, FORMS, {"KJ101": frame.sample(fraction=1.0, shuffle=True, seed=seed)}),
        indicators=["high_tech_labour_productivity"],
    )
    keys = ["indicator", "org_unit", "period"]
    a, b = result.values.sort(keys), shuffled.values.sort(keys)
    assert a["org_unit"].to_list() == b["org_unit"].to_list()
    assert a["numerator"].to_list() == pytest.approx(b["numerator"].to_list(), rel=1e-12)
    units = {u.code: u for u in PLAN.org_units}
    for row in a.iter_rows(named=True):
        code = row["org_unit"]
        under = [
            i for i, (p, *_rest) in enumerate(data) if code in _ancestors(PLACES[p][1] or PLACES[p][0], units)
        ]
        num = sum(data[i][1] for i in under if data[i][3])
        den = sum(data[i][4] for i in under if data[i][3])
        assert row["numerator"] == pytest.approx(num, rel=1e-9, abs=1e-6)
        assert row["denominator"] == pytest.approx(den)
        if den:
            assert row["value"] == pytest.approx(num / den, rel=1e-9, abs=1e-9)
        else:
            assert row["value"] is None and row["flag"] == "zero_denominator"


def _ancestors(code, units):
    out = [code]
    while units[out[-1]].parent:
        out.append(units[out[-1]].parent)
    return out


# Reported amounts carry at most two decimals; an own flow below 1e-12 of the year-to-date figures
# it is the difference of counts as zero (rounding, see keju.metrics.cube), so none is that small.
reported_amounts = amounts.map(lambda v: round(v, 2))
quarters = st.lists(
    st.tuples(st.integers(0, 6), st.integers(1, 4), st.sampled_from(range(len(PLACES))), reported_amounts),
    min_size=1,
    max_size=40,
    unique_by=lambda t: (t[0], t[1]),
)


@settings(max_examples=50, deadline=None)
@given(data=quarters)
def test_own_quarters_equal_per_respondent_differences(data):
    # YTD figures: make each respondent's series non-decreasing over its reported quarters.
    by_ent: dict[int, list] = {}
    for ent, q, p, v in sorted(data):
        by_ent.setdefault(ent, []).append((q, p, v))
    records, expected = [], {}
    for ent, series in by_ent.items():
        total, last_q, last_ytd = 0.0, 0, 0.0
        for q, p, v in series:
            total += v
            records.append(
                dict(
                    enterprise=ent,
                    district=PLACES[p][0],
                    park=PLACES[p][1],
                    year=2018,
                    quarter=q,
                    value_added=total,
                )
            )
            if q == 1 or last_q == q - 1:  # the own flow is known only after the previous quarter
                own = total - (last_ytd if q > 1 else 0.0)
                for unit in _ancestors(PLACES[p][1] or PLACES[p][0], {u.code: u for u in PLAN.org_units}):
                    expected[(unit, q)] = expected.get((unit, q), 0.0) + own
            last_q, last_ytd = q, total
    result = compute(
        input_from_frames(PLAN, FORMS, {"KJ102": kj102(records)}),
        indicators=["above_scale_industrial_value_added"],
    )
    own = result.values.filter(pl.col("period_kind") == "quarter")
    for row in own.iter_rows(named=True):
        q = int(row["period"][-1])
        assert row["numerator"] == pytest.approx(expected.get((row["org_unit"], q), 0.0), rel=1e-9, abs=1e-6)


FILTERS = {
    "all": "",
    "ht": "[high_tech_industry]",
    "ind_small": "[industrial, !above_scale]",
    "se": "[strategic_emerging]",
    "hte": "[high_tech_enterprise, industrial]",
}
flagged_rows = st.lists(
    st.tuples(
        st.sampled_from(range(len(PLACES))),
        amounts,
        st.tuples(*(st.booleans() for _ in range(5))),
    ),
    min_size=1,
    max_size=60,
)


def _filter_plan(names: list[str]):
    from keju.plan.schema import Formula, Indicator

    extra = [
        Indicator(
            code=f"va_{n}",
            name=f"增加值 {n}",
            unit="万元",
            source="test",
            formula=Formula(numerator=f"sum(KJ101.value_added{FILTERS[n]})"),
        )
        for n in names
    ] + [
        Indicator(
            code=f"count_{n}",
            name=f"企业数 {n}",
            unit="个",
            source="test",
            formula=Formula(numerator=f"count(KJ101{FILTERS[n]})"),
        )
        for n in names
    ]
    return PLAN.model_copy(update={"indicators": [*PLAN.indicators, *extra]}), [i.code for i in extra]


@settings(max_examples=40, deadline=None)
@given(data=flagged_rows, many=st.booleans())
def test_one_pass_over_every_filter_of_a_column_equals_filtering_raw_rows(data, many):
    # Up to three filters share one pass over a class key; with four the engine takes one pass per filter.
    names = list(FILTERS) if many else ["all", "ht", "ind_small"]
    plan, codes = _filter_plan(names)
    flags = ("industrial", "above_scale", "high_tech_industry", "strategic_emerging", "high_tech_enterprise")
    frame = kj101(
        [
            dict(
                enterprise=i,
                district=PLACES[p][0],
                park=PLACES[p][1],
                year=2016,
                value_added=va,
                **dict(zip(flags, bits, strict=True)),
            )
            for i, (p, va, bits) in enumerate(data)
        ]
    )
    result = compute(input_from_frames(plan, FORMS, {"KJ101": frame}), indicators=codes)
    units = {u.code: u for u in PLAN.org_units}
    conditions = {
        "all": lambda b: True,
        "ht": lambda b: b[2],
        "ind_small": lambda b: b[0] and not b[1],
        "se": lambda b: b[3],
        "hte": lambda b: b[4] and b[0],
    }
    values = result.values.filter(pl.col("period") == "2016")
    assert values["indicator"].n_unique() == len(codes)
    for row in values.iter_rows(named=True):
        kind, name = row["indicator"].split("_", 1)
        under = [
            i
            for i, (p, _va, bits) in enumerate(data)
            if row["org_unit"] in _ancestors(PLACES[p][1] or PLACES[p][0], units) and conditions[name](bits)
        ]
        expected = len(under) if kind == "count" else sum(data[i][1] for i in under)
        assert row["numerator"] == pytest.approx(expected, rel=1e-9, abs=1e-6), row


@settings(max_examples=25, deadline=None)
@given(data=flagged_rows)
def test_sums_do_not_depend_on_which_indicators_were_asked_for(data):
    # A partial recompute (after an approval) is compared with the stored full one to the last bit.
    plan, codes = _filter_plan(list(FILTERS))
    frame = kj101(
        [
            dict(
                enterprise=i,
                district=PLACES[p][0],
                park=PLACES[p][1],
                year=2016,
                value_added=va * 1.1,
                high_tech_industry=bits[2],
            )
            for i, (p, va, bits) in enumerate(data)
        ]
    )
    data_in = input_from_frames(plan, FORMS, {"KJ101": frame})
    keys = ["indicator", "org_unit", "period"]
    every = compute(data_in, indicators=codes).values.filter(pl.col("indicator") == "va_ht").sort(keys)
    alone = compute(data_in, indicators=["va_ht"]).values.sort(keys)
    assert alone.select(keys, "numerator").equals(every.select(keys, "numerator"))
