from datetime import date

import pytest

from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
from keju.orgs.services import (
    RegisterError,
    close_enterprise,
    move_enterprise,
    placement_on,
    register_enterprise,
)
from keju.planning.testing import make_credit_code


@pytest.fixture
def enterprise(plan):
    return register_enterprise(
        plan,
        name="兰州高新区软件公司",
        credit_code=make_credit_code(11),
        industry_code="I6513",
        district_code="GX",
        opened_on=date(2014, 6, 1),
    )


def unit(plan, code):
    return OrgUnit.objects.get(plan=plan, code=code)


@pytest.mark.django_db
def test_moving_keeps_history(plan, enterprise):
    move_enterprise(enterprise, district_code="BG", park_code="BG-YS", on=date(2017, 1, 1))
    old, new = enterprise.placements.order_by("valid_from")
    assert (old.district.code, old.valid_from, old.valid_to) == ("GX", date(2014, 6, 1), date(2017, 1, 1))
    assert (new.district.code, new.park.code, new.valid_from, new.valid_to) == (
        "BG",
        "BG-YS",
        date(2017, 1, 1),
        None,
    )
    assert placement_on(enterprise, date(2016, 12, 31)) == old
    assert placement_on(enterprise, date(2017, 1, 1)) == new
    assert placement_on(enterprise, date(2014, 1, 1)) is None
    assert enterprise.current_placement == new


@pytest.mark.django_db
def test_earlier_periods_keep_counting_where_the_enterprise_was(plan, enterprise):
    move_enterprise(enterprise, district_code="BG", on=date(2017, 1, 1))
    gx, bg = unit(plan, "GX"), unit(plan, "BG")
    assert list(Enterprise.objects.in_district(gx, on=date(2016, 6, 30))) == [enterprise]
    assert not Enterprise.objects.in_district(bg, on=date(2016, 6, 30)).exists()
    assert list(Enterprise.objects.in_district(bg, on=date(2018, 6, 30))) == [enterprise]
    assert list(Enterprise.objects.in_district(bg)) == [enterprise]
    assert not Enterprise.objects.in_district(gx).exists()
    assert list(Enterprise.objects.in_org_unit(unit(plan, "LZ"), on=date(2016, 6, 30))) == [enterprise]
    assert list(Enterprise.objects.in_org_unit(unit(plan, "BY"))) == [enterprise]
    assert Enterprise.objects.in_org_unit(unit(plan, "MZ"), on=date(2016, 6, 30)).count() == 1


@pytest.mark.django_db
def test_with_placement_annotates_the_district_of_a_date(plan, enterprise):
    move_enterprise(enterprise, district_code="BG", on=date(2017, 1, 1))
    before = Enterprise.objects.with_placement(date(2016, 1, 1)).get()
    after = Enterprise.objects.with_placement().get()
    assert (before.district_id_on, after.district_id_on) == (unit(plan, "GX").pk, unit(plan, "BG").pk)


@pytest.mark.django_db
def test_moving_within_a_district_to_a_park_is_a_move(plan):
    e = register_enterprise(
        plan,
        name="新区企业",
        credit_code=make_credit_code(12),
        industry_code="C2614",
        district_code="XQ",
        opened_on=date(2015, 1, 1),
    )
    move_enterprise(e, district_code="XQ", park_code="XQ-SH", on=date(2016, 1, 1))
    assert Enterprise.objects.in_park(unit(plan, "XQ-SH")).get() == e
    assert Enterprise.objects.in_district(unit(plan, "XQ"), on=date(2015, 6, 1)).get() == e


@pytest.mark.django_db
def test_moving_to_where_it_already_is_is_refused(enterprise):
    with pytest.raises(RegisterError, match="无需迁移"):
        move_enterprise(enterprise, district_code="GX", on=date(2017, 1, 1))


@pytest.mark.django_db
def test_moving_before_the_current_placement_began_is_refused(enterprise):
    with pytest.raises(RegisterError, match="须晚于"):
        move_enterprise(enterprise, district_code="BG", on=date(2014, 6, 1))
    assert EnterprisePlacement.objects.count() == 1


@pytest.mark.django_db
def test_moving_to_an_unknown_district_is_refused(enterprise):
    with pytest.raises(RegisterError, match="未知的区代码“XX”"):
        move_enterprise(enterprise, district_code="XX", on=date(2017, 1, 1))


@pytest.mark.django_db
def test_closing_keeps_the_history_and_ends_the_placement(plan, enterprise):
    move_enterprise(enterprise, district_code="BG", on=date(2017, 1, 1))
    close_enterprise(enterprise, date(2019, 7, 1))
    enterprise.refresh_from_db()
    assert enterprise.closed_on == date(2019, 7, 1)
    assert enterprise.placements.count() == 2
    assert enterprise.current_placement is None
    assert placement_on(enterprise, date(2019, 6, 30)).district.code == "BG"
    assert not Enterprise.objects.active_on(date(2019, 7, 1)).exists()
    assert Enterprise.objects.active_on(date(2019, 6, 30)).get() == enterprise
    assert not Enterprise.objects.in_district(unit(plan, "BG"), on=date(2020, 1, 1)).exists()


@pytest.mark.django_db
def test_a_closed_enterprise_cannot_move_or_close_again(enterprise):
    close_enterprise(enterprise, date(2019, 7, 1))
    with pytest.raises(RegisterError, match="已于2019-07-01注销"):
        move_enterprise(enterprise, district_code="BG", on=date(2020, 1, 1))
    with pytest.raises(RegisterError, match="已于2019-07-01注销"):
        close_enterprise(enterprise, date(2020, 1, 1))


@pytest.mark.django_db
def test_closing_before_opening_is_refused(enterprise):
    with pytest.raises(RegisterError, match="注销日期"):
        close_enterprise(enterprise, date(2014, 1, 1))
