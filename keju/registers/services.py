"""Rules of the registers: who may enter what, validation, duplicates, revocation and the audit trail.

Every change goes through these functions; a refusal raises RegisterError with a message in the
user's language and writes nothing. The pages and the demo use them alike.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.accounts.models import ZONE_ROLES, Role
from keju.accounts.scoping import roles_of
from keju.orgs.models import Enterprise, OrgLevel, OrgUnit
from keju.planning.models import IndustryChain, Plan
from keju.registers.models import (
    Action,
    EnterpriseRecognition,
    Incubator,
    IncubatorKind,
    InnovationAlliance,
    InnovationPlatform,
    Level,
    PlatformType,
    RecognitionKind,
    RegisterEvent,
    name_key,
)

logger = logging.getLogger("keju.registers")

# The registers by the name used in URLs and the demo.
MODELS: dict[str, type[Model]] = {
    "platform": InnovationPlatform,
    "alliance": InnovationAlliance,
    "incubator": Incubator,
    "recognition": EnterpriseRecognition,
}
# Kinds that only one level recognises.
FIXED_LEVEL = {RecognitionKind.NATIONAL_INNOVATIVE_PILOT: Level.NATIONAL}
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript:", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
EARLIEST = date(1950, 1, 1)


class RegisterError(Exception):
    """A refusal with a message in the active language; logged when raised, nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        logger.warning("registers refusal: %s", message)


# --- scope ------------------------------------------------------------------------------------


def editable_districts(user: Any, plan: Plan) -> list[OrgUnit]:
    """省创新办 and the working groups edit every district's entries; a 管委会审核员 its own."""
    districts = OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT).order_by("id")
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return list(districts)
    roles = roles_of(user)
    if any(r.role in ZONE_ROLES - {Role.EVALUATOR} for r in roles):
        return list(districts)
    own = {r.org_unit_id for r in roles if r.role == Role.DISTRICT_REVIEWER}
    return [d for d in districts if d.pk in own]


def visible_districts(user: Any, plan: Plan) -> list[OrgUnit]:
    """Zone roles (the evaluator too, read-only) see every district; a reviewer its own; others none."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser or any(r.role in ZONE_ROLES for r in roles_of(user)):
        return list(OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT).order_by("id"))
    return editable_districts(user, plan)


def can_edit(user: Any, entry: Any) -> bool:
    return entry.district_id in {d.pk for d in editable_districts(user, entry.plan)}


# --- parsing ----------------------------------------------------------------------------------


def _text(data: Mapping[str, Any], key: str, label: str, limit: int, *, required: bool = True) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise RegisterError(_("请填写%(label)s。") % {"label": label})
    if len(value) > limit:
        raise RegisterError(_("%(label)s过长(最多%(limit)s字)。") % {"label": label, "limit": limit})
    if _MARKUP.search(value):
        raise RegisterError(_("%(label)s中含有网页标记或脚本,请只填写纯文本。") % {"label": label})
    return value


def _choice(data: Mapping[str, Any], key: str, label: str, choices: Any, *, required: bool = True) -> str:
    value = str(data.get(key) or "").strip()
    if not value and not required:
        return ""
    if value not in choices.values:
        if not value:
            raise RegisterError(_("请选择%(label)s。") % {"label": label})
        raise RegisterError(_("%(label)s“%(value)s”无效,请从列表中选择。") % {"label": label, "value": value})
    return value


def parse_date(raw: Any, label: str, *, required: bool = True, future: bool = False) -> date | None:
    """2017-05-12, 2017/5/12, 2017.5.12 or 2017年5月12日 (全角数字 too); not in the future unless
    `future` (the end of a validity period)."""
    if isinstance(raw, date):
        value = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw or "")).strip()
        if not text:
            if required:
                raise RegisterError(_("请填写%(label)s。") % {"label": label})
            return None
        match = _DATE.match(text)
        if match is None:
            raise RegisterError(
                _("%(label)s“%(raw)s”不是有效日期,请按 2017-05-12 的格式填写。")
                % {"label": label, "raw": raw}
            )
        try:
            value = date(*(int(g) for g in match.groups()))
        except ValueError:
            raise RegisterError(
                _("%(label)s“%(raw)s”不是有效日期。") % {"label": label, "raw": raw}
            ) from None
    if value < EARLIEST:
        raise RegisterError(
            _("%(label)s“%(date)s”早于1950年,请核对。") % {"label": label, "date": value.isoformat()}
        )
    if not future and value > timezone.localdate():
        raise RegisterError(
            _("%(label)s“%(date)s”晚于今天,不能登记尚未发生的认定或撤销。")
            % {"label": label, "date": value.isoformat()}
        )
    if value.year > 2200:  # a typo (and 9999-12-31 would overflow the day after a validity)
        raise RegisterError(
            _("%(label)s“%(date)s”超出合理范围,请核对。") % {"label": label, "date": value.isoformat()}
        )
    return value


def parse_count(raw: Any, label: str, *, minimum: int = 0, required: bool = True) -> int:
    """A whole number; 全角数字 and 千分位 commas accepted."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).replace(",", "").strip()
    if not text:
        if required:
            raise RegisterError(_("请填写%(label)s。") % {"label": label})
        return minimum
    if not re.fullmatch(r"\d+", text):
        raise RegisterError(_("%(label)s“%(raw)s”应为整数。") % {"label": label, "raw": raw})
    value = int(text)
    if value < minimum:
        raise RegisterError(_("%(label)s不能小于%(minimum)s。") % {"label": label, "minimum": minimum})
    if value > 2_000_000_000:
        raise RegisterError(_("%(label)s“%(raw)s”超出合理范围。") % {"label": label, "raw": raw})
    return value


