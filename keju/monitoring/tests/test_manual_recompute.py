"""省创新办 sees which register changes await a full recompute, and can start one from the runs page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from keju.monitoring.freshness import pending_register_changes
from keju.monitoring.models import ComputationRun, IndicatorValue, Trigger
from keju.monitoring.services import recompute
from keju.registers import services as registers

pytestmark = pytest.mark.django_db


def _login(client, username: str):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _platforms(plan, unit: str, period: str) -> float | None:
    row = IndicatorValue.objects.filter(
        plan=plan, indicator__code="rd_platforms", org_unit__code=unit, period=period
    ).first()
    return None if row is None else row.value


def _register_platform(plan) -> None:
    office = get_user_model().objects.get(username="office")
    registers.register(
        office,
        plan,
        "platform",
        {
            "name": "兰州新区新材料省级重点实验室(测试)",
            "host_name": "兰州新区测试材料有限公司",
            "platform_type": "key_lab",
            "level": "provincial",
            "district": "lzxq",
            "recognised_on": "2016-05-01",
        },
    )


def test_a_new_register_entry_is_pending_until_the_office_recomputes(demo, client):
    plan = demo.plan
    recompute(plan)
    assert pending_register_changes(plan).total == 0
    before = _platforms(plan, "lzxq", "2016")
    _register_platform(plan)

    pending = pending_register_changes(plan)
    assert pending.total == 1 and len(pending.counts) == 1
    page = _login(client, "office").get(reverse("monitoring:runs"))
    assert page.status_code == 200
    assert "尚未计入指标" in page.content.decode() and "立即全量重算" in page.content.decode()
    assert _platforms(plan, "lzxq", "2016") == before  # registering alone changes no value

    response = client.post(f"{reverse('monitoring:recompute')}?plan={plan.code}")
    assert response.status_code == 302 and reverse("monitoring:runs") in response["Location"]
    run = ComputationRun.objects.filter(plan=plan).latest("id")
    assert run.trigger == Trigger.MANUAL and run.full
    assert _platforms(plan, "lzxq", "2016") == (before or 0) + 1
    assert pending_register_changes(plan).total == 0
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "全量重算已完成" in text and "此后登记类数据没有变更" in text


@pytest.mark.parametrize("username", ["evaluator", "wg_science", "reviewer_lzxq", "reporter"])
def test_only_the_office_may_start_a_recompute(demo, client, username):
    runs = ComputationRun.objects.count()
    response = _login(client, username).post(reverse("monitoring:recompute"))
    assert response.status_code == 403
    assert ComputationRun.objects.count() == runs


def test_zone_roles_see_what_is_pending_but_no_button(demo, client):
    page = _login(client, "evaluator").get(reverse("monitoring:runs"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "上次全量计算开始于" in text and "立即全量重算" not in text


def test_a_recompute_is_never_started_by_a_get_or_an_anonymous_post(demo, client):
    runs = ComputationRun.objects.count()
    assert _login(client, "office").get(reverse("monitoring:recompute")).status_code == 405
    client.logout()
    response = client.post(reverse("monitoring:recompute"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert ComputationRun.objects.count() == runs


def test_the_office_reads_the_page_in_english(demo, client):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _login(client, "office").get(reverse("monitoring:runs")).content.decode()
    assert "Recompute everything now" in text
