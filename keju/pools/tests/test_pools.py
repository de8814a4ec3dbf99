"""Projects and talents: district scope, consent for personal data, counts for the engine, pages."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from keju.pools import services
from keju.pools.models import Project, Talent

from .conftest import PROJECT, TALENT

pytestmark = pytest.mark.django_db


def test_a_district_reviewer_records_projects_of_its_own_district_only(people):
    project = services.save_project(people.reviewer_xq, people.plan, PROJECT)
    assert project.district.code == "XQ"
    with pytest.raises(services.PoolError, match="只能录入本区"):
        services.save_project(people.reviewer_bg, people.plan, PROJECT)
    assert Project.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_year": "2019"}, "开工年份不能晚于建成年份"),
        ({"investment": "-1"}, "必须大于0"),
        ({"name": "<script>x</script>"}, "网页标记或脚本"),
        ({"kind": "palace"}, "请选择项目类型"),
        ({"industry_chain": "nope"}, "产业链不存在"),
    ],
)
def test_bad_project_input_is_refused_in_chinese(people, change, message):
    with pytest.raises(services.PoolError, match=message):
        services.save_project(people.office, people.plan, {**PROJECT, **change})
    assert not Project.objects.exists()


def test_names_are_kept_only_with_consent_and_withdrawal_erases_them(people):
    with pytest.raises(services.PoolError, match="未取得本人同意"):
        services.record_talent(people.office, people.plan, {**TALENT, "name": "张三"})
    anonymous = services.record_talent(people.office, people.plan, TALENT)
    assert str(anonymous) == "产业领军人才(未公开姓名)"
    named = services.record_talent(
        people.office, people.plan, {**TALENT, "name": "张三", "contact": "13800000000", "consent": "1"}
    )
    assert named.consent_at is not None
    services.withdraw_consent(people.office, named)
    named.refresh_from_db()
    assert named.name == "" and named.contact == "" and named.consent_at is None
    assert Talent.objects.count() == 2  # still counted


def test_the_database_refuses_personal_data_without_consent(people):
    talent = services.record_talent(people.office, people.plan, TALENT)
    with pytest.raises(IntegrityError):
        Talent.objects.filter(pk=talent.pk).update(name="李四")


def test_pool_counts_feed_the_plan_indicators_by_district_and_year(people):
    services.record_talent(people.office, people.plan, TALENT)
    services.record_talent(people.office, people.plan, {**TALENT, "kind": "team", "members": "6"})
    services.save_project(people.office, people.plan, PROJECT)
    services.save_project(people.office, people.plan, {**PROJECT, "stage": "construction"})
    rows = {(r["indicator"], r["district"], r["year"]): r["value"] for r in services.pool_counts(people.plan)}
    assert rows == {
        ("industry_leading_talents", "XQ", 2017): 1,
        ("talent_innovation_teams", "XQ", 2017): 1,
        ("major_achievements_transferred", "XQ", 2018): 1,  # only projects in operation count
    }


def test_pages_are_scoped_to_the_reviewers_district(client, people):
    services.save_project(people.office, people.plan, PROJECT)
    services.save_project(people.office, people.plan, {**PROJECT, "name": "白银铜箔项目", "district": "BG"})
    assert client.get(reverse("pools:projects")).status_code == 302
    client.force_login(people.reviewer_bg)
    page = client.get(reverse("pools:projects")).content.decode()
    assert "白银铜箔项目" in page and "镍钴新材料成果转化项目" not in page
    client.force_login(people.office)
    page = client.get(reverse("pools:projects")).content.decode()
    assert "白银铜箔项目" in page and "镍钴新材料成果转化项目" in page


def test_a_user_without_a_district_or_zone_role_is_refused(client, people, django_user_model):
    client.force_login(django_user_model.objects.create_user("x", password="pw-x-123456"))
    assert client.get(reverse("pools:talents")).status_code == 403


def test_talent_page_records_and_shows_only_consented_names(client, people):
    client.force_login(people.reviewer_xq)
    refused = client.post(reverse("pools:talents"), {**TALENT, "name": "王五"})
    assert refused.status_code == 400 and "未取得本人同意" in refused.content.decode()
    client.post(reverse("pools:talents"), {**TALENT, "name": "王五", "consent": "1"})
    assert "王五" in client.get(reverse("pools:talents")).content.decode()
