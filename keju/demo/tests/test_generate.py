"""Accounting invariants, the register's codes and names, and the scenario's heterogeneity."""

import polars as pl
import pytest

from keju.demo.generate import CUMULATIVE_FIELDS, allocate_integers, generate_zone
from keju.demo.industries import high_tech_category, sectors_of
from keju.demo.scenario import DISTRICTS, PLAN_TARGETS_2020
from keju.plan.forms import FormField, ReportForm
from keju.standards.credit_code import check_character, credit_code_error


def test_value_added_stays_below_gdp(zone):
    va = zone.kj101.group_by("org", "year").agg(pl.col("value_added").sum())
    joined = va.join(zone.kj201, on=["org", "year"])
    assert joined.height == len(DISTRICTS) * len(zone.years)
    assert (joined["value_added"] < joined["gdp"]).all()
    industrial = zone.kj101.filter("industrial").group_by("org", "year").agg(pl.col("value_added").sum())
    assert (industrial["value_added"] > 0).all()


def test_people_are_nested(zone):
    f = zone.kj101
    assert (f["rd_personnel_fte"] <= f["rd_personnel"]).all()
    assert (f["rd_personnel"] <= f["employees"]).all()
    assert (f["technicians"] <= f["skilled_workers"]).all()
    assert (f["skilled_workers"] <= f["employees"]).all()
    assert (f["employees"] >= 1).all()
    assert ((f["rd_personnel"] > 0) == (f["rd_personnel_fte"] > 0)).all()


def test_amounts_are_sane(zone):
    f = zone.kj101
    numeric = ["revenue", "value_added", "taxes_paid", "exports", "rd_expenditure", "new_product_sales"]
    assert f.select((pl.col(c) >= 0).all() for c in numeric).row(0) == (True,) * len(numeric)
    assert (f["exports"] <= f["revenue"]).all()
    assert (f["new_product_sales"] <= f["revenue"]).all()
    assert (f["value_added"] <= f["revenue"]).all()
    # 工业总产值 only for industrial enterprises.
    assert (
        f.filter(~pl.col("industrial"))["gross_output"].null_count() == f.filter(~pl.col("industrial")).height
    )
    assert f.filter("industrial")["gross_output"].null_count() == 0
    assert not f.filter(pl.col("above_scale") & ~pl.col("industrial")).height
    assert (f["high_tech_enterprise"] <= (f["rd_expenditure"] > 0)).all()
    assert (f["is_innovative_enterprise"] <= f["high_tech_enterprise"]).all()


def test_district_form_is_consistent(zone):
    d = zone.kj201
    assert (d["urban_population"] <= d["resident_population"]).all()
    assert (d["fiscal_st_expenditure"] <= d["fiscal_expenditure"]).all()
    assert (d["rd_expenditure_other"] > 0).all()
    base, later = d.filter(pl.col("year") == 2014), d.filter(pl.col("year") > 2014)
    assert (base["gdp_constant"] == base["gdp"]).all()
    assert (later["gdp_constant"] != later["gdp"]).all()  # deflated
    energy = zone.kj101.group_by("org", "year").agg(pl.col("energy_consumption").sum().alias("ent"))
    contracts = zone.kj101.group_by("org", "year").agg(pl.col("tech_contract_turnover").sum().alias("sold"))
    joined = d.join(energy, on=["org", "year"]).join(contracts, on=["org", "year"])
    assert (joined["ent"] < joined["energy_consumption"]).all()
    assert (joined["sold"] < joined["tech_contract_turnover"]).all()


def test_quarterly_is_year_to_date_and_ends_at_the_annual(zone):
    q = zone.kj102.sort("enterprise", "year", "quarter")
    assert set(q["quarter"].unique()) == {1, 2, 3, 4}
    assert q.group_by("enterprise", "year").len()["len"].unique().to_list() == [4]
    steps = q.select(
        pl.col(c).diff().over("enterprise", "year").fill_null(0).alias(c) for c in CUMULATIVE_FIELDS
    )
    assert steps.select(pl.min_horizontal(pl.all().fill_null(0).min())).item() >= 0
    q4 = q.filter(pl.col("quarter") == 4).drop("org", "park", "quarter", "period")
    annual = zone.kj101.filter("above_scale").select("enterprise", "year", *CUMULATIVE_FIELDS, "employees")
    assert q4.height == annual.height  # respondents are exactly the above-scale enterprises
    joined = q4.join(annual, on=["enterprise", "year"], suffix="_annual")
    for c in [*CUMULATIVE_FIELDS, "employees"]:
        same = joined.select(
            (pl.col(c) == pl.col(f"{c}_annual")) | pl.col(c).is_null() & pl.col(f"{c}_annual").is_null()
        )
        assert same.to_series().all(), c
    assert q["period"].str.contains(r"^\d{4}Q[1-4]$").all()


