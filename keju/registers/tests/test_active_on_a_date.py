"""Querysets and frames: what is in force at the end of a day, by district, chain and type."""

from datetime import date

import pytest

from keju.monitoring.objects import REGISTER_COUNTS, register_count, register_frames
from keju.registers import services
from keju.registers.frames import active_at, register_frame
from keju.registers.models import Incubator, InnovationAlliance, InnovationPlatform

from .conftest import ALLIANCE, INCUBATOR, PLATFORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(people):
    office, plan = people.office, people.plan
    p1 = services.register(office, plan, "platform", PLATFORM)  # provincial, XQ, 2016-05-12
    p2 = services.register(
        office,
        plan,
        "platform",
        {
            **PLATFORM,
            "name": "有色金属国家重点实验室",
            "district": "BG",
            "park": "",
            "platform_type": "key_lab",
            "level": "national",
            "industry_chain": "nonferrous",
            "recognised_on": "2012-01-01",
        },
    )
    services.revoke(office, p2, {"revoked_on": "2018-06-30", "reason": "整合重组"})
    p3 = services.register(
        office, plan, "platform", {**PLATFORM, "name": "新区化工市级中心", "level": "municipal"}
    )
    services.register(office, plan, "alliance", ALLIANCE)
    services.register(office, plan, "incubator", INCUBATOR)
    return p1, p2, p3


def test_active_on_counts_from_the_recognition_day_until_the_day_before_revocation(entries):
    p1, p2, _ = entries
    platforms = InnovationPlatform.objects
    assert set(platforms.active_on(date(2016, 5, 11))) == {p2}
    assert p1 in platforms.active_on(date(2016, 5, 12))
    assert p2 in platforms.active_on(date(2018, 6, 29))
    assert p2 not in platforms.active_on(date(2018, 6, 30))
    assert platforms.active_on(date(2020, 12, 31)).in_district("XQ").count() == 2
    assert platforms.in_chain("nonferrous").get() == p2
    assert platforms.in_group("traditional").count() == 3
    assert platforms.of_level("national").of_type("key_lab").get() == p2
    assert InnovationAlliance.objects.active_on(date(2015, 8, 31)).count() == 0
    assert InnovationAlliance.objects.active_on(date(2015, 9, 1)).count() == 1
    assert Incubator.objects.active_on(date(2014, 12, 31)).of_kind("incubator").count() == 1


def test_frames_agree_with_the_querysets_on_every_year_end(people, entries):
    frame = register_frame(people.plan, "platform")
    assert frame.height == 3
    for year in range(2011, 2021):
        on = date(year, 12, 31)
        assert active_at(frame, on).height == InnovationPlatform.objects.active_on(on).count()


def test_register_counts_by_district_and_by_chain_follow_the_indicator_conventions(people, entries):
    frames = register_frames(people.plan)
    rd = REGISTER_COUNTS["rd_platforms"]  # national and provincial only
    at_2017 = dict(register_count(frames, rd, date(2017, 12, 31)).iter_rows())
    assert at_2017 == {"XQ": 1.0, "BG": 1.0}
    at_2019 = dict(register_count(frames, rd, date(2019, 12, 31)).iter_rows())
    assert at_2019 == {"XQ": 1.0}  # the key lab was revoked in 2018, the municipal centre never counts
    by_chain = dict(
        register_count(
            frames, REGISTER_COUNTS["platforms_and_alliances"], date(2019, 12, 31), by=("chain",)
        ).iter_rows()
    )
    assert by_chain == {"petrochem": 3.0}  # two platforms (all levels) and the alliance
    area = dict(register_count(frames, REGISTER_COUNTS["incubator_area"], date(2019, 12, 31)).iter_rows())
    assert area == {"BG": pytest.approx(5.2)}  # 52,000 m² = 5.2 万平方米


def test_a_register_without_entries_gives_no_values_rather_than_zeros(db):
    from keju.monitoring.objects import _register_rows
    from keju.monitoring.tests.conftest import PLAN_PATH
    from keju.planning.models import Indicator
    from keju.planning.services import load_plan_into_db

    plan = load_plan_into_db(PLAN_PATH)
    tree = {
        u.code: {"code": u.code, "parent": u.parent.code if u.parent else None, "level": u.level}
        for u in plan_units(plan)
    }
    codes = set(Indicator.objects.filter(plan=plan).values_list("code", flat=True))
    assert set(REGISTER_COUNTS) <= codes  # every register-fed indicator is in the plan file
    assert _register_rows(plan, codes, tree, [2019, 2020]) == []  # 数据不足, not 0


def plan_units(plan):
    from keju.orgs.models import OrgUnit

    return OrgUnit.objects.filter(plan=plan).select_related("parent")
