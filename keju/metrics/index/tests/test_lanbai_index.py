"""The Lanbai plan's `index:` section: its structure, its checks, and the index on the demo zone."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from keju.demo.generate import generate_zone
from keju.metrics.formula import evaluate
from keju.metrics.index import sensitivity
from keju.metrics.index.plan_inputs import plan_index, plan_index_inputs, unit_groups
from keju.plan import Plan, PlanError, check_plan, load_forms, load_plan
from keju.plan.cli import DEFAULT_PLAN
from keju.plan.index_spec import check_index_section, resolve_index_spec


@pytest.fixture(scope="module")
def lanbai() -> Plan:
    return load_plan(DEFAULT_PLAN)


@pytest.fixture(scope="module")
def demo_values(lanbai: Plan) -> pl.DataFrame:
    """Engine-shaped values (indicator, org_unit, period, year, value) of the demo zone, 2014–2017."""
    zone = generate_zone(lanbai, load_forms(lanbai, DEFAULT_PLAN), seed=2015, years=range(2014, 2018))
    frames = zone.frames()
    assert lanbai.index is not None
    wanted = set(lanbai.index.indicator_codes()) | {"gdp"}
    parts = []
    for ind in lanbai.indicators:
        if ind.code not in wanted or ind.formula is None:
            continue
        districts = evaluate(ind.formula, frames, ["org", "year"]).rename({"org": "org_unit"})
        whole = evaluate(ind.formula, frames, ["year"]).with_columns(
            pl.lit(lanbai.zone.code).alias("org_unit")
        )
        for frame in (districts, whole):
            parts.append(
                frame.select(
                    pl.lit(ind.code).alias("indicator"),
                    "org_unit",
                    pl.col("year").cast(pl.Int64),
                    pl.col("year").cast(pl.Utf8).alias("period"),
                    pl.col("value").cast(pl.Float64),
                )
            )
    return pl.concat(parts)


def test_the_groups_follow_the_headings_of_section_2_4(lanbai: Plan) -> None:
    spec = lanbai.index
    assert spec is not None
    assert [g.name for g in spec.groups] == ["创新资源", "创新能力", "产业规模", "创新机制与环境", "开放合作"]
    assert sum(g.weight for g in spec.groups) == pytest.approx(1.0)
    formulas = {i.code: i.formula for i in lanbai.indicators}
    for leaf in spec.leaves():
        assert formulas[leaf.indicator] is not None, leaf.indicator
    assert check_index_section(lanbai) == []
    assert check_plan(lanbai, load_forms(lanbai, DEFAULT_PLAN)) == []


def test_goalposts_are_the_2014_baseline_and_the_2020_target(lanbai: Plan) -> None:
    resolved = {leaf.indicator: leaf for leaf in resolve_index_spec(lanbai).leaves()}
    rd = resolved["rd_intensity"]
    assert (rd.goalposts.base, rd.goalposts.target, rd.direction) == (2.3, 2.9, "up")  # type: ignore[union-attr]
    energy = resolved["energy_per_gdp"]
    assert (energy.goalposts.base, energy.goalposts.target, energy.direction) == (2.17, 1.7, "down")  # type: ignore[union-attr]
    # no 2014 figure in the plan, or a denominator: from the reference year
    assert resolved["technician_share"].goalposts is None
    assert resolved["tech_contract_turnover"].goalposts is None
    assert lanbai.index is not None and lanbai.index.reference_year == 2014


MINI = Path(__file__).parents[3] / "plan" / "tests" / "plans" / "mini-zone.yaml"
# Another zone's plan (the plan tests' made-up 青川) with an index section: the checks are generic.
MINI_INDEX = """
index:
  code: qc_index
  name: 青川发展指数
  reference_year: 2020
  methods:
    impute: {method: group_mean, by: city}
    normalise: {method: goalposts}
    aggregate: {method: arithmetic}
  groups:
    - code: efficiency
      name: 效率
      weight: 0.5
      indicators:
        - {indicator: energy_per_gdp, weight: 1}
    - code: economy
      name: 经济
      weight: 0.5
      indicators:
        - {indicator: gdp, weight: 1, denominator: energy_per_gdp, goalposts: {base: 1, target: 2}}
