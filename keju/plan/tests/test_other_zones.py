"""A second, made-up zone checks clean; a broken copy of it reports every inconsistency."""

from keju.cli import main
from keju.plan import check_plan, load_forms, load_plan

from .conftest import BAD, MINI, problems_of


def test_mini_zone_checks_clean():
    plan = load_plan(MINI)
    forms = load_forms(plan, MINI)
    assert plan.zone.code == "qingchuan"
    assert list(forms) == ["QC201"]
    assert check_plan(plan, forms) == []


def test_bad_zone_reports_each_problem():
    problems = problems_of(BAD)
    text = "\n".join(problems)
    assert "东城高新区+西城开发区 的 企业总数 目标合计 290,不等于 青川示范区 的 300" in text
    assert "各阶段 地区生产总值 增量合计 70(30+40),不等于规划期目标 80" in text
    assert "东城软件园 的上级组织单元 nowhere 不存在" in text
    assert "编码 t1 重复" in text
    assert "研发平台 合计 35,不满足 科技产业 的合计目标 等于 30" in text
    assert len(problems) == 5
    assert all(p.startswith("bad-zone.yaml:") for p in problems)


def test_cli_fails_on_bad_zone(capsys):
    assert main(["plan", "check", str(BAD)]) == 1
    err = capsys.readouterr().err
    assert "不等于 青川示范区 的 300" in err and "共 5 个问题" in err


def test_check_without_forms_still_checks_the_rest():
    plan = load_plan(BAD)
    assert len(check_plan(plan)) == 5
