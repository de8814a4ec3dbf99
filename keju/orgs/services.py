"""The enterprise register: registering, moving and closing enterprises.

Every change goes through these functions so that the register stays consistent:
codes are checked, `is_industrial` follows the industry code, and placements
form an unbroken history (moving closes one period and opens the next).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keju.orgs.credit_code import credit_code_error
from keju.orgs.models import Enterprise, EnterprisePlacement, OrgLevel, OrgUnit
from keju.planning.models import IndustryChain, Plan

# GB/T 4754-2017: a section letter and the 2-digit divisions it covers.
SECTIONS: dict[str, range] = {
    "A": range(1, 6),
    "B": range(6, 13),
    "C": range(13, 44),
    "D": range(44, 47),
    "E": range(47, 51),
    "F": range(51, 53),
    "G": range(53, 61),
    "H": range(61, 63),
    "I": range(63, 66),
    "J": range(66, 70),
    "K": range(70, 71),
    "L": range(71, 73),
    "M": range(73, 76),
    "N": range(76, 80),
    "O": range(80, 83),
    "P": range(83, 84),
    "Q": range(84, 86),
    "R": range(86, 91),
    "S": range(91, 97),
    "T": range(97, 98),
}
# 工业 in Chinese statistics: mining, manufacturing, and power, heat, gas and water.
INDUSTRIAL_SECTIONS = frozenset("BCD")
INDUSTRY_CODE_RE = re.compile(r"^[A-T]\d{4}$")

BATCH_SIZE = 5000
NAME_MAX = Enterprise._meta.get_field("name").max_length
CLASS_MAX = Enterprise._meta.get_field("high_tech_industry").max_length
# Labels of the checked fields, lazy: the bulk path checks every row but translates only on error.
FIELD_LABELS = {
    "high_tech_industry": gettext_lazy("高技术产业(制造业)分类"),
    "strategic_emerging": gettext_lazy("战略性新兴产业分类"),
    "opened_on": gettext_lazy("成立日期"),
    "closed_on": gettext_lazy("注销日期"),
    "is_above_scale": gettext_lazy("规模以上工业企业"),
    "is_high_tech_enterprise": gettext_lazy("高新技术企业"),
}


class RegisterError(Exception):
    """The register refused a change; `messages` says why, in the active language, one line each."""

    def __init__(self, messages: str | list[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


def industry_code_error(code: str) -> str | None:
    """A message (in the active language) if `code` is not a GB/T 4754-2017 class code (letter + 4 digits)."""
    if not INDUSTRY_CODE_RE.match(code):
        return _("国民经济行业分类代码“%(code)s”格式错误:应为门类字母加4位数字,如C2710") % {"code": code}
    section, division = code[0], int(code[1:3])
    if division not in SECTIONS[section]:
        expected = next((s for s, r in SECTIONS.items() if division in r), None)
        hint = (
            _("大类%(division)s属于门类%(section)s") % {"division": code[1:3], "section": expected}
            if expected
            else _("不存在大类%(division)s") % {"division": code[1:3]}
        )
        return _("国民经济行业分类代码“%(code)s”错误:%(hint)s") % {"code": code, "hint": hint}
    return None


def is_industrial(industry_code: str) -> bool:
    return industry_code[:1] in INDUSTRIAL_SECTIONS


# --- lookups shared by the single and the bulk path -------------------------------------


@dataclass
class _PlanUnits:
    """A plan's districts, parks and chains by code, loaded once per call."""

    plan: Plan
    districts: dict[str, OrgUnit] = field(default_factory=dict)
    parks: dict[str, OrgUnit] = field(default_factory=dict)
    others: dict[str, OrgUnit] = field(default_factory=dict)
    chains: dict[str, IndustryChain] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan) -> _PlanUnits:
        units = cls(plan)
        by_level = {OrgLevel.DISTRICT: units.districts, OrgLevel.PARK: units.parks}
        for unit in OrgUnit.objects.filter(plan=plan):
            by_level.get(unit.level, units.others)[unit.code] = unit
        units.chains = {c.code: c for c in IndustryChain.objects.filter(plan=plan)}
        return units

    def place(
        self, district_code: str, park_code: str | None
    ) -> tuple[OrgUnit | None, OrgUnit | None, list[str]]:
        """The district and park for the codes, or the reasons they do not fit."""
        errors = []
        district = self.districts.get(district_code)
        if district is None:
            if other := self.others.get(district_code) or self.parks.get(district_code):
                errors.append(
                    _("“%(code)s”(%(name)s)不是区,请填写区代码") % {"code": district_code, "name": other.name}
                )
            else:
                errors.append(_("未知的区代码“%(code)s”") % {"code": district_code})
        park = None
        if park_code:
            park = self.parks.get(park_code)
            if park is None:
                errors.append(_("未知的园区代码“%(code)s”") % {"code": park_code})
            elif district is not None and park.parent_id != district.pk:
                errors.append(
                    _("园区“%(park)s”(%(park_code)s)不属于“%(district)s”(%(district_code)s)")
                    % {
                        "park": park.name,
                        "park_code": park_code,
                        "district": district.name,
                        "district_code": district_code,
                    }
                )
        return district, park, errors


