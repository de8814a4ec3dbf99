"""The engine's input read back from the database equals the demo's generated data."""

from __future__ import annotations

import polars as pl
import pytest

from keju.monitoring.sources import engine_input, expected_respondents, frames_from_db
from keju.orgs.models import Enterprise
from keju.reporting.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


def _ids(demo) -> pl.DataFrame:
    """Generated enterprise row number -> database id, through the credit code."""
    stored = pl.DataFrame(
        list(Enterprise.objects.filter(plan=demo.plan).values_list("credit_code", "id")),
        schema={"credit_code": pl.String, "id": pl.Int64},
        orient="row",
    )
    return demo.zone.enterprises.select("enterprise", "credit_code").join(stored, on="credit_code")


def _not_counted(demo) -> pl.DataFrame:
    """(form, period, respondent) of generated reports that do not count now: the demo's reporting
    cycle (keju.demo.reporting_demo) put some of the latest year's back in review or never sent them;
    a 修订 still counts with its approved version."""
    counted = pl.concat(
        [
            f.select(
                pl.lit(code).alias("form"),
                "period",
                (
                    pl.col("enterprise").cast(pl.String) if "enterprise" in f.columns else pl.col("district")
                ).alias("respondent"),
            )
            for code, f in frames_from_db(demo.plan, demo.forms).items()
        ]
    )
    ids = _ids(demo)
    generated = pl.concat(
        [
            f.join(ids, on="enterprise").select(
                pl.lit(code).alias("form"), "period", pl.col("id").cast(pl.String).alias("respondent")
            )
            if "enterprise" in f.columns
            else f.select(pl.lit(code).alias("form"), "period", pl.col("org").alias("respondent"))
            for code, f in demo.zone.frames().items()
        ]
    )
    return generated.join(counted, on=["form", "period", "respondent"], how="anti")


def test_frames_equal_the_generated_frames(demo):
    frames = frames_from_db(demo.plan, demo.forms)
    ids = _ids(demo)
    missing = _not_counted(demo)
    # Only the latest year's cycle is in progress, and every report missing is not approved.
    assert set(missing["period"].str.slice(0, 4).unique()) <= {str(max(demo.zone.years))}
    for form, period, respondent in missing.iter_rows():
        query = Report.objects.filter(plan=demo.plan, form_code=form, period=period)
        query = (
            query.filter(enterprise_id=int(respondent))
            if respondent.isdigit()
            else query.filter(org_unit__code=respondent)
        )
        assert not query.filter(status__in=[ReportStatus.APPROVED, ReportStatus.LOCKED]).exists()
    for code, generated in demo.zone.frames().items():
        form = demo.forms[code]
        fields = [f.code for f in form.fields]
        mine = frames[code]
        assert mine["report_id"].n_unique() == mine.height
        expected = generated.rename({"org": "district"})
        keys = ["district", "period", "year"]
        skip = missing.filter(pl.col("form") == code)
        if form.respondent_level == "enterprise":
            expected = expected.join(ids.select("enterprise", "id"), on="enterprise").drop("enterprise")
            expected = expected.rename({"id": "enterprise"})
            expected = expected.join(
                skip.select("period", pl.col("respondent").cast(pl.Int64).alias("enterprise")),
                on=["period", "enterprise"],
                how="anti",
            )
            keys += [
                "enterprise",
                "park",
                "industrial",
                "above_scale",
                "high_tech_enterprise",
                "high_tech_industry",
                "strategic_emerging",
            ]
        else:
            expected = expected.join(
                skip.select("period", pl.col("respondent").alias("district")),
                on=["period", "district"],
                how="anti",
            )
        if form.period_type == "quarterly":
            keys.append("quarter")
        order = ["enterprise", "period"] if "enterprise" in keys else ["district", "period"]
        left = mine.select(*keys, *fields).sort(order)
        right = expected.select(*keys, *fields).sort(order)
        assert left.height == right.height, code
        assert left.schema == right.schema, code
        assert left.equals(right), code


def test_every_demo_respondent_was_expected(demo):
    plan = demo.plan
    frames = frames_from_db(plan, demo.forms)
    expected = expected_respondents(plan, demo.forms, list(demo.zone.years), frames=frames)
    missing = _not_counted(demo)
    for code, frame in frames.items():
        who = pl.col("enterprise").cast(pl.String) if "enterprise" in frame.columns else pl.col("district")
        reported = frame.select(pl.lit(code).alias("form"), "period", who.alias("respondent"), "district")
        due = expected.filter(pl.col("form") == code)
        # Whoever was due and has no counted report is one of the reports the cycle left open.
        open_ = due.join(reported, on=["form", "period", "respondent"], how="anti").select(
            "form", "period", "respondent"
        )
        assert open_.join(missing, on=["form", "period", "respondent"], how="anti").height == 0, code
        # Where both exist, the expected district is the one fixed in the report.
        both = due.join(reported, on=["form", "period", "respondent"])
        assert (both["district"] == both["district_right"]).all(), code
    # KJ102 is due from the 规模以上 enterprises of that year only.
    kj102 = expected.filter(pl.col("form") == "KJ102")
    above = (
        frames["KJ101"]
        .filter(pl.col("is_above_scale"))
        .select(pl.col("enterprise").cast(pl.String).alias("respondent"), pl.col("period").alias("year"))
    )
    years = kj102.select("respondent", pl.col("period").str.slice(0, 4).alias("year")).unique()
    assert (
        years.filter(pl.col("year") != str(max(demo.zone.years)))
        .join(above, on=["respondent", "year"], how="anti")
        .height
        == 0
    )


def test_only_approved_and_locked_reports_count(demo):
    plan = demo.plan
    reports = list(Report.objects.filter(plan=plan, form_code="KJ201", period="2016").order_by("id")[:3])
    Report.objects.filter(pk=reports[0].pk).update(status=ReportStatus.RETURNED)
    Report.objects.filter(pk=reports[1].pk).update(status=ReportStatus.LOCKED)
    Report.objects.filter(pk=reports[2].pk).update(status=ReportStatus.SUBMITTED)
    frame = frames_from_db(plan, demo.forms, years=[2016])["KJ201"]
    ids = set(frame["report_id"].to_list())
    assert reports[1].pk in ids
    assert reports[0].pk not in ids and reports[2].pk not in ids
    assert frame.height == 4 - 2


def test_engine_input_has_the_org_tree_and_all_forms(demo):
    data = engine_input(demo.plan, [2018])
    units = data.tree.units
    assert set(units["level"]) == {"zone", "city", "district", "park"}
    assert units.filter(pl.col("level") == "zone").height == 1
    assert set(data.frames) == set(demo.forms)
    assert set(data.frames["KJ101"]["year"].unique()) == {2018}
    assert set(data.expected["form"].unique()) == set(demo.forms)
