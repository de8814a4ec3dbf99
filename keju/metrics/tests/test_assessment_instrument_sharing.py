"""The instrument-sharing item of a scorecard: owner units' yearly evaluation averaged per district."""

from pathlib import Path

import polars as pl
import pytest

from keju.metrics.assessment import AssessmentError, owner_averages, score_scorecard
from keju.plan import check_plan, load_plan
from keju.plan.assessment import AssessmentItem, AssessmentSpec, Grade, Scorecard

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "lanbai-2015-2020.yaml"
MINI = ROOT / "plan" / "tests" / "plans" / "mini-zone.yaml"
UNITS = {"d1": "东区", "d2": "西区", "d3": "南区"}

# d1: two owners (80 points with 3 instruments, 60 with 1); d2: one owner (90, 2); d3: none.
OWNERS = pl.DataFrame(
    {
        "unit": ["d1", "d1", "d2"],
        "owner": ["甲研究所", "乙大学", "丙中心"],
        "score": [80.0, 60.0, 90.0],
        "instruments": [3, 1, 2],
    }
)
COVERAGE = pl.DataFrame({"unit": ["d1", "d2", "d3"], "coverage": [1.0, 0.9, 0.9]})
COVERAGE_ITEM = AssessmentItem(
    code="reporting", name="统计直报完整率", kind="coverage", points=30, bounds=(0.8, 1.0), source="七(四)"
)


def sharing_item(**kw) -> AssessmentItem:
    base = {
        "code": "instrument_sharing",
        "name": "大型科研仪器开放共享",
        "kind": "instrument_sharing",
        "points": 20,
        "bounds": (60, 100),
        "owner_weighting": "instruments",
        "missing": "exclude",
        "rule": "按仪器台数加权",
        "source": "专栏26 03",
    }
    return AssessmentItem(**{**base, **kw})


def spec(*items: AssessmentItem) -> AssessmentSpec:
    return AssessmentSpec(
        level="district",
        total_points=sum(i.points for i in items),
        scorecards=[
            Scorecard(code="annual", name="年度评估", frequency="annual", items=list(items), source="七(二)")
        ],
        grades=[
            Grade(code="pass", name="合格", min_share=0.6),
            Grade(code="fail", name="不合格", min_share=0),
        ],
        source="七(二)",
    )


def item_row(result, unit: str) -> dict:
    return result.items.filter((pl.col("unit") == unit) & (pl.col("item") == "instrument_sharing")).row(
        0, named=True
    )


def test_weighted_by_instruments_by_hand():
    result = score_scorecard(
        spec(sharing_item(), COVERAGE_ITEM),
        "annual",
        period="2018",
        units=UNITS,
        instruments=OWNERS,
        coverage=COVERAGE,
    )
    d1 = item_row(result, "d1")
    # (80×3 + 60×1) / 4 = 75; (75 − 60) / 40 = 37.5 % of 20 points = 7.5
    assert d1["value"] == pytest.approx(75.0)
    assert d1["share"] == pytest.approx(0.375)
    assert d1["points"] == pytest.approx(7.5)
    assert "2 家仪器所属单位(4 台仪器)年度评价按仪器台数加权平均 75.0 分" in d1["explanation"]
    assert "甲研究所 80.0 分(3 台)、乙大学 60.0 分(1 台)" in d1["explanation"]
    assert "规则:按仪器台数加权" in d1["explanation"]
    d2 = item_row(result, "d2")
    assert (d2["value"], d2["points"]) == (pytest.approx(90.0), pytest.approx(15.0))
    totals = {r["unit"]: r["total"] for r in result.totals.iter_rows(named=True)}
    # d1: 7.5 + 30; d2: 15 + 15 (coverage 90 % → half of 30)
    assert totals["d1"] == pytest.approx(37.5)
    assert totals["d2"] == pytest.approx(30.0)


def test_weighted_by_owners_counts_each_owner_once():
    result = score_scorecard(
        spec(sharing_item(owner_weighting="owners")), "annual", period="2018", units=UNITS, instruments=OWNERS
    )
    d1 = item_row(result, "d1")
    # (80 + 60) / 2 = 70 → (70 − 60) / 40 = 25 % of 20 = 5
    assert (d1["value"], d1["points"]) == (pytest.approx(70.0), pytest.approx(5.0))
    assert "各单位等权平均 70.0 分" in d1["explanation"]


def test_a_district_without_owners_is_excluded_and_rescaled_when_declared():
    result = score_scorecard(
        spec(sharing_item(), COVERAGE_ITEM),
        "annual",
        period="2018",
        units=UNITS,
        instruments=OWNERS,
        coverage=COVERAGE,
    )
    d3 = item_row(result, "d3")
    assert d3["included"] is False and d3["points"] is None and d3["value"] is None
    assert "区内没有参加开放共享评价的大型科研仪器所属单位,按规则不计入" in d3["explanation"]
    total = result.totals.filter(pl.col("unit") == "d3").row(0, named=True)
    # coverage 90 % → 15 of 30 points, rescaled to the scorecard's 50: 25
    assert total["total"] == pytest.approx(25.0)
    assert "按计入项满分 30 折算为 50 分制" in total["explanation"]


def test_a_district_without_owners_gets_zero_when_declared():
    result = score_scorecard(
        spec(sharing_item(missing="zero"), COVERAGE_ITEM),
        "annual",
        period="2018",
        units=UNITS,
        instruments=OWNERS,
        coverage=COVERAGE,
    )
    d3 = item_row(result, "d3")
    assert d3["included"] is True and d3["points"] == 0.0
    assert "按规则计 0 分" in d3["explanation"]
    assert result.totals.filter(pl.col("unit") == "d3").row(0, named=True)["total"] == pytest.approx(15.0)


