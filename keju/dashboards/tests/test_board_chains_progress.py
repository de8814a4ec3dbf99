"""The chains page shows each chain's and group's progress from the registers' year-end counts, to the
roles that see the zone; counted by the zone indicators' rules (a revoked entry stops counting)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from keju.dashboards.board.chain_progress import chain_progress
from keju.dashboards.tests.chain_fixtures import add_platform, chains_zone  # noqa: F401
from keju.monitoring.models import ComputationRun, RunStatus, Trigger
from keju.planning.models import IndustryChain

pytestmark = pytest.mark.django_db


def aims_of(rows, code):
    return {a.aim.key: a for a in next(r for r in rows if r.code == code).aims}


def test_year_end_counts_follow_the_zone_rule_and_a_revocation_lowers_them(chains_zone):  # noqa: F811
    plan = chains_zone.plan
    chains = list(IndustryChain.objects.filter(plan=plan).order_by("id"))
    progress = chain_progress(plan, chains, date(2020, 12, 31))
    assert (progress.base_year, progress.last_year) == (2014, 2020)
    petrochem = aims_of(progress.chains, "petrochem")
    nonferrous = aims_of(progress.chains, "nonferrous")
    # national and provincial only (the municipal platform is not a 研发平台), in force at 31 December
    assert [v for _y, v, _p in petrochem["platforms"].chart["actual"]] == [2, 3, 4, 5, 6, 7, 7]
    # recognised 2016-09-01, revoked 2018-04-01: counted at the end of 2016 and 2017 only
    assert [v for _y, v, _p in nonferrous["platforms"].chart["actual"]] == [1, 1, 3, 4, 3, 3, 3]
    # petrochem: 2 + 5 = 7 reached; nonferrous: 1 + 5 = 6 wanted, 3 reached
    assert (petrochem["platforms"].target_value, petrochem["platforms"].status) == (7.0, "target_achieved")
    p = ((3 / 1) ** (1 / 6) - 1) / ((6 / 1) ** (1 / 6) - 1)  # 0.577399
    assert nonferrous["platforms"].progress_value == pytest.approx(p)
    assert nonferrous["platforms"].status == "limited_progress"
    # 重大科技成果转化项目: completed projects summed from 2015 (the one under construction not counted)
    achievements = petrochem["achievements"]
    assert achievements.aim.kind == "cumulative"
    assert [v for _y, v, _p in achievements.chart["actual"]] == [1, 1, 3, 3, 4, 4]
    assert achievements.progress_value == pytest.approx((4 ** (1 / 5) - 1) / (10 ** (1 / 5) - 1))  # 0.546267
    assert achievements.status == "limited_progress"
    # no alliance registered: the register is not in use, so no zeros and no judgement
    assert petrochem["alliances"].status == "insufficient_data" and "登记簿" in petrochem["alliances"].note
    assert petrochem["alliances"].chart["actual"] == []
    # 国家级重点新产品: no source in the platform
    assert petrochem["new_products"].status == "insufficient_data"
    assert "national_new_products" in petrochem["new_products"].note  # no such indicator: the code is named
    # the group: the sum of its chains, 3 + 5 = 8 wanted, 10 reached
    group = aims_of(progress.groups, "traditional")
    assert list(group) == ["platforms", "cumulative_output"]  # the group's totals, then its output
    assert group["cumulative_output"].status == "insufficient_data"  # chain_indicators names no indicator
    assert "未指定" in group["cumulative_output"].note
    assert [v for _y, v, _p in group["platforms"].chart["actual"]] == [3, 4, 7, 9, 9, 10, 10]
    assert group["platforms"].status == "target_achieved"


def test_only_complete_years_are_counted(chains_zone):  # noqa: F811
    plan = chains_zone.plan
    chains = list(IndustryChain.objects.filter(plan=plan).order_by("id"))
    progress = chain_progress(plan, chains, date(2018, 6, 30))
    assert progress.last_year == 2017
    nonferrous = aims_of(progress.chains, "nonferrous")["platforms"]
    assert (nonferrous.current_year, nonferrous.current_value) == (2017, 4.0)
    # still before the target year: projected from 2014—2017
    assert nonferrous.projection is not None and nonferrous.projection["year"] == 2020
    assert nonferrous.chart["band"][0] == [2017, 4.0, 4.0]


@pytest.mark.parametrize("role", ["office", "evaluator"])
def test_zone_roles_see_each_chains_status_on_the_page(chains_zone, client, role):  # noqa: F811
    client.force_login(chains_zone.users[role])
    response = client.get(reverse("dashboards:chains"))
    assert response.status_code == 200
    progress = response.context["page"].progress
    assert aims_of(progress.chains, "petrochem")["platforms"].status == "target_achieved"
    html = response.content.decode()
    assert 'id="chain-progress"' in html and 'id="group-progress"' in html
    assert 'data-key="platforms" data-status="target_achieved"' in html
    assert 'data-key="platforms" data-status="limited_progress"' in html
    assert 'data-key="new_products" data-status="insufficient_data"' in html
    assert "已达标" in html and "进展有限" in html and "数据不足" in html
    assert (
        'data-chart="spark-chain-petrochem-platforms"' in html
        and 'id="spark-chain-petrochem-platforms"' in html
    )
    assert "dashboards/zone.js" in html
    assert "没有按产业链计数的来源" in html  # the reason, not just the status


def test_a_district_reviewer_sees_no_chain_progress(chains_zone, client):  # noqa: F811
    client.force_login(chains_zone.users["reviewer"])
    response = client.get(reverse("dashboards:chains"))
    assert response.status_code == 200
    assert response.context["page"].progress is None
    html = response.content.decode()
    assert 'id="chain-progress"' not in html and 'id="progress-hidden"' in html
    assert "spark-chain-" not in html


def test_the_public_gets_no_chains_page(chains_zone, client):  # noqa: F811
    url = reverse("dashboards:chains")
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    for name in ("nobody", "reporter"):
        client.force_login(chains_zone.users[name])
        assert client.get(url).status_code == 403


def test_the_page_shows_new_register_entries_after_the_next_computation_run(chains_zone, client):  # noqa: F811
    plan = chains_zone.plan
    client.force_login(chains_zone.users["office"])
    url = reverse("dashboards:chains")

    def nonferrous_latest() -> float:
        page = client.get(url).context["page"]
        return aims_of(page.progress.chains, "nonferrous")["platforms"].current_value

    assert nonferrous_latest() == 3.0
    add_platform(plan, "nonferrous", "有色平台丁", date(2019, 5, 1))
    assert nonferrous_latest() == 3.0  # cached with the results version, as the other pages
    ComputationRun.objects.create(plan=plan, trigger=Trigger.MANUAL, status=RunStatus.SUCCEEDED)
    assert nonferrous_latest() == 4.0


def test_the_english_page_shows_english_statuses(chains_zone, client):  # noqa: F811
    from django.conf import settings

    client.force_login(chains_zone.users["office"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("dashboards:chains")).content.decode()
    assert '<html lang="en">' in html
    # the status labels come out in English (the page's own new strings follow the .po merge)
    assert 'data-status="target_achieved">Target achieved<' in html
    assert "已达标" not in html


def test_before_the_first_year_end_everything_waits_for_data(chains_zone):  # noqa: F811
    plan = chains_zone.plan
    chains = list(IndustryChain.objects.filter(plan=plan).order_by("id"))
    progress = chain_progress(plan, chains, date(2014, 6, 30))
    assert progress.last_year == 2013
    aims = [a for row in progress.chains + progress.groups for a in row.aims]
    assert aims and all(a.status == "insufficient_data" and a.note for a in aims)