def _flag(data: Mapping[str, Any], key: str) -> bool:
    return str(data.get(key) or "").strip().lower() in {"1", "true", "on", "yes", "是"}


def _place(user: Any, plan: Plan, data: Mapping[str, Any]) -> dict[str, Any]:
    code = str(data.get("district") or "").strip()
    if not code:
        raise RegisterError(_("请选择所在区。"))
    district = next((d for d in editable_districts(user, plan) if d.code == code), None)
    if district is None:
        if OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT, code=code).exists():
            raise RegisterError(_("您不能为该区登记(管委会审核员只能登记和修改本区的条目)。"))
        raise RegisterError(_("所在区“%(code)s”不存在。") % {"code": code})
    park = None
    if data.get("park"):
        park = OrgUnit.objects.filter(plan=plan, level=OrgLevel.PARK, code=data["park"]).first()
        if park is None:
            raise RegisterError(_("园区“%(code)s”不存在。") % {"code": data["park"]})
        if park.parent_id != district.pk:
            raise RegisterError(
                _("园区“%(park)s”不属于%(district)s。") % {"park": park.name, "district": district.name}
            )
    chain = None
    if data.get("industry_chain"):
        chain = IndustryChain.objects.filter(plan=plan, code=data["industry_chain"]).first()
        if chain is None:
            raise RegisterError(_("产业链“%(code)s”不存在。") % {"code": data["industry_chain"]})
    return {"district": district, "park": park, "industry_chain": chain}


def _enterprise(plan: Plan, data: Mapping[str, Any], key: str, label: str) -> Enterprise | None:
    code = unicodedata.normalize("NFKC", str(data.get(key) or "")).strip().upper()
    if not code:
        return None
    enterprise = Enterprise.objects.filter(plan=plan, credit_code=code).first()
    if enterprise is None:
        raise RegisterError(
            _("%(label)s的统一社会信用代码“%(code)s”不在企业名录中;请先登记企业,或留空只填单位名称。")
            % {"label": label, "code": code}
        )
    return enterprise


def _common(user: Any, plan: Plan, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": _text(data, "name", _("名称"), 200),
        **_place(user, plan, data),
        "document_number": _text(data, "document_number", _("认定文号"), 100, required=False),
        "issued_by": _text(data, "issued_by", _("认定部门"), 100, required=False),
    }


def _platform_fields(user: Any, plan: Plan, data: Mapping[str, Any]) -> dict[str, Any]:
    host = _enterprise(plan, data, "host_credit_code", _("依托企业"))
    host_name = _text(data, "host_name", _("依托单位"), 200, required=host is None) or (
        host.name if host else ""
    )
    return {
        **_common(user, plan, data),
        "platform_type": _choice(data, "platform_type", _("平台类型"), PlatformType),
        "level": _choice(data, "level", _("级别"), Level),
        "host_enterprise": host,
        "host_name": host_name,
        "recognised_on": parse_date(data.get("recognised_on"), _("认定日期")),
    }


