"""Small specs and data for the index tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from keju.plan.index_spec import (
    Aggregation,
    Goalposts,
    Imputation,
    IndexGroup,
    IndexIndicator,
    IndexMethods,
    IndexSpec,
    Normalisation,
    Treatment,
)


def leaf(
    code: str,
    *,
    weight: float = 1.0,
    direction: str = "up",
    goalposts: tuple[float, float] | None = None,
    target: float | None = None,
    denominator: str | None = None,
) -> IndexIndicator:
    return IndexIndicator(
        indicator=code,
        weight=weight,
        direction=direction,  # type: ignore[arg-type]
        goalposts=Goalposts(base=goalposts[0], target=goalposts[1]) if goalposts else None,
        target=target,
        denominator=denominator,
    )


def spec(
    groups: Mapping[str, Sequence[IndexIndicator]],
    *,
    group_weights: Mapping[str, float] | None = None,
    impute: str = "none",
    by: str | None = None,
    treat: str = "none",
    winmax: int = 5,
    fallback: str = "log_ct",
    normalise: str = "minmax",
    aggregate: str = "arithmetic",
    shift: float = 1.0,
    clip: bool = True,
    weighting: str = "expert",
    rank_decimals: int | None = None,
) -> IndexSpec:
    methods = IndexMethods(
        impute=Imputation(method=impute, by=by),  # type: ignore[arg-type]
        treat=Treatment(method=treat, winmax=winmax, fallback=fallback),  # type: ignore[arg-type]
        normalise=Normalisation(method=normalise, clip=clip),  # type: ignore[arg-type]
        aggregate=Aggregation(method=aggregate, shift=shift),  # type: ignore[arg-type]
        weighting=weighting,  # type: ignore[arg-type]
    )
    return IndexSpec(
        code="idx",
        name="测试指数",
        methods=methods,
        rank_decimals=rank_decimals,
        groups=[
            IndexGroup(
                code=code, name=code, weight=(group_weights or {}).get(code, 1.0), indicators=list(leaves)
            )
            for code, leaves in groups.items()
        ],
    )


def long(values: Mapping[str, Mapping[str, float | None]]) -> pl.DataFrame:
    """{indicator: {unit: value}} → unit, indicator, value."""
    rows = [
        {"unit": unit, "indicator": ind, "value": value}
        for ind, by_unit in values.items()
        for unit, value in by_unit.items()
    ]
    return pl.DataFrame(rows, schema={"unit": pl.Utf8, "indicator": pl.Utf8, "value": pl.Float64})


def stage(result: object, name: str, indicator: str) -> dict[str, float | None]:
    frame: pl.DataFrame = getattr(result, name)
    rows = frame.filter(pl.col("indicator") == indicator).select("unit", "value").rows()
    return dict(rows)
