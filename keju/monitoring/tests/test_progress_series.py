"""Target series for the progress measure, from computed yearly values (no database)."""

from __future__ import annotations

import polars as pl
import pytest

from keju.metrics.progress import assess
from keju.monitoring import tracking as tr

VALUES = [
    *[("gdp", "Z", y, 100 * 1.1 ** (y - 2014), False) for y in range(2014, 2021)],
    *[("jobs", "Z", y, 1.0, y == 2020) for y in range(2014, 2021)],  # 2020 provisional
    *[("share", "D", y, 20.0 + (y - 2014), False) for y in range(2014, 2021)],
    *[("gap", "Z", y, 2.0, False) for y in (2015, 2016, 2018, 2019)],  # 2017 missing
    ("late", "Z", 2018, 5.0, False),
]


def _targets(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=tr.TARGET_SCHEMA, orient="row")


def _values() -> pl.DataFrame:
    return pl.DataFrame(VALUES, schema=tr.VALUE_SCHEMA, orient="row")


def _assess(targets: pl.DataFrame, baselines: list[tuple] | None = None) -> dict[str, dict]:
    frame = tr.assess_targets(
        targets, pl.DataFrame(baselines or [], schema=tr.BASELINE_SCHEMA, orient="row"), _values()
    )
    return {r["key"]: r for r in frame.iter_rows(named=True)}


def test_a_level_target_uses_the_plans_baseline_and_the_measure():
    rows = _assess(
        _targets(("t", 1, "gdp", "Z", "level", None, 2020, 170.0, "up", "亿元")), [("gdp", "Z", 2014, 95.0)]
    )
    r = rows["t"]
    assert (r["base_year"], r["base_value"], r["base_source"]) == (2014, 95.0, "plan")
    assert (r["current_year"], r["current_value"]) == (2020, pytest.approx(100 * 1.1**6))
    expected = assess(
        base_year=2014,
        base_value=95.0,
        current_year=2020,
        current_value=100 * 1.1**6,
        direction="up",
        target=170.0,
        target_year=2020,
    )
    assert r["status"] == expected.status == "target_achieved"
    assert r["progress_value"] == pytest.approx(expected.progress_value)
    assert r["projected_value"] is None  # the target year is already observed


def test_an_increment_becomes_a_level_from_the_year_before_it_starts():
    rows = _assess(_targets(("t", 1, "gdp", "Z", "increment", 2016, 2018, 50.0, "up", "亿元")))
    r = rows["t"]
    assert (r["base_year"], r["base_source"]) == (2015, "computed")
    assert r["target_value"] == pytest.approx(110 + 50)
    expected = assess(
        base_year=2015,
        base_value=110.0,
        current_year=2018,
        current_value=100 * 1.1**4,
        direction="up",
        target=160.0,
        target_year=2018,
    )
    assert r["current_year"] == 2018 and r["status"] == expected.status == "moderate_progress"
    assert r["score"] == pytest.approx(expected.score)


def test_a_cumulative_target_sums_complete_consecutive_years():
    rows = _assess(
        _targets(
            ("jobs", 1, "jobs", "Z", "cumulative", 2015, 2020, 8.0, "up", "万人"),
            ("gap", 2, "gap", "Z", "cumulative", 2015, 2020, 8.0, "up", "个"),
            ("one", 3, "jobs", "Z", "cumulative", 2016, 2016, 1.0, "up", "万人"),
        )
    )
    # 2020 is provisional: the sum runs 2015—2019.
    assert (rows["jobs"]["base_value"], rows["jobs"]["current_year"], rows["jobs"]["current_value"]) == (
        1.0,
        2019,
        5.0,
    )
    # 2017 is missing: nothing after 2016 can be summed.
    assert (rows["gap"]["current_year"], rows["gap"]["current_value"]) == (2016, 4.0)
    assert rows["one"]["status"] == "target_achieved"  # one year, judged on itself
    rows = _assess(_targets(("one", 3, "jobs", "Z", "cumulative", 2016, 2016, 2.0, "up", "万人")))
    assert rows["one"]["status"] == "insufficient_data"
    detail = tr.series_detail(
        _targets(("gap", 2, "gap", "Z", "cumulative", 2015, 2020, 8.0, "up", "个")), _values()
    )
    assert detail["gap"] == [(2015, 2.0), (2016, 4.0)]


def test_what_cannot_be_judged_is_insufficient_data():
    rows = _assess(
        _targets(
            ("none", 1, "missing", "Z", "level", None, 2020, 5.0, "up", "个"),
            (
                "late",
                2,
                "late",
                "Z",
                "level",
                None,
                2017,
                5.0,
                "up",
                "个",
            ),  # data start after the target year
            ("inc", 3, "late", "Z", "increment", 2015, 2020, 5.0, "up", "个"),  # no 2014 value to add to
        )
    )
    assert {k: r["status"] for k, r in rows.items()} == dict.fromkeys(
        ("none", "late", "inc"), "insufficient_data"
    )


def test_a_trend_without_target_uses_the_limit_of_a_share_and_projects_to_the_horizon():
    rows = _assess(_targets(("trend", None, "share", "D", "trend", 2022, None, None, "up", "%")))
    r = rows["trend"]
    assert r["limit"] == 100.0 and r["target_value"] is None
    expected = assess(
        base_year=2014, base_value=20.0, current_year=2020, current_value=26.0, direction="up", limit=100.0
    )
    assert r["score"] == pytest.approx(expected.score) and r["status"] == expected.status
    assert r["projected_year"] == 2022 and r["projected_value"] == pytest.approx(28.0)
    assert r["projected_lower"] <= r["projected_value"] <= r["projected_upper"]
