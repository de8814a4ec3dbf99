"""Business rules of technology transfer: listings, search, suggestions, the broker's workflow, contracts.

Every refusal raises `TransferError` with a message in the user's language, writes nothing
else and is recorded as a refused `TransferEvent`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.accounts.events import ServiceError, refusal
from keju.accounts.models import ZONE_ROLES, Role
from keju.accounts.scoping import roles_of
from keju.orgs.models import Enterprise
from keju.orgs.services import placement_on
from keju.planning.models import Plan
from keju.transfer.matching import Demand, Matcher, MatchingError, Suggestion, Supply
from keju.transfer.models import (
    Achievement,
    ContractType,
    CooperationMode,
    HighTechIndustry,
    IpType,
    ListingStatus,
    Match,
    MatchStatus,
    Need,
    Region,
    Stage,
    StrategicEmerging,
    TechContract,
    TechField,
    TransferEvent,
)

MAX_SEARCH_CHARS = 200
MAX_KEYWORDS = 8
# Markup in a listing is refused rather than stripped: what was typed is what is shown.
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript:|on\w+\s*=", re.IGNORECASE)


class TransferError(ServiceError):
    """A refusal of the technology market (message in the active language)."""


def refuse(actor: Any, action: str, message: str, target: str = "") -> TransferError:
    """Log the refusal (outside any transaction that will roll back) and return the error to raise."""
    return refusal(TransferEvent, TransferError, actor, action, target, message)


# --- who may do what -------------------------------------------------------------------------


def is_broker(user: Any) -> bool:
    """Office and working-group staff act as technology brokers (技术经纪人) and register contracts."""
    if getattr(user, "is_superuser", False):
        return True
    return any(r.role in {Role.OFFICE_STAFF, Role.WORKING_GROUP_STAFF} for r in roles_of(user))


def reporter_enterprise_ids(user: Any) -> set[int]:
    return {r.enterprise_id for r in roles_of(user) if r.role == Role.ENTERPRISE_REPORTER}


def can_see_suggestions(user: Any, need: Need) -> bool:
    return is_broker(user) or need.enterprise_id in reporter_enterprise_ids(user)


def is_zone_staff(user: Any) -> bool:
    return getattr(user, "is_superuser", False) or any(r.role in ZONE_ROLES for r in roles_of(user))


# --- listings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingInput:
    title: str
    description: str
    keywords: tuple[str, ...]
    field: str
    region: str


def clean_listing(actor: Any, action: str, data: Mapping[str, Any]) -> ListingInput:
    title = str(data.get("title") or "").strip()
    description = str(data.get("description") or "").strip()
    raw_keywords = data.get("keywords") or ""
    if isinstance(raw_keywords, str):
        raw_keywords = re.split(r"[,，;；、\s]+", raw_keywords)
    keywords = tuple(k.strip() for k in raw_keywords if str(k).strip())
    problems: list[str] = []
    if not title:
        problems.append(_("请填写名称"))
    elif len(title) > 120:
        problems.append(_("名称过长(%(length)s字),最多120字") % {"length": len(title)})
    if not description:
        problems.append(_("请填写描述"))
    elif len(description) > 2000:
        problems.append(_("描述过长(%(length)s字),最多2000字") % {"length": len(description)})
    if len(keywords) > MAX_KEYWORDS:
        problems.append(_("关键词最多%(count)s个") % {"count": MAX_KEYWORDS})
    if any(len(k) > 20 for k in keywords):
        problems.append(_("每个关键词最多20字"))
    if any(_MARKUP.search(text) for text in (title, description, *keywords)):
        problems.append(_("内容中含有网页标记或脚本(如 <script>),请只填写纯文本"))
    if data.get("field") not in TechField.values:
        problems.append(_("请选择技术领域"))
    region = data.get("region") or Region.LANZHOU
    if region not in Region.values:
        problems.append(_("地区无效"))
    if problems:
        raise refuse(actor, action, _("%(problems)s。") % {"problems": _(";").join(problems)})
    return ListingInput(title, description, keywords, str(data["field"]), str(region))


def publish_need(actor: Any, enterprise: Enterprise, data: Mapping[str, Any]) -> Need:
    """An enterprise posts a technology need (its own reporter, or zone staff on its behalf)."""
    if not (is_broker(actor) or enterprise.pk in reporter_enterprise_ids(actor)):
        raise refuse(actor, "publish_need", _("您只能为本企业发布技术需求。"), f"enterprise:{enterprise.pk}")
    listing = clean_listing(actor, "publish_need", data)
    budget = _decimal_or_none(actor, "publish_need", data.get("budget"), _("预算"))
    mode = data.get("mode") or CooperationMode.JOINT
    if mode not in CooperationMode.values:
        raise refuse(actor, "publish_need", _("合作方式无效。"))
    industry = (enterprise.industry_code or "")[1:3] if enterprise.industry_code else ""
    need = Need.objects.create(
        plan=enterprise.plan,
        enterprise=enterprise,
        industry=industry,
        budget=budget,
        mode=mode,
        deadline=data.get("deadline") or None,
        strategic_emerging=enterprise.strategic_emerging
        if enterprise.strategic_emerging in StrategicEmerging.values
        else "",
        high_tech_industry=enterprise.high_tech_industry
        if enterprise.high_tech_industry in HighTechIndustry.values
        else "",
        status=ListingStatus.PUBLISHED,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **_listing_fields(listing),
    )
    TransferEvent.record(actor, "publish_need", f"need:{need.pk}", need.title)
    return need


def publish_achievement(actor: Any, plan: Plan, data: Mapping[str, Any]) -> Achievement:
    """Zone staff publish an achievement offered by a university, institute or enterprise."""
    if not is_broker(actor):
        raise refuse(actor, "publish_achievement", _("只有省创新办或工作小组人员可以发布科技成果。"))
    listing = clean_listing(actor, "publish_achievement", data)
    owner_name = str(data.get("owner_name") or "").strip()
    if not owner_name or _MARKUP.search(owner_name):
        raise refuse(actor, "publish_achievement", _("请填写成果持有单位(纯文本)。"))
    stage = data.get("stage") or Stage.PILOT
    ip_type = data.get("ip_type") or IpType.OTHER
    if stage not in Stage.values or ip_type not in IpType.values:
        raise refuse(actor, "publish_achievement", _("所处阶段或知识产权类型无效。"))
    industries = data.get("industries") or []
    if isinstance(industries, str):
        industries = [c for c in re.split(r"[,，\s]+", industries) if c]
    if any(not re.fullmatch(r"\d{2}", c) for c in industries):
        raise refuse(
            actor, "publish_achievement", _("适用行业请填写国民经济行业分类两位大类代码,如 32、27。")
        )
    sei = data.get("strategic_emerging") or ""
    hti = data.get("high_tech_industry") or ""
    if sei not in ("", *StrategicEmerging.values) or hti not in ("", *HighTechIndustry.values):
        raise refuse(actor, "publish_achievement", _("战略性新兴产业或高技术产业分类无效。"))
    terms = str(data.get("terms") or "").strip()
    if _MARKUP.search(terms):
        raise refuse(actor, "publish_achievement", _("价格或合作条件中含有网页标记或脚本,请只填写纯文本。"))
    achievement = Achievement.objects.create(
        plan=plan,
        owner_name=owner_name,
        stage=stage,
        ip_type=ip_type,
        industries=list(industries),
        terms=terms[:200],
        strategic_emerging=sei,
        high_tech_industry=hti,
        status=ListingStatus.PUBLISHED,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **_listing_fields(listing),
    )
    TransferEvent.record(actor, "publish_achievement", f"achievement:{achievement.pk}", achievement.title)
    return achievement


def _listing_fields(listing: ListingInput) -> dict[str, Any]:
    return {
        "title": listing.title,
        "description": listing.description,
        "keywords": list(listing.keywords),
        "field": listing.field,
        "region": listing.region,
    }


def _decimal_or_none(actor: Any, action: str, value: Any, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise refuse(
            actor, action, _("%(label)s“%(value)s”不是有效数字。") % {"label": label, "value": value}
        ) from None
    if not number.is_finite() or number < 0:
        raise refuse(actor, action, _("%(label)s不能为负数。") % {"label": label})
    return number


# --- search and suggestions ------------------------------------------------------------------


def _classes(listing: Any) -> tuple[str, ...]:
    found = []
    if listing.strategic_emerging:
        found.append(f"sei:{listing.strategic_emerging}")
    if listing.high_tech_industry:
        found.append(f"hti:{listing.high_tech_industry}")
    return tuple(found)


def _supply(achievement: Achievement) -> Supply:
    return Supply(
        id=str(achievement.pk),
        title=achievement.title,
        text=achievement.description,
        keywords=tuple(achievement.keywords),
        field=achievement.field,
        industries=tuple(achievement.industries),
        region=achievement.region,
        classes=_classes(achievement),
    )


def _demand(need: Need) -> Demand:
    return Demand(
        title=need.title,
        text=need.description,
        keywords=tuple(need.keywords),
        field=need.field,
        industry=need.industry,
        region=need.region,
        classes=_classes(need),
    )


_MATCHERS: dict[tuple[Any, ...], Matcher] = {}


def achievement_matcher(plan: Plan) -> tuple[Matcher, dict[str, Achievement]]:
    """A matcher over the plan's published achievements, rebuilt only when they change."""
    published = Achievement.objects.filter(plan=plan).published()
    stamp = published.aggregate(last=Max("updated_at"))["last"]
    achievements = {str(a.pk): a for a in published.order_by("id")}
    key = (plan.pk, stamp, len(achievements))
    matcher = _MATCHERS.get(key)
    if matcher is None:
        _MATCHERS.clear()
        matcher = _MATCHERS[key] = Matcher([_supply(a) for a in achievements.values()])
    return matcher, achievements


