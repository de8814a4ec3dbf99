import hashlib
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from keju.orgs.models import Enterprise, EnterprisePlacement, OrgLevel, OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning import services
from keju.planning.models import (
    Baseline,
    GoverningBody,
    Indicator,
    IndustryChain,
    Plan,
    Stage,
    Target,
    TargetKind,
    Task,
    TaskStatus,
)
from keju.planning.services import PlanError, PlanLoadError, load_plan_into_db
from keju.planning.testing import MINI_PLAN, make_credit_code

MODELS = [Plan, OrgUnit, Indicator, Stage, Target, Baseline, IndustryChain, GoverningBody, Task]


def counts() -> dict[str, int]:
    result = {m.__name__: m.objects.count() for m in MODELS}
    result["chain_districts"] = IndustryChain.districts.through.objects.count()
    return result


def edited_plan(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = MINI_PLAN.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_loading_builds_the_org_tree_under_the_zone():
    plan = load_plan_into_db(MINI_PLAN)
    zone = OrgUnit.objects.zone(plan)
    assert zone.code == "MZ" and zone.parent is None
    xq = OrgUnit.objects.get(plan=plan, code="XQ")
    assert xq.level == OrgLevel.DISTRICT and xq.parent.code == "LZ" and xq.parent.parent == zone
    assert OrgUnit.objects.get(plan=plan, code="XQ-SH").parent == xq
    assert set(OrgUnit.objects.subtree(xq).values_list("code", flat=True)) == {"XQ", "XQ-SH"}


@pytest.mark.django_db
def test_loading_records_the_file_hash_and_document():
    plan = load_plan_into_db(MINI_PLAN)
    assert plan.content_hash == hashlib.sha256(MINI_PLAN.read_bytes()).hexdigest()
    assert plan.document["code"] == "mini"
    assert plan.document["zone"]["name"] == "迷你试验区"
    assert (plan.plan_start, plan.plan_end, plan.baseline_year) == (2015, 2020, 2014)


@pytest.mark.django_db
def test_stage_increments_become_increment_targets_of_the_zone():
    plan = load_plan_into_db(MINI_PLAN)
    zone = OrgUnit.objects.zone(plan)
    s2 = Stage.objects.get(plan=plan, code="s2")
    target = Target.objects.get(plan=plan, stage=s2)
    assert target.indicator.code == "gdp"
    assert (target.kind, target.org_unit, target.start_year, target.year, target.value) == (
        TargetKind.INCREMENT,
        zone,
        2016,
        2017,
        200,
    )
    assert Target.objects.filter(plan=plan, stage__code="s1").count() == 2


@pytest.mark.django_db
def test_targets_and_baselines_without_org_unit_belong_to_the_zone():
    plan = load_plan_into_db(MINI_PLAN)
    zone = OrgUnit.objects.zone(plan)
    # The indicator's own 2020 target and 2014 baseline (专栏1 style) are zone rows.
    target = Target.objects.get(plan=plan, indicator__code="gdp", stage=None)
    assert (target.org_unit, target.kind, target.year, target.value) == (zone, "level", 2020, 2000)
    assert Baseline.objects.get(plan=plan, indicator__code="gdp", org_unit=zone).value == 1000
    # A figure for a named scope stays outside the tree.
    scoped = Baseline.objects.get(plan=plan, code="gdp_two_cities")
    assert scoped.org_unit is None and scoped.scope == "兰白两市"
    assert Target.objects.get(plan=plan, code="ent_xq_2020").org_unit.code == "XQ"


@pytest.mark.django_db
def test_chains_bodies_and_tasks_are_linked():
    plan = load_plan_into_db(MINI_PLAN)
    chain = IndustryChain.objects.get(plan=plan, code="petrochem")
    assert list(chain.districts.values_list("code", flat=True)) == ["XQ"]
    assert (chain.group_code, chain.group_name, chain.platforms) == ("traditional", "传统优势产业", 5)
    group = GoverningBody.objects.get(plan=plan, code="wg_policy")
    assert group.parent.code == "office" and group.kind == "working_group"
    assert GoverningBody.objects.get(plan=plan, code="xq_committee").org_unit.code == "XQ"
    assert Task.objects.get(plan=plan, code="t1").working_group == group
    t2 = Task.objects.get(plan=plan, code="t2")
    assert (t2.quantity_indicator.code, t2.quantity_value) == ("platforms", 1)


@pytest.mark.django_db
def test_loading_twice_creates_no_duplicates():
    load_plan_into_db(MINI_PLAN)
    first = counts()
    load_plan_into_db(MINI_PLAN)
    assert counts() == first
    assert first["Plan"] == 1 and first["OrgUnit"] == 8 and first["Target"] == 7


@pytest.mark.django_db
def test_reloading_keeps_the_task_status():
    plan = load_plan_into_db(MINI_PLAN)
    Task.objects.filter(plan=plan, code="t1").update(status=TaskStatus.IN_PROGRESS, due_year=2018)
    load_plan_into_db(MINI_PLAN)
    task = Task.objects.get(plan=plan, code="t1")
    assert (task.status, task.due_year) == (TaskStatus.IN_PROGRESS, 2018)


@pytest.mark.django_db
def test_reloading_updates_changed_items_in_place(tmp_path):
    plan = load_plan_into_db(MINI_PLAN)
    target_id = Target.objects.get(plan=plan, code="ent_xq_2020").pk
    load_plan_into_db(
        edited_plan(tmp_path, ("value: 500", "value: 550"), ("name: 白银市", "name: 白银市人民政府"))
    )
    assert Target.objects.get(pk=target_id).value == 550
    assert OrgUnit.objects.get(plan=plan, code="BY").name == "白银市人民政府"


@pytest.mark.django_db
def test_items_removed_from_the_file_are_deleted(tmp_path):
    plan = load_plan_into_db(MINI_PLAN)
    path = edited_plan(
        tmp_path,
        ("  - {code: XQ-SH, name: 新区石化产业园, level: park, parent: XQ, source: 一}\n", ""),
        (
            "  - {code: ent_bg_2020, indicator: enterprises_total, org_unit: BG, year: 2020, value: 300, source: 专栏1}\n",
            "",
        ),
        (
            "increments: [{indicator: gdp, value: 100}, {indicator: platforms, value: 50}]",
            "increments: [{indicator: gdp, value: 100}]",
        ),
    )
    load_plan_into_db(path)
    assert not OrgUnit.objects.filter(plan=plan, code="XQ-SH").exists()
    assert not Target.objects.filter(plan=plan, code__in=["ent_bg_2020", "s1.platforms"]).exists()
    assert Target.objects.filter(plan=plan, code="s1.gdp").exists()


@pytest.mark.django_db
def test_removing_a_district_with_enterprises_fails_and_changes_nothing(tmp_path):
    plan = load_plan_into_db(MINI_PLAN)
    register_enterprise(
        plan,
        name="白银有色集团",
        credit_code=make_credit_code(1),
        industry_code="C3211",
        district_code="BG",
        park_code="BG-YS",
        opened_on=date(2010, 1, 1),
    )
    before = counts()
    path = edited_plan(
        tmp_path,
        ("  - {code: BG-YS, name: 白银有色园, level: park, parent: BG, source: 一}\n", ""),
        ("value: 500", "value: 999"),
    )
    with pytest.raises(PlanLoadError) as excinfo:
        load_plan_into_db(path)
    assert "白银有色园" in str(excinfo.value) and "1条企业隶属记录" in str(excinfo.value)
    assert counts() == before
    assert Target.objects.get(plan=plan, code="ent_xq_2020").value == 500


@pytest.mark.django_db
def test_removing_a_chain_that_enterprises_belong_to_fails(tmp_path):
    plan = load_plan_into_db(MINI_PLAN)
    register_enterprise(
        plan,
        name="白银有色集团",
        credit_code=make_credit_code(1),
        industry_code="C3211",
        district_code="BG",
        opened_on=date(2010, 1, 1),
        industry_chain="nonferrous",
    )
    text = MINI_PLAN.read_text(encoding="utf-8")
    start = text.index("  - code: nonferrous")
    end = text.index("tasks:")
    path = tmp_path / "plan.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(PlanLoadError, match="有色冶金"):
        load_plan_into_db(path)
    assert IndustryChain.objects.filter(plan=plan, code="nonferrous").exists()


@pytest.mark.django_db
def test_a_broken_file_leaves_the_database_empty(tmp_path):
    path = edited_plan(tmp_path, ("unit: 亿元", "unit: 亿元\n    colour: red"))
    with pytest.raises(PlanError):
        load_plan_into_db(path)
    assert all(n == 0 for n in counts().values())


@pytest.mark.django_db
def test_a_failure_half_way_leaves_the_database_untouched(monkeypatch):
    def fail(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services._Loader, "load_tasks", fail)
    with pytest.raises(RuntimeError):
        load_plan_into_db(MINI_PLAN)
    assert all(n == 0 for n in counts().values())


@pytest.mark.django_db
def test_a_plan_with_problems_is_refused(tmp_path):
    path = edited_plan(
        tmp_path, ("{code: ent_xq_2020, indicator: enterprises_total", "{code: ent_xq_2020, indicator: nope")
    )
    with pytest.raises(PlanError) as excinfo:
        load_plan_into_db(path)
    assert any("plan.yaml:" in p.location and "nope" in p.message for p in excinfo.value.problems)
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_plan_load_command_loads_the_file(capsys):
    call_command("plan", "load", str(MINI_PLAN))
    assert Plan.objects.get().code == "mini"
    assert "已载入" in capsys.readouterr().out


@pytest.mark.django_db
def test_plan_load_command_reports_problems_without_traceback(tmp_path, capsys):
    path = edited_plan(tmp_path, ("unit: 亿元", "unit: 亿元\n    colour: red"))
    with pytest.raises(CommandError, match="未载入"):
        call_command("plan", "load", str(path))
    err = capsys.readouterr().err
    assert "plan.yaml:" in err and "indicators[0].colour: 未知字段" in err
    assert "Traceback" not in err
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_plan_load_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="找不到规划文件"):
        call_command("plan", "load", str(tmp_path / "nope.yaml"))


@pytest.mark.django_db
def test_removing_an_enterprise_free_item_is_allowed_even_with_data_elsewhere(tmp_path):
    plan = load_plan_into_db(MINI_PLAN)
    register_enterprise(
        plan,
        name="兰州新区企业",
        credit_code=make_credit_code(2),
        industry_code="C2710",
        district_code="XQ",
        opened_on=date(2016, 5, 1),
    )
    path = edited_plan(
        tmp_path, ("  - {code: BG-YS, name: 白银有色园, level: park, parent: BG, source: 一}\n", "")
    )
    load_plan_into_db(path)
    assert not OrgUnit.objects.filter(plan=plan, code="BG-YS").exists()
    assert Enterprise.objects.count() == 1 and EnterprisePlacement.objects.count() == 1


def test_plan_check_through_django_delegates_to_the_plan_cli(capsys):
    call_command("plan", "check", str(MINI_PLAN))
    assert "校验通过" in capsys.readouterr().out


def test_plan_check_through_django_fails_on_a_broken_file(tmp_path):
    path = edited_plan(tmp_path, ("unit: 亿元", "unit: 亿元\n    colour: red"))
    with pytest.raises(CommandError):
        call_command("plan", "check", str(path))
