"""Talents, projects and registered contracts become indicator values, rolled up the org tree."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from keju.monitoring.models import IndicatorValue, ProgressAssessment
from keju.monitoring.services import recompute
from keju.pools.models import Project, Talent
from keju.transfer.models import TechContract

pytestmark = pytest.mark.django_db


def stored(plan, indicator, unit, period):
    row = IndicatorValue.objects.filter(
        plan=plan, indicator__code=indicator, org_unit__code=unit, period=period
    ).first()
    return None if row is None else row.value


def test_talent_pool_counts_are_year_end_stocks_by_district_city_and_zone(demo):
    plan = demo.plan
    recompute(plan)
    talents = Talent.objects.filter(plan=plan, kind="leading")
    by_district = {}
    for t in talents.select_related("district"):
        if t.year <= 2018:
            by_district[t.district.code] = by_district.get(t.district.code, 0) + 1
    for code, count in by_district.items():
        assert stored(plan, "industry_leading_talents", code, "2018") == count
    assert stored(plan, "industry_leading_talents", "lanbai", "2018") == sum(by_district.values())
    assert ProgressAssessment.objects.filter(
        plan=plan, indicator__code="industry_leading_talents", org_unit__code="lanbai"
    ).exists()


def test_projects_in_operation_are_yearly_flows_with_a_cumulative_period(demo):
    plan = demo.plan
    recompute(plan)
    operating = Project.objects.filter(plan=plan, kind="achievement_transfer", stage="operating")
    in_2018 = operating.filter(end_year=2018).count()
    up_to_2018 = operating.filter(end_year__gte=2015, end_year__lte=2018).count()
    assert stored(plan, "major_achievements_transferred", "lanbai", "2018") == in_2018
    assert stored(plan, "major_achievements_transferred", "lanbai", "2015-2018") == up_to_2018


def test_a_registered_contract_feeds_the_registered_turnover_after_recompute(demo):
    plan = demo.plan
    recompute(plan)
    before = stored(plan, "registered_tech_contract_turnover", "lzgxq", "2019") or 0.0
    seller = demo.result.plan.enterprises.filter(
        placements__district__code="lzgxq", placements__valid_to__isnull=True
    ).first()
    TechContract.objects.create(
        plan=plan,
        registration_number="622019999001",
        contract_type="transfer",
        title="测试合同",
        seller_name=seller.name,
        seller=seller,
        buyer_name="某公司",
        district=seller.current_placement.district,
        amount=1500,
        technical_income=1500,
        signed_on=date(2019, 3, 1),
        registered_on=date(2019, 3, 5),
        registered_by=get_user_model().objects.first(),
    )
    recompute(plan)
    assert stored(plan, "registered_tech_contract_turnover", "lzgxq", "2019") == pytest.approx(before + 0.15)
    assert stored(plan, "registered_tech_contract_turnover", "lanbai", "2019") >= 0.15
