"""Through `keju demo` and the monitoring recompute, register-fed indicators equal hand counts."""

from datetime import date

import pytest

from keju.demo.persist import run_demo
from keju.monitoring.models import IndicatorValue, ProgressAssessment
from keju.monitoring.services import recompute
from keju.monitoring.tests.conftest import DEMO_SIZE, PLAN_PATH
from keju.orgs.models import EnterprisePlacement
from keju.orgs.services import move_enterprise
from keju.registers import services
from keju.registers.models import (
    EnterpriseRecognition,
    Incubator,
    InnovationAlliance,
    InnovationPlatform,
    RegisterEvent,
)

pytestmark = pytest.mark.django_db


def stored(plan, indicator, unit, period):
    row = IndicatorValue.objects.filter(
        plan=plan, indicator__code=indicator, org_unit__code=unit, period=period
    ).first()
    return None if row is None else row.value


def test_platform_counts_by_district_and_zone_equal_hand_counts_at_each_year_end(demo):
    plan = demo.plan
    for year in (2014, 2017, 2020):
        on = date(year, 12, 31)
        active = InnovationPlatform.objects.filter(plan=plan).active_on(on).of_level("national", "provincial")
        by_district = {}
        for p in active.select_related("district"):
            by_district[p.district.code] = by_district.get(p.district.code, 0) + 1
        for code in ("lzxq", "lzgxq", "lzjjq", "bygxq"):
            assert stored(plan, "rd_platforms", code, str(year)) == by_district.get(code, 0)
        assert stored(plan, "rd_platforms", "lanzhou", str(year)) == sum(
            by_district.get(c, 0) for c in ("lzxq", "lzgxq", "lzjjq")
        )
        assert stored(plan, "rd_platforms", "lanbai", str(year)) == active.count()


def test_type_level_and_kind_filters_equal_hand_counts(demo):
    plan = demo.plan
    on = date(2019, 12, 31)
    platforms = InnovationPlatform.objects.filter(plan=plan).active_on(on)
    incubators = Incubator.objects.filter(plan=plan).active_on(on)
    hand = {
        "national_key_labs": platforms.of_level("national").of_type("key_lab").count(),
        "national_enterprise_tech_centres": platforms.of_level("national")
        .of_type("enterprise_tech_centre")
        .count(),
        "industry_alliances": InnovationAlliance.objects.filter(plan=plan).active_on(on).count(),
        "platforms_and_alliances": platforms.count()
        + InnovationAlliance.objects.filter(plan=plan).active_on(on).count(),
        "incubators": incubators.of_kind("incubator").count(),
        "specialised_incubators": incubators.of_kind("incubator").filter(specialised=True).count(),
        "maker_spaces": incubators.of_kind("maker_space").count(),
        "provincial_maker_spaces": incubators.of_kind("maker_space")
        .of_level("national", "provincial")
        .count(),
        "specialised_parks": incubators.of_kind("accelerator").count(),
        "incubated_enterprises": sum(i.residents for i in incubators.of_kind("incubator")),
    }
    for code, count in hand.items():
        assert stored(plan, code, "lanbai", "2019") == count, code
    area = sum(i.area_m2 for i in incubators.of_kind("maker_space")) / 10_000
    assert stored(plan, "maker_space_area", "lanbai", "2019") == pytest.approx(area)


def test_the_demo_gives_register_indicators_non_zero_values_and_a_status(demo):
    plan = demo.plan
    for code in ("rd_platforms", "industry_alliances", "incubators", "maker_spaces", "specialised_parks"):
        assert stored(plan, code, "lanbai", "2020") > 0
    statuses = set(
        ProgressAssessment.objects.filter(
            plan=plan,
            indicator__code__in=["rd_platforms", "industry_alliances", "incubators"],
            org_unit__code="lanbai",
        ).values_list("status", flat=True)
    )
    assert statuses and "insufficient_data" not in statuses


def test_a_revocation_lowers_the_count_from_its_year_after_recompute(demo):
    plan = demo.plan
    recompute(plan)
    entry = InnovationAlliance.objects.filter(
        plan=plan, dissolved_on__isnull=True, founded_on__year__lte=2016
    ).first()
    district = entry.district.code
    before = {y: stored(plan, "industry_alliances", district, str(y)) for y in (2017, 2018)}
    from django.contrib.auth import get_user_model

    office = get_user_model().objects.create_superuser("regs-admin", password="x-pw-12345")
    services.revoke(office, entry, {"revoked_on": "2018-03-01", "reason": "解散"})
    recompute(plan)
    assert stored(plan, "industry_alliances", district, "2017") == before[2017]
    assert stored(plan, "industry_alliances", district, "2018") == before[2018] - 1


