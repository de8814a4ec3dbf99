"""A form may gain optional fields the demo generator does not know: they are left empty
(as a respondent may leave them), while a missing required field is still an error."""

from __future__ import annotations

import polars as pl
import pytest

from keju.demo.generate import generate_zone
from keju.plan.forms import FormField, ReportForm


def _with_field(forms, code: str, field: FormField) -> dict:
    extra = forms[code].model_copy(update={"fields": [*forms[code].fields, field]})
    return {**forms, code: ReportForm.model_validate(extra.model_dump())}


def test_an_optional_field_the_generator_lacks_is_left_empty(lanbai, forms):
    optional = FormField(code="sea_level", label="海拔", unit="米", required=False)
    zone = generate_zone(lanbai, _with_field(forms, "KJ201", optional), years=[2014, 2015])
    assert zone.kj201.columns[-1] == "sea_level"
    assert zone.kj201.schema["sea_level"] == pl.Float64
    assert zone.kj201["sea_level"].null_count() == zone.kj201.height > 0
    # The fields the generator does produce are untouched.
    assert zone.kj201["gdp"].null_count() == 0


def test_a_required_field_the_generator_lacks_is_still_refused(lanbai, forms):
    required = FormField(code="sea_level", label="海拔", unit="米")
    with pytest.raises(ValueError, match="required field.*sea_level"):
        generate_zone(lanbai, _with_field(forms, "KJ201", required), years=[2014, 2015])
