"""docs/edit-checks.md documents every function of the language and every shipped check."""

from pathlib import Path

from keju.validation.expr import FUNCTIONS

DOC = Path(__file__).resolve().parents[3] / "docs" / "edit-checks.md"


def test_every_function_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in FUNCTIONS if f"`{name}(" not in text and f"{name}(" not in text]
    assert missing == []


def test_every_shipped_check_is_in_the_catalogue(forms):
    text = DOC.read_text(encoding="utf-8")
    for form in forms.values():
        for rule in form.checks:
            assert f"| {rule.code}" in text, rule.code
            assert rule.expr.replace("|", "\\|") in text, rule.code
