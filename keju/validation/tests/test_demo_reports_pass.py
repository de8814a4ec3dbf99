"""The demo zone's reports pass every hard check of the shipped forms (the checks fit plausible data)."""

import polars as pl
import pytest

from keju.demo.generate import generate_zone
from keju.plan import load_plan
from keju.plan.cli import DEFAULT_PLAN
from keju.validation.checks import CheckContext, check_many


@pytest.fixture(scope="module")
def zone(forms):
    return generate_zone(load_plan(DEFAULT_PLAN), forms, enterprises=400, years=range(2014, 2018))


def _contexts(frame: pl.DataFrame, key: str, codes: list[str], quarterly: bool):
    """previous (same year), last year and history of each row, from the frame itself."""
    order = [key, "year", "quarter"] if quarterly else [key, "year"]
    frame = frame.sort(order)
    rows = frame.select(codes).to_dicts()
    keys = frame.select(order).rows()
    by_key = dict(zip(keys, rows, strict=True))
    history: dict[object, list[dict]] = {}
    contexts = []
    for k, row in zip(keys, rows, strict=True):
        earlier = history.setdefault(k[0], [])
        if quarterly:
            respondent, year, quarter = k
            previous = by_key.get((respondent, year, quarter - 1))
            last_year = by_key.get((respondent, year - 1, quarter))
        else:
            respondent, year = k
            previous, last_year = None, by_key.get((respondent, year - 1))
        contexts.append(CheckContext(previous=previous, last_year=last_year, history=tuple(earlier)))
        earlier.append(row)
    return rows, contexts


@pytest.mark.parametrize(
    ("code", "key"), [("KJ101", "enterprise"), ("KJ102", "enterprise"), ("KJ201", "org")]
)
def test_demo_reports_have_no_hard_errors(forms, zone, code, key):
    form = forms[code]
    frame = zone.frames()[code]
    rows, contexts = _contexts(frame, key, [f.code for f in form.fields], form.period_type == "quarterly")
    outcomes = check_many(form, rows, contexts)
    errors = [f for o in outcomes for f in o.errors]
    assert len(rows) >= 16  # 4 districts × 4 years at least
    assert errors == []
    # the warnings are the exception, not the rule
    assert sum(1 for o in outcomes if o.warnings) < 0.5 * len(rows)