"""


def _mini_with(tmp_path: Path, old: str = "", new: str = "") -> Path:
    section = MINI_INDEX
    assert old in section, old
    path = tmp_path / "plan.yaml"
    path.write_text(MINI.read_text(encoding="utf-8") + section.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("index:")
    return next(i for i, line in enumerate(lines[start:], start + 1) if needle in line)


def test_another_zones_index_section_passes_the_checks(tmp_path: Path) -> None:
    plan = load_plan(_mini_with(tmp_path))
    assert check_index_section(plan) == []
    resolved = {leaf.indicator: leaf for leaf in resolve_index_spec(plan).leaves()}
    posts = resolved["energy_per_gdp"].goalposts
    assert posts is not None and (posts.base, posts.target) == (1.0, 0.8)
    assert resolved["energy_per_gdp"].direction == "down"


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "{indicator: energy_per_gdp, weight: 1}",
            "{indicator: energy, weight: 1}",
            "indicator: energy,",
            "不存在",
        ),
        (
            "{indicator: energy_per_gdp, weight: 1}",
            "{indicator: enterprises, weight: 1}",
            "enterprises",
            "没有计算公式",
        ),
        (
            "{indicator: gdp, weight: 1,",
            "{indicator: energy_per_gdp, weight: 1,",
            "denominator: energy_per_gdp",
            "重复",
        ),
        (
            "{indicator: energy_per_gdp, weight: 1}",
            "{indicator: energy_per_gdp, weight: 1, direction: up}",
            "direction: up",
            "不一致",
        ),
        (
            "goalposts: {base: 1, target: 2}",
            "goalposts: {base: 2, target: 1}",
            "goalposts: {base: 2",
            "目标值 1 却低于基准值 2",
        ),
        (
            "{indicator: energy_per_gdp, weight: 1}",
            "{indicator: energy_per_gdp, weight: 1, goalposts: {base: 0.8, target: 1.0}}",
            "goalposts: {base: 0.8",
            "越小越好",
        ),
        ("denominator: energy_per_gdp", "denominator: gdpp", "gdpp", "分母指标 gdpp"),
        (
            "denominator: energy_per_gdp",
            "denominator: enterprises",
            "denominator: enterprises",
            "分母指标 企业总数",
        ),
        ("reference_year: 2020", "reference_year: 2030", "reference_year", "参照年份 2030"),
        ("by: city}", "by: province}", "by: province", "province"),
        ("    - code: economy", "    - code: efficiency", "code: efficiency\n", "重复"),
    ],
)
def test_inconsistent_index_sections_are_reported_with_file_and_line(
    tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    path = _mini_with(tmp_path, old, new)
    problems = [str(p) for p in check_index_section(load_plan(path))]
    matching = [p for p in problems if message in p]
    assert matching, problems
    if not needle.endswith("\n"):
        assert matching[0].startswith(f"plan.yaml:{_line_of(path, needle)} index."), matching[0]
    # keju plan check reports them too
    assert any(message in str(p) for p in check_plan(load_plan(path)))


def test_missing_goalposts_without_a_reference_year_are_reported(tmp_path: Path) -> None:
    path = _mini_with(tmp_path, "  reference_year: 2020\n", "")
    problems = [str(p) for p in check_index_section(load_plan(path))]
    assert [
        p for p in problems if "没有基准值和目标值" in p
    ] == []  # energy has plan figures, gdp explicit ones
    path = _mini_with(tmp_path, "  reference_year: 2020\n", "").read_text(encoding="utf-8")
    (tmp_path / "b.yaml").write_text(path.replace(", goalposts: {base: 1, target: 2}", ""), encoding="utf-8")
    problems = [str(p) for p in check_index_section(load_plan(tmp_path / "b.yaml"))]
    assert len([p for p in problems if "没有基准值和目标值" in p and "设有分母" in p]) == 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{indicator: energy_per_gdp, weight: 1}",
            "{indicator: energy_per_gdp, weight: -1}",
            "greater than 0",
        ),
        (
            "normalise: {method: goalposts}\n    aggregate: {method: arithmetic}",
            "normalise: {method: zscore}\n    aggregate: {method: geometric}",
            "z-score",
        ),
        ("aggregate: {method: arithmetic}", "aggregate: {method: median}", "arithmetic"),
        ("    - code: economy\n", "    - code: economy\n      colour: red\n", "colour"),
        ("goalposts: {base: 1, target: 2}", "goalposts: {base: 1, target: 1}", "相同"),
    ],
)
def test_malformed_index_sections_do_not_load(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _mini_with(tmp_path, old, new)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert any(message in str(p) and str(p).startswith("plan.yaml:") for p in info.value.problems), (
        info.value.problems
    )


def test_unit_groups_give_each_district_its_city(lanbai: Plan) -> None:
    groups = dict(unit_groups(lanbai).select("unit", "city").rows())
    assert groups["lzxq"] == groups["lzgxq"] == groups["lzjjq"] == "lanzhou"
    assert groups["bygxq"] == "baiyin"
    assert groups["lanbai"] is None


def test_the_demo_zone_gets_a_complete_index_every_year(lanbai: Plan, demo_values: pl.DataFrame) -> None:
    results = plan_index(lanbai, demo_values)
    assert sorted(results) == [2014, 2015, 2016, 2017]
    districts = {u.code for u in lanbai.org_units if u.level == "district"}
    for year, result in results.items():
        index = result.index
        assert set(index["unit"].to_list()) == districts | {"lanbai"}, year
        assert index["score"].null_count() == 0 and result.warnings == [], year
        assert index.filter(pl.col("unit") == "lanbai")["rank"][0] is None
        assert sorted(index["rank"].drop_nulls().to_list()) == [1, 2, 3, 4]
        assert index["score"].min() >= 0 and index["score"].max() <= 100
    # the demo zone is calibrated to the plan's 2014 figures: the zone starts near 0 on the 专栏1 goalposts
    zone_2014 = results[2014].scores.filter(
        (pl.col("unit") == "lanbai") & (pl.col("code") == "innovation_resources")
    )
    assert zone_2014["score"][0] == pytest.approx(0.0, abs=1.0)
    # and it moves towards the targets
    zone = [r.index.filter(pl.col("unit") == "lanbai")["score"][0] for _, r in sorted(results.items())]
    assert zone == sorted(zone)


def test_adding_a_year_does_not_change_the_earlier_scores(lanbai: Plan, demo_values: pl.DataFrame) -> None:
    short = plan_index(lanbai, demo_values.filter(pl.col("year") <= 2015))
    full = plan_index(lanbai, demo_values)
    for year in (2014, 2015):
        assert short[year].scores.equals(full[year].scores)


def test_sensitivity_of_the_demo_ranks_is_reproducible(lanbai: Plan, demo_values: pl.DataFrame) -> None:
    inputs = plan_index_inputs(lanbai, demo_values, years=[2016])
    results = plan_index(lanbai, demo_values, years=[2016])
    spec = results[2016].spec  # with the reference-year goalposts filled in
    args = {
        "denominators": inputs.denominators.drop("year") if inputs.denominators is not None else None,
        "groups": inputs.groups,
        "unranked": inputs.unranked,
    }
    data = inputs.data.drop("year")
    first = sensitivity(data, spec, runs=200, seed=5, **args)  # type: ignore[arg-type]
    again = sensitivity(data, spec, runs=200, seed=5, **args)  # type: ignore[arg-type]
    assert first.equals(again)
    top = first.filter(pl.col("code") == lanbai.index.code)  # type: ignore[union-attr]
    assert sorted(top["unit"].to_list()) == ["bygxq", "lzgxq", "lzjjq", "lzxq"]
    assert (top["rank_low"] <= top["rank_high"]).all()
