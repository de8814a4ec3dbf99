"""Form files: fields with units, deadlines and declared checks, verified when the forms are loaded."""

from pathlib import Path

import pytest

from keju.plan import PlanError, load_forms, load_plan
from keju.plan.forms import ReportForm
from keju.validation.checks import FormChecksError, catalogue, compile_form

from .conftest import MINI

FORM_HEAD = """\
code: QC201
name: 青川示范区分区年报表
period_type: annual
respondent_level: district
fields:
  - {code: gdp, label: 地区生产总值, unit: 万元, min: 0}
  - {code: fiscal, label: 一般公共预算支出, unit: 万元, min: 0}
  - {code: fiscal_st, label: 其中科学技术支出, unit: 万元, min: 0}
  - {code: remark, label: 备注, type: text, required: false}
"""


def _load(tmp_path: Path, form_text: str) -> dict[str, ReportForm]:
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "forms").mkdir(exist_ok=True)
    (tmp_path / "forms" / "QC201-district-annual.yaml").write_text(form_text, encoding="utf-8")
    return load_forms(load_plan(plan_path), plan_path)


def _problems(tmp_path: Path, form_text: str) -> list[str]:
    with pytest.raises(PlanError) as info:
        _load(tmp_path, form_text)
    return [str(p) for p in info.value.problems]


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_forms_have_units_deadlines_and_checks(lanbai_forms):
    assert {code: f.deadline_days for code, f in lanbai_forms.items()} == {
        "KJ101": 90,
        "KJ102": 20,
        "KJ201": 90,
    }
    for form in lanbai_forms.values():
        for field in form.fields:
            if field.type in ("decimal", "integer"):
                assert field.unit, f"{form.code}.{field.code} has no unit"
        rules = compile_form(form).rules
        assert {r.severity for r in rules} == {"error", "warning"}
        assert len({r.code for r in rules}) == len(rules)
        for rule in rules:
            assert rule.code.startswith(form.code + "-")
            assert rule.fields and all(code in {f.code for f in form.fields} for code in rule.fields)


def test_issue_field_lists_are_covered(lanbai_forms):
    labels = {code: " ".join(f.label for f in form.fields) for code, form in lanbai_forms.items()}
    for word in [
        "从业人员",
        "营业收入",
        "工业总产值",
        "增加值",
        "净利润",
        "上缴税费",
        "出口总额",
        "R&D人员",
        "全时当量",
        "R&D经费内部支出",
        "有效发明专利",
        "新产品销售收入",
        "技术合同成交额",
        "综合能源消费量",
        "规模以上",
        "高新技术企业",
    ]:
        assert word in labels["KJ101"], word
    for word in [
        "地区生产总值",
        "一般公共预算支出",
        "科学技术支出",
        "常住人口",
        "城镇常住人口",
        "能源消费总量",
        "技术合同成交额",
        "新增就业",
    ]:
        assert word in labels["KJ201"], word


def test_catalogue_lists_builtin_and_declared_checks(lanbai_forms):
    items = catalogue(lanbai_forms["KJ101"])
    codes = [i.code for i in items]
    assert "KJ101-R-employees" in codes and "KJ101-T-employees" in codes and "KJ101-V-employees" in codes
    assert "KJ101-R-gross_output" not in codes  # optional
    assert "KJ101-E01" in codes and "KJ101-W10-revenue" in codes
    e01 = next(i for i in items if i.code == "KJ101-E01")
    assert (e01.severity, e01.name, e01.expr) == (
        "error",
        "R&D人员不多于从业人员",
        "rd_personnel <= employees",
    )


def test_deadline_defaults_by_period_type():
    base = {"code": "X", "name": "x", "respondent_level": "district", "fields": []}
    assert ReportForm.model_validate({**base, "period_type": "annual"}).deadline_days == 60
    assert ReportForm.model_validate({**base, "period_type": "quarterly"}).deadline_days == 20
    assert (
        ReportForm.model_validate({**base, "period_type": "annual", "deadline_days": 75}).deadline_days == 75
    )


def test_a_form_with_good_checks_loads(tmp_path):
    text = FORM_HEAD + (
        "thresholds: {limit: 0.3}\n"
        "checks:\n"
        "  - {code: QC201-E01, severity: error, expr: fiscal_st <= fiscal,\n"
        "     message: '{fiscal_st.label}({fiscal_st})不能大于{fiscal.label}({fiscal})'}\n"
        "  - {code: QC201-W01, severity: warning, each: [gdp, fiscal], expr: abs(yoy(_)) <= limit,\n"
        "     message: '{_.label}同比变化{yoy(_)|pct}'}\n"
    )
    form = _load(tmp_path, text)["QC201"]
    assert [r.code for r in compile_form(form).rules] == ["QC201-E01", "QC201-W01-gdp", "QC201-W01-fiscal"]


