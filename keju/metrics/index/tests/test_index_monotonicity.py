"""Property: with fixed goalposts, improving one indicator never lowers a unit's arithmetic index."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from keju.metrics.index import build_index
from keju.metrics.index.tests.helpers import leaf, spec

UNITS = ["a", "b", "c", "d", "e"]
INDICATORS = [("x", "up", (10.0, 50.0)), ("y", "down", (8.0, 2.0)), ("z", "up", (0.0, 1.0))]
SPEC = spec(
    {
        "g1": [
            leaf("x", weight=2.0, direction="up", goalposts=(10.0, 50.0)),
            leaf("y", direction="down", goalposts=(8.0, 2.0)),
        ],
        "g2": [leaf("z", weight=0.5, goalposts=(0.0, 1.0))],
    },
    group_weights={"g1": 0.7, "g2": 0.3},
    normalise="goalposts",
)

values = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None)
@given(
    grid=st.lists(st.lists(values, min_size=3, max_size=3), min_size=len(UNITS), max_size=len(UNITS)),
    unit=st.integers(0, len(UNITS) - 1),
    indicator=st.integers(0, len(INDICATORS) - 1),
    gain=st.floats(min_value=0, max_value=200, allow_nan=False),
)
def test_improving_one_indicator_never_lowers_the_units_index(
    grid: list[list[float]], unit: int, indicator: int, gain: float
) -> None:
    def frame(rows: list[list[float]]) -> pl.DataFrame:
        return pl.DataFrame(
            [
                {"unit": u, "indicator": INDICATORS[j][0], "value": rows[i][j]}
                for i, u in enumerate(UNITS)
                for j in range(len(INDICATORS))
            ]
        )

    before = build_index(frame(grid), SPEC)
    better = [row[:] for row in grid]
    sign = 1.0 if INDICATORS[indicator][1] == "up" else -1.0
    better[unit][indicator] += sign * gain
    after = build_index(frame(better), SPEC)
    target = UNITS[unit]
    old = dict(before.index.select("unit", "score").rows())[target]
    new = dict(after.index.select("unit", "score").rows())[target]
    assert new >= old - 1e-9
    # and with fixed goalposts the other units' scores do not move at all
    for other in UNITS:
        if other != target:
            assert (
                dict(after.index.select("unit", "score").rows())[other]
                == dict(before.index.select("unit", "score").rows())[other]
            )
