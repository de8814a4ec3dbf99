"""Register, edit and revoke through the services: validation in Chinese, duplicates, scope, audit."""

from datetime import date, timedelta

import pytest

from keju.registers import services
from keju.registers.models import (
    Action,
    Incubator,
    InnovationAlliance,
    InnovationPlatform,
    RegisterEvent,
)

from .conftest import ALLIANCE, INCUBATOR, PLATFORM

pytestmark = pytest.mark.django_db


def test_office_registers_each_kind_and_the_register_event_names_who(people):
    p = services.register(people.office, people.plan, "platform", PLATFORM)
    a = services.register(people.office, people.plan, "alliance", ALLIANCE)
    i = services.register(people.reviewer_bg, people.plan, "incubator", INCUBATOR)
    assert p.park.code == "XQ-SH" and p.industry_chain.code == "petrochem"
    assert a.member_count == 12 and a.founded_on == date(2015, 9, 1)
    assert i.area_m2 == 52000 and i.recognised_on == date(2014, 6, 1)  # 千分位 and 年月日 accepted
    event = RegisterEvent.objects.get(platform=p)
    assert event.action == Action.REGISTER and event.user == people.office
    assert event.changes["name"] == PLATFORM["name"]
    assert RegisterEvent.objects.get(incubator=i).user == people.reviewer_bg


def test_a_duplicate_is_refused_even_with_full_width_brackets_and_spaces(people):
    services.register(people.office, people.plan, "platform", PLATFORM)
    twin = {**PLATFORM, "name": " 甘肃省石化催化工程技术研究中心 "}
    with pytest.raises(services.RegisterError, match="已登记.*不能重复登记"):
        services.register(people.office, people.plan, "platform", twin)
    # the same name at another level is another platform
    services.register(people.office, people.plan, "platform", {**PLATFORM, "level": "national"})
    assert InnovationPlatform.objects.count() == 2
    services.register(people.office, people.plan, "alliance", ALLIANCE)
    with pytest.raises(services.RegisterError, match="不能重复登记"):
        services.register(
            people.office, people.plan, "alliance", {**ALLIANCE, "name": "石化产业技术创新战略联盟"}
        )


def test_after_revocation_the_same_name_can_be_registered_again(people):
    first = services.register(people.office, people.plan, "incubator", INCUBATOR)
    services.revoke(people.office, first, {"revoked_on": "2018-01-01", "reason": "考核不合格"})
    again = services.register(
        people.office, people.plan, "incubator", {**INCUBATOR, "recognised_on": "2019-03-01"}
    )
    assert again.pk != first.pk and Incubator.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "请填写名称"),
        ({"name": "<script>x</script>"}, "网页标记"),
        ({"district": "GX9"}, "不存在"),
        ({"park": "BG-YS"}, "不属于兰州新区"),
        ({"industry_chain": "nope"}, "产业链“nope”不存在"),
        ({"platform_type": "lab"}, "平台类型“lab”无效"),
        ({"level": ""}, "请选择级别"),
        ({"host_name": ""}, "请填写依托单位"),
        ({"host_credit_code": "91620100MA7XXXXXX1"}, "不在企业名录中"),
        ({"recognised_on": "2016-13-40"}, "不是有效日期"),
        ({"recognised_on": "去年"}, "不是有效日期"),
        ({"recognised_on": (date.today() + timedelta(days=3)).isoformat()}, "晚于今天"),
        ({"recognised_on": "1900-01-01"}, "早于1950年"),
    ],
)
def test_bad_platform_input_is_refused_in_chinese_and_nothing_is_written(people, change, message):
    with pytest.raises(services.RegisterError, match=message):
        services.register(people.office, people.plan, "platform", {**PLATFORM, **change})
    assert not InnovationPlatform.objects.exists() and not RegisterEvent.objects.exists()


@pytest.mark.parametrize(
    ("register", "data", "message"),
    [
        ("alliance", {**ALLIANCE, "member_count": "1"}, "不能小于2"),
        ("alliance", {**ALLIANCE, "member_count": "十二"}, "应为整数"),
        ("incubator", {**INCUBATOR, "area_m2": "0"}, "不能小于1"),
        ("incubator", {**INCUBATOR, "kind": "maker_space", "specialised": "on"}, "只有科技企业孵化器"),
        ("incubator", {**INCUBATOR, "residents": "-3"}, "应为整数"),
        ("nothing", {}, "未知的登记类别"),
    ],
)
def test_bad_alliance_and_incubator_input_is_refused(people, register, data, message):
    with pytest.raises(services.RegisterError, match=message):
        services.register(people.office, people.plan, register, data)


