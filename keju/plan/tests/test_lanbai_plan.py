"""The shipped Lanbai plan: it loads, checks clean, and says what the plan text says."""

import pytest

from keju.plan import Plan, check_plan
from keju.plan.checks import satisfies

HEADLINE = {
    # code: (name, unit, 2014, 2020)
    "gdp": ("地区生产总值", "亿元", 552.4, 1377),
    "rd_intensity": ("全社会研发投入占GDP的比重", "%", 2.3, 2.9),
    "fiscal_st_share": ("财政科技投入占财政支出比重", "%", 0.9, 2.1),
    "high_tech_va_share": ("高技术产业增加值占工业增加值比重", "%", 18.7, 38.8),
    "strategic_emerging_va_share": ("战略性新兴产业增加值占GDP比重", "%", 14.9, 28.5),
    "high_tech_labour_productivity": ("高技术产业劳动生产率", "万元/人", 26.6, 48.5),
    "rd_personnel_per_10k": ("万人R&D人员", "人", 63, 131),
    "invention_patents_per_10k": ("万人发明专利拥有量", "件", 6.6, 17.5),
    "tech_contract_turnover": ("技术合同成交额", "亿元", 24, 60),
    "energy_per_gdp": ("万元GDP能耗", "吨标准煤", 2.17, 1.7),
}


def _target(plan: Plan, indicator: str, org_unit: str | None = None, kind: str = "level") -> float:
    found = [
        t for t in plan.targets if t.indicator == indicator and t.org_unit == org_unit and t.kind == kind
    ]
    assert len(found) == 1, (indicator, org_unit, kind, found)
    return found[0].value


def test_checks_clean(lanbai, lanbai_forms):
    assert check_plan(lanbai, lanbai_forms) == []
    assert set(lanbai_forms) == {"KJ101", "KJ102", "KJ201"}


def test_zone(lanbai):
    zone = lanbai.zone
    assert (zone.code, zone.plan_start, zone.plan_end, zone.baseline_year) == ("lanbai", 2015, 2020, 2014)
    assert zone.area_km2 == 2448.65


def test_headline_indicators(lanbai):
    headline = {i.code: i for i in lanbai.indicators if i.headline}
    assert list(headline) == list(HEADLINE)
    for code, (name, unit, base, target) in HEADLINE.items():
        ind = headline[code]
        assert (ind.name, ind.unit) == (name, unit)
        assert ind.label == f"{name}({unit})"
        assert ind.baseline is not None and ind.target is not None
        assert (ind.baseline.year, ind.baseline.value) == (2014, base)
        assert (ind.target.year, ind.target.value) == (2020, target)
        assert ind.formula is not None


def test_energy_goes_down(lanbai):
    energy = next(i for i in lanbai.indicators if i.code == "energy_per_gdp")
    assert energy.direction == "down"
    assert energy.target is not None and energy.target.comparison == "<="
    assert all(i.direction == "up" for i in lanbai.indicators if i.headline and i.code != "energy_per_gdp")


def test_formulas(lanbai):
    f = {i.code: i.formula for i in lanbai.indicators if i.formula}
    assert f["gdp"].numerator == "sum(KJ201.gdp)" and f["gdp"].factor == 0.0001
    assert f["rd_intensity"].numerator == "sum(KJ101.rd_expenditure) + sum(KJ201.rd_expenditure_other)"
    assert f["high_tech_va_share"].denominator == "sum(KJ101.value_added[industrial])"
    assert f["energy_per_gdp"].denominator == "sum(KJ201.gdp_constant)"
    assert "折合全时当量" in (f["rd_personnel_per_10k"].convention or "")
    assert "常住人口" in (f["invention_patents_per_10k"].convention or "")


@pytest.mark.parametrize(
    ("indicator", "values", "total"),
    [
        ("enterprises_total", (1000, 3000, 1200, 1000), 6200),
        ("industrial_enterprises", (500, 1000, 400, 500), 2400),
        ("above_scale_industrial_enterprises", (200, 300, 120, 160), 780),
        ("high_tech_enterprises", (50, 100, 50, 50), 250),
    ],
)
def test_district_targets(lanbai, indicator, values, total):
    districts = ("lzxq", "lzgxq", "lzjjq", "bygxq")
    assert tuple(_target(lanbai, indicator, d) for d in districts) == values
    assert _target(lanbai, indicator) == total == sum(values)


def test_org_tree(lanbai):
    units = {u.code: u for u in lanbai.org_units}
    assert [u.code for u in lanbai.org_units if u.level == "district"] == ["lzxq", "lzgxq", "lzjjq", "bygxq"]
    assert {units[c].parent for c in ("lzxq", "lzgxq", "lzjjq")} == {"lanzhou"}
    assert units["bygxq"].parent == "baiyin"
    assert units["lzxq-core"].kind == "核心创新区" and units["lzxq-core"].area_km2 == 5.7
    parks = {c: sum(1 for u in lanbai.org_units if u.parent == c) for c in ("lzgxq", "lzjjq", "bygxq")}
    assert parks == {"lzgxq": 5, "lzjjq": 7, "bygxq": 7}


def test_chains_sum_to_zone(lanbai):
    chains = lanbai.industry_chains
    assert len(chains) == 12
    assert sum(c.group == "traditional" for c in chains) == 5
    sums = {
        k: sum(getattr(c.targets, k) for c in chains)
        for k in ("platforms", "alliances", "achievements", "new_products")
    }
    assert sums == {"platforms": 500, "alliances": 160, "achievements": 2000, "new_products": 100}
    outputs = sum(g.cumulative_output for g in lanbai.industry_groups)
    assert satisfies(
        outputs, "approx", _target(lanbai, "output_characteristic_industries", kind="cumulative")
    )


def test_stages(lanbai):
    stages = lanbai.stages
    assert [(s.name, s.start_year, s.end_year) for s in stages] == [
        ("基础培育阶段", 2015, 2015),
        ("资源聚集阶段", 2016, 2017),
        ("突破发展阶段", 2018, 2020),
    ]
    gdp = [next(i.value for i in s.increments if i.indicator == "gdp") for s in stages]
    assert gdp == [100, 200, 500] and sum(gdp) == _target(lanbai, "gdp", kind="increment") == 800


def test_scoped_figures_are_not_the_zone(lanbai):
    """Figures the text gives for 兰白两市 (e.g. 高新技术企业166家) are not zone baselines."""
    b166 = next(b for b in lanbai.baselines if b.indicator == "high_tech_enterprises")
    assert (b166.value, b166.org_unit, b166.scope) == (166, None, "兰白两市")
    b44 = next(b for b in lanbai.baselines if b.indicator == "rd_personnel_per_10k" and b.value == 44)
    assert b44.scope == "兰白两市" and b44.org_unit is None


def test_governance_and_tasks(lanbai):
    groups = {b.code: b.lead_department for b in lanbai.governance if b.kind == "working_group"}
    assert groups == {
        "wg_policy_finance": "省财政厅",
        "wg_industry": "省发展改革委",
        "wg_science": "省科技厅",
        "wg_talent": "省人社厅",
    }
    tasks = lanbai.tasks
    assert sum(t.kind == "experiment_theme" for t in tasks) == 51
    assert {t.category for t in tasks if t.kind == "reform_breakthrough"} and all(
        t.responsibility_basis for t in tasks if t.working_group
    )
    talent = next(t for t in tasks if t.code == "c15-06b")
    assert talent.working_group == "wg_talent" and talent.quantity is not None
    assert (talent.quantity.indicator, talent.quantity.value) == ("graduate_supervisors", 100)