def test_rerunning_the_demo_replaces_its_registers_without_leftovers(demo):
    plan = demo.plan
    first = (
        InnovationPlatform.objects.count(),
        InnovationAlliance.objects.count(),
        Incubator.objects.count(),
        EnterpriseRecognition.objects.count(),
        RegisterEvent.objects.count(),
    )
    names = sorted(InnovationPlatform.objects.values_list("name", flat=True))
    old_ids = set(InnovationPlatform.objects.values_list("id", flat=True))
    run_demo(PLAN_PATH, enterprises=DEMO_SIZE)
    again = (
        InnovationPlatform.objects.count(),
        InnovationAlliance.objects.count(),
        Incubator.objects.count(),
        EnterpriseRecognition.objects.count(),
        RegisterEvent.objects.count(),
    )
    assert again == first  # the same seed gives the same registers, and the old ones are gone
    assert sorted(InnovationPlatform.objects.values_list("name", flat=True)) == names
    assert not old_ids & set(InnovationPlatform.objects.values_list("id", flat=True))
    assert plan.pk


RECOGNITION_INDICATORS = {
    "innovative_enterprises": "innovative",
    "national_innovative_pilot_enterprises": "national_innovative_pilot",
    "ip_advantage_enterprises": "ip_advantage",
    "strategic_emerging_backbone_enterprises": "strategic_emerging_backbone",
    "backbone_enterprises": "backbone",
    "bio_backbone_enterprises": "bio_backbone",
}
DISTRICTS = ("lzxq", "lzgxq", "lzjjq", "bygxq")


def hand_counts(plan, kind, on):
    """Recognitions of `kind` in force on `on`, by the district their enterprise sits in then."""
    in_force = EnterpriseRecognition.objects.filter(plan=plan, kind=kind).active_on(on)
    districts = EnterprisePlacement.objects.covering(on).filter(enterprise__recognitions__in=in_force)
    by_district = {}
    for code in districts.values_list("district__code", flat=True):
        by_district[code] = by_district.get(code, 0) + 1
    return by_district


def test_recognition_indicators_equal_hand_counts_by_district_at_each_year_end(demo):
    plan = demo.plan
    assert EnterpriseRecognition.objects.filter(plan=plan).exclude(revoked_on=None).exists()
    for code, kind in RECOGNITION_INDICATORS.items():
        for year in (2014, 2017, 2020):
            by_district = hand_counts(plan, kind, date(year, 12, 31))
            for district in DISTRICTS:
                assert stored(plan, code, district, str(year)) == by_district.get(district, 0), (code, year)
            assert stored(plan, code, "lanbai", str(year)) == sum(by_district.values()), (code, year)


def test_innovative_enterprises_follow_the_stage_increments_and_get_statuses(demo):
    plan = demo.plan
    value = {y: stored(plan, "innovative_enterprises", "lanbai", str(y)) for y in (2014, 2015, 2017, 2020)}
    # 六: 20 in 2015, 80 more by 2017, 100 more by 2020 — the demo is near each
    assert 15 <= value[2015] - value[2014] <= 30
    assert 85 <= value[2017] - value[2014] <= 115
    assert 180 <= value[2020] - value[2014] <= 215
    statuses = ProgressAssessment.objects.filter(
        plan=plan, indicator__code="innovative_enterprises", org_unit__code="lanbai"
    ).values_list("target__stage__code", "status")
    assert {stage for stage, _ in statuses} == {None, "foundation", "aggregation", "breakthrough"}
    assert "insufficient_data" not in {status for _, status in statuses}
    lzxq = ProgressAssessment.objects.get(
        plan=plan, indicator__code="backbone_enterprises", org_unit__code="lzxq", target__isnull=False
    )
    assert lzxq.status != "insufficient_data"


def test_moving_a_recognised_enterprise_moves_its_count_from_that_year_after_recompute(demo):
    plan = demo.plan
    recompute(plan)
    entry = (
        EnterpriseRecognition.objects.filter(
            plan=plan, kind="innovative", revoked_on=None, recognised_on__year__lte=2016
        )
        .filter(enterprise__placements__valid_to=None, enterprise__placements__valid_from__year__lt=2020)
        .select_related("enterprise")
        .first()
    )
    old = entry.enterprise.current_placement.district.code
    new = next(d for d in DISTRICTS if d != old)
    before = {
        (d, y): stored(plan, "innovative_enterprises", d, str(y)) for d in (old, new) for y in (2019, 2020)
    }
    move_enterprise(entry.enterprise, district_code=new, on=date(2020, 3, 1))
    recompute(plan)
    after = {
        (d, y): stored(plan, "innovative_enterprises", d, str(y)) for d in (old, new) for y in (2019, 2020)
    }
    assert after[(old, 2019)] == before[(old, 2019)] and after[(new, 2019)] == before[(new, 2019)]
    assert after[(old, 2020)] == before[(old, 2020)] - 1
    assert after[(new, 2020)] == before[(new, 2020)] + 1