@dataclass(frozen=True)
class RankedAchievement:
    achievement: Achievement
    suggestion: Suggestion


def suggest_for_need(need: Need, *, limit: int = 10) -> list[RankedAchievement]:
    matcher, achievements = achievement_matcher(need.plan)
    return [RankedAchievement(achievements[s.supply_id], s) for s in matcher.rank(_demand(need), limit=limit)]


# kind, plan -> (signature of the published listings, matcher): one matcher per list, kept until
# a listing is added, changed, withdrawn or removed (the signature then differs).
_SEARCH_MATCHERS: dict[tuple[str, int], tuple[tuple[Any, ...], Matcher]] = {}


def _search_matcher(plan: Plan, kind: str, published: list[Any]) -> Matcher:
    """The BM25 matcher over `published` (ordered by id), rebuilt only when the listings change."""
    signature = (
        len(published),
        max((x.updated_at for x in published), default=None),
        hash(tuple(x.pk for x in published)),
    )
    cached = _SEARCH_MATCHERS.get((kind, plan.pk))
    if cached is not None and cached[0] == signature:
        return cached[1]
    supplies = [
        Supply(id=str(x.pk), title=x.title, text=x.description, keywords=tuple(x.keywords), field=x.field)
        for x in published
    ]
    matcher = Matcher(supplies)
    _SEARCH_MATCHERS[(kind, plan.pk)] = (signature, matcher)
    return matcher