def test_a_district_reviewer_registers_and_edits_in_its_own_district_only(people):
    with pytest.raises(services.RegisterError, match="只能登记和修改本区"):
        services.register(people.reviewer_xq, people.plan, "incubator", INCUBATOR)  # BG
    theirs = services.register(people.reviewer_bg, people.plan, "incubator", INCUBATOR)
    with pytest.raises(services.RegisterError, match="不能修改其他区"):
        services.edit(people.reviewer_xq, theirs, {**INCUBATOR, "residents": "90"})
    with pytest.raises(services.RegisterError, match="不能撤销其他区"):
        services.revoke(people.reviewer_xq, theirs, {"revoked_on": "2019-01-01", "reason": "x"})
    # nor move its own entry to another district
    own = services.register(people.reviewer_xq, people.plan, "platform", PLATFORM)
    with pytest.raises(services.RegisterError, match="只能登记和修改本区"):
        services.edit(people.reviewer_xq, own, {**PLATFORM, "district": "BG", "park": ""})
    with pytest.raises(services.RegisterError, match="只能登记和修改本区"):
        services.register(people.evaluator, people.plan, "platform", PLATFORM)  # read-only role


def test_an_edit_records_old_and_new_values_of_the_changed_fields_only(people):
    entry = services.register(people.office, people.plan, "alliance", ALLIANCE)
    services.edit(people.reviewer_xq, entry, {**ALLIANCE, "member_count": "15", "lead_unit": "兰州大学"})
    entry.refresh_from_db()
    assert entry.member_count == 15
    event = RegisterEvent.objects.get(alliance=entry, action=Action.EDIT)
    assert event.user == people.reviewer_xq
    assert event.changes == {"member_count": [12, 15], "lead_unit": ["兰州石化研究院", "兰州大学"]}
    services.edit(people.office, entry, {**ALLIANCE, "member_count": "15", "lead_unit": "兰州大学"})
    assert (
        RegisterEvent.objects.filter(alliance=entry, action=Action.EDIT).count() == 1
    )  # no change, no event


def test_revocation_needs_a_date_not_before_recognition_and_a_reason_and_happens_once(people):
    entry = services.register(people.office, people.plan, "platform", PLATFORM)
    for data, message in [
        ({"revoked_on": "2015-01-01", "reason": "x"}, "不能早于认定"),
        ({"revoked_on": "2019-01-01", "reason": ""}, "请填写撤销原因"),
        ({"revoked_on": "", "reason": "x"}, "请填写撤销日期"),
    ]:
        with pytest.raises(services.RegisterError, match=message):
            services.revoke(people.office, entry, data)
    services.revoke(people.office, entry, {"revoked_on": "2019-01-01", "reason": "评估不合格"})
    entry.refresh_from_db()
    assert entry.revoked_on == date(2019, 1, 1) and entry.revocation_reason == "评估不合格"
    assert RegisterEvent.objects.get(platform=entry, action=Action.REVOKE).note == "评估不合格"
    with pytest.raises(services.RegisterError, match="已经撤销"):
        services.revoke(people.office, entry, {"revoked_on": "2020-01-01", "reason": "x"})
    with pytest.raises(services.RegisterError, match="不能晚于撤销日期"):
        services.edit(people.office, entry, {**PLATFORM, "recognised_on": "2019-06-01"})


def test_an_alliance_led_by_a_registered_enterprise_takes_its_name(people):
    from keju.orgs.models import Enterprise
    from keju.planning.testing import make_credit_code

    enterprise = Enterprise.objects.create(
        plan=people.plan,
        credit_code=make_credit_code(7),
        name="兰州某石化装备公司",
        industry_code="C3512",
        opened_on=date(2010, 1, 1),
    )
    entry = services.register(
        people.office,
        people.plan,
        "alliance",
        {**ALLIANCE, "lead_unit": "", "lead_credit_code": enterprise.credit_code.lower()},
    )
    assert entry.lead_enterprise == enterprise and entry.lead_unit == "兰州某石化装备公司"
    assert InnovationAlliance.objects.get().lead_enterprise_id == enterprise.pk