def _alliance_fields(user: Any, plan: Plan, data: Mapping[str, Any]) -> dict[str, Any]:
    lead = _enterprise(plan, data, "lead_credit_code", _("牵头企业"))
    lead_unit = _text(data, "lead_unit", _("牵头单位"), 200, required=lead is None) or (
        lead.name if lead else ""
    )
    return {
        **_common(user, plan, data),
        "level": _choice(data, "level", _("级别"), Level, required=False),
        "lead_enterprise": lead,
        "lead_unit": lead_unit,
        "member_count": parse_count(data.get("member_count"), _("成员单位数"), minimum=2),
        "founded_on": parse_date(data.get("founded_on"), _("成立日期")),
    }


def _incubator_fields(user: Any, plan: Plan, data: Mapping[str, Any]) -> dict[str, Any]:
    operator = _enterprise(plan, data, "operator_credit_code", _("运营企业"))
    name = _text(data, "operator", _("运营机构"), 200, required=operator is None)
    kind = _choice(data, "kind", _("类别"), IncubatorKind)
    specialised = _flag(data, "specialised")
    if specialised and kind != IncubatorKind.INCUBATOR:
        raise RegisterError(_("只有科技企业孵化器可以标为专业孵化器。"))
    return {
        **_common(user, plan, data),
        "kind": kind,
        "level": _choice(data, "level", _("级别"), Level),
        "specialised": specialised,
        "operator_enterprise": operator,
        "operator": name or (operator.name if operator else ""),
        "area_m2": parse_count(data.get("area_m2"), _("场地面积(平方米)"), minimum=1),
        "residents": parse_count(data.get("residents"), _("在孵企业和团队数"), required=False),
        "recognised_on": parse_date(data.get("recognised_on"), _("认定日期")),
    }


def _recognition_fields(user: Any, plan: Plan, data: Mapping[str, Any]) -> dict[str, Any]:
    """The enterprise (by credit code) fixes name, district and park; the chain defaults to its own."""
    code = unicodedata.normalize("NFKC", str(data.get("credit_code") or "")).strip().upper()
    if not code:
        raise RegisterError(_("请填写企业的统一社会信用代码(企业须已在企业名录中)。"))
    enterprise = (
        Enterprise.objects.filter(plan=plan, credit_code=code).select_related("industry_chain").first()
    )
    if enterprise is None:
        raise RegisterError(
            _("统一社会信用代码“%(code)s”不在企业名录中;请先在企业名录中登记该企业。") % {"code": code[:18]}
        )
    kind = _choice(data, "kind", _("认定类别"), RecognitionKind)
    level = _choice(data, "level", _("级别"), Level)
    fixed = FIXED_LEVEL.get(RecognitionKind(kind))
    if fixed is not None and level != fixed:
        raise RegisterError(
            _("%(kind)s只有%(level)s认定,请把级别改为%(level)s。")
            % {"kind": RecognitionKind(kind).label, "level": Level(fixed).label}
        )
    recognised_on = parse_date(data.get("recognised_on"), _("认定日期"))
    assert recognised_on is not None  # required
    expires_on = parse_date(data.get("expires_on"), _("有效期至"), required=False, future=True)
    if expires_on is not None and expires_on < recognised_on:
        raise RegisterError(
            _("有效期至 %(expires)s 早于认定日期 %(recognised)s,请核对。")
            % {"expires": expires_on.isoformat(), "recognised": recognised_on.isoformat()}
        )
    # Recognised before it entered the zone (or the register): it belongs where it first sat.
    placement = (
        enterprise.placement_on(recognised_on)
        or enterprise.placements.filter(valid_from__gt=recognised_on).order_by("valid_from").first()
    )
    if placement is None:
        raise RegisterError(
            _("“%(name)s”在认定日期 %(date)s 之前已注销或迁出试验区,不能登记其认定。")
            % {"name": enterprise.name, "date": recognised_on.isoformat()}
        )
    if placement.district_id not in {d.pk for d in editable_districts(user, plan)}:
        raise RegisterError(
            _("“%(name)s”认定时位于%(district)s;管委会审核员只能登记和修改本区企业的认定。")
            % {"name": enterprise.name, "district": placement.district.name}
        )
    chain = enterprise.industry_chain
    if data.get("industry_chain"):
        chain = IndustryChain.objects.filter(plan=plan, code=data["industry_chain"]).first()
        if chain is None:
            raise RegisterError(_("产业链“%(code)s”不存在。") % {"code": data["industry_chain"]})
    return {
        "name": enterprise.name,
        "enterprise": enterprise,
        "district": placement.district,
        "park": placement.park,
        "industry_chain": chain,
        "kind": kind,
        "level": level,
        "recognised_on": recognised_on,
        "expires_on": expires_on,
        "document_number": _text(data, "document_number", _("认定文号"), 100, required=False),
        "issued_by": _text(data, "issued_by", _("认定部门"), 100, required=False),
    }