def search(plan: Plan, actor: Any, query: str, *, kind: str = "achievements", limit: int = 30) -> list[Any]:
    """Published achievements or needs ranked by relevance to a free-text query."""
    query = (query or "").strip()
    if len(query) > MAX_SEARCH_CHARS:
        raise refuse(
            actor,
            "search",
            _("搜索词过长(%(length)s字),请控制在%(max)s字以内。")
            % {"length": len(query), "max": MAX_SEARCH_CHARS},
        )
    if kind not in {"achievements", "needs"}:
        raise refuse(actor, "search", _("搜索类别无效。"))
    model = Achievement if kind == "achievements" else Need
    published = list(model.objects.filter(plan=plan).published().order_by("id"))
    if not query:
        return sorted(published, key=lambda x: x.updated_at, reverse=True)[:limit]
    try:
        ranked = _search_matcher(plan, kind, published).rank(Demand(title=query), limit=limit)
    except MatchingError as error:
        raise refuse(actor, "search", _(error.template) % error.values) from None
    by_id = {str(x.pk): x for x in published}
    return [by_id[s.supply_id] for s in ranked]


# --- the broker's workflow -------------------------------------------------------------------

_NEXT: dict[str, set[str]] = {
    MatchStatus.SUGGESTED: {MatchStatus.CONTACTED, MatchStatus.CLOSED},
    MatchStatus.CONTACTED: {MatchStatus.NEGOTIATING, MatchStatus.CLOSED},
    MatchStatus.NEGOTIATING: {MatchStatus.CLOSED},  # contracted only by registering the contract
    MatchStatus.CONTRACTED: set(),
    MatchStatus.CLOSED: set(),
}