def test_no_evaluation_at_all_is_said_so():
    result = score_scorecard(
        spec(sharing_item(), COVERAGE_ITEM), "annual", period="2018", units=UNITS, coverage=COVERAGE
    )
    rows = result.items.filter(pl.col("item") == "instrument_sharing")
    assert rows.get_column("included").to_list() == [False, False, False]
    assert all("无大型科研仪器开放共享年度评价数据" in t for t in rows.get_column("explanation").to_list())


def test_scores_are_clipped_to_the_bounds():
    owners = pl.DataFrame(
        {"unit": ["d1", "d2"], "owner": ["甲", "乙"], "score": [40.0, 100.0], "instruments": [1, 1]}
    )
    result = score_scorecard(spec(sharing_item()), "annual", period="2018", units=UNITS, instruments=owners)
    assert item_row(result, "d1")["points"] == 0.0
    assert item_row(result, "d2")["points"] == pytest.approx(20.0)


def test_owner_averages_is_one_row_per_unit():
    table = owner_averages(OWNERS, "instruments").sort("unit")
    assert table.get_column("unit").to_list() == ["d1", "d2"]
    assert table.get_column("owners").to_list() == [2, 1]
    assert table.get_column("instruments").to_list() == [4, 2]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (OWNERS.drop("instruments"), "缺少列 instruments"),
        (OWNERS.with_columns(pl.lit(120.0).alias("score")), "得分应在 0—100 之间"),
        (OWNERS.with_columns(pl.lit(0).alias("instruments")), "仪器台数至少 1 台"),
        (pl.concat([OWNERS, OWNERS.head(1)]), "同一单位、同一仪器所属单位出现了多行"),
    ],
)
def test_malformed_owner_frames_are_refused(frame, message):
    with pytest.raises(AssessmentError, match=message):
        score_scorecard(spec(sharing_item()), "annual", period="2018", units=UNITS, instruments=frame)


# ---------------------------------------------------------------- the plan's declarations

SECTION = """
assessment:
  level: district
  source: 七(二)
  scorecards:
    - code: annual
      name: 年度评估
      frequency: annual
      source: 七(二)
      items:
        - {code: i, name: 指数, kind: index, points: 60, bounds: [0, 100], source: 七(四)}
        - {code: s, name: 仪器共享, kind: instrument_sharing, points: 40, %s source: 专栏26}
  grades:
    - {code: rest, name: 其他, min_share: 0}
"""

HALF_YEARLY = """
assessment:
  level: district
  source: 七(二)
  scorecards:
    - code: half
      name: 半年
      frequency: half_yearly
      source: 七(二)
      items:
        - {code: s, name: 仪器共享, kind: instrument_sharing, points: 100, bounds: [60, 100],
           owner_weighting: owners, missing: exclude, source: 专栏26}
        - {code: c, name: 报送, kind: coverage, points: 0.0001, bounds: [0.8, 1], owner_weighting: owners,
           source: 七(四)}
"""


def with_section(tmp_path, section):
    path = tmp_path / "zone.yaml"
    path.write_text(MINI.read_text(encoding="utf-8") + section, encoding="utf-8")
    (tmp_path / "forms").mkdir()
    for form in (MINI.parent / "forms").iterdir():
        (tmp_path / "forms" / form.name).write_text(form.read_text(encoding="utf-8"), encoding="utf-8")
    return load_plan(path)


def problems(tmp_path, section) -> str:
    return "\n".join(
        str(p)
        for p in check_plan(with_section(tmp_path, section))
        if "assessment" in str(p) or "考核" in str(p)
    )


def test_a_complete_declaration_checks_clean(tmp_path):
    fields = "bounds: [60, 100], owner_weighting: instruments, missing: exclude,"
    assert problems(tmp_path, SECTION % fields) == ""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("bounds: [60, 100], missing: exclude,", "须写明 owner_weighting"),
        ("bounds: [60, 100], owner_weighting: owners,", "须写明 missing"),
        ("bounds: [60, 150], owner_weighting: owners, missing: zero,", "bounds 应在此范围内"),
        ("owner_weighting: owners, missing: zero,", "线性计分需要 bounds"),
        ("scoring: rank, owner_weighting: owners, missing: zero,", "计分方式应为 linear,实际为 rank"),
    ],
)
def test_bad_declarations_are_reported(tmp_path, fields, message):
    text = problems(tmp_path, SECTION % fields)
    assert message in text
    assert text.startswith("zone.yaml:")


def test_unknown_weighting_is_a_schema_error(tmp_path):
    with pytest.raises(Exception, match="owner_weighting"):
        check_plan(
            with_section(tmp_path, SECTION % "bounds: [60, 100], owner_weighting: value, missing: zero,")
        )


def test_half_yearly_and_weighting_on_other_kinds_are_reported(tmp_path):
    text = problems(tmp_path, HALF_YEARLY)
    assert "大型科研仪器开放共享按年度评价,不能用于半年考核" in text
    assert "只有 instrument_sharing 类考核项可以设置 owner_weighting" in text


def test_lanbai_annual_scorecard_declares_instrument_sharing():
    plan = load_plan(PLAN)
    assert plan.assessment is not None
    annual = plan.assessment.scorecard("annual")
    item = next(i for i in annual.items if i.kind == "instrument_sharing")
    assert (item.owner_weighting, item.bounds, item.missing) == ("instruments", (60, 100), "exclude")
    assert annual.total_points == 100
    assert all(i.kind != "instrument_sharing" for i in plan.assessment.scorecard("half_yearly").items)
    assert [str(p) for p in check_plan(plan) if "assessment" in str(p)] == []