_FIELDS = {
    "platform": _platform_fields,
    "alliance": _alliance_fields,
    "incubator": _incubator_fields,
    "recognition": _recognition_fields,
}


def register_of(entry: Any) -> str:
    for register, model in MODELS.items():
        if isinstance(entry, model):
            return register
    raise TypeError(f"not a register entry: {entry!r}")


def _duplicate(
    register: str, plan: Plan, fields: Mapping[str, Any], exclude: int | None, revoked_on: date | None = None
) -> Any:
    """The entry in force with the same key (platform: type, level and name; alliance: name;
    incubator: kind and name), if any; for a recognition, one of the same enterprise and kind
    (any level) whose dates overlap [recognised_on, end)."""
    if register == "recognition":
        return _overlapping(fields, exclude, revoked_on)
    model: Any = MODELS[register]
    key = {"plan": plan, "name_key": name_key(fields["name"])}
    if register == "platform":
        key |= {
            "platform_type": fields["platform_type"],
            "level": fields["level"],
            "revoked_on__isnull": True,
        }
    elif register == "alliance":
        key |= {"dissolved_on__isnull": True}
    else:
        key |= {"kind": fields["kind"], "revoked_on__isnull": True}
    rows = model.objects.filter(**key)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.select_related("district").first()


def _overlapping(fields: Mapping[str, Any], exclude: int | None, revoked_on: date | None) -> Any:
    ends = [d for d in (revoked_on, fields["expires_on"] and fields["expires_on"] + timedelta(days=1)) if d]
    rows = EnterpriseRecognition.objects.filter(
        enterprise=fields["enterprise"], kind=fields["kind"]
    ).overlapping(fields["recognised_on"], min(ends) if ends else None)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.order_by("recognised_on", "id").first()


def _span(entry: EnterpriseRecognition) -> str:
    if entry.revoked_on is not None:
        return _("%(start)s 起,%(end)s 撤销") % {
            "start": entry.recognised_on.isoformat(),
            "end": entry.revoked_on.isoformat(),
        }
    if entry.expires_on is not None:
        return _("%(start)s 至 %(end)s") % {
            "start": entry.recognised_on.isoformat(),
            "end": entry.expires_on.isoformat(),
        }
    return _("%(start)s 起,长期有效") % {"start": entry.recognised_on.isoformat()}


def _refuse_duplicate(register: str, existing: Any) -> None:
    if register == "recognition":
        raise RegisterError(
            _(
                "“%(name)s”已有%(level)s%(kind)s认定(%(span)s,编号 %(id)s),与本次认定的有效期重叠;"
                "同一企业同一类认定的有效期不能重叠。升级或重新认定时,请先撤销原认定或填写其有效期;"
                "如是同一认定,请修改原条目。"
            )
            % {
                "name": existing.name,
                "level": existing.get_level_display(),
                "kind": existing.get_kind_display(),
                "span": _span(existing),
                "id": existing.pk,
            }
        )
    facts = {"name": existing.name, "district": existing.district.name, "id": existing.pk}
    # One sentence per register, so that each reads naturally once translated.
    if register == "platform":
        message = _("创新平台“%(name)s”已登记(%(district)s,编号 %(id)s),不能重复登记;如需更正请修改原条目。")
    elif register == "alliance":
        message = _(
            "产业技术创新战略联盟“%(name)s”已登记(%(district)s,编号 %(id)s),不能重复登记;如需更正请修改原条目。"
        )
    else:
        message = _("孵化载体“%(name)s”已登记(%(district)s,编号 %(id)s),不能重复登记;如需更正请修改原条目。")
    raise RegisterError(message % facts)