def follow_up(actor: Any, need: Need, achievement: Achievement) -> Match:
    """A broker takes up a suggested pair: the match is recorded as contacted."""
    if not is_broker(actor):
        raise refuse(
            actor, "follow_up", _("只有技术经纪人(省创新办或工作小组人员)可以跟进对接。"), f"need:{need.pk}"
        )
    if need.plan_id != achievement.plan_id or ListingStatus.PUBLISHED not in (
        need.status,
        achievement.status,
    ):
        raise refuse(actor, "follow_up", _("需求或成果未发布,不能对接。"), f"need:{need.pk}")
    reasons: list[str] = []
    score = 0.0
    for ranked in suggest_for_need(need, limit=50):
        if ranked.achievement.pk == achievement.pk:
            reasons, score = list(ranked.suggestion.reasons), ranked.suggestion.score
    try:
        with transaction.atomic():
            match = Match.objects.create(
                need=need,
                achievement=achievement,
                score=score,
                reasons=reasons,
                status=MatchStatus.CONTACTED,
                broker=actor,
            )
    except IntegrityError:
        raise refuse(
            actor, "follow_up", _("这对需求与成果已在对接中,请勿重复创建。"), f"need:{need.pk}"
        ) from None
    TransferEvent.record(actor, "follow_up", f"match:{match.pk}", f"{need.title} ↔ {achievement.title}")
    return match


def advance(actor: Any, match: Match, status: str, note: str = "") -> Match:
    """Move a match along suggested → contacted → negotiating, or close it with a reason."""
    if not is_broker(actor):
        raise refuse(actor, "advance", _("只有技术经纪人可以更新对接状态。"), f"match:{match.pk}")
    note = (note or "").strip()
    try:
        with transaction.atomic():
            current = Match.objects.select_for_update().get(pk=match.pk)
            if status not in _NEXT.get(current.status, set()):
                wanted = MatchStatus(status).label if status in MatchStatus.values else status
                raise TransferError(
                    _("当前状态“%(current)s”不能改为“%(wanted)s”。")
                    % {"current": MatchStatus(current.status).label, "wanted": wanted}
                )
            if status == MatchStatus.CLOSED and not note:
                raise TransferError(_("关闭对接须填写原因。"))
            current.status = status
            if note:
                line = f"{timezone.localdate():%Y-%m-%d} {note}"
                current.note = f"{current.note}\n{line}" if current.note else line
            current.save(update_fields=["status", "note", "updated_at"])
    except TransferError as error:
        raise refuse(actor, "advance", error.message, f"match:{match.pk}") from None
    TransferEvent.record(actor, "advance", f"match:{match.pk}", f"{status} {note}")
    return current


# --- contracts -------------------------------------------------------------------------------


