"""A small zone on the shipped Lanbai plan: two districts' enterprises, their users, open periods."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from keju.accounts.models import Role
from keju.accounts.services import assign_role
from keju.orgs.models import Enterprise, OrgUnit
from keju.orgs.services import register_enterprise
from keju.planning.models import Plan
from keju.planning.services import load_plan_into_db
from keju.planning.testing import make_credit_code
from keju.reporting.excel import layout, services
from keju.reporting.services import open_period

EXCEL_PLAN = Path(__file__).parent / "data" / "excel-plan.yaml"


@dataclass
class Zone:
    plan: Plan
    lzxq: OrgUnit  # 兰州新区 (code XQ)
    lzgxq: OrgUnit  # 兰州高新区 (code GX)
    xq: list[Enterprise]  # three enterprises of 兰州新区
    gx: Enterprise  # one of 兰州高新区
    reporter: Any  # 企业填报员 of xq[0]
    reviewer: Any  # 管委会审核员 of 兰州新区
    other_reviewer: Any  # 管委会审核员 of 兰州高新区
    office: Any
    evaluator: Any


@pytest.fixture(autouse=True)
def _results_dir(settings, tmp_path):
    settings.KEJU_EXCEL_RESULTS_DIR = tmp_path / "excel-results"


@pytest.fixture
def zone(db) -> Zone:
    plan = load_plan_into_db(EXCEL_PLAN)
    units = {u.code: u for u in OrgUnit.objects.filter(plan=plan)}

    def enterprise(n: int, name: str, district: str) -> Enterprise:
        return register_enterprise(
            plan,
            name=name,
            credit_code=make_credit_code(n),
            industry_code="C2710",
            district_code=district,
            opened_on=date(2010, 1, 1),
            is_above_scale=True,
        )

    xq = [enterprise(i, f"新区企业{i}", "XQ") for i in (1, 2, 3)]
    gx = enterprise(9, "高新区企业9", "GX")
    User = get_user_model()

    def user(name: str, role: Role, **scope: Any) -> Any:
        u = User.objects.create(username=name)  # no password: tests log in with force_login
        assign_role(u, role, **scope)
        return u

    zone_unit = OrgUnit.objects.zone(plan)
    z = Zone(
        plan=plan,
        lzxq=units["XQ"],
        lzgxq=units["GX"],
        xq=xq,
        gx=gx,
        reporter=user("reporter", Role.ENTERPRISE_REPORTER, enterprise=xq[0]),
        reviewer=user("reviewer_lzxq", Role.DISTRICT_REVIEWER, org_unit=units["XQ"]),
        other_reviewer=user("reviewer_lzgxq", Role.DISTRICT_REVIEWER, org_unit=units["GX"]),
        office=user("office", Role.OFFICE_STAFF, org_unit=zone_unit),
        evaluator=user("evaluator", Role.EVALUATOR, org_unit=zone_unit),
    )
    for form, period in (("KJ101", "2016"), ("KJ201", "2016"), ("KJ102", "2016Q3")):
        open_period(plan, form, period)
    return z


# --- filling workbooks as a person would --------------------------------------------------


def template(
    zone: Zone, user: Any, form: str = "KJ101", period: str = "2016", target: str | None = None
) -> bytes:
    """Download a template through the service, as the page does."""
    if target is None:
        scope = "enterprise" if user == zone.reporter else ("bulk" if form != "KJ201" else "district")
        code = zone.xq[0].credit_code if scope == "enterprise" else zone.lzxq.code
    else:
        scope, _, code = target.partition(":")
    _, data = services.build_template(user, zone.plan, form, period, scope, code)
    return data


def fill(
    data: bytes, values: Mapping[Any, Mapping[str, Any]], *, explanations: Mapping[Any, str] | None = None
) -> bytes:
    """Fill a template with openpyxl. Keys of `values`: a credit code (bulk rows, appended when
    not prefilled) or None (the single layout). Values are written as given (numbers, text)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[layout.DATA_SHEET]
    stamp = layout.Stamp.from_rows([[c.value for c in row] for row in wb[layout.STAMP_SHEET].iter_rows()])
    assert stamp is not None
    fields = list(stamp.fields)
    explanations = explanations or {}
    if stamp.scope != "bulk":
        row_values = values.get(None, {})
        for i, code in enumerate(fields):
            if code in row_values:
                ws.cell(
                    row=layout.SINGLE_FIRST_ROW + i, column=layout.SINGLE_VALUE_COLUMN, value=row_values[code]
                )
        if None in explanations:
            ws.cell(
                row=layout.SINGLE_FIRST_ROW + len(fields),
                column=layout.SINGLE_VALUE_COLUMN,
                value=explanations[None],
            )
    else:
        rows = {ws.cell(row=r, column=1).value: r for r in range(layout.BULK_FIRST_ROW, ws.max_row + 1)}
        next_row = ws.max_row + 1
        for key, row_values in values.items():
            r = rows.get(key)
            if r is None or isinstance(key, tuple):
                # a row added by hand (or a deliberate duplicate: key = (code, n))
                r = next_row
                next_row += 1
                ws.cell(row=r, column=1, value=key[0] if isinstance(key, tuple) else key)
            for i, code in enumerate(fields):
                if code in row_values:
                    ws.cell(row=r, column=layout.BULK_FIRST_FIELD_COLUMN + i, value=row_values[code])
            if key in explanations:
                ws.cell(row=r, column=layout.BULK_FIRST_FIELD_COLUMN + len(fields), value=explanations[key])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def kj101_values(**overrides: Any) -> dict[str, Any]:
    """A complete, consistent KJ101 row (form units)."""
    values: dict[str, Any] = {
        "employees": 320,
        "revenue": 45210.5,
        "gross_output": 38012.7,
        "value_added": 9120.3,
        "net_profit": 2310.2,
        "taxes_paid": 1502.7,
        "exports": 810.4,
        "rd_personnel": 41,
        "rd_personnel_fte": 33.5,
        "rd_expenditure": 1210.8,
        "invention_patents_valid": 12,
        "new_product_sales": 5020.1,
        "tech_contract_turnover": 120.6,
        "energy_consumption": 5210.9,
        "has_rd_institution": "是",
        "skilled_workers": 150,
        "technicians": 22,
        "is_above_scale": "是",
        "is_high_tech_enterprise": "否",
        "is_innovative_enterprise": "否",
    }
    values.update(overrides)
    return values


def kj201_values(**overrides: Any) -> dict[str, Any]:
    """A complete, consistent KJ201 (district annual) form."""
    values: dict[str, Any] = {
        "gdp": 1_203_417,
        "gdp_constant": 1_051_233,
        "fiscal_expenditure": 310_452,
        "fiscal_st_expenditure": 12_137,
        "resident_population": 30.5,
        "urban_population": 21.2,
        "energy_consumption": 1_520_931,
        "tech_contract_turnover": 51_234,
        "rd_expenditure_other": 8_231,
        "new_jobs": 12_043,
        "fixed_asset_investment": 2_301_377,
    }
    values.update(overrides)
    return values
