"""Usage recorded on bookings → the yearly owner evaluation → the district scorecard's instrument item."""

from datetime import date, datetime, time

import polars as pl
import pytest
from django.utils import timezone

from keju.instruments import services
from keju.instruments.models import Booking, BookingStatus
from keju.monitoring import derive
from keju.monitoring.models import Scorecard
from keju.orgs.models import OrgUnit
from keju.plan import load_plan
from keju.plan.assessment import AssessmentItem, AssessmentSpec, Grade
from keju.plan.assessment import Scorecard as CardSpec
from keju.planning.testing import MINI_PLAN, make_credit_code
from keju.vouchers.models import Provider

YEAR = 2019


def spec_with_assessment():
    items = [
        AssessmentItem(
            code="instrument_sharing",
            name="大型科研仪器开放共享",
            kind="instrument_sharing",
            points=40,
            bounds=(60, 100),
            owner_weighting="instruments",
            missing="exclude",
            source="专栏26 03",
        ),
        AssessmentItem(
            code="reporting",
            name="统计直报完整率",
            kind="coverage",
            points=60,
            bounds=(0.8, 1.0),
            source="七(四)",
        ),
    ]
    assessment = AssessmentSpec(
        level="district",
        scorecards=[
            CardSpec(code="annual", name="年度评估", frequency="annual", items=items, source="七(二)")
        ],
        grades=[
            Grade(code="pass", name="合格", min_share=0.6),
            Grade(code="fail", name="不合格", min_share=0),
        ],
        source="七(二)",
    )
    return load_plan(MINI_PLAN).model_copy(update={"assessment": assessment})


def used(lab, user, day, hours):
    start = timezone.make_aware(datetime.combine(date(YEAR, 3, day), time(9)))
    booking = Booking.objects.create(
        instrument=lab.instrument,
        user=user,
        start=start,
        end=start.replace(hour=9 + hours),
        purpose="样品分析",
        status=BookingStatus.APPROVED,
    )
    return services.record_usage(lab.operator, booking, {})


@pytest.fixture
def zone(lab):
    # 7 h for an outside researcher, 7 h for the owner's own operator (not 对外服务).
    used(lab, lab.user, 4, 7)
    used(lab, lab.operator, 5, 7)
    # An owner in the enterprise register, placed in 白银高新区, whose instrument stands in 兰州新区.
    company = Provider.objects.create(
        plan=lab.plan,
        name="白银某材料公司检测中心",
        credit_code=make_credit_code(88),
        enterprise=lab.enterprise,
        categories=["instrument"],
    )
    services.register_instrument(
        lab.office,
        lab.plan,
        {
            "name": "X射线衍射仪",
            "original_value": "260",
            "category": "analysis",
            "owner": company,
            "district": OrgUnit.objects.get(plan=lab.plan, code="XQ"),
            "location": "兰州新区 检测楼",
            "functions": "物相分析",
            "fee_per_hour": "300",
            "open_weekdays": [0, 1, 2, 3, 4],
            "open_from": "08:30",
            "open_until": "17:30",
            "operator": "李工",
        },
    )
    return lab


def test_owners_are_located_by_placement_or_by_their_instruments(zone):
    found = {e.owner: e for e in services.evaluate_owners(zone.plan, YEAR)}
    institute = found["兰州某研究所"]
    assert (institute.district, institute.district_source) == ("GX", "instruments")
    # 运行使用 40 × 14/1400 = 0.4; 共享服务 20 × min(1, 50 %/50 %) = 20; 组织管理 20 + 20
    assert (institute.effective_hours, institute.external_hours) == (14.0, 7.0)
    assert institute.total == pytest.approx(60.4)
    company = found["白银某材料公司检测中心"]
    assert (company.district, company.district_source) == ("BG", "placement")
    assert company.total == pytest.approx(40.0)  # no use at all: only 组织管理


def test_instruments_bought_after_the_year_are_not_evaluated(zone):
    zone.instrument.purchased_on = date(YEAR + 1, 2, 1)
    zone.instrument.save()
    assert "兰州某研究所" not in {e.owner for e in services.evaluate_owners(zone.plan, YEAR)}


def test_scorecard_item_goes_to_the_owners_district(zone):
    spec = spec_with_assessment()
    frame = derive.instrument_owner_frame(zone.plan, spec, YEAR)
    assert sorted(frame.select("unit", "owner").iter_rows()) == [
        ("BG", "白银某材料公司检测中心"),
        ("GX", "兰州某研究所"),
    ]
    values = pl.DataFrame(
        {
            "indicator": ["gdp"] * 3,
            "org_unit": ["GX", "BG", "XQ"],
            "year": [YEAR] * 3,
            "period": [str(YEAR)] * 3,
            "value": [1.0, 1.0, 1.0],
            "provisional": [False] * 3,
            "coverage": [1.0, 1.0, 1.0],
            "expected": [10, 10, 10],
        }
    )
    out = derive.Derived()
    derive._scorecards(spec, values, derive.Lookup.of(zone.plan), out, zone.plan)
    assert not out.errors
    cards = {OrgUnit.objects.get(pk=c.org_unit_id).code: c for c in out.scorecards if c.period == str(YEAR)}
    assert set(cards) == {"GX", "BG", "XQ"}
    item = {code: next(i for i in c.items if i["item"] == "instrument_sharing") for code, c in cards.items()}
    # 兰州高新区: its one owner scored 60.4 → (60.4 − 60) / 40 × 40 points = 0.4
    assert item["GX"]["value"] == pytest.approx(60.4)
    assert item["GX"]["score"] == pytest.approx(0.4)
    assert "兰州某研究所 60.4 分(1 台)" in item["GX"]["explanation"]
    # 白银高新区: the company (placed there) scored 40, below the 60 that earns anything
    assert (item["BG"]["value"], item["BG"]["score"]) == (pytest.approx(40.0), 0.0)
    # 兰州新区 has an instrument standing in it but no owner located there: left out, as declared
    assert item["XQ"]["included"] is False and item["XQ"]["score"] is None
    assert "区内没有参加开放共享评价的大型科研仪器所属单位,按规则不计入" in item["XQ"]["explanation"]
    assert cards["XQ"].score == pytest.approx(100.0)  # reporting complete, rescaled from 60 to 100
    assert cards["GX"].score == pytest.approx(60.4)  # 0.4 + 60


def test_a_zone_without_instruments_is_scored_without_the_item(plan):
    spec = spec_with_assessment()
    frame = derive.instrument_owner_frame(plan, spec, YEAR)
    assert frame.height == 0
    values = pl.DataFrame(
        {
            "indicator": ["gdp"],
            "org_unit": ["GX"],
            "year": [YEAR],
            "period": [str(YEAR)],
            "value": [1.0],
            "provisional": [False],
            "coverage": [0.9],
            "expected": [10],
        }
    )
    out = derive.Derived()
    derive._scorecards(spec, values, derive.Lookup.of(plan), out, plan)
    assert not out.errors
    assert len(out.scorecards) == 3 and all(isinstance(c, Scorecard) for c in out.scorecards)
    for card in out.scorecards:
        sharing = next(i for i in card.items if i["item"] == "instrument_sharing")
        assert sharing["included"] is False
