"""District scorecards (考核评价) by the plan's rules, and the checks of the `assessment:` section."""

from pathlib import Path

import polars as pl
import pytest

from keju.metrics.assessment import AssessmentError, assess_units, score_scorecard
from keju.metrics.progress import assess_plan
from keju.plan import check_plan, load_plan
from keju.plan.assessment import AssessmentItem, AssessmentSpec, Grade, Scorecard

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "lanbai-2015-2020.yaml"
MINI = ROOT / "plan" / "tests" / "plans" / "mini-zone.yaml"
STATUS_POINTS = {
    "target_achieved": 1.0,
    "substantial_progress": 0.9,
    "moderate_progress": 0.7,
    "limited_progress": 0.4,
    "negative_progress": 0.0,
    "insufficient_data": 0.0,
}
UNITS = {"d1": "东区", "d2": "西区", "d3": "南区"}


def spec(*items: AssessmentItem, frequency: str = "annual") -> AssessmentSpec:
    return AssessmentSpec(
        level="district",
        total_points=sum(i.points for i in items),
        scorecards=[
            Scorecard(code="annual", name="年度评估", frequency=frequency, items=list(items), source="七(二)")
        ],
        grades=[
            Grade(code="excellent", name="优秀", min_share=0.9),
            Grade(code="pass", name="合格", min_share=0.6),
            Grade(code="fail", name="不合格", min_share=0),
        ],
        source="七(二)",
    )


def progress_item(**kw) -> AssessmentItem:
    base = {
        "code": "targets",
        "name": "目标进展",
        "kind": "progress",
        "points": 40,
        "scoring": "status",
        "indicators": ["a", "b"],
        "status_points": STATUS_POINTS,
        "rule": "按状态计分",
        "source": "七(二)",
    }
    return AssessmentItem(**{**base, **kw})


INDEX_ITEM = AssessmentItem(
    code="index", name="发展指数", kind="index", points=30, bounds=(0, 100), source="七(四)"
)
COVERAGE_ITEM = AssessmentItem(
    code="reporting", name="统计直报完整率", kind="coverage", points=30, bounds=(0.8, 1.0), source="七(四)"
)
PROGRESS = pl.DataFrame(
    {
        "org_unit": ["d1", "d1", "d2", "d2", "d3"],
        "indicator": ["a", "b", "a", "b", "a"],
        "status": [
            "target_achieved",
            "moderate_progress",
            "limited_progress",
            "negative_progress",
            "substantial_progress",
        ],
        "score": [5.0, 1.0, -1.5, -4.0, 3.0],
    }
)
INDEX = pl.DataFrame({"unit": ["d1", "d2", "d3"], "score": [80.0, 50.0, 65.0]})
COVERAGE = pl.DataFrame({"unit": ["d1", "d2", "d3"], "coverage": [1.0, 0.9, 0.7]})


def test_scorecard_by_hand():
    # d1: progress (1.0 + 0.7)/2 = 85% × 40 = 34; index 80 → 24; coverage 100% → 30 → 88
    # d2: (0.4 + 0)/2 = 20% → 8; index 50 → 15; coverage 90% → 50% → 15 → 38
    # d3: (0.9 + missing b = insufficient 0)/2 = 45% → 18; index 65 → 19.5; coverage 70% → 0 → 37.5
    result = score_scorecard(
        spec(progress_item(), INDEX_ITEM, COVERAGE_ITEM),
        "annual",
        period="2017",
        units=UNITS,
        progress=PROGRESS,
        index=INDEX,
        coverage=COVERAGE,
        indicator_names={"a": "企业总数", "b": "高新技术企业"},
    )
    totals = {r["unit"]: r for r in result.totals.iter_rows(named=True)}
    assert totals["d1"]["total"] == pytest.approx(88.0)
    assert totals["d2"]["total"] == pytest.approx(38.0)
    assert totals["d3"]["total"] == pytest.approx(37.5)
    assert [totals[u]["rank"] for u in ("d1", "d2", "d3")] == [1, 2, 3]
    assert result.totals.get_column("unit").to_list() == ["d1", "d2", "d3"]
    assert totals["d1"]["grade_name"] == "合格" and totals["d2"]["grade_name"] == "不合格"
    assert (result.scorecard, result.name, result.period) == ("annual", "年度评估", "2017")

    item = result.items.filter((pl.col("unit") == "d1") & (pl.col("item") == "targets")).row(0, named=True)
    assert item["points"] == pytest.approx(34.0) and item["max_points"] == 40
    assert item["explanation"] == (
        "目标进展(满分 40):企业总数 已达标→100.0%;高新技术企业 需加快→70.0%;85.0% × 40 = 34 分。规则:按状态计分"
    )
    d3 = result.items.filter((pl.col("unit") == "d3") & (pl.col("item") == "targets")).row(0, named=True)
    assert "高新技术企业 数据不足→0.0%" in d3["explanation"]
    cov = result.items.filter((pl.col("unit") == "d2") & (pl.col("item") == "reporting")).row(0, named=True)
    assert "报送率 90.0%,按 80.0%—100.0% 线性折算→50.0%;50.0% × 30 = 15 分。" in cov["explanation"]
    assert totals["d1"]["explanation"] == (
        "东区:总分 88(满分 100);目标进展 34/40;发展指数 24/30;统计直报完整率 30/30;在 3 个单位中排第 1 名,等级“合格”。"
    )