def _clean(
    units: _PlanUnits,
    *,
    name: str,
    credit_code: str,
    industry_code: str,
    district_code: str,
    park_code: str | None,
    opened_on: date,
    closed_on: date | None = None,
    is_above_scale: bool = False,
    is_high_tech_enterprise: bool = False,
    high_tech_industry: str = "",
    strategic_emerging: str = "",
    industry_chain: str | IndustryChain | None = None,
) -> tuple[Enterprise, EnterprisePlacement, list[str]]:
    """Build (unsaved) an enterprise and its first placement; collect what is wrong."""
    errors: list[str] = []
    name = (name or "").strip()
    credit_code = (credit_code or "").strip().upper()
    industry_code = (industry_code or "").strip().upper()
    if not name:
        errors.append(_("企业名称不能为空"))
    elif len(name) > NAME_MAX:
        errors.append(_("企业名称“%(name)s…”超过%(max)s个字") % {"name": name[:20], "max": NAME_MAX})
    for label, value in (
        (FIELD_LABELS["high_tech_industry"], high_tech_industry),
        (FIELD_LABELS["strategic_emerging"], strategic_emerging),
    ):
        if value and len(value) > CLASS_MAX:
            errors.append(
                _("%(label)s“%(value)s…”超过%(max)s个字")
                % {"label": label, "value": value[:20], "max": CLASS_MAX}
            )
    if message := credit_code_error(credit_code):
        errors.append(message)
    if message := industry_code_error(industry_code):
        errors.append(message)
    industrial = is_industrial(industry_code)
    if is_above_scale and not industrial:
        errors.append(
            _("行业代码%(code)s不属于工业(门类B、C、D),不能标记为规模以上工业企业") % {"code": industry_code}
        )
    if high_tech_industry and industry_code[:1] != "C":
        errors.append(
            _("行业代码%(code)s不属于制造业(门类C),不能填写高技术产业(制造业)分类") % {"code": industry_code}
        )
    district, park, place_errors = units.place(
        (district_code or "").strip(), (park_code or "").strip() or None
    )
    errors += place_errors
    chain = industry_chain if isinstance(industry_chain, IndustryChain) else None
    if industry_chain and chain is None:
        chain = units.chains.get(industry_chain)
        if chain is None:
            errors.append(_("未知的产业链代码“%(code)s”") % {"code": industry_chain})
    # A missing or unreadable date is reported by the caller, which knows why it is missing.
    if opened_on is not None and closed_on is not None and closed_on <= opened_on:
        errors.append(
            _("注销日期%(closed)s须晚于成立日期%(opened)s") % {"closed": closed_on, "opened": opened_on}
        )

    enterprise = Enterprise(
        plan=units.plan,
        name=name,
        credit_code=credit_code,
        industry_code=industry_code,
        is_industrial=industrial,
        is_above_scale=bool(is_above_scale),
        is_high_tech_enterprise=bool(is_high_tech_enterprise),
        high_tech_industry=high_tech_industry or "",
        strategic_emerging=strategic_emerging or "",
        industry_chain=chain,
        opened_on=opened_on,
        closed_on=closed_on,
    )
    placement = EnterprisePlacement(district=district, park=park, valid_from=opened_on, valid_to=closed_on)
    return enterprise, placement, errors


def _duplicate_message(credit_code: str, existing_name: str) -> str:
    return _("统一社会信用代码%(code)s已登记为“%(name)s”,不能重复登记") % {
        "code": credit_code,
        "name": existing_name,
    }


# --- single enterprise -------------------------------------------------------------------


