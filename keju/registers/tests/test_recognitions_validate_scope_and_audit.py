"""Enterprise recognitions: no overlapping dates for one enterprise and kind, dates in order,
refusals in Chinese with nothing written, who may register where, and the audit trail."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from keju.registers import services
from keju.registers.models import EnterpriseRecognition, RegisterEvent
from keju.registers.services import RegisterError

from .conftest import recognition

pytestmark = pytest.mark.django_db


def register(people, firm, **changes):
    return services.register(people.office, people.plan, "recognition", recognition(firm, **changes))


def refused(people, firm, user=None, **changes):
    before = (EnterpriseRecognition.objects.count(), RegisterEvent.objects.count())
    with pytest.raises(RegisterError) as caught:
        services.register(user or people.office, people.plan, "recognition", recognition(firm, **changes))
    assert (EnterpriseRecognition.objects.count(), RegisterEvent.objects.count()) == before
    return caught.value.message


def test_a_recognition_takes_name_district_park_and_chain_from_the_enterprise(people, firms):
    entry = register(people, firms.mover)
    assert entry.name == "兰州甲化工有限公司" and entry.enterprise == firms.mover
    # recognised in 2016, before the move: where it was then
    assert (entry.district.code, entry.park.code, entry.industry_chain.code) == ("XQ", "XQ-SH", "petrochem")
    later = register(people, firms.mover, kind="ip_advantage", recognised_on="2018-01-05")
    assert (later.district.code, later.park) == ("BG", None)
    chosen = register(people, firms.plain, industry_chain="nonferrous")
    assert chosen.industry_chain.code == "nonferrous"


def test_the_same_kind_cannot_overlap_at_any_level_and_the_refusal_names_the_holder(people, firms):
    first = register(people, firms.mover)  # open-ended from 2016-05-12
    message = refused(people, firms.mover, level="national", recognised_on="2019-01-01")
    assert "已有省级创新型企业认定" in message and f"编号 {first.pk}" in message and "不能重叠" in message
    # a different kind of the same enterprise, or the same kind of another enterprise, is fine
    register(people, firms.mover, kind="ip_advantage")
    register(people, firms.plain)


def test_successive_periods_may_touch_but_not_overlap(people, firms):
    register(people, firms.plain, kind="ip_advantage", recognised_on="2015-03-01", expires_on="2018-02-28")
    assert "不能重叠" in refused(people, firms.plain, kind="ip_advantage", recognised_on="2018-02-28")
    assert "不能重叠" in refused(people, firms.plain, kind="ip_advantage", recognised_on="2012-01-01")
    renewed = register(people, firms.plain, kind="ip_advantage", recognised_on="2018-03-01")
    assert renewed.expires_on is None
    # an earlier period that ends (expires 2015-02-28) before the first begins is no overlap either
    register(people, firms.plain, kind="ip_advantage", recognised_on="2012-03-01", expires_on="2015-02-28")


def test_a_revoked_recognition_still_blocks_the_days_it_was_in_force(people, firms):
    entry = register(people, firms.plain)
    services.revoke(people.office, entry, {"revoked_on": "2018-06-30", "reason": "复核不合格"})
    assert "2018-06-30 撤销" in refused(people, firms.plain, level="national", recognised_on="2018-06-29")
    upgraded = register(people, firms.plain, level="national", recognised_on="2018-06-30")
    assert upgraded.level == "national"


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"credit_code": ""}, "统一社会信用代码"),
        ({"credit_code": "91620100MA00000000"}, "不在企业名录中"),
        ({"kind": "famous"}, "认定类别"),
        ({"level": ""}, "请选择级别"),
        ({"kind": "national_innovative_pilot", "level": "provincial"}, "只有国家级认定"),
        ({"recognised_on": "2016-02-30"}, "不是有效日期"),
        ({"recognised_on": ""}, "请填写认定日期"),
        ({"expires_on": "2016-05-11"}, "早于认定日期"),
        ({"document_number": "<script>x</script>"}, "网页标记"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(people, firms, changes, words):
    assert words in refused(people, firms.plain, **changes)


def test_recognition_dates_are_not_in_the_future_but_validity_may_be(people, firms):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert "晚于今天" in refused(people, firms.plain, recognised_on=tomorrow.isoformat())
    entry = register(people, firms.plain, expires_on=date(tomorrow.year + 3, 1, 1).isoformat())
    assert entry.expires_on.year == tomorrow.year + 3


def test_a_closed_enterprise_cannot_be_recognised_but_one_recognised_before_it_came_can(people, firms):
    assert "之前已注销或迁出试验区" in refused(people, firms.closer, recognised_on="2019-06-01")
    assert register(people, firms.closer, recognised_on="2019-04-30").district.code == "BG"
    # recognised before it entered the register (opened 2008): it belongs where it first sat
    assert register(people, firms.plain, recognised_on="2007-12-31").district.code == "XQ"


def test_revocation_dates_must_fall_inside_the_validity(people, firms):
    entry = register(people, firms.plain, kind="ip_advantage", expires_on="2019-05-11")
    with pytest.raises(RegisterError, match="早于认定"):
        services.revoke(people.office, entry, {"revoked_on": "2016-05-11", "reason": "错误"})
    with pytest.raises(RegisterError, match="无需撤销"):
        services.revoke(people.office, entry, {"revoked_on": "2019-05-12", "reason": "到期"})
    services.revoke(people.office, entry, {"revoked_on": "2019-05-11", "reason": "复核不合格"})
    with pytest.raises(RegisterError, match="已经撤销"):
        services.revoke(people.office, entry, {"revoked_on": "2019-05-11", "reason": "再次"})


def test_an_edit_may_not_create_an_overlap_and_is_audited_field_by_field(people, firms):
    early = register(
        people, firms.plain, kind="ip_advantage", recognised_on="2014-01-01", expires_on="2016-12-31"
    )
    late = register(people, firms.plain, kind="ip_advantage", recognised_on="2017-01-01")
    with pytest.raises(RegisterError, match="不能重叠"):
        services.edit(
            people.office,
            early,
            recognition(
                firms.plain, kind="ip_advantage", recognised_on="2014-01-01", expires_on="2017-01-01"
            ),
        )
    services.edit(
        people.office,
        late,
        recognition(
            firms.plain, kind="ip_advantage", recognised_on="2017-01-01", document_number="甘知管〔2017〕9号"
        ),
    )
    services.revoke(people.office, late, {"revoked_on": "2020-01-01", "reason": "撤销"})
    events = list(RegisterEvent.objects.filter(recognition=late).order_by("id"))
    assert [e.action for e in events] == ["register", "edit", "revoke"]
    assert events[0].user == people.office and events[0].changes["enterprise"] == "兰州丙科技有限公司"
    assert events[1].changes == {"document_number": ["甘科高〔2016〕35号", "甘知管〔2017〕9号"]}
    assert events[2].note == "撤销" and events[2].changes == {"revoked_on": "2020-01-01"}


def test_reviewers_register_only_for_enterprises_of_their_district_then(people, firms):
    assert "只能登记和修改本区企业" in refused(people, firms.plain, user=people.reviewer_bg)
    assert "只能登记和修改本区企业" in refused(people, firms.mover, user=people.reviewer_bg)  # in XQ in 2016
    entry = services.register(
        people.reviewer_bg, people.plan, "recognition", recognition(firms.mover, recognised_on="2017-03-01")
    )
    assert entry.district.code == "BG"
    with pytest.raises(RegisterError):
        services.register(people.evaluator, people.plan, "recognition", recognition(firms.plain))
    # a reviewer edits what was recognised in its district, not what moved in later
    old = register(people, firms.mover, kind="ip_advantage")
    assert services.can_edit(people.reviewer_xq, old) and not services.can_edit(people.reviewer_bg, old)


def test_the_database_refuses_two_open_ended_recognitions_and_dates_out_of_order(people, firms):
    entry = register(people, firms.plain)
    twin = EnterpriseRecognition(
        plan=people.plan,
        enterprise=firms.plain,
        name=entry.name,
        district=entry.district,
        kind="innovative",
        level="national",
        recognised_on=date(2019, 1, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    twin.kind, twin.expires_on = "backbone", date(2018, 12, 31)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