def _event(entry: Any, action: str, user: Any, changes: dict[str, Any] | None = None, note: str = "") -> None:
    RegisterEvent.objects.create(
        **{register_of(entry): entry},
        action=action,
        user=user if getattr(user, "is_authenticated", False) else None,
        changes=changes or {},
        note=note,
    )


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _lock(fields: Mapping[str, Any]) -> None:
    """Serialise changes to one enterprise's recognitions, so that two concurrent requests cannot
    both pass the overlap check (the database only backs the open-ended case)."""
    if "enterprise" in fields and "kind" in fields:
        Enterprise.objects.select_for_update().filter(pk=fields["enterprise"].pk).first()


@transaction.atomic
def register(user: Any, plan: Plan, register: str, data: Mapping[str, Any]) -> Any:
    """Enter a new platform, alliance, incubator or enterprise recognition (register = "platform",
    "alliance", "incubator" or "recognition")."""
    if register not in MODELS:
        raise RegisterError(_("未知的登记类别“%(register)s”。") % {"register": register})
    fields = _FIELDS[register](user, plan, data)
    _lock(fields)
    existing = _duplicate(register, plan, fields, None)
    if existing is not None:
        _refuse_duplicate(register, existing)
    model: Any = MODELS[register]
    entry = model(plan=plan, created_by=user if getattr(user, "is_authenticated", False) else None, **fields)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # Another request registered the same entry between the check and the insert.
        existing = _duplicate(register, plan, fields, None)
        if existing is not None:
            _refuse_duplicate(register, existing)
        raise
    _event(entry, Action.REGISTER, user, {k: _shown(v) for k, v in fields.items()})
    return entry


@transaction.atomic
def edit(user: Any, entry: Any, data: Mapping[str, Any]) -> Any:
    """Correct an entry; the audit trail keeps every changed field's old and new value."""
    register_name = register_of(entry)
    if not can_edit(user, entry):
        raise RegisterError(_("您不能修改其他区的登记条目。"))
    fields = _FIELDS[register_name](user, entry.plan, data)
    _lock(fields)
    # A revoked entry may share its name with the one that replaced it; a recognition's dates
    # may not overlap another's of the same kind, revoked or not.
    if entry.active or register_name == "recognition":
        revoked_on = entry.revoked_on if register_name == "recognition" else None
        existing = _duplicate(register_name, entry.plan, fields, entry.pk, revoked_on)
        if existing is not None:
            _refuse_duplicate(register_name, existing)
    start = "founded_on" if register_name == "alliance" else "recognised_on"
    end = getattr(entry, "dissolved_on" if register_name == "alliance" else "revoked_on")
    if end is not None and fields[start] > end:
        raise RegisterError(_("认定(成立)日期不能晚于撤销日期 %(date)s。") % {"date": end.isoformat()})
    changes = {}
    for name, value in fields.items():
        old = getattr(entry, name)
        if old != value:
            changes[name] = [_shown(old), _shown(value)]
            setattr(entry, name, value)
    if not changes:
        return entry
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise RegisterError(_("修改后与已登记条目重复,未保存。")) from None
    _event(entry, Action.EDIT, user, changes)
    return entry


@transaction.atomic
def revoke(user: Any, entry: Any, data: Mapping[str, Any]) -> Any:
    """Record the revocation (撤销/摘牌, or an alliance dissolved) on a date, with the reason.

    The entry keeps counting for the periods before that date.
    """
    register_name = register_of(entry)
    if not can_edit(user, entry):
        raise RegisterError(_("您不能撤销其他区的登记条目。"))
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    if not entry.active:
        raise RegisterError(_("“%(name)s”已经撤销,不能重复撤销。") % {"name": entry.name})
    on = parse_date(data.get("revoked_on"), _("撤销日期"))
    start = entry.founded_on if register_name == "alliance" else entry.recognised_on
    if on is None or on < start:
        raise RegisterError(_("撤销日期不能早于认定(成立)日期 %(date)s。") % {"date": start.isoformat()})
    expires_on = getattr(entry, "expires_on", None)
    if expires_on is not None and on > expires_on:
        raise RegisterError(
            _("“%(name)s”的认定有效期至 %(date)s,撤销日期晚于有效期,无需撤销。")
            % {"name": entry.name, "date": expires_on.isoformat()}
        )
    reason = _text(data, "reason", _("撤销原因"), 300)
    if register_name == "alliance":
        entry.dissolved_on = on
    else:
        entry.revoked_on = on
    entry.revocation_reason = reason
    entry.save()
    _event(entry, Action.REVOKE, user, {"revoked_on": on.isoformat()}, note=reason)
    return entry