def register_enterprise(
    plan: Plan,
    *,
    name: str,
    credit_code: str,
    industry_code: str,
    district_code: str,
    park_code: str | None = None,
    opened_on: date,
    is_above_scale: bool = False,
    is_high_tech_enterprise: bool = False,
    high_tech_industry: str = "",
    strategic_emerging: str = "",
    industry_chain: str | IndustryChain | None = None,
) -> Enterprise:
    """Enter an enterprise in the register and place it in its district (and park).

    `industry_chain` is one of the plan's industry chains (or its code). Raises
    RegisterError listing every problem found.
    """
    if not isinstance(opened_on, date):
        raise RegisterError(_("成立日期不能为空"))
    units = _PlanUnits.of(plan)
    enterprise, placement, errors = _clean(
        units,
        name=name,
        credit_code=credit_code,
        industry_code=industry_code,
        district_code=district_code,
        park_code=park_code,
        opened_on=opened_on,
        is_above_scale=is_above_scale,
        is_high_tech_enterprise=is_high_tech_enterprise,
        high_tech_industry=high_tech_industry,
        strategic_emerging=strategic_emerging,
        industry_chain=industry_chain,
    )
    existing = Enterprise.objects.filter(credit_code=enterprise.credit_code).first()
    if existing is not None:
        errors.insert(0, _duplicate_message(existing.credit_code, existing.name))
    if errors:
        raise RegisterError(errors)
    try:
        with transaction.atomic():
            enterprise.save()
            placement.enterprise = enterprise
            placement.save()
    except IntegrityError:
        # Registered by someone else between our check and our insert.
        existing = Enterprise.objects.filter(credit_code=enterprise.credit_code).first()
        if existing is None:
            raise
        raise RegisterError(_duplicate_message(existing.credit_code, existing.name)) from None
    return enterprise


def placement_on(enterprise: Enterprise, on: date) -> EnterprisePlacement | None:
    """Where `enterprise` sat on `on`; None before it opened or once it closed."""
    return enterprise.placement_on(on)


def move_enterprise(
    enterprise: Enterprise, *, district_code: str, park_code: str | None = None, on: date
) -> EnterprisePlacement:
    """Move an enterprise to another district or park from `on`.

    The current placement ends on `on` (exclusive) and a new one starts, so
    figures for earlier periods keep counting where the enterprise was then.
    """
    units = _PlanUnits.of(enterprise.plan)
    district, park, errors = units.place(district_code, park_code)
    if errors:
        raise RegisterError(errors)
    with transaction.atomic():
        # Lock the enterprise so two concurrent moves cannot both close the same placement.
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        enterprise.refresh_from_db(fields=["closed_on"])
        current = enterprise.placements.filter(valid_to__isnull=True).first()
        if current is None:
            raise RegisterError(
                _("“%(name)s”已于%(date)s注销,不能迁移")
                % {"name": enterprise.name, "date": enterprise.closed_on}
            )
        if current.district_id == district.pk and current.park_id == (park.pk if park else None):
            raise RegisterError(
                _("“%(name)s”已在“%(place)s”,无需迁移") % {"name": enterprise.name, "place": park or district}
            )
        if on <= current.valid_from:
            raise RegisterError(
                _("迁移日期%(date)s须晚于“%(name)s”在当前位置的起始日期%(start)s")
                % {"date": on, "name": enterprise.name, "start": current.valid_from}
            )
        current.valid_to = on
        current.save(update_fields=["valid_to"])
        return EnterprisePlacement.objects.create(
            enterprise=enterprise, district=district, park=park, valid_from=on
        )


def close_enterprise(enterprise: Enterprise, on: date) -> Enterprise:
    """Record that an enterprise closed (注销) on `on`; its history stays in the register."""
    with transaction.atomic():
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        enterprise.refresh_from_db()
        if enterprise.closed_on is not None:
            raise RegisterError(
                _("“%(name)s”已于%(date)s注销") % {"name": enterprise.name, "date": enterprise.closed_on}
            )
        current = enterprise.placements.filter(valid_to__isnull=True).first()
        start = current.valid_from if current else enterprise.opened_on
        if on <= start:
            raise RegisterError(
                _("注销日期%(date)s须晚于“%(name)s”的成立或最近迁移日期%(start)s")
                % {"date": on, "name": enterprise.name, "start": start}
            )
        enterprise.closed_on = on
        enterprise.save(update_fields=["closed_on"])
        if current is not None:
            current.valid_to = on
            current.save(update_fields=["valid_to"])
    return enterprise


# --- bulk path (CSV import, demo generator) ----------------------------------------------

ROW_FIELDS = (
    "name",
    "credit_code",
    "industry_code",
    "district_code",
    "park_code",
    "opened_on",
    "closed_on",
    "is_above_scale",
    "is_high_tech_enterprise",
    "high_tech_industry",
    "strategic_emerging",
    "industry_chain",
)
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "√", "t"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "否", "f"})


