"""Rules of the project and talent pools, and the counts they feed to the indicator engine."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.accounts.models import ZONE_ROLES, Role
from keju.accounts.scoping import roles_of
from keju.orgs.models import OrgLevel, OrgUnit
from keju.planning.models import IndustryChain, Plan
from keju.pools.models import Project, ProjectKind, ProjectStage, Talent, TalentKind

# Which plan indicator each kind counts (专栏15 talent targets; 二(四) 重大科技成果转化).
PROJECT_INDICATORS = {ProjectKind.ACHIEVEMENT_TRANSFER: "major_achievements_transferred"}
TALENT_INDICATORS = {
    TalentKind.LEADING: "industry_leading_talents",
    TalentKind.TEAM: "talent_innovation_teams",
    TalentKind.SUPERVISOR: "graduate_supervisors",
    TalentKind.HIGH_SKILLED: "high_skilled_workers_trained",
}
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript:", re.IGNORECASE)


logger = logging.getLogger("keju.pools")


class PoolError(Exception):
    """A refusal with a message in the user's language; it is logged when raised, nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        logger.warning("pools refusal: %s", message)


def editable_districts(user: Any, plan: Plan) -> list[OrgUnit]:
    """Zone staff edit every district's entries; a district reviewer its own."""
    districts = OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT)
    if getattr(user, "is_superuser", False):
        return list(districts)
    roles = roles_of(user)
    if any(r.role in ZONE_ROLES - {Role.EVALUATOR} for r in roles):
        return list(districts)
    own = {r.org_unit_id for r in roles if r.role == Role.DISTRICT_REVIEWER}
    return [d for d in districts if d.pk in own]


def visible_districts(user: Any, plan: Plan) -> list[OrgUnit]:
    roles = roles_of(user)
    if getattr(user, "is_superuser", False) or any(r.role in ZONE_ROLES for r in roles):
        return list(OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT))
    return editable_districts(user, plan)


def _text(data: Mapping[str, Any], key: str, label: str, limit: int, *, required: bool = True) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise PoolError(_("请填写%(label)s。") % {"label": label})
    if len(value) > limit:
        raise PoolError(_("%(label)s过长(最多%(limit)s字)。") % {"label": label, "limit": limit})
    if _MARKUP.search(value):
        raise PoolError(_("%(label)s中含有网页标记或脚本,请只填写纯文本。") % {"label": label})
    return value


def _district(user: Any, plan: Plan, code: Any) -> OrgUnit:
    for district in editable_districts(user, plan):
        if district.code == code:
            return district
    raise PoolError(_("您不能为该区录入(管委会只能录入本区)。"))


def _amount(value: Any, label: str, *, required: bool = True) -> Decimal | None:
    if value in (None, "") and not required:
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise PoolError(_("%(label)s“%(value)s”不是有效数字。") % {"label": label, "value": value}) from None
    if not number.is_finite() or number <= 0:
        raise PoolError(_("%(label)s必须大于0。") % {"label": label})
    return number


def _year(value: Any, label: str, plan: Plan) -> int:
    try:
        year = int(str(value))
    except (TypeError, ValueError):
        raise PoolError(_("%(label)s“%(value)s”不是有效年份。") % {"label": label, "value": value}) from None
    if not 2000 <= year <= 2100:
        raise PoolError(_("%(label)s“%(value)s”超出合理范围。") % {"label": label, "value": year})
    return year


@transaction.atomic
def save_project(user: Any, plan: Plan, data: Mapping[str, Any], project: Project | None = None) -> Project:
    district = _district(user, plan, data.get("district"))
    if project is not None and project.district_id not in {d.pk for d in editable_districts(user, plan)}:
        raise PoolError(_("您不能修改其他区的项目。"))
    kind = data.get("kind")
    if kind not in ProjectKind.values:
        raise PoolError(_("请选择项目类型。"))
    stage = data.get("stage") or ProjectStage.PLANNING
    if stage not in ProjectStage.values:
        raise PoolError(_("项目阶段无效。"))
    chain = None
    if data.get("industry_chain"):
        chain = IndustryChain.objects.filter(plan=plan, code=data["industry_chain"]).first()
        if chain is None:
            raise PoolError(_("产业链不存在。"))
    start, end = (
        _year(data.get("start_year"), _("开工年份"), plan),
        _year(data.get("end_year"), _("建成年份"), plan),
    )
    if start > end:
        raise PoolError(_("开工年份不能晚于建成年份。"))
    fields = {
        "name": _text(data, "name", _("项目名称"), 200),
        "kind": kind,
        "stage": stage,
        "industry_chain": chain,
        "district": district,
        "responsible_unit": _text(data, "responsible_unit", _("责任单位"), 200),
        "investment": _amount(data.get("investment"), _("总投资(亿元)")),
        "expected_output": _amount(data.get("expected_output"), _("达产后年产值(亿元)"), required=False),
        "outcome": _text(data, "outcome", _("预期成果"), 300, required=False),
        "start_year": start,
        "end_year": end,
    }
    if project is None:
        return Project.objects.create(plan=plan, **fields)
    for name, value in fields.items():
        setattr(project, name, value)
    project.save()
    return project


