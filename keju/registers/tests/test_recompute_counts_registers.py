"""Through `keju demo` and the monitoring recompute, register-fed indicators equal hand counts."""

from datetime import date

import pytest

from keju.demo.persist import run_demo
from keju.monitoring.models import IndicatorValue, ProgressAssessment
from keju.monitoring.services import recompute
from keju.monitoring.tests.conftest import DEMO_SIZE, PLAN_PATH
from keju.registers import services
from keju.registers.models import Incubator, InnovationAlliance, InnovationPlatform, RegisterEvent

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
        RegisterEvent.objects.count(),
    )
    names = sorted(InnovationPlatform.objects.values_list("name", flat=True))
    old_ids = set(InnovationPlatform.objects.values_list("id", flat=True))
    run_demo(PLAN_PATH, enterprises=DEMO_SIZE)
    again = (
        InnovationPlatform.objects.count(),
        InnovationAlliance.objects.count(),
        Incubator.objects.count(),
        RegisterEvent.objects.count(),
    )
    assert again == first  # the same seed gives the same registers, and the old ones are gone
    assert sorted(InnovationPlatform.objects.values_list("name", flat=True)) == names
    assert not old_ids & set(InnovationPlatform.objects.values_list("id", flat=True))
    assert plan.pk
