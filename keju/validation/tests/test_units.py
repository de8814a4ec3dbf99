"""convert_unit converts within a kind of unit (money, people, energy…) and refuses across kinds."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keju.validation.values import CellValueError, convert_unit, units_compatible

MONEY = ["元", "千元", "万元", "百万元", "千万元", "亿元"]
PEOPLE = ["人", "万人"]
ENERGY = ["吨标准煤", "万吨标准煤", "千克标准煤"]


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (3.5, "亿元", "万元", 35000),
        (1200, "千元", "万元", 120),
        (1, "万元", "元", 10000),
        (12, "万人", "人", 120000),
        (4359446, "人", "万人", 435.9446),
        (1.5, "万吨标准煤", "吨标准煤", 15000),
        (2000, "千克标准煤", "吨标准煤", 2),
        (7, "万元", "万元", 7),
        (3, "万千瓦时", "千瓦时", 30000),
    ],
)
def test_known_conversions(value, src, dst, expected):
    assert convert_unit(value, src, dst) == pytest.approx(expected, rel=1e-15)


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.sampled_from([MONEY, PEOPLE, ENERGY]),
    st.data(),
)
def test_conversion_round_trips(value, units, data):
    a = data.draw(st.sampled_from(units))
    b = data.draw(st.sampled_from(units))
    back = convert_unit(convert_unit(value, a, b), b, a)
    assert math.isclose(back, value, rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("src", "dst"), [("万元", "人"), ("人", "件"), ("万元", "美元"), ("吨标准煤", "万元")]
)
def test_incompatible_units_are_refused(src, dst):
    with pytest.raises(CellValueError) as info:
        convert_unit(1, src, dst)
    assert "不能换算" in info.value.message
    assert not units_compatible(src, dst)


def test_unknown_units_are_refused():
    with pytest.raises(CellValueError) as info:
        convert_unit(1, "斤", "万元")
    assert "无法识别的计量单位“斤”" in info.value.message
