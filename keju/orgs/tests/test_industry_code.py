import pytest

from keju.orgs.services import industry_code_error, is_industrial


@pytest.mark.parametrize("code", ["C2710", "B0610", "D4411", "I6513", "A0111", "S9100", "T9700"])
def test_well_formed_class_codes_pass(code):
    assert industry_code_error(code) is None


@pytest.mark.parametrize("code", ["2710", "C271", "C27100", "c2710", "X2710", "CC710", ""])
def test_malformed_codes_are_rejected(code):
    assert "格式错误" in industry_code_error(code)


def test_a_division_outside_its_section_is_rejected_naming_the_right_section():
    assert industry_code_error("B2710") == "国民经济行业分类代码“B2710”错误:大类27属于门类C"


def test_a_division_that_does_not_exist_is_rejected():
    assert "不存在大类99" in industry_code_error("T9900")


@pytest.mark.parametrize(
    ("code", "industrial"),
    [("B0610", True), ("C2710", True), ("D4411", True), ("E4710", False), ("I6513", False)],
)
def test_industrial_means_mining_manufacturing_and_utilities(code, industrial):
    assert is_industrial(code) is industrial
