"""The demo's services hold realistic, consistent records in every state."""

from datetime import date
from decimal import Decimal

import pytest

from keju.demo.services_demo import MADE_ORDER, seed_services
from keju.instruments.models import Instrument, UsageRecord
from keju.instruments.services import evaluate_owners
from keju.orgs.services import register_enterprise
from keju.planning.testing import make_credit_code, plan  # noqa: F401
from keju.pools.services import pool_counts
from keju.vouchers.models import LedgerEntry, Order, Programme
from keju.vouchers.services import programme_summary

pytestmark = pytest.mark.django_db


def test_demo_services_cover_every_service_and_balance_their_ledger(plan, django_user_model):  # noqa: F811
    ids = [
        register_enterprise(
            plan,
            name=f"演示企业{n}",
            credit_code=make_credit_code(500 + n),
            industry_code="C3211",
            district_code=["XQ", "GX", "BG"][n % 3],
            opened_on=date(2014, 1, 1),
        ).pk
        for n in range(16)
    ]
    django_user_model.objects.create_user("reporter", password="pw-reporter-1")  # demo accounts book time
    made = seed_services(plan, ids)
    assert set(made) <= set(MADE_ORDER)
    assert {"transfer.achievement", "vouchers.voucher", "instruments.instrument", "pools.talent"} <= set(made)
    programme = Programme.objects.get(pk=made["vouchers.programme"][0])
    summary = programme_summary(programme)
    assert summary["budget"] == Decimal("5000000.00")
    assert summary["granted"] + summary["unallocated"] == summary["budget"]
    assert sum(e.amount for e in LedgerEntry.objects.all()) == summary["budget"]  # money only moves
    assert {o.status for o in Order.objects.all()} >= {"ordered", "delivered", "redeemed", "settled"}
    assert Instrument.objects.count() >= 10 and UsageRecord.objects.exists()
    assert evaluate_owners(plan, UsageRecord.objects.first().started_at.year)
    assert {r["indicator"] for r in pool_counts(plan)} >= {
        "industry_leading_talents",
        "talent_innovation_teams",
    }
