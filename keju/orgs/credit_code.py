"""Django validator for 统一社会信用代码; the check itself is pure, in keju.standards."""

from django.core.exceptions import ValidationError

from keju.standards.credit_code import ALPHABET, WEIGHTS, check_character, credit_code_error

__all__ = ["ALPHABET", "WEIGHTS", "check_character", "credit_code_error", "validate_credit_code"]


def validate_credit_code(code: str) -> None:
    if message := credit_code_error(code):
        raise ValidationError(message, code="invalid_credit_code")