def _as_date(value: Any, label: str, errors: list[str]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        errors.append(_("%(label)s“%(value)s”不是有效日期,应为YYYY-MM-DD") % {"label": label, "value": value})
        return None


def _as_bool(value: Any, label: str, errors: list[str]) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word not in FALSE_WORDS:
        errors.append(_("%(label)s“%(value)s”应为“是”或“否”") % {"label": label, "value": value})
    return False


def _row_kwargs(row: Mapping[str, Any], errors: list[str]) -> dict[str, Any]:
    """Coerce one row (typed values, or strings from a CSV) into _clean's arguments."""
    unknown = set(row) - set(ROW_FIELDS)
    if unknown:
        errors.append(_("未知的列:%(columns)s") % {"columns": ", ".join(sorted(unknown))})
    text = {k: ("" if row.get(k) is None else str(row.get(k)).strip()) for k in ROW_FIELDS}
    opened_on = _as_date(row.get("opened_on"), FIELD_LABELS["opened_on"], errors)
    if row.get("opened_on") in (None, ""):
        errors.append(_("成立日期不能为空"))
    return {
        "name": text["name"],
        "credit_code": text["credit_code"],
        "industry_code": text["industry_code"],
        "district_code": text["district_code"],
        "park_code": text["park_code"] or None,
        "opened_on": opened_on,
        "closed_on": _as_date(row.get("closed_on"), FIELD_LABELS["closed_on"], errors),
        "is_above_scale": _as_bool(row.get("is_above_scale"), FIELD_LABELS["is_above_scale"], errors),
        "is_high_tech_enterprise": _as_bool(
            row.get("is_high_tech_enterprise"), FIELD_LABELS["is_high_tech_enterprise"], errors
        ),
        "high_tech_industry": text["high_tech_industry"],
        "strategic_emerging": text["strategic_emerging"],
        "industry_chain": row.get("industry_chain")
        if isinstance(row.get("industry_chain"), IndustryChain)
        else (text["industry_chain"] or None),
    }


def bulk_register(plan: Plan, rows: Iterable[Mapping[str, Any]], *, first_row: int = 1) -> int:
    """Register many enterprises at once; all or nothing.

    Each row is a mapping with the keys in ROW_FIELDS (values typed, or strings as
    read from a CSV file: dates as YYYY-MM-DD, flags as 是/否 or 1/0). Every row is
    validated first; if any is wrong, RegisterError lists each problem as
    "第N行 …" (rows numbered from `first_row`) and nothing is inserted. Returns the
    number of enterprises registered.
    """
    units = _PlanUnits.of(plan)
    enterprises: list[Enterprise] = []
    placements: list[EnterprisePlacement] = []
    errors: list[tuple[int, str]] = []  # (row number, message)
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=first_row):
        row_errors: list[str] = []
        kwargs = _row_kwargs(row, row_errors)
        enterprise, placement, problems = _clean(units, **kwargs)
        row_errors += problems
        code = enterprise.credit_code
        if code and code in seen:
            row_errors.append(
                _("统一社会信用代码%(code)s与第%(row)s行重复") % {"code": code, "row": seen[code]}
            )
        else:
            seen[code] = number
        errors += [(number, e) for e in row_errors]
        enterprises.append(enterprise)
        placements.append(placement)

    # Codes already in the register, looked up in chunks to stay under SQLite's variable limit.
    codes = list(seen)
    for start in range(0, len(codes), BATCH_SIZE):
        chunk = codes[start : start + BATCH_SIZE]
        for code, existing_name in Enterprise.objects.filter(credit_code__in=chunk).values_list(
            "credit_code", "name"
        ):
            errors.append((seen[code], _duplicate_message(code, existing_name)))
    if errors:
        errors.sort(key=lambda error: error[0])  # stable: a row's problems keep their order
        raise RegisterError([_("第%(row)s行 %(message)s") % {"row": row, "message": e} for row, e in errors])

    with transaction.atomic():
        for start in range(0, len(enterprises), BATCH_SIZE):
            batch = enterprises[start : start + BATCH_SIZE]
            # Both SQLite (3.35+) and PostgreSQL return the new ids from a bulk insert.
            Enterprise.objects.bulk_create(batch)
            for enterprise, placement in zip(batch, placements[start : start + BATCH_SIZE], strict=True):
                placement.enterprise_id = enterprise.pk
            EnterprisePlacement.objects.bulk_create(placements[start : start + BATCH_SIZE])
    return len(enterprises)
