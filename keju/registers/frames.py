"""The registers as Polars frames, one row per entry (per place, for recognitions), for counting: one
or two queries each, no model instances."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from keju.orgs.models import EnterprisePlacement
from keju.planning.models import Plan
from keju.registers.models import EnterpriseRecognition, Incubator, InnovationAlliance, InnovationPlatform

SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "name": pl.String,
    "district": pl.String,
    "park": pl.String,
    "chain": pl.String,
    "group": pl.String,
    "type": pl.String,
    "level": pl.String,
    "specialised": pl.Boolean,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
    "area_m2": pl.Int64,
    "residents": pl.Int64,
    "members": pl.Int64,
}
_COMMON = {
    "id": "id",
    "name": "name",
    "district": "district__code",
    "park": "park__code",
    "chain": "industry_chain__code",
    "group": "industry_chain__group_code",
    "level": "level",
}
_SPECIFIC: dict[str, tuple[Any, dict[str, str], dict[str, Any]]] = {
    "platform": (
        InnovationPlatform,
        {"type": "platform_type", "valid_from": "recognised_on", "valid_to": "revoked_on"},
        {"specialised": False, "area_m2": 0, "residents": 0, "members": 0},
    ),
    "alliance": (
        InnovationAlliance,
        {"valid_from": "founded_on", "valid_to": "dissolved_on", "members": "member_count"},
        {"type": "alliance", "specialised": False, "area_m2": 0, "residents": 0},
    ),
    "incubator": (
        Incubator,
        {
            "type": "kind",
            "specialised": "specialised",
            "valid_from": "recognised_on",
            "valid_to": "revoked_on",
            "area_m2": "area_m2",
            "residents": "residents",
        },
        {"members": 0},
    ),
}


def register_frame(plan: Plan, register: str) -> pl.DataFrame:
    """Every entry of `register` ("platform", "alliance", "incubator", "recognition"), revoked ones
    included.

    `valid_from`/`valid_to` are the recognition and revocation dates (`valid_to` exclusive, null
    while in force), the layout `keju.metrics.engine.count_objects` expects.
    """
    if register == "recognition":
        return recognition_frame(plan)
    model, columns, constants = _SPECIFIC[register]
    fields = {**_COMMON, **columns}
    rows = model.objects.filter(plan=plan).order_by("id").values_list(*fields.values())
    # Typed up front: a column that is null in the first rows (revocations) must not be inferred as Null.
    frame = pl.DataFrame(list(rows), schema={k: SCHEMA[k] for k in fields}, orient="row")
    frame = frame.with_columns(pl.lit(v).alias(k) for k, v in constants.items())
    return frame.select(list(SCHEMA)).cast(SCHEMA)


def active_at(frame: pl.DataFrame, on: date) -> pl.DataFrame:
    """Entries in force at the end of `on`."""
    return frame.filter(
        (pl.col("valid_from") <= on) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > on))
    )


_RECOGNITION = {
    "id": "id",
    "enterprise": "enterprise_id",
    "name": "name",
    "chain": "industry_chain__code",
    "group": "industry_chain__group_code",
    "type": "kind",
    "level": "level",
    "recognised_on": "recognised_on",
    "expires_on": "expires_on",
    "revoked_on": "revoked_on",
}
_PLACEMENT = {
    "enterprise": "enterprise_id",
    "district": "district__code",
    "park": "park__code",
    "placed_from": "valid_from",
    "placed_to": "valid_to",
}


def recognition_frame(plan: Plan) -> pl.DataFrame:
    """Enterprise recognitions, one row per stretch of a recognition spent in one place.

    A recognition counts where its enterprise sits (its placements), so each recognition is cut
    at the enterprise's moves: a row's [valid_from, valid_to) is the overlap of the recognition's
    validity (to the revocation, or through `expires_on`) with one placement. An enterprise that
    moved in 2017 thus counts in its old district at the end of 2016 and in its new one at the
    end of 2017; once it closes (its placement ends) it no longer counts. Two queries, one join.
    """
    recognitions = EnterpriseRecognition.objects.filter(plan=plan).order_by("id")
    rows = pl.DataFrame(
        list(recognitions.values_list(*_RECOGNITION.values())),
        schema={
            "id": pl.Int64,
            "enterprise": pl.Int64,
            "name": pl.String,
            "chain": pl.String,
            "group": pl.String,
            "type": pl.String,
            "level": pl.String,
            "recognised_on": pl.Date,
            "expires_on": pl.Date,
            "revoked_on": pl.Date,
        },
        orient="row",
    )
    placements = pl.DataFrame(
        list(
            EnterprisePlacement.objects.filter(enterprise_id__in=recognitions.values("enterprise_id"))
            .order_by("enterprise_id", "valid_from")
            .values_list(*_PLACEMENT.values())
        ),
        schema={
            "enterprise": pl.Int64,
            "district": pl.String,
            "park": pl.String,
            "placed_from": pl.Date,
            "placed_to": pl.Date,
        },
        orient="row",
    )
    # Null ends are open; min_horizontal ignores nulls, so a null only when every end is open.
    ends = pl.min_horizontal(
        pl.col("revoked_on"), pl.col("expires_on") + pl.duration(days=1), pl.col("placed_to")
    )
    frame = (
        rows.join(placements, on="enterprise", how="inner")
        .with_columns(
            pl.max_horizontal("recognised_on", "placed_from").alias("valid_from"), ends.alias("valid_to")
        )
        .filter(pl.col("valid_to").is_null() | (pl.col("valid_from") < pl.col("valid_to")))
        .with_columns(
            pl.lit(False).alias("specialised"),
            pl.lit(0).alias("area_m2"),
            pl.lit(0).alias("residents"),
            pl.lit(0).alias("members"),
        )
    )
    return frame.select(list(SCHEMA)).cast(SCHEMA).sort("id", "valid_from")
