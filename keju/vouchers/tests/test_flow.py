"""Apply → approve → order → deliver → redeem → settle → pay, with the ledger balancing at every step."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from keju.vouchers import services
from keju.vouchers.models import (
    Application,
    LedgerEntry,
    Order,
    OrderStatus,
    Programme,
    Provider,
    VoucherEvent,
)

pytestmark = pytest.mark.django_db


def total_money():
    """Money is only moved, never created: all accounts together always hold the budgets."""
    return sum((e.amount for e in LedgerEntry.objects.all()), Decimal("0"))


def test_the_whole_voucher_cycle_moves_money_between_derived_balances(scheme):
    voucher = scheme.voucher("20000")
    assert services.balance(voucher.account) == Decimal("20000.00")
    assert services.balance(scheme.programme.account) == Decimal("80000.00")
    order = scheme.delivered_order(voucher, voucher_amount="5000")
    order = services.redeem(scheme.reporter, order, satisfaction=5, payment_proof="YH-778899")
    assert services.balance(voucher.account) == Decimal("15000.00")
    order = services.request_settlement(
        scheme.provider_user, order, {"contract_number": "HT-01", "invoice_number": "FP-01"}
    )
    assert order.status == OrderStatus.SETTLEMENT_REQUESTED
    order = services.review_settlement(scheme.office, order, approve_payment=True)
    assert order.status == OrderStatus.SETTLED
    summary = services.programme_summary(scheme.programme)
    assert summary["paid"] == Decimal("5000.00") and summary["awaiting_payment"] == 0
    assert summary["granted"] == Decimal("20000.00") and summary["unallocated"] == Decimal("80000.00")
    assert total_money() == Decimal("100000.00")


def test_an_application_over_the_cap_or_outside_eligibility_is_refused_and_logged(scheme):
    with pytest.raises(services.VoucherError, match="超过单次上限"):
        services.apply(
            scheme.reporter,
            scheme.programme,
            scheme.enterprise,
            {"category": "small_tech", "amount": "30000.01", "purpose": "x"},
        )
    Programme.objects.filter(pk=scheme.programme.pk).update(eligible=["team"])
    scheme.programme.refresh_from_db()
    with pytest.raises(services.VoucherError, match="申领对象之内"):
        services.apply(
            scheme.reporter,
            scheme.programme,
            scheme.enterprise,
            {"category": "small_tech", "amount": "1", "purpose": "x"},
        )
    assert not Application.objects.exists()
    assert VoucherEvent.objects.filter(action="apply", refused=True).count() == 2


def test_full_width_digits_and_separators_are_read_as_amounts(scheme):
    application = services.apply(
        scheme.reporter,
        scheme.programme,
        scheme.enterprise,
        {"category": "small_tech", "amount": "１２,０００", "purpose": "检测"},
    )
    assert application.amount == Decimal("12000.00")
    with pytest.raises(services.VoucherError, match="不是有效金额"):
        services.money("12万", "金额")


def test_the_yearly_cap_per_enterprise_holds_across_applications(scheme):
    scheme.voucher("30000")
    application = services.apply(
        scheme.reporter,
        scheme.programme,
        scheme.enterprise,
        {"category": "small_tech", "amount": "25000", "purpose": "x"},
    )
    with pytest.raises(services.VoucherError, match="每企业年度上限"):
        services.approve(scheme.office, application)
    assert services.approve(scheme.office, application, amount="20000").quota == Decimal("20000.00")


def test_the_voucher_share_is_capped_by_the_subsidy_ratio_and_the_balance(scheme):
    voucher = scheme.voucher("20000")
    with pytest.raises(services.VoucherError, match="超过合同金额的 50%"):
        services.place_order(
            scheme.reporter,
            voucher,
            scheme.provider,
            {
                "category": "testing",
                "description": "检测",
                "contract_amount": "1000",
                "voucher_amount": "500.01",
            },
        )
    with pytest.raises(services.VoucherError, match="余额不足"):
        services.place_order(
            scheme.reporter,
            voucher,
            scheme.provider,
            {
                "category": "testing",
                "description": "检测",
                "contract_amount": "50000",
                "voucher_amount": "20000.01",
            },
        )
    assert not Order.objects.exists()


def test_a_double_redemption_is_refused_and_books_nothing(scheme):
    voucher = scheme.voucher()
    order = scheme.delivered_order(voucher)
    services.redeem(scheme.reporter, order, satisfaction=4, payment_proof="P1")
    entries = LedgerEntry.objects.count()
    with pytest.raises(services.VoucherError, match="请勿重复提交"):
        services.redeem(scheme.reporter, order, satisfaction=4, payment_proof="P1")
    assert LedgerEntry.objects.count() == entries
    assert VoucherEvent.objects.filter(action="redeem", refused=True).exists()


def test_a_provider_cannot_settle_a_service_it_did_not_deliver(scheme):
    voucher = scheme.voucher()
    order = services.place_order(
        scheme.reporter,
        voucher,
        scheme.provider,
        {"category": "testing", "description": "检测", "contract_amount": "2000", "voucher_amount": "1000"},
    )
    with pytest.raises(services.VoucherError, match="服务未完成"):
        services.request_settlement(
            scheme.provider_user, order, {"contract_number": "H", "invoice_number": "F"}
        )


def test_a_settlement_above_the_redeemed_amount_is_refused(scheme):
    voucher = scheme.voucher()
    order = services.redeem(
        scheme.reporter, scheme.delivered_order(voucher), satisfaction=5, payment_proof="P"
    )
    with pytest.raises(services.VoucherError, match="超过该订单已用券金额"):
        services.request_settlement(
            scheme.provider_user, order, {"contract_number": "H", "invoice_number": "F", "amount": "5000.01"}
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.REDEEMED


def test_an_expired_voucher_cannot_be_used_and_expiry_returns_the_balance(scheme):
    voucher = scheme.voucher("20000")
    order = scheme.delivered_order(voucher)
    yesterday = timezone.localdate() - timedelta(days=1)
    Programme.objects.filter(pk=scheme.programme.pk).update(
        use_by=yesterday, apply_until=yesterday - timedelta(days=1)
    )
    voucher.refresh_from_db()
    order.refresh_from_db()
    with pytest.raises(services.VoucherError, match="已过使用截止日期"):
        services.redeem(scheme.reporter, order, satisfaction=5, payment_proof="P")
    assert services.expire_vouchers() == 1
    assert services.balance(voucher.account) == 0
    assert services.balance(scheme.programme.account) == Decimal("100000.00")


def test_related_parties_self_service_and_low_satisfaction_put_settlement_on_hold(scheme):
    related = Provider.objects.create(
        plan=scheme.plan,
        name="关联检测公司",
        credit_code="91620100MA00000001",
        categories=["testing"],
        related_credit_codes=[scheme.enterprise.credit_code],
    )
    related.members.add(scheme.provider_user)
    voucher = scheme.voucher("20000")
    order = scheme.delivered_order(voucher, provider=related)
    order = services.redeem(scheme.reporter, order, satisfaction=2, payment_proof="P")
    order = services.request_settlement(
        scheme.provider_user, order, {"contract_number": "H", "invoice_number": "F"}
    )
    assert order.status == OrderStatus.ON_HOLD
    assert "服务机构与用券企业存在关联关系" in order.hold_flags
    assert "企业满意度低(2分)" in order.hold_flags
    with pytest.raises(services.VoucherError, match="须填写核查结论"):
        services.review_settlement(scheme.office, order, approve_payment=True)
    order = services.review_settlement(scheme.office, order, approve_payment=False, note="关联交易,不予兑付")
    assert order.status == OrderStatus.REJECTED
    assert services.balance(scheme.programme.account) == Decimal("85000.00")  # returned to the budget


def test_repeated_round_amounts_from_one_provider_are_held(scheme):
    voucher = scheme.voucher("30000")
    held = []
    for _ in range(3):
        order = scheme.delivered_order(voucher, voucher_amount="10000", contract_amount="20000")
        order = services.redeem(scheme.reporter, order, satisfaction=5, payment_proof="P")
        held.append(
            services.request_settlement(
                scheme.provider_user, order, {"contract_number": "H", "invoice_number": "F"}
            )
        )
    assert held[0].status == OrderStatus.SETTLEMENT_REQUESTED
    assert held[2].status == OrderStatus.ON_HOLD and "整万元" in held[2].hold_flags[0]


def test_only_the_right_people_act(scheme):
    voucher = scheme.voucher()
    with pytest.raises(services.VoucherError, match="只有省创新办"):
        services.approve(scheme.reporter, Application.objects.get())
    with pytest.raises(services.VoucherError, match="只有持券企业"):
        services.place_order(scheme.provider_user, voucher, scheme.provider, {})
    order = scheme.delivered_order(voucher)
    with pytest.raises(services.VoucherError, match="只有持券企业"):
        services.redeem(scheme.office, order, satisfaction=5, payment_proof="P")
