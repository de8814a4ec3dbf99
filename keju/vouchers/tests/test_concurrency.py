"""Under concurrent requests on PostgreSQL, quotas and budgets are spent exactly up to their balance."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from keju.vouchers import services
from keju.vouchers.models import Application, LedgerEntry, OrderStatus, Voucher

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks under real concurrency: PostgreSQL"
    ),
]


def run_together(calls):
    """Start every call at the same moment on its own connection; collect results or refusals."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except services.VoucherError as refusal:
            outcomes[i] = refusal
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_parallel_redemptions_on_one_quota_succeed_exactly_up_to_the_balance(scheme):
    voucher = scheme.voucher("10000")
    orders = [
        scheme.delivered_order(voucher, voucher_amount="3000", contract_amount="6000") for _ in range(6)
    ]
    outcomes = run_together(
        [
            lambda o=o: services.redeem(scheme.reporter, o, satisfaction=5, payment_proof=f"P{o.pk}")
            for o in orders
        ]
    )
    won = [o for o in outcomes if not isinstance(o, services.VoucherError)]
    assert len(won) == 3
    assert all("余额不足" in o.message for o in outcomes if isinstance(o, services.VoucherError))
    assert services.balance(voucher.account) == Decimal("1000.00")
    assert {o.status for o in won} == {OrderStatus.REDEEMED}


def test_parallel_retries_of_one_redemption_book_it_once(scheme):
    voucher = scheme.voucher("10000")
    order = scheme.delivered_order(voucher, voucher_amount="3000", contract_amount="6000")
    outcomes = run_together(
        [lambda: services.redeem(scheme.reporter, order, satisfaction=5, payment_proof="P") for _ in range(5)]
    )
    assert sum(not isinstance(o, services.VoucherError) for o in outcomes) == 1
    assert LedgerEntry.objects.filter(order=order, kind="redeem").count() == 2  # one movement, two legs
    assert services.balance(voucher.account) == Decimal("7000.00")


def test_parallel_approvals_never_overdraw_the_programme_budget(scheme):
    from keju.orgs.services import register_enterprise
    from keju.planning.testing import make_credit_code

    applications = []
    for n in range(8):
        enterprise = register_enterprise(
            scheme.plan,
            name=f"企业{n}",
            credit_code=make_credit_code(300 + n),
            industry_code="C3985",
            district_code="XQ",
            opened_on=scheme.enterprise.opened_on,
        )
        applications.append(
            services.apply(
                scheme.office,
                scheme.programme,
                enterprise,
                {"category": "small_tech", "amount": "30000", "purpose": "x"},
            )
        )
    outcomes = run_together([lambda a=a: services.approve(scheme.office, a) for a in applications])
    assert sum(isinstance(o, Voucher) for o in outcomes) == 3  # 100000 // 30000
    assert services.balance(scheme.programme.account) == Decimal("10000.00")
    assert Application.objects.filter(status="approved").count() == 3
