"""Forms for the check tests: the shipped Lanbai forms and a small form built in code."""

import pytest

from keju.plan import load_forms, load_plan
from keju.plan.cli import DEFAULT_PLAN
from keju.plan.forms import ReportForm


@pytest.fixture(scope="session")
def forms() -> dict[str, ReportForm]:
    return load_forms(load_plan(DEFAULT_PLAN), DEFAULT_PLAN)


def make_form(checks=(), thresholds=None, period_type="annual", fields=None) -> ReportForm:
    return ReportForm.model_validate(
        {
            "code": "T1",
            "name": "测试表",
            "period_type": period_type,
            "respondent_level": "enterprise",
            "fields": fields
            or [
                {"code": "employees", "label": "年末从业人员", "unit": "人", "type": "integer", "min": 0},
                {"code": "rd_personnel", "label": "R&D人员", "unit": "人", "type": "integer", "min": 0},
                {"code": "revenue", "label": "营业收入", "unit": "万元", "min": 0},
                {"code": "share", "label": "占比", "unit": "%", "min": 0, "max": 100, "required": False},
                {"code": "flag", "label": "是否高新技术企业", "type": "boolean", "required": False},
                {"code": "remark", "label": "备注", "type": "text", "required": False},
            ],
            "thresholds": thresholds or {},
            "checks": list(checks),
        }
    )


CLEAN = {"employees": 100, "rd_personnel": 10, "revenue": 5000.5}