def test_linear_progress_scoring_and_weights():
    item = progress_item(scoring="linear", status_points={}, bounds=(-5, 5), indicator_weights={"a": 3})
    result = score_scorecard(spec(item), "annual", period="2017", units=UNITS, progress=PROGRESS)
    # d1: a 5 → 100%, b 1 → 60%; weights 3:1 → 90% × 40 = 36
    d1 = result.items.filter(pl.col("unit") == "d1").row(0, named=True)
    assert d1["points"] == pytest.approx(36.0)
    assert "(进展得分 5.00)→100.0%" in d1["explanation"]


def test_missing_data_zero_or_excluded():
    zero = score_scorecard(
        spec(progress_item(), INDEX_ITEM), "annual", period="2017", units=UNITS, progress=PROGRESS
    )
    d1 = zero.totals.filter(pl.col("unit") == "d1").row(0, named=True)
    assert d1["total"] == pytest.approx(34.0)  # no index: 0 of 30
    assert "发展指数(满分 30):无发展指数,按规则计 0 分。" in zero.items.get_column("explanation").to_list()

    excluded = score_scorecard(
        spec(progress_item(), INDEX_ITEM.model_copy(update={"missing": "exclude"})),
        "annual",
        period="2017",
        units=UNITS,
        progress=PROGRESS,
    )
    d1 = excluded.totals.filter(pl.col("unit") == "d1").row(0, named=True)
    assert d1["total"] == pytest.approx(34.0 * 70 / 40)  # rescaled to the full 70 points
    assert "按计入项满分 40 折算为 70 分制" in d1["explanation"]


def test_index_by_rank_and_ties():
    item = INDEX_ITEM.model_copy(update={"scoring": "rank", "bounds": None})
    index = pl.DataFrame({"unit": ["d1", "d2", "d3"], "score": [60.0, 60.0, 40.0]})
    result = score_scorecard(spec(item), "annual", period="2017", units=UNITS, index=index)
    by = {r["unit"]: r for r in result.totals.iter_rows(named=True)}
    assert by["d1"]["total"] == 30 and by["d2"]["total"] == 30 and by["d3"]["total"] == 0
    assert by["d1"]["rank"] == by["d2"]["rank"] == 1 and by["d3"]["rank"] == 3


def test_bad_inputs_are_refused():
    card = spec(progress_item())
    with pytest.raises(AssessmentError, match="没有代码为“half”的考核表"):
        score_scorecard(card, "half", period="2017", units=UNITS)
    with pytest.raises(AssessmentError, match="进展数据缺少列 status"):
        score_scorecard(card, "annual", period="2017", units=UNITS, progress=PROGRESS.drop("status"))
    with pytest.raises(AssessmentError, match="未知状态"):
        bad = PROGRESS.with_columns(pl.lit("great").alias("status"))
        score_scorecard(card, "annual", period="2017", units=UNITS, progress=bad)
    with pytest.raises(AssessmentError, match="同一单位、同一指标出现了多行"):
        score_scorecard(card, "annual", period="2017", units=UNITS, progress=pl.concat([PROGRESS, PROGRESS]))
    with pytest.raises(AssessmentError, match="没有要考核的单位"):
        score_scorecard(card, "annual", period="2017", units={})


