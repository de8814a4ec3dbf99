"""The pure core of Keju: a regional innovation plan as data (no Django here).

plan = load_plan(path)            # PlanError(problems) if the file is malformed
forms = load_forms(plan, path)    # the report forms the plan lists
problems = check_plan(plan, forms)
doc = export_plan(plan)           # JSON-ready
"""

from keju.plan.checks import check_plan
from keju.plan.export import export_plan
from keju.plan.forms import FormField, ReportForm
from keju.plan.loader import PlanError, Problem, load_forms, load_plan
from keju.plan.schema import ENTERPRISE_FLAGS, FieldRef, Plan, parse_expression

__all__ = [
    "ENTERPRISE_FLAGS",
    "FieldRef",
    "FormField",
    "Plan",
    "PlanError",
    "Problem",
    "ReportForm",
    "check_plan",
    "export_plan",
    "load_forms",
    "load_plan",
    "parse_expression",
]
