"""Warnings that turned red go to the office and the district's reviewers; published editions
to the office, working groups and evaluators. Nobody else hears of them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.monitoring.models import ComputationRun, EarlyWarning, RunStatus
from keju.notifications import triggers
from keju.notifications.models import Kind, Notification, RedWarningState
from keju.notifications.tests.conftest import told, who_was_told
from keju.orgs.models import OrgUnit
from keju.planning.models import Indicator
from keju.publishing.models import Publication, Status

pytestmark = pytest.mark.django_db


def unit(zone, code: str) -> OrgUnit:
    return OrgUnit.objects.get(plan=zone.plan, code=code)


def park_of(zone, district: str) -> OrgUnit:
    return OrgUnit.objects.filter(plan=zone.plan, parent__code=district, level="park").order_by("id").first()


def warning(zone, org_unit: OrgUnit, level: str = "red", code: str = "progress_negative", indicator=None):
    indicator = indicator or Indicator.objects.filter(plan=zone.plan, headline=True).order_by("id").first()
    return {
        "org_unit": org_unit,
        "indicator": indicator,
        "code": code,
        "level": level,
        "period": "2019",
        "message": f"{org_unit.name} {indicator.name}:{code} 2019年为 1.2,基期 2.3",
    }


def finish_run(zone, warnings, status=RunStatus.SUCCEEDED) -> ComputationRun:
    """What keju.monitoring does: a run replaces the plan's warnings, then is saved as finished."""
    run = ComputationRun.objects.create(plan=zone.plan, trigger="command")
    if status != RunStatus.FAILED:
        EarlyWarning.objects.filter(plan=zone.plan).delete()
        EarlyWarning.objects.bulk_create(EarlyWarning(plan=zone.plan, run=run, **w) for w in warnings)
    run.status = status
    run.finished_at = timezone.now()
    run.save()
    return run


def test_new_red_warnings_go_to_the_office_and_the_districts_reviewers_only(zone):
    lz, by = unit(zone, "lzgxq"), unit(zone, "bygxq")
    finish_run(
        zone,
        [
            warning(zone, unit(zone, zone.plan.org_units.get(level="zone").code)),
            warning(zone, lz),
            warning(zone, by, level="orange", code="progress_limited"),
        ],
    )
    assert who_was_told(Kind.WARNING_RED) == {"office": 1, "reviewer_lzgxq": 1}
    (office,) = told(zone, "office")
    assert office.title == "新增2条红色预警"
    assert lz.name in office.body and office.url == "/monitoring/warnings/?level=red"
    (reviewer,) = told(zone, "reviewer_lzgxq")
    assert reviewer.title == "新增1条红色预警" and lz.name in reviewer.body
    zone_name = zone.plan.org_units.get(level="zone").name
    assert zone_name in office.body and zone_name not in reviewer.body  # only its district's warning
    assert reviewer.body.count("· ") == 1
    assert by.name not in office.body  # orange is not red


def test_still_red_is_not_announced_again_and_a_park_warning_reaches_its_district(zone):
    lz, by = unit(zone, "lzgxq"), unit(zone, "bygxq")
    finish_run(zone, [warning(zone, lz)])
    finish_run(zone, [warning(zone, lz)])
    assert who_was_told(Kind.WARNING_RED) == {"office": 1, "reviewer_lzgxq": 1}
    park = park_of(zone, "bygxq")
    assert park.parent_id == by.pk
    run = finish_run(zone, [warning(zone, lz), warning(zone, park)])
    assert who_was_told(Kind.WARNING_RED) == {"office": 2, "reviewer_lzgxq": 1, "reviewer_bygxq": 1}
    (news,) = told(zone, "reviewer_bygxq")
    assert park.name in news.body and lz.name not in news.body
    # The same run saved again tells nobody twice.
    run.save()
    assert Notification.objects.filter(kind=Kind.WARNING_RED).count() == 4


def test_a_warning_that_clears_and_returns_is_announced_again(zone):
    lz = unit(zone, "lzgxq")
    finish_run(zone, [warning(zone, lz)])
    finish_run(zone, [])
    assert not RedWarningState.objects.exists()
    finish_run(zone, [warning(zone, lz)])
    assert who_was_told(Kind.WARNING_RED) == {"office": 2, "reviewer_lzgxq": 2}


def test_partial_or_failed_runs_do_not_forget_standing_warnings(zone):
    lz = unit(zone, "lzgxq")
    finish_run(zone, [warning(zone, lz)])
    finish_run(zone, [], status=RunStatus.PARTIAL)  # the warnings part may have failed
    finish_run(zone, [], status=RunStatus.FAILED)
    finish_run(zone, [warning(zone, lz)])
    assert who_was_told(Kind.WARNING_RED) == {"office": 1, "reviewer_lzgxq": 1}


def test_running_runs_are_ignored_and_long_digests_are_cut(zone):
    run = ComputationRun.objects.create(plan=zone.plan, trigger="command")
    assert triggers.warnings_turned_red(run) == 0
    lz = unit(zone, "lzgxq")
    finish_run(zone, [warning(zone, lz, code=f"check_{i:02d}") for i in range(25)])
    (office,) = told(zone, "office")
    assert office.title == "新增25条红色预警"
    assert "check_19" in office.body and "check_20" not in office.body and "另有5条" in office.body


def publication(zone, **fields) -> Publication:
    return Publication.objects.create(
        plan=zone.plan,
        kind="annual",
        period="2019",
        year=2019,
        title="兰白试验区2019年度发展指数和创新调查报告",
        snapshot={"meta": {"series": "兰白监测"}},
        snapshot_hash="0" * 64,
        created_by=zone.user("office"),
        **fields,
    )


def test_published_edition_goes_to_office_working_groups_and_evaluators(zone):
    office2 = get_user_model().objects.create(username="office2")
    assign_role(office2, Role.OFFICE_STAFF, org_unit=zone.plan.org_units.get(level="zone"))
    pub = publication(zone)
    assert not Notification.objects.exists()  # a draft is nobody's news
    pub.status = Status.PUBLISHED
    pub.number = 1
    pub.published_by = zone.user("office")
    pub.published_at = timezone.now()
    pub.save()
    # The publisher pressed the button; district reviewers and reporters are not told.
    assert who_was_told(Kind.PUBLICATION_PUBLISHED) == {"office2": 1, "wg": 1, "evaluator": 1}
    (n,) = told(zone, "wg")
    assert n.title == "已发布:兰白试验区2019年度发展指数和创新调查报告"
    assert "兰白监测〔2019〕第1期" in n.body and n.url == f"/open/{pub.pk}/"
    pub.save()
    pub.status = Status.WITHDRAWN
    pub.save()
    assert Notification.objects.count() == 3


def test_a_real_approval_and_its_monitoring_update_run_cleanly(zone, caplog):
    """The hook keju.reporting calls on approval saves a ComputationRun; the receiver handles it
    inside the approval's transaction without an error (an error would only be logged)."""
    from keju.reporting import services
    from keju.reporting.testing import kj101_values

    report = services.submit(
        zone.report("a"), actor=zone.user("reporter_a"), values=kj101_values(), channel="web"
    )
    with caplog.at_level("ERROR", logger="keju.notifications"):
        services.approve(report, actor=zone.user("reviewer_lzgxq"))
    assert ComputationRun.objects.filter(plan=zone.plan, report=report).exists()
    assert not [r for r in caplog.records if r.name == "keju.notifications"]
    assert who_was_told(Kind.REPORT_APPROVED) == {"reporter_a": 1}
