"""The demo's technology market: realistic listings, followed matches and registered contracts."""

import pytest

from keju.transfer.demo import seed_transfer_demo
from keju.transfer.models import Achievement, Match, Need, TechContract
from keju.transfer.services import suggest_for_need

pytestmark = pytest.mark.django_db


def test_demo_market_has_listings_matches_and_contracts_and_reports_what_it_made(market):
    made = seed_transfer_demo(market.plan, [market.smelter.pk, market.pharma.pk])
    assert len(made["transfer.achievement"]) >= 150
    assert len(made["transfer.need"]) >= 100
    assert Need.objects.filter(pk__in=made["transfer.need"], enterprise=market.smelter).exists()
    assert Match.objects.filter(pk__in=made["transfer.match"], status="negotiating").exists()
    contracts = TechContract.objects.filter(pk__in=made["transfer.techcontract"])
    assert contracts.count() == 12 and all(c.amount > 0 for c in contracts)
    need = Need.objects.filter(pk__in=made["transfer.need"], title="镍精炼降低酸耗").get()
    top = [s.achievement.title for s in suggest_for_need(need)[:3]]
    assert "高冰镍加压浸出新工艺" in top
    assert Achievement.objects.filter(pk__in=made["transfer.achievement"], status="published").count() == len(
        made["transfer.achievement"]
    )