def _next_registration_number(year: int) -> str:
    # 62 (甘肃) + year + a six-digit serial, as the 技术合同登记 numbers run.
    prefix = f"62{year}"
    last = (
        TechContract.objects.filter(registration_number__startswith=prefix)
        .order_by("-registration_number")
        .values_list("registration_number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{sequence:06d}"


def register_contract(
    actor: Any, plan: Plan, data: Mapping[str, Any], *, match: Match | None = None
) -> TechContract:
    """Register a technology contract (技术合同登记); a match, if given, becomes 已签约."""
    action = "register_contract"
    if not is_broker(actor):
        raise refuse(actor, action, _("只有技术合同登记人员(省创新办或工作小组)可以登记技术合同。"))
    contract_type = data.get("contract_type")
    if contract_type not in ContractType.values:
        raise refuse(actor, action, _("请选择合同类别(技术开发、转让、许可、咨询或服务)。"))
    title = str(data.get("title") or "").strip()
    seller_name = str(data.get("seller_name") or "").strip()
    buyer_name = str(data.get("buyer_name") or "").strip()
    if not title or not seller_name or not buyer_name:
        raise refuse(actor, action, _("请填写合同名称、卖方和买方。"))
    if any(_MARKUP.search(t) for t in (title, seller_name, buyer_name)):
        raise refuse(actor, action, _("合同信息中含有网页标记或脚本,请只填写纯文本。"))
    amount = _decimal_or_none(actor, action, data.get("amount"), _("成交额"))
    if amount is None or amount <= 0:
        raise refuse(actor, action, _("成交额必须大于0(单位:万元)。"))
    income = _decimal_or_none(actor, action, data.get("technical_income"), _("核定技术性收入"))
    income = amount if income is None else income
    if income > amount:
        raise refuse(
            actor,
            action,
            _("核定技术性收入(%(income)s万元)不能大于成交额(%(amount)s万元)。")
            % {"income": income, "amount": amount},
        )
    signed_on = _date(actor, action, data.get("signed_on"), _("签订日期"))
    registered_on = _date(actor, action, data.get("registered_on") or timezone.localdate(), _("登记日期"))
    if registered_on < signed_on:
        raise refuse(actor, action, _("登记日期不能早于签订日期。"))
    if registered_on > timezone.localdate():
        raise refuse(actor, action, _("登记日期不能晚于今天。"))
    seller = data.get("seller")
    buyer = data.get("buyer")
    district = None
    if isinstance(seller, Enterprise):
        placement = placement_on(seller, signed_on)
        district = placement.district if placement else None
    if match is not None and match.status != MatchStatus.NEGOTIATING:
        raise refuse(actor, action, _("只有“洽谈中”的对接可以登记为合同。"), f"match:{match.pk}")
    fields = {
        "plan": plan,
        "contract_type": contract_type,
        "title": title,
        "seller_name": seller_name,
        "seller": seller if isinstance(seller, Enterprise) else None,
        "buyer_name": buyer_name,
        "buyer": buyer if isinstance(buyer, Enterprise) else None,
        "district": district,
        "amount": amount,
        "technical_income": income,
        "signed_on": signed_on,
        "registered_on": registered_on,
        "match": match,
        "registered_by": actor,
    }
    try:
        contract = _create_contract(fields, str(data.get("registration_number") or "").strip())
    except TransferError as error:
        raise refuse(actor, action, error.message) from None
    TransferEvent.record(
        actor, action, f"contract:{contract.pk}", f"{contract.registration_number} {amount}万元"
    )
    return contract


def _create_contract(fields: dict[str, Any], number: str) -> TechContract:
    with transaction.atomic():
        number = number or _next_registration_number(fields["registered_on"].year)
        if TechContract.objects.filter(registration_number=number).exists():
            raise TransferError(_("登记编号 %(number)s 已存在,同一合同不能重复登记。") % {"number": number})
        try:
            with transaction.atomic():
                contract = TechContract.objects.create(registration_number=number, **fields)
        except IntegrityError:
            raise TransferError(
                _("登记编号 %(number)s 已存在,同一合同不能重复登记。") % {"number": number}
            ) from None
        match = fields["match"]
        if match is not None:
            Match.objects.filter(pk=match.pk).update(status=MatchStatus.CONTRACTED, updated_at=timezone.now())
    return contract


def _date(actor: Any, action: str, value: Any, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise refuse(
            actor,
            action,
            _("%(label)s“%(value)s”不是有效日期(格式:2020-06-30)。") % {"label": label, "value": value or ""},
        ) from None


def contract_turnover(plan: Plan, years: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Registered contract amounts (万元) by seller district and year of registration: 技术合同成交额."""
    contracts = TechContract.objects.filter(plan=plan)
    if years is not None:
        contracts = contracts.filter(registered_on__year__in=list(years))
    rows = (
        contracts.values("district__code", "registered_on__year", "contract_type")
        .annotate(amount=Sum("amount"), income=Sum("technical_income"))
        .order_by("district__code", "registered_on__year", "contract_type")
    )
    return [
        {
            "district": r["district__code"],
            "year": r["registered_on__year"],
            "contract_type": r["contract_type"],
            "amount": r["amount"],
            "technical_income": r["income"],
        }
        for r in rows
    ]
