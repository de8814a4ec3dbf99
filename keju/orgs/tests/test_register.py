import re
from datetime import date

import pytest

from keju.orgs.models import Enterprise, EnterprisePlacement
from keju.orgs.services import RegisterError, register_enterprise
from keju.planning.testing import make_credit_code


def register(plan, **overrides):
    values = {
        "name": "兰州石化新材料有限公司",
        "credit_code": make_credit_code(1),
        "industry_code": "C2614",
        "district_code": "XQ",
        "opened_on": date(2015, 3, 1),
    }
    values.update(overrides)
    return register_enterprise(plan, **values)


@pytest.mark.django_db
def test_registering_places_the_enterprise_in_its_district_and_park(plan):
    enterprise = register(plan, park_code="XQ-SH", is_above_scale=True, industry_chain="petrochem")
    assert enterprise.is_industrial and enterprise.is_above_scale
    assert enterprise.industry_chain.code == "petrochem"
    placement = enterprise.placements.get()
    assert (placement.district.code, placement.park.code, placement.valid_from, placement.valid_to) == (
        "XQ",
        "XQ-SH",
        date(2015, 3, 1),
        None,
    )


@pytest.mark.django_db
def test_is_industrial_follows_the_industry_code(plan):
    assert not register(plan, industry_code="I6513").is_industrial


@pytest.mark.django_db
def test_codes_are_normalised_to_upper_case(plan):
    enterprise = register(plan, credit_code=make_credit_code(7).lower(), industry_code="c2614")
    assert enterprise.credit_code == make_credit_code(7) and enterprise.industry_code == "C2614"


@pytest.mark.django_db
def test_a_duplicate_credit_code_names_the_registered_enterprise(plan):
    register(plan)
    with pytest.raises(RegisterError) as excinfo:
        register(plan, name="另一家公司")
    assert (
        str(excinfo.value)
        == f"统一社会信用代码{make_credit_code(1)}已登记为“兰州石化新材料有限公司”,不能重复登记"
    )
    assert Enterprise.objects.count() == 1


@pytest.mark.django_db
def test_an_invalid_credit_code_is_refused(plan):
    with pytest.raises(RegisterError, match="校验位错误"):
        register(plan, credit_code="91350100M000100Y44")


@pytest.mark.django_db
def test_an_unknown_district_code_is_named(plan):
    with pytest.raises(RegisterError, match="未知的区代码“NOPE”"):
        register(plan, district_code="NOPE")


@pytest.mark.django_db
def test_a_city_is_not_a_district(plan):
    with pytest.raises(RegisterError, match=re.escape("“LZ”(兰州市)不是区")):
        register(plan, district_code="LZ")


@pytest.mark.django_db
def test_an_unknown_park_code_is_named(plan):
    with pytest.raises(RegisterError, match="未知的园区代码“XQ-NOPE”"):
        register(plan, park_code="XQ-NOPE")


@pytest.mark.django_db
def test_the_park_must_belong_to_the_district(plan):
    with pytest.raises(RegisterError, match=re.escape("园区“白银有色园”(BG-YS)不属于“兰州新区”(XQ)")):
        register(plan, park_code="BG-YS")


@pytest.mark.django_db
def test_a_malformed_industry_code_is_refused(plan):
    with pytest.raises(RegisterError, match="格式错误"):
        register(plan, industry_code="2614")


@pytest.mark.django_db
def test_only_industrial_enterprises_can_be_above_scale(plan):
    with pytest.raises(RegisterError, match="不能标记为规模以上工业企业"):
        register(plan, industry_code="I6513", is_above_scale=True)


@pytest.mark.django_db
def test_an_unknown_industry_chain_is_named(plan):
    with pytest.raises(RegisterError, match="未知的产业链代码“steel”"):
        register(plan, industry_chain="steel")


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(plan):
    with pytest.raises(RegisterError) as excinfo:
        register(plan, name=" ", credit_code="123", district_code="NOPE")
    assert len(excinfo.value.messages) == 3
    assert EnterprisePlacement.objects.count() == 0


@pytest.mark.django_db
def test_a_name_longer_than_the_register_allows_is_refused(plan):
    with pytest.raises(RegisterError, match="超过200个字"):
        register(plan, name="长" * 201)