@transaction.atomic
def record_talent(user: Any, plan: Plan, data: Mapping[str, Any]) -> Talent:
    """Add a person or team; the name and contact are kept only if consent was given."""
    district = _district(user, plan, data.get("district"))
    kind = data.get("kind")
    if kind not in TalentKind.values:
        raise PoolError(_("请选择人才类别。"))
    consent = str(data.get("consent") or "").lower() in {"1", "true", "on", "yes", "是"}
    name = _text(data, "name", _("姓名/团队名称"), 100, required=False)
    contact = _text(data, "contact", _("联系方式"), 100, required=False)
    if (name or contact) and not consent:
        raise PoolError(
            _("未取得本人同意,不能录入姓名和联系方式;可不填姓名,只录入类别、领域和单位用于统计。")
        )
    try:
        members = int(data.get("members") or 1)
    except (TypeError, ValueError):
        raise PoolError(_("团队人数应为整数。")) from None
    if members < 1 or (kind != TalentKind.TEAM and members != 1):
        raise PoolError(_("团队人数至少为1;个人的人数为1。"))
    return Talent.objects.create(
        plan=plan,
        kind=kind,
        name=name,
        contact=contact,
        members=members,
        field=_text(data, "field", _("专业领域"), 100),
        employer=_text(data, "employer", _("工作单位"), 200),
        district=district,
        year=_year(data.get("year"), _("引进或认定年份"), plan),
        consent_at=timezone.now() if consent else None,
        consent_scope=_text(data, "consent_scope", _("同意范围"), 200, required=False) if consent else "",
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )


@transaction.atomic
def withdraw_consent(user: Any, talent: Talent) -> Talent:
    """Erase the personal data; the anonymous record keeps counting."""
    if talent.district_id not in {d.pk for d in editable_districts(user, talent.plan)}:
        raise PoolError(_("您不能修改其他区的人才信息。"))
    talent.name = ""
    talent.contact = ""
    talent.consent_at = None
    talent.consent_scope = ""
    talent.save(update_fields=["name", "contact", "consent_at", "consent_scope", "updated_at"])
    return talent


def pool_counts(plan: Plan) -> list[dict[str, Any]]:
    """Counts for the engine: indicator, district, year, value (talents: persons or teams; projects: count)."""
    rows: list[dict[str, Any]] = []
    talents = (
        Talent.objects.filter(plan=plan)
        .values("kind", "district__code", "year")
        .annotate(count=Count("id"), persons=Sum("members"))
        .order_by("kind", "district__code", "year")
    )
    for r in talents:
        rows.append(
            {
                "indicator": TALENT_INDICATORS[r["kind"]],
                "district": r["district__code"],
                "year": r["year"],
                "value": r["count"],
            }
        )
    rows.extend(
        {"indicator": r["indicator"], "district": r["by"], "year": r["year"], "value": r["value"]}
        for r in project_counts(plan)
    )
    return rows


def project_counts(plan: Plan, by: str = "district__code") -> list[dict[str, Any]]:
    """The projects counted for a plan indicator (PROJECT_INDICATORS): those 建成投产, in their year of
    completion, per `by` (a field path: district__code, or industry_chain__code for the chains
    dashboard): indicator, by, year, value."""
    projects = (
        Project.objects.filter(plan=plan, kind__in=list(PROJECT_INDICATORS), stage=ProjectStage.OPERATING)
        .values("kind", by, "end_year")
        .annotate(count=Count("id"))
        .order_by("kind", by, "end_year")
    )
    return [
        {"indicator": PROJECT_INDICATORS[r["kind"]], "by": r[by], "year": r["end_year"], "value": r["count"]}
        for r in projects
    ]
