"""Text exported to CSV/Excel never starts a formula."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keju.validation.values import neutralise_formula


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://evil")', "＝1"]
)
def test_formula_starts_get_a_quote(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["兰州高新区", "R&D人员", "12", "", "a=b", " =x"])
def test_other_text_is_unchanged(text):
    assert neutralise_formula(text) == text


@given(st.text())
def test_result_never_starts_with_a_formula_character(text):
    out = neutralise_formula(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert out.removeprefix("'") == text or out == text
