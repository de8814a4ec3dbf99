"""Amounts typed by people are read like every reported figure, with the vouchers' own messages."""

from decimal import Decimal

import pytest

from keju.vouchers.services import VoucherError, money


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1,200", "1200.00"),
        ("１２００", "1200.00"),
        (" 1 200.5 ", "1200.50"),
        (1200.5, "1200.50"),
        (300, "300.00"),
        (Decimal("99.9"), "99.90"),
        ("0.1", "0.10"),
    ],
)
def test_amounts_are_read(typed, amount):
    assert money(typed, "合同金额") == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "合同金额“abc”不是有效金额(单位:元)。"),
        ("1.2万", "合同金额“1.2万”不是有效金额(单位:元)。"),
        ("1200元", "合同金额“1200元”不是有效金额(单位:元)。"),
        ("", "合同金额“”不是有效金额(单位:元)。"),
        (None, "合同金额“None”不是有效金额(单位:元)。"),
        (True, "合同金额“True”不是有效金额(单位:元)。"),
        ("¥100", "合同金额“¥100”不是有效金额(单位:元)。"),
        ("0", "合同金额必须大于0(单位:元)。"),
        ("-5", "合同金额必须大于0(单位:元)。"),
        ("12.345", "合同金额最多保留两位小数。"),
    ],
)
def test_bad_amounts_are_refused_in_chinese(typed, message):
    with pytest.raises(VoucherError) as caught:
        money(typed, "合同金额")
    assert caught.value.message == message