def test_lanbai_scorecards_from_the_plan():
    plan = load_plan(PLAN)
    assert plan.assessment is not None
    assert [c.code for c in plan.assessment.scorecards] == ["half_yearly", "annual"]
    assert all(c.total_points == 100 for c in plan.assessment.scorecards)
    rows = []
    for unit, growth in (("lzxq", 1.3), ("lzgxq", 1.1), ("lzjjq", 0.9), ("bygxq", 1.0)):
        for indicator in ("enterprises_total", "high_tech_enterprises", "rd_intensity"):
            rows += [(indicator, unit, 2014, 100.0), (indicator, unit, 2017, 100.0 * growth)]
    rows += [("rd_intensity", "lanbai", 2014, 2.3)]
    vals = pl.DataFrame(rows, schema=["indicator", "org_unit", "year", "value"], orient="row")
    progress = assess_plan(plan, vals, year=2017)
    half = assess_units(plan, "half_yearly", period="2017H2", progress=progress)
    assert half.totals.get_column("unit").to_list() == ["lzxq", "lzgxq", "bygxq", "lzjjq"]
    assert half.totals.get_column("rank").to_list() == [1, 2, 3, 4]
    annual = assess_units(
        plan,
        "annual",
        period="2017",
        progress=progress,
        index=pl.DataFrame({"unit": ["lzxq", "lzgxq", "lzjjq", "bygxq"], "score": [70.0, 60.0, 50.0, 40.0]}),
        coverage=pl.DataFrame(
            {"unit": ["lzxq", "lzgxq", "lzjjq", "bygxq"], "coverage": [1.0, 1.0, 1.0, 1.0]}
        ),
    )
    assert set(annual.items.get_column("item").to_list()) == {
        "district_targets",
        "headline_progress",
        "development_index",
        "reporting",
        "instrument_sharing",
    }
    lzxq = annual.items.filter((pl.col("unit") == "lzxq") & (pl.col("item") == "district_targets")).row(
        0, named=True
    )
    assert "企业总数 " in lzxq["explanation"] and "规则:三(二)—(五)" in lzxq["explanation"]
    top = annual.totals.row(0, named=True)
    assert top["unit"] == "lzxq" and top["explanation"].startswith("兰州新区:总分 ")


def test_plan_without_assessment_section_is_refused():
    plan = load_plan(MINI)
    with pytest.raises(AssessmentError, match="没有 assessment"):
        assess_units(plan, "annual", period="2017")


# ---------------------------------------------------------------- the plan section's checks

GOOD_SECTION = """
assessment:
  level: district
  source: 七(二)
  scorecards:
    - code: annual
      name: 年度评估
      frequency: annual
      source: 七(二)
      items:
        - {code: t, name: 目标, kind: progress, points: 60, scoring: status, indicators: [gdp],
           status_points: {target_achieved: 1, substantial_progress: 0.9, moderate_progress: 0.7,
                           limited_progress: 0.4, negative_progress: 0, insufficient_data: 0}, source: 七(二)}
        - {code: i, name: 指数, kind: index, points: 40, bounds: [0, 100], source: 七(四)}
  grades:
    - {code: good, name: 良好, min_share: 0.8}
    - {code: rest, name: 其他, min_share: 0}
"""

BAD_SECTION = """
assessment:
  level: district
  source: 七(二)
  scorecards:
    - code: half
      name: 半年
      frequency: half_yearly
      source: 七(二)
      items:
        - {code: t, name: 目标, kind: progress, points: 50, scoring: status, indicators: [gdp, nosuch],
           status_points: {target_achieved: 1, great: 2}, source: 七(二)}
        - {code: t, name: 指数, kind: index, points: 40, scoring: status, source: 七(四)}
        - {code: c, name: 报送, kind: coverage, points: 5, bounds: [0.8, 80], source: 七(四)}
  grades:
    - {code: a, name: 甲, min_share: 0.5}
    - {code: b, name: 乙, min_share: 0.7}
"""


def with_section(tmp_path, section):
    text = MINI.read_text(encoding="utf-8") + section
    path = tmp_path / "zone.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "forms").mkdir()
    for form in (MINI.parent / "forms").iterdir():
        (tmp_path / "forms" / form.name).write_text(form.read_text(encoding="utf-8"), encoding="utf-8")
    return load_plan(path)


def test_another_zone_with_a_good_section_checks_clean(tmp_path):
    plan = with_section(tmp_path, GOOD_SECTION)
    assert [str(p) for p in check_plan(plan)] == []


def test_section_problems_are_reported_with_file_and_line(tmp_path):
    plan = with_section(tmp_path, BAD_SECTION)
    problems = [str(p) for p in check_plan(plan)]
    text = "\n".join(problems)
    assert "各项分值之和为 95(目标 50 + 指数 40 + 报送 5),应等于总分 100" in text
    assert "指标“nosuch”在 indicators 中不存在" in text
    assert "代码“t”重复" in text
    assert "未知的进展状态 great" in text
    assert "status_points 缺少状态 进展良好、需加快、进展有限、倒退、数据不足 的得分比例" in text
    assert "状态“great”的得分比例 2 应在 0 到 1 之间" in text
    assert "index 类考核项的计分方式应为 linear 或 rank,实际为 status" in text
    assert "只有 progress 类考核项可以设置" not in text
    assert "填报完整率的 bounds 应在 0 到 1 之间" in text
    assert "发展指数按年度计算,不能用于半年考核" in text
    assert "等级“乙”的下限 0.7 应低于上一等级的下限 0.5" in text
    assert "最低等级“乙”的下限应为 0" in text
    assert all(p.startswith("zone.yaml:") for p in problems)


def test_lanbai_plan_checks_clean():
    plan = load_plan(PLAN)
    assert [str(p) for p in check_plan(plan) if "assessment" in str(p)] == []