@pytest.mark.parametrize(
    ("check", "needle", "where", "fragment"),
    [
        (
            "{code: QC201-E01, severity: error, expr: fiscal_st <= fiscals, message: x}",
            "fiscals",
            "checks[0].expr",
            "表达式错误: 未知字段或阈值“fiscals”",
        ),
        (
            "{code: QC201-E01, severity: error, expr: fiscal.__class__ <= 1, message: x}",
            "__class__",
            "checks[0].expr",
            "不支持属性访问",
        ),
        (
            "{code: QC201-E01, severity: error, expr: '__import__(\"os\")', message: x}",
            "__import__",
            "checks[0].expr",
            "不允许的名称“__import__”",
        ),
        (
            "{code: QC201-E01, severity: error, expr: gdp + 1, message: x}",
            "gdp + 1",
            "checks[0].expr",
            "结果应为 是/否",
        ),
        (
            "{code: QC201-E01, severity: error, expr: gdp >= 0, message: '{gpd}'}",
            "gpd",
            "checks[0].message",
            "未知字段或阈值“gpd”",
        ),
        (
            "{code: QC201-E01, severity: error, expr: gdp >= 0, message: '{gdp.name}'}",
            "gdp.name",
            "checks[0].message",
            "只支持 .label",
        ),
        (
            "{code: QC201-E01, severity: error, expr: gdp >= 0, message: 'a { b'}",
            "a { b",
            "checks[0].message",
            "不成对",
        ),
        (
            "{code: QC201-E01, severity: error, each: [gdp, gpd], expr: _ >= 0, message: x}",
            "gpd",
            "checks[0].each",
            "“gpd”不是本表的字段",
        ),
        (
            "{code: QC201-E01, severity: fatal, expr: gdp >= 0, message: x}",
            "fatal",
            "checks[0].severity",
            "取值无效",
        ),
        (
            "{code: QC201-V-gdp, severity: error, expr: gdp >= 0, message: x}",
            "QC201-V-gdp",
            "checks[0].code",
            "审核规则编码“QC201-V-gdp”重复",
        ),
        (
            "{code: QC201-E01, severity: error, expr: remark == 1, message: x}",
            "remark == 1",
            "checks[0].expr",
            "文字字段",
        ),
    ],
)
def test_bad_checks_are_load_errors_with_file_and_line(tmp_path, check, needle, where, fragment):
    text = FORM_HEAD + "checks:\n  - " + check + "\n"
    [problem] = _problems(tmp_path, text)
    assert problem.startswith(f"QC201-district-annual.yaml:{_line(text, needle)} {where}: ")
    assert fragment in problem


def test_every_problem_is_reported(tmp_path):
    text = FORM_HEAD + (
        "thresholds: {gdp: 1, limit: .inf}\n"
        "checks:\n"
        "  - {code: QC201-E01, severity: error, expr: gdp >= 0, message: x}\n"
        "  - {code: QC201-E01, severity: error, expr: gdp <= , message: x}\n"
    )
    problems = _problems(tmp_path, text)
    assert len(problems) == 4
    assert any("thresholds.gdp: 阈值名“gdp”与字段代码重复" in p for p in problems)
    assert any("thresholds.limit: 阈值“limit”应为有限数值" in p for p in problems)
    assert any("checks[1].code: 审核规则编码“QC201-E01”重复" in p for p in problems)
    assert any("checks[1].expr: 表达式错误: 表达式不完整" in p for p in problems)


def test_field_codes_must_be_usable_in_expressions(tmp_path):
    text = FORM_HEAD.replace("code: remark", "code: and")
    [problem] = _problems(tmp_path, text)
    assert f"QC201-district-annual.yaml:{_line(text, 'code: and')} fields[3].code" in problem


def test_forms_built_in_code_are_checked_on_first_use():
    form = ReportForm.model_validate(
        {
            "code": "X",
            "name": "x",
            "period_type": "annual",
            "respondent_level": "district",
            "fields": [{"code": "gdp", "label": "地区生产总值", "unit": "万元"}],
            "checks": [{"code": "X-E01", "severity": "error", "expr": "gdp >= nothing", "message": "x"}],
        }
    )
    with pytest.raises(FormChecksError) as info:
        compile_form(form)
    assert info.value.problems == [
        (
            ("checks", 0, "expr"),
            "表达式错误: 未知字段或阈值“nothing”(表中没有这个字段代码,thresholds 中也没有)(第 8 个字符处)",
        )
    ]
