"""The registers as Polars frames, one row per entry, for counting (one query each, no model instances)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from keju.planning.models import Plan
from keju.registers.models import Incubator, InnovationAlliance, InnovationPlatform

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
    """Every entry of `register` ("platform", "alliance", "incubator"), revoked ones included.

    `valid_from`/`valid_to` are the recognition and revocation dates (`valid_to` exclusive, null
    while in force), the layout `keju.metrics.engine.count_objects` expects.
    """
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
