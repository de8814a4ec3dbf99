"""草稿 → 已审核 → 已发布 → 已撤回: who may do what, numbering, and refusals that write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from keju.publishing.models import Publication, Status
from keju.publishing.services import PublishingError, create_draft, publish, reject, review, withdraw
from keju.publishing.snapshot import snapshot_hash
from keju.publishing.tests.conftest import Zone

pytestmark = pytest.mark.django_db


def _published(zone: Zone, period: str = "2019", kind: str = "annual") -> Publication:
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind=kind, period=period)
    review(pub, actor=zone.users["evaluator"])
    return publish(pub, actor=zone.users["office"])


def test_full_workflow_records_who_and_when_and_numbers_the_edition(zone: Zone, fast_render: Any) -> None:
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    assert pub.status == Status.DRAFT and pub.number is None and pub.problems == []
    assert pub.snapshot_hash == snapshot_hash(pub.snapshot)
    pub = review(pub, actor=zone.users["office2"], note="数字已核对")
    assert pub.status == Status.REVIEWED and pub.reviewed_by == zone.users["office2"] and pub.reviewed_at
    pub = publish(pub, actor=zone.users["office"])
    assert pub.status == Status.PUBLISHED and pub.published_by == zone.users["office"] and pub.published_at
    assert pub.number_label == "迷你年报〔2019〕第1期"
    assert bytes(pub.pdf).startswith(b"pdf:") and bytes(pub.docx).startswith(b"docx:")
    pub = withdraw(pub, actor=zone.users["office"], reason="基期数据更正")
    assert pub.status == Status.WITHDRAWN and pub.withdraw_reason == "基期数据更正"
    assert pub.number == 1  # the withdrawn edition keeps its number in the archive


def test_numbers_run_per_kind_and_year(zone: Zone, fast_render: Any) -> None:
    q1 = _published(zone, "2020Q1", "quarterly")
    q2 = _published(zone, "2020Q2", "quarterly")
    annual = _published(zone, "2019")
    q_other_year = _published(zone, "2019Q4", "quarterly")
    assert (q1.number, q2.number, annual.number, q_other_year.number) == (1, 2, 1, 1)
    assert q2.number_label == "迷你监测〔2020〕第2期"


@pytest.mark.parametrize("who", ["reviewer", "evaluator", "nobody"])
def test_only_office_staff_draft(zone: Zone, who: str) -> None:
    with pytest.raises(PublishingError, match="只有省创新办可以起草") as err:
        create_draft(actor=zone.users[who], plan=zone.plan, kind="annual", period="2019")
    assert err.value.code == "not_allowed"
    assert not Publication.objects.exists()


def test_anonymous_cannot_draft(zone: Zone) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PublishingError):
        create_draft(actor=AnonymousUser(), plan=zone.plan, kind="annual", period="2019")


def test_the_drafter_cannot_review_and_a_district_reviewer_cannot_either(zone: Zone) -> None:
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    with pytest.raises(PublishingError, match="起草人不能审核"):
        review(pub, actor=zone.users["office"])
    with pytest.raises(PublishingError, match="只有省创新办或第三方评估可以审核"):
        review(pub, actor=zone.users["reviewer"])
    pub.refresh_from_db()
    assert pub.status == Status.DRAFT and pub.reviewed_by is None


def test_publishing_needs_review_first_and_an_office_publisher(zone: Zone, fast_render: Any) -> None:
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    with pytest.raises(PublishingError, match="只有已审核状态才能发布"):
        publish(pub, actor=zone.users["office"])
    review(pub, actor=zone.users["evaluator"])
    with pytest.raises(PublishingError, match="只有省创新办可以发布"):
        publish(pub, actor=zone.users["evaluator"])
    pub.refresh_from_db()
    assert pub.status == Status.REVIEWED and pub.number is None and pub.pdf is None


def test_a_failing_snapshot_cannot_be_reviewed_or_published(zone: Zone, fast_render: Any) -> None:
    from keju.monitoring.models import IndicatorValue

    # Every headline value provisional: nothing to publish for the headline indicator.
    IndicatorValue.objects.filter(plan=zone.plan, org_unit__level="zone").update(provisional=True)
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    assert any("没有可公布的最新值" in p for p in pub.problems)
    with pytest.raises(PublishingError, match="未通过一致性检查") as err:
        review(pub, actor=zone.users["evaluator"])
    assert err.value.code == "snapshot_failed" and err.value.problems
    # Forced past review (e.g. by a database edit), publication still refuses.
    Publication.objects.filter(pk=pub.pk).update(status=Status.REVIEWED)
    with pytest.raises(PublishingError, match="未通过一致性检查"):
        publish(pub, actor=zone.users["office"])
    pub.refresh_from_db()
    assert pub.status == Status.REVIEWED and pub.number is None


def test_a_tampered_snapshot_cannot_be_published(zone: Zone, fast_render: Any) -> None:
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    review(pub, actor=zone.users["evaluator"])
    snapshot = pub.snapshot
    snapshot["sections"]["headline"][0]["latest"]["value"] = 1.0
    Publication.objects.filter(pk=pub.pk).update(snapshot=snapshot)
    with pytest.raises(PublishingError, match="校验值不符") as err:
        publish(Publication.objects.get(pk=pub.pk), actor=zone.users["office"])
    assert err.value.code == "snapshot_tampered"


def test_one_edition_in_progress_per_period(zone: Zone, fast_render: Any) -> None:
    pub = _published(zone)
    with pytest.raises(PublishingError, match="已有一份“已发布”的版本"):
        create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    withdraw(pub, actor=zone.users["office"], reason="更正")
    again = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    review(again, actor=zone.users["evaluator"])
    assert publish(again, actor=zone.users["office"]).number == 2


def test_withdraw_and_reject_need_a_reason_and_the_right_state(zone: Zone, fast_render: Any) -> None:
    pub = create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period="2019")
    with pytest.raises(PublishingError, match="只有已发布状态才能撤回"):
        withdraw(pub, actor=zone.users["office"], reason="x")
    with pytest.raises(PublishingError, match="请填写退回原因"):
        reject(pub, actor=zone.users["evaluator"], reason="  ")
    pub = reject(pub, actor=zone.users["evaluator"], reason="口径待确认")
    assert pub.status == Status.DISCARDED
    published = _published(zone, "2018")
    with pytest.raises(PublishingError, match="请填写撤回原因"):
        withdraw(published, actor=zone.users["office"], reason="")
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


@pytest.mark.parametrize("period", ["2020Q3", "二〇二〇", "1990", ""])
def test_bad_periods_write_nothing(zone: Zone, period: str) -> None:
    with pytest.raises(PublishingError) as err:
        create_draft(actor=zone.users["office"], plan=zone.plan, kind="annual", period=period)
    assert err.value.code == "invalid_period" and err.value.message
    assert not Publication.objects.exists()


def test_staff_of_another_zone_cannot_draft_here(zone: Zone, tmp_path: Any) -> None:
    from keju.publishing.tests.conftest import load_other_plan, make_users

    other = load_other_plan(tmp_path)
    outsiders = make_users(other)
    with pytest.raises(PublishingError, match="只有省创新办"):
        create_draft(actor=outsiders["office"], plan=zone.plan, kind="annual", period="2019")


def test_history_keeps_every_step_even_after_an_account_is_deleted(zone: Zone, fast_render: Any) -> None:
    pub = _published(zone)
    withdraw(pub, actor=zone.users["office"], reason="更正")
    zone.users["office"].delete()  # e.g. `keju demo` replacing its accounts: the archive must not block it
    pub.refresh_from_db()
    assert pub.created_by is None and pub.status == Status.WITHDRAWN
    assert [(h["action"], h["user"]) for h in pub.history] == [
        ("draft", "office-mini"),
        ("review", "evaluator-mini"),
        ("publish", "office-mini"),
        ("withdraw", "office-mini"),
    ]
    assert pub.history[2]["note"] == "迷你年报〔2019〕第1期" and pub.history[3]["note"] == "更正"
