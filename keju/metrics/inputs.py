"""Build an EngineInput from plain frames (the demo zone, benchmarks, notebooks).

The database adapter (keju.monitoring.sources.engine_input) builds the real one
from approved reports; this one takes frames as keju.demo.generate makes them
(district column `org`, no report ids) and fills in what the engine expects.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from keju.metrics.engine import EngineInput, OrgTree
from keju.plan.forms import ReportForm
from keju.plan.schema import Plan

EXPECTED_SCHEMA: dict[str, type[pl.DataType]] = {
    "form": pl.String,
    "period": pl.String,
    "respondent": pl.String,
    "district": pl.String,
    "park": pl.String,
}


def normalise_frame(frame: pl.DataFrame, *, first_id: int = 1) -> pl.DataFrame:
    """`org` → `district`; add `report_id` (numbered from `first_id`) and `version` 1 when absent."""
    if "district" not in frame.columns and "org" in frame.columns:
        frame = frame.rename({"org": "district"})
    if "report_id" not in frame.columns:
        frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first_id).alias("report_id"))
    if "version" not in frame.columns:
        frame = frame.with_columns(pl.lit(1, dtype=pl.Int64).alias("version"))
    return frame


def expected_from_frames(frames: Mapping[str, pl.DataFrame], forms: Mapping[str, ReportForm]) -> pl.DataFrame:
    """Every row's respondent as expected: complete coverage (for generated data only)."""
    parts = []
    for code, frame in frames.items():
        enterprise = (
            code in forms and forms[code].respondent_level == "enterprise" and "enterprise" in frame.columns
        )
        respondent = pl.col("enterprise").cast(pl.String) if enterprise else pl.col("district")
        park = pl.col("park") if "park" in frame.columns else pl.lit(None, dtype=pl.String)
        parts.append(
            frame.select(
                pl.lit(code).alias("form"),
                pl.col("period"),
                respondent.alias("respondent"),
                "district",
                park.alias("park"),
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame(schema=EXPECTED_SCHEMA)


def input_from_frames(
    plan: Plan,
    forms: Mapping[str, ReportForm],
    frames: Mapping[str, pl.DataFrame],
    *,
    expected: pl.DataFrame | None = None,
) -> EngineInput:
    """EngineInput of `frames`; without `expected`, everyone who reported was expected (coverage 1)."""
    normal: dict[str, pl.DataFrame] = {}
    next_id = 1
    for code, frame in frames.items():
        normal[code] = normalise_frame(frame, first_id=next_id)
        next_id += frame.height
    if expected is None:
        expected = expected_from_frames(normal, forms)
    return EngineInput(plan, dict(forms), normal, expected, OrgTree.from_plan(plan))