def test_credit_codes_valid_and_unique_names_unique(zone):
    e = zone.enterprises
    assert e["credit_code"].n_unique() == e.height
    assert e["name"].n_unique() == e.height
    assert e["credit_code"].str.len_chars().unique().to_list() == [18]
    assert e["credit_code"].str.starts_with("9162").all()
    errors = [c for c in e["credit_code"].to_list() if credit_code_error(c)]
    assert errors == []
    assert all(c[17] == check_character(c[:17]) for c in e["credit_code"].head(50))
    assert e["name"].str.contains("(有限公司|有限责任公司|股份有限公司)$").all()
    assert e["name"].str.contains("^(兰州|白银|甘肃)").all()


def test_register_classification(zone):
    e = zone.enterprises
    assert e["industry_code"].str.contains(r"^[A-T]\d{4}$").all()
    assert (e["is_industrial"] == e["industry_code"].str.contains("^[BCD]")).all()
    hti = e.filter(pl.col("high_tech_industry") != "")
    assert hti["industry_code"].str.starts_with("C").all()
    assert all(
        high_tech_category(c) == h
        for c, h in zip(hti["industry_code"], hti["high_tech_industry"], strict=True)
    )
    assert set(hti["high_tech_industry"]) <= {
        "医药制造业", "航空、航天器及设备制造业", "电子及通信设备制造业", "计算机及办公设备制造业",
        "医疗仪器设备及仪器仪表制造业", "信息化学品制造业",
    }  # fmt: skip
    assert e.filter(pl.col("strategic_emerging") != "").height > 0.1 * e.height
    assert not e.filter(pl.col("is_above_scale") & ~pl.col("is_industrial")).height
    assert e["opened_on"].null_count() == 0
    assert (
        (e.filter(pl.col("closed_on").is_not_null()).select(pl.col("closed_on") > pl.col("opened_on")))
        .to_series()
        .all()
    )


def test_industries_follow_the_leading_industries(zone, lanbai):
    e = zone.enterprises
    baiyin = e.filter(pl.col("district") == "bygxq")
    assert baiyin.filter(pl.col("industry_code").str.starts_with("C32")).height > 20  # 有色
    gxq = e.filter(pl.col("district") == "lzgxq")
    assert gxq.filter(pl.col("high_tech_industry") != "").height > 100  # 电子信息, 生物医药
    parks = {u.code: u.parent for u in lanbai.org_units if u.level == "park"}
    placed = e.filter(pl.col("park").is_not_null())
    assert all(parks[p] == d for p, d in zip(placed["park"], placed["district"], strict=True))
    chains = {c.code for c in lanbai.industry_chains}
    used = set(e["industry_chain"].unique()) - {""}
    assert used and used <= chains
    assert "petrochem" in sectors_of(["石油化工"]) and sectors_of(["石油化工装备制造"]) == ["equipment"]


def test_placements_moves_and_closures(zone):
    p = zone.placements
    e = zone.enterprises
    assert (
        p.filter(pl.col("valid_to").is_not_null() & (pl.col("valid_to") <= pl.col("valid_from"))).height == 0
    )
    assert p.filter(pl.col("valid_to").is_null()).group_by("enterprise").len()["len"].max() == 1
    movers = p.group_by("enterprise").len().filter(pl.col("len") > 1)
    assert 0 < movers.height < 0.05 * e.height
    closed = e.filter(pl.col("closed_on").is_not_null())
    assert 0 < closed.height < 0.1 * e.height
    # Reports count where the enterprise was at the end of the year.
    ends = zone.kj101.select("enterprise", "year", "org").with_columns(
        pl.date(pl.col("year"), 12, 31).alias("on")
    )
    at = ends.join(p, on="enterprise").filter(
        (pl.col("valid_from") <= pl.col("on"))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") > pl.col("on")))
    )
    assert at.height == zone.kj101.height
    assert (at["org"] == at["district"]).all()
    # A closed enterprise files nothing in or after its closing year.
    late = zone.kj101.join(closed.select("enterprise", "closed_on"), on="enterprise").filter(
        pl.col("year") >= pl.col("closed_on").dt.year()
    )
    assert late.height == 0


def _counts_2020(zone):
    last = zone.kj101.filter(pl.col("year") == 2020)
    return {
        r["org"]: r
        for r in last.group_by("org")
        .agg(
            pl.len().alias("enterprises"),
            pl.col("industrial").sum(),
            pl.col("above_scale").sum(),
            pl.col("high_tech_enterprise").sum(),
        )
        .iter_rows(named=True)
    }


