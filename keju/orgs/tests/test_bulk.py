from datetime import date

import pytest

from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
from keju.orgs.services import RegisterError, bulk_register, register_enterprise
from keju.planning.testing import make_credit_code


def row(n, **overrides):
    values = {
        "name": f"企业{n}",
        "credit_code": make_credit_code(n),
        "industry_code": "C2614",
        "district_code": "XQ",
        "opened_on": date(2015, 1, 1),
    }
    values.update(overrides)
    return values


@pytest.mark.django_db
def test_bulk_register_inserts_enterprises_and_their_placements(plan):
    rows = [row(n) for n in range(1, 1201)]
    rows.append(
        row(5000, district_code="BG", park_code="BG-YS", industry_code="I6513", closed_on="2018-01-01")
    )
    assert bulk_register(plan, rows) == 1201
    assert Enterprise.objects.count() == EnterprisePlacement.objects.count() == 1201
    last = Enterprise.objects.get(credit_code=make_credit_code(5000))
    assert not last.is_industrial and last.closed_on == date(2018, 1, 1)
    placement = last.placements.get()
    assert (placement.park.code, placement.valid_to) == ("BG-YS", date(2018, 1, 1))
    xq = OrgUnit.objects.get(plan=plan, code="XQ")
    assert Enterprise.objects.in_district(xq, on=date(2016, 1, 1)).count() == 1200


@pytest.mark.django_db
def test_bulk_register_accepts_strings_as_read_from_csv(plan):
    rows = [row(1, opened_on="2015-01-01", is_above_scale="是", is_high_tech_enterprise="0", park_code="")]
    bulk_register(plan, rows)
    enterprise = Enterprise.objects.get()
    assert enterprise.is_above_scale and not enterprise.is_high_tech_enterprise
    assert enterprise.opened_on == date(2015, 1, 1)


@pytest.mark.django_db
def test_bulk_register_collects_every_error_with_its_row_and_inserts_nothing(plan):
    register_enterprise(plan, **row(1, name="已登记企业"))
    rows = [
        row(2),
        row(1),  # already registered
        row(3, credit_code="91350100M000100Y44"),
        row(4, district_code="NOPE", opened_on="2015-13-01"),
        row(2),  # repeats row 1 of the file
    ]
    with pytest.raises(RegisterError) as excinfo:
        bulk_register(plan, rows, first_row=2)
    messages = excinfo.value.messages
    assert messages == [
        f"第3行 统一社会信用代码{make_credit_code(1)}已登记为“已登记企业”,不能重复登记",
        "第4行 统一社会信用代码“91350100M000100Y44”校验位错误:应为3,实为4",
        "第5行 成立日期“2015-13-01”不是有效日期,应为YYYY-MM-DD",
        "第5行 未知的区代码“NOPE”",
        f"第6行 统一社会信用代码{make_credit_code(2)}与第2行重复",
    ]
    assert Enterprise.objects.count() == 1


@pytest.mark.django_db
def test_bulk_register_requires_an_opening_date_and_known_columns(plan):
    with pytest.raises(RegisterError) as excinfo:
        bulk_register(plan, [row(1, opened_on="", colour="red")])
    assert excinfo.value.messages == ["第1行 未知的列:colour", "第1行 成立日期不能为空"]


@pytest.mark.django_db
def test_bulk_register_of_nothing_is_nothing(plan):
    assert bulk_register(plan, []) == 0
