"""Recognitions in force at a year's end, counted where the enterprise sits then: moves, closing,
revocation and expiry, by district, park and chain; a kind nobody registers gives no values."""

from datetime import date

import polars as pl
import pytest

from keju.monitoring.objects import (
    REGISTER_COUNTS,
    _register_rows,
    register_count,
    register_frames,
    register_year_ends,
)
from keju.monitoring.tests.conftest import PLAN_PATH
from keju.orgs.models import EnterprisePlacement, OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.services import load_plan_into_db
from keju.planning.testing import make_credit_code
from keju.registers import services
from keju.registers.frames import active_at, recognition_frame
from keju.registers.models import EnterpriseRecognition, RecognitionKind

from .conftest import recognition

pytestmark = pytest.mark.django_db
INNOVATIVE = REGISTER_COUNTS["innovative_enterprises"]


@pytest.fixture
def recognised(people, firms):
    office, plan = people.office, people.plan

    def add(firm, **changes):
        return services.register(office, plan, "recognition", recognition(firm, **changes))

    mover = add(firms.mover, recognised_on="2015-06-01")  # XQ until 2017-03-01, then BG
    closer = add(firms.closer, recognised_on="2014-03-01")  # BG, closes 2019-05-01
    plain = add(firms.plain, recognised_on="2016-02-01")  # XQ, revoked 2018-07-01
    services.revoke(office, plain, {"revoked_on": "2018-07-01", "reason": "复核不合格"})
    expiring = add(firms.plain, kind="ip_advantage", recognised_on="2015-01-01", expires_on="2017-12-31")
    return mover, closer, plain, expiring


def counts(frames, spec, year, by=("district",)):
    return dict(register_count(frames, spec, date(year, 12, 31), by=by).iter_rows())


def test_the_queryset_counts_the_expiry_day_and_not_the_day_after(recognised):
    *_, expiring = recognised
    rows = EnterpriseRecognition.objects.of_kind("ip_advantage")
    assert rows.active_on(date(2017, 12, 31)).get() == expiring
    assert not rows.active_on(date(2018, 1, 1)).exists()
    assert not rows.active_on(date(2014, 12, 31)).exists()


def test_an_enterprise_that_moves_counts_in_its_old_district_then_its_new_one(people, recognised):
    frames = register_frames(people.plan)
    assert counts(frames, INNOVATIVE, 2014) == {"BG": 1.0}
    assert counts(frames, INNOVATIVE, 2016) == {"XQ": 2.0, "BG": 1.0}
    assert counts(frames, INNOVATIVE, 2017) == {"XQ": 1.0, "BG": 2.0}  # 甲 moved on 2017-03-01
    assert counts(frames, INNOVATIVE, 2018) == {"BG": 2.0}  # 丙 revoked on 2018-07-01
    assert counts(frames, INNOVATIVE, 2019) == {"BG": 1.0}  # 乙 closed on 2019-05-01
    ip = REGISTER_COUNTS["ip_advantage_enterprises"]
    assert counts(frames, ip, 2017) == {"XQ": 1.0} and counts(frames, ip, 2018) == {}


def test_the_frame_cuts_a_recognition_at_the_move_and_ends_it_at_the_closing(people, recognised):
    mover, closer, *_ = recognised
    frame = recognition_frame(people.plan)
    stretches = frame.filter(pl.col("id") == mover.pk).select("district", "park", "valid_from", "valid_to")
    assert stretches.rows() == [
        ("XQ", "XQ-SH", date(2015, 6, 1), date(2017, 3, 1)),
        ("BG", None, date(2017, 3, 1), None),
    ]
    assert frame.filter(pl.col("id") == closer.pk)["valid_to"].to_list() == [date(2019, 5, 1)]
    for year in range(2013, 2021):  # never more than one stretch of a recognition in force at once
        on = date(year, 12, 31)
        assert active_at(frame, on)["id"].n_unique() == active_at(frame, on).height


def test_by_park_and_chain_and_the_year_ends_in_one_pass_agree(people, recognised):
    frames = register_frames(people.plan)
    assert counts(frames, INNOVATIVE, 2016, by=("park",)) == {"XQ-SH": 1.0, "BG-YS": 1.0, None: 1.0}
    assert counts(frames, INNOVATIVE, 2016, by=("chain",)) == {"petrochem": 1.0, "nonferrous": 1.0, None: 1.0}
    years = list(range(2014, 2021))
    ends = register_year_ends(frames, INNOVATIVE, years)
    for year in years:
        by_year = {d: v for d, y, v in ends.iter_rows() if y == year}
        assert by_year == counts(frames, INNOVATIVE, year), year


def test_the_frame_agrees_with_the_queryset_and_the_placements_at_every_year_end(people, recognised):
    frame = recognition_frame(people.plan)
    for year in range(2013, 2021):
        on = date(year, 12, 31)
        in_force = EnterpriseRecognition.objects.active_on(on)
        placed = dict(
            EnterprisePlacement.objects.covering(on)
            .filter(enterprise__recognitions__in=in_force)
            .values_list("enterprise__recognitions__id", "district__code")
        )
        active = active_at(frame, on)
        assert dict(zip(active["id"].to_list(), active["district"].to_list(), strict=True)) == placed, year


def test_a_kind_nobody_registers_gives_no_values_while_a_kept_kind_gives_zeros(db):
    plan = load_plan_into_db(PLAN_PATH)
    units = OrgUnit.objects.filter(plan=plan).select_related("parent")
    tree = {
        u.code: {"code": u.code, "parent": u.parent.code if u.parent else None, "level": u.level}
        for u in units
    }
    firm = register_enterprise(
        plan,
        name="兰州新区测试企业",
        credit_code=make_credit_code(7),
        industry_code="C2614",
        district_code="lzxq",
        opened_on=date(2010, 1, 1),
    )
    EnterpriseRecognition.objects.create(
        plan=plan,
        enterprise=firm,
        name=firm.name,
        district=firm.current_placement.district,
        kind=RecognitionKind.INNOVATIVE,
        level="provincial",
        recognised_on=date(2016, 1, 1),
    )
    codes = {"innovative_enterprises", "bio_backbone_enterprises"}
    rows = _register_rows(plan, codes, tree, [2015, 2016])
    assert {r["indicator"] for r in rows} == {"innovative_enterprises"}  # 生物产业骨干: 数据不足, not 0
    values = {(r["org_unit"], r["period"]): r["value"] for r in rows}
    assert values[("lzxq", "2016")] == 1 and values[("lzgxq", "2016")] == 0 and values[("lzxq", "2015")] == 0
    assert values[("lanbai", "2016")] == 1
