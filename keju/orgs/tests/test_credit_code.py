import pytest
from django.core.exceptions import ValidationError

from keju.orgs.credit_code import check_character, credit_code_error, validate_credit_code
from keju.planning.testing import make_credit_code


@pytest.mark.parametrize("n", [0, 1, 42, 123456789])
def test_codes_with_a_computed_check_character_are_valid(n):
    assert credit_code_error(make_credit_code(n)) is None


def test_the_example_from_gb_32100_is_valid():
    # 福建 example printed in the standard and in 国家标准 explanations.
    assert check_character("91350100M000100Y4") == "3"
    validate_credit_code("91350100M000100Y43")


def test_a_code_of_the_wrong_length_is_rejected():
    assert credit_code_error("91350100M000100Y4") == "统一社会信用代码应为18位,“91350100M000100Y4”为17位"


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "a", "-"])
def test_a_code_with_a_character_outside_the_alphabet_is_rejected(bad):
    code = "91350100M000100Y4" + bad
    assert "不允许的字符" in credit_code_error(code)
    assert bad in credit_code_error(code)


def test_a_wrong_check_character_is_rejected_naming_the_right_one():
    assert (
        credit_code_error("91350100M000100Y44")
        == "统一社会信用代码“91350100M000100Y44”校验位错误:应为3,实为4"
    )


def test_the_model_validator_raises_a_validation_error():
    with pytest.raises(ValidationError, match="校验位错误"):
        validate_credit_code("91350100M000100Y44")