def test_some_districts_reach_the_2020_targets_and_some_lag(zone, lanbai):
    targets = PLAN_TARGETS_2020
    plan_codes = {
        "enterprises_total": "enterprises",
        "industrial_enterprises": "industrial",
        "above_scale_industrial_enterprises": "above_scale",
        "high_tech_enterprises": "high_tech_enterprise",
    }
    stated = {
        (t.org_unit, plan_codes[t.indicator]): t.value
        for t in lanbai.targets
        if t.indicator in plan_codes and t.org_unit in targets
    }
    assert len(stated) == 16
    for (district, key), value in stated.items():
        assert targets[district][key] == value  # the scenario uses the plan's targets
    counts = _counts_2020(zone)
    reached = {(d, k): counts[d][k] >= v for d, t in targets.items() for k, v in t.items()}
    assert all(reached[("lzxq", k)] for k in targets["lzxq"])  # 兰州新区 on track everywhere
    assert not any(reached[("bygxq", k)] for k in targets["bygxq"])  # 白银高新区 lags everywhere
    assert any(reached.values()) and not all(reached.values())


def test_some_headline_indicator_regresses_somewhere(zone, lanbai):
    from keju.demo.summary import plan_formulas
    from keju.metrics.formula import evaluate

    direction = {i.code: i.direction for i in lanbai.indicators}
    regressions = set()
    for code, formula in plan_formulas(lanbai, headline_only=True).items():
        table = evaluate(formula, zone.frames(), ["org", "year"]).sort("org", "year")
        worse = table.with_columns(pl.col("value").diff().over("org").alias("change")).filter(
            (pl.col("change") < 0) if direction[code] == "up" else (pl.col("change") > 0)
        )
        regressions |= {(code, org) for org in worse["org"]}
    assert ("energy_per_gdp", "bygxq") in regressions
    assert ("fiscal_st_share", "lzjjq") in regressions
    assert ("gdp", "bygxq") in regressions


def test_districts_differ(zone, lanbai):
    from keju.demo.summary import plan_formulas
    from keju.metrics.formula import evaluate

    rd = evaluate(plan_formulas(lanbai)["rd_intensity"], zone.frames(), ["org", "year"])
    last = rd.filter(pl.col("year") == 2020)
    assert last["value"].max() > 1.5 * last["value"].min()


@pytest.mark.parametrize(
    ("size", "years"), [(300, range(2014, 2021)), (120, [2014]), (500, range(2014, 2024))]
)
def test_other_sizes_and_years(lanbai, forms, size, years):
    zone = generate_zone(lanbai, forms, enterprises=size, years=years, seed=9)
    assert zone.enterprises.height == size
    assert zone.years == tuple(years)
    assert set(zone.kj201["year"]) == set(years)
    assert zone.kj101.height >= size * 0.9
    assert (zone.kj101["rd_personnel"] <= zone.kj101["employees"]).all()
    assert zone.enterprises["credit_code"].n_unique() == size


def test_bad_arguments(lanbai, forms):
    with pytest.raises(ValueError, match="start in 2014"):
        generate_zone(lanbai, forms, years=range(2015, 2020))
    with pytest.raises(ValueError, match="consecutive"):
        generate_zone(lanbai, forms, years=[2014, 2016])
    extra = forms["KJ201"].model_copy(
        update={"fields": [*forms["KJ201"].fields, FormField(code="sea_level", label="海拔")]}
    )
    with pytest.raises(ValueError, match="sea_level"):
        generate_zone(lanbai, {**forms, "KJ201": ReportForm.model_validate(extra.model_dump())})


def test_frames_follow_the_forms(zone, forms):
    for code, frame in zone.frames().items():
        fields = [f.code for f in forms[code].fields]
        assert frame.columns[-len(fields) :] == fields
        for f in forms[code].fields:
            if f.type == "integer":
                assert frame.schema[f.code] == pl.Int64
            if f.min is not None:
                assert frame.select((pl.col(f.code).drop_nulls() >= f.min).all()).item(), (code, f.code)


def test_allocate_integers_hits_totals():
    import numpy as np

    rng = np.random.default_rng(0)
    groups = rng.integers(0, 4, 500)
    weights = rng.lognormal(0, 2, 500)
    totals = np.array([0, 7, 300, 5000])
    out = allocate_integers(weights, groups, totals)
    assert np.bincount(groups, weights=out, minlength=4).tolist() == totals.tolist()
    floor = allocate_integers(weights, groups, np.array([1000, 1000, 1000, 1000]), minimum=1)
    assert floor.min() >= 1
    assert np.bincount(groups, weights=floor, minlength=4).tolist() == [1000] * 4
