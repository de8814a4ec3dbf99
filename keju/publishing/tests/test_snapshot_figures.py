"""The snapshot holds every figure with lineage, withholds provisional ones and hashes the same twice."""

from __future__ import annotations

import copy
import math

import pytest

from keju.publishing.snapshot import (
    SnapshotError,
    build_snapshot,
    canonical_json,
    check_snapshot,
    iter_figures,
    iter_records,
    public_view,
    snapshot_hash,
)
from keju.publishing.tests.conftest import BG_2020, PROVISIONAL_2020, Zone, gdp

pytestmark = pytest.mark.django_db


def test_headline_has_baseline_latest_target_status_and_projection(zone: Zone) -> None:
    snap = build_snapshot(zone.plan, "annual", "2020")
    [row] = snap["sections"]["headline"]
    assert row["name"] == "地区生产总值"
    assert row["baseline"]["value"] == 1000.0 and row["target"]["value"] == 2000.0
    # 2020 is provisional: the latest published value is 2019's, with its lineage.
    assert row["latest_year"] == 2019
    assert row["latest"]["value"] == pytest.approx(sum(gdp(c, 2019) for c in ("XQ", "GX", "BG")))
    assert row["latest"]["lineage"] == {
        "indicator": "gdp",
        "org_unit": "MZ",
        "period": "2019",
        "run": zone.run.pk,
    }
    assert row["status"] in {
        "target_achieved",
        "substantial_progress",
        "moderate_progress",
        "limited_progress",
    }
    assert row["projection"]["year"] == 2020 and row["projection"]["lower"] <= row["projection"]["upper"]
    assert check_snapshot(snap) == []


def test_provisional_figures_are_withheld_publicly_and_listed_internally(zone: Zone) -> None:
    snap = build_snapshot(zone.plan, "annual", "2020")
    [gdp_row] = snap["sections"]["districts"]
    cells = {c["org_unit"]: c for c in gdp_row["units"]}
    assert cells["BG"]["state"] == "provisional" and cells["BG"]["value"] is None
    assert cells["MZ"]["state"] == "provisional" and cells["MZ"]["value"] is None
    assert cells["XQ"]["value"] == pytest.approx(gdp("XQ", 2020))
    assert [w["code"] for w in snap["sections"]["warnings"]] == ["progress_slow"]
    [warning] = [f for f in snap["internal"]["provisional"] if f["section"] == "warnings"]
    assert warning["lineage"]["warning"] == "stage_missed" and warning["message"]
    internal = {
        (f["org_unit"], f["period"]): f["value"]
        for f in snap["internal"]["provisional"]
        if f["section"] != "warnings"
    }
    assert internal[("BG", "2020")] == BG_2020 and internal[("MZ", "2020")] == PROVISIONAL_2020
    public = canonical_json(public_view(snap))
    assert "1777.777" not in public and "444.444" not in public
    assert all(f["state"] != "provisional" or f["value"] is None for f in iter_figures(snap))


def test_same_results_give_the_same_snapshot_and_hash(zone: Zone) -> None:
    first = build_snapshot(zone.plan, "annual", "2019")
    second = build_snapshot(zone.plan, "annual", "2019")
    assert canonical_json(first) == canonical_json(second)
    assert snapshot_hash(first) == snapshot_hash(second)
    assert snapshot_hash(first) != snapshot_hash(build_snapshot(zone.plan, "annual", "2018"))


def test_every_public_figure_has_lineage(zone: Zone) -> None:
    snap = build_snapshot(zone.plan, "annual", "2019")
    records = list(iter_records(snap))
    assert len(records) > 10
    assert all(r["lineage"] for r in records)
    assert any("run" in r["lineage"] and r["lineage"]["run"] == zone.run.pk for r in records)


def test_quarterly_bulletin_uses_the_previous_year_for_annual_figures(zone: Zone) -> None:
    snap = build_snapshot(zone.plan, "quarterly", "2020Q3")
    assert snap["meta"]["quarter"] == 3 and snap["meta"]["series"] == "迷你监测"
    assert snap["sections"]["headline"][0]["latest_year"] == 2019
    assert snap["sections"]["districts"][0]["period"] == "2019"


@pytest.mark.parametrize(
    ("kind", "period", "message"),
    [
        ("annual", "2020Q3", "格式不正确"),
        ("quarterly", "2020", "2020Q3"),
        ("weekly", "2020", "未知的出版物类型"),
        ("quarterly", "2020Q5", "格式不正确"),
    ],
)
def test_bad_periods_are_refused_in_chinese(zone: Zone, kind: str, period: str, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        build_snapshot(zone.plan, kind, period)


def test_a_zone_without_results_is_refused(db: None) -> None:
    from keju.planning.testing import load_mini_plan

    with pytest.raises(SnapshotError, match="尚未计算任何指标"):
        build_snapshot(load_mini_plan(), "annual", "2019")


class TestCheck:
    def test_nan_is_a_problem(self, zone: Zone) -> None:
        snap = build_snapshot(zone.plan, "annual", "2019")
        snap["sections"]["headline"][0]["latest"]["value"] = math.nan
        assert any("NaN" in p for p in check_snapshot(snap))

    def test_provisional_value_in_a_public_section_is_a_problem(self, zone: Zone) -> None:
        snap = build_snapshot(zone.plan, "annual", "2020")
        cell = next(c for c in snap["sections"]["districts"][0]["units"] if c["state"] == "provisional")
        cell["value"] = 1.0
        assert any("初步数" in p for p in check_snapshot(snap))

    def test_missing_headline_value_is_a_problem(self, zone: Zone) -> None:
        snap = build_snapshot(zone.plan, "annual", "2019")
        snap["sections"]["headline"][0]["latest"].update(value=None, state="missing")
        assert any("没有可公布的最新值" in p for p in check_snapshot(snap))

    def test_figure_without_lineage_is_a_problem(self, zone: Zone) -> None:
        snap = build_snapshot(zone.plan, "annual", "2019")
        snap["sections"]["districts"][0]["units"][1]["lineage"] = {}
        snap["sections"]["index"]["aggregates"][0]["units"][0].pop("lineage")
        problems = [p for p in check_snapshot(snap) if "缺少数据来源" in p]
        assert len(problems) == 2

    def test_districts_that_do_not_add_up_to_the_zone_are_a_problem(self, zone: Zone) -> None:
        snap = build_snapshot(zone.plan, "annual", "2019")
        bad = copy.deepcopy(snap)
        bad["sections"]["districts"][0]["units"][1]["value"] += 5
        problems = check_snapshot(bad)
        assert any("各区之和" in p and "不一致" in p for p in problems)
        assert check_snapshot(snap) == []
