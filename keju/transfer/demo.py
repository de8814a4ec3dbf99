"""Demo listings for 技术转移对接: the evaluation set's achievements and needs, some matches and contracts.

The achievements and needs come from `evaluation/pairs.yaml` (realistic, written for
the zone's industries); needs are posted by demo enterprises of a fitting industry.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max

from keju.orgs.models import Enterprise
from keju.planning.models import Plan
from keju.transfer.evaluation import load_pairs
from keju.transfer.models import (
    Achievement,
    ContractType,
    IpType,
    ListingStatus,
    Match,
    MatchStatus,
    Need,
    Stage,
    TechContract,
)

# Who in and around the zone holds such achievements, by field.
OWNERS: dict[str, list[str]] = {
    "新材料": ["兰州理工大学", "西北矿冶研究院", "金川集团股份有限公司", "兰州大学"],
    "资源与环境": ["中国科学院西北生态环境资源研究院", "西北矿冶研究院", "兰州交通大学", "甘肃省科学院"],
    "生物与新医药": ["兰州生物制品研究所", "中国农业科学院兰州兽医研究所", "甘肃中医药大学", "兰州大学"],
    "先进制造与自动化": ["兰州理工大学", "兰石集团", "甘肃省机械科学研究院", "兰州交通大学"],
    "新能源与节能": ["兰州交通大学", "甘肃省电力科学研究院", "兰州理工大学", "中国科学院兰州化学物理研究所"],
    "电子信息": ["兰州大学", "甘肃省计算中心", "兰州交通大学", "中国电信甘肃分公司"],
    "高技术服务": ["甘肃省科技情报研究所", "兰州科技大市场", "甘肃省产品质量监督检验研究院"],
    "航空航天": ["中国航天科技集团510所", "兰州理工大学"],
}
# The 战略性新兴产业 domain an achievement of each 高新技术领域 most likely belongs to.
SEI_BY_FIELD = {
    "新材料": "新材料产业",
    "生物与新医药": "生物产业",
    "新能源与节能": "新能源产业",
    "资源与环境": "节能环保产业",
    "电子信息": "新一代信息技术产业",
    "先进制造与自动化": "高端装备制造产业",
    "航空航天": "高端装备制造产业",
    "高技术服务": "相关服务业",
}
CONTRACT_TYPES = [
    ContractType.TRANSFER,
    ContractType.DEVELOPMENT,
    ContractType.LICENSING,
    ContractType.SERVICE,
]


def seed_transfer_demo(plan: Plan, enterprise_ids: list[int], *, seed: int = 2015) -> dict[str, list[int]]:
    """Write the demo listings, matches and contracts; returns the ids made, by model label."""
    rng = random.Random(seed)
    supplies, needs = load_pairs()
    made: dict[str, list[int]] = defaultdict(list)
    by_supply: dict[str, Achievement] = {}
    stages = list(Stage.values)
    ip_types = [IpType.INVENTION_PATENT, IpType.INVENTION_PATENT, IpType.KNOW_HOW, IpType.SOFTWARE]
    for supply in supplies:
        achievement = Achievement.objects.create(
            plan=plan,
            title=supply.title,
            description=supply.text,
            keywords=list(supply.keywords),
            field=supply.field,
            region=supply.region,
            status=ListingStatus.PUBLISHED,
            owner_name=rng.choice(OWNERS.get(supply.field, ["兰州大学"])),
            stage=rng.choice(stages),
            ip_type=rng.choice(ip_types),
            industries=list(supply.industries),
            terms=rng.choice(["面议", "转让费面议", "可许可使用", "合作开发,费用分担"]),
            strategic_emerging=SEI_BY_FIELD.get(supply.field, ""),
        )
        by_supply[supply.id] = achievement
        made["transfer.achievement"].append(achievement.pk)
    enterprises = Enterprise.objects.filter(pk__in=enterprise_ids).only(
        "pk", "industry_code", "strategic_emerging", "high_tech_industry"
    )
    by_industry: dict[str, list[Enterprise]] = defaultdict(list)
    for enterprise in enterprises:
        by_industry[enterprise.industry_code[1:3]].append(enterprise)
    everyone = [e for group in by_industry.values() for e in group]
    if not everyone:
        return dict(made)
    posted: list[tuple[Need, Achievement]] = []
    for labelled in needs:
        pool = by_industry.get(labelled.need.industry) or everyone
        enterprise = rng.choice(pool)
        need = Need.objects.create(
            plan=plan,
            enterprise=enterprise,
            title=labelled.need.title,
            description=labelled.need.text,
            field=labelled.need.field,
            region=labelled.need.region,
            industry=enterprise.industry_code[1:3],
            budget=Decimal(rng.choice([30, 50, 80, 100, 150, 200, 300])),
            status=ListingStatus.PUBLISHED,
            strategic_emerging=enterprise.strategic_emerging,
            high_tech_industry=enterprise.high_tech_industry,
        )
        made["transfer.need"].append(need.pk)
        posted.append((need, by_supply[sorted(labelled.relevant)[0]]))
    # A broker has followed up some pairs; a few ended in registered contracts.
    rng.shuffle(posted)
    statuses = [MatchStatus.CONTACTED] * 8 + [MatchStatus.NEGOTIATING] * 6 + [MatchStatus.CLOSED] * 3
    for (need, achievement), status in zip(posted, statuses, strict=False):
        match = Match.objects.create(
            need=need,
            achievement=achievement,
            status=status,
            score=1.0,
            reasons=["演示数据:经纪人根据推荐结果建立的对接"],
            note="演示:双方意向不符" if status == MatchStatus.CLOSED else "",
        )
        made["transfer.match"].append(match.pk)
    serial = _next_serial()
    for offset, (need, achievement) in enumerate(posted[len(statuses) : len(statuses) + 12]):
        signed = date(2015 + offset % 6, 1 + offset % 12, 10)
        match = Match.objects.create(
            need=need, achievement=achievement, status=MatchStatus.CONTRACTED, score=1.0, reasons=[]
        )
        made["transfer.match"].append(match.pk)
        amount = Decimal(rng.choice([20, 35, 50, 80, 120, 180, 260, 400]))
        contract = TechContract.objects.create(
            plan=plan,
            registration_number=f"62{signed.year}{serial + offset:06d}",
            contract_type=rng.choice(CONTRACT_TYPES),
            title=f"{achievement.title}合同",
            seller_name=achievement.owner_name,
            buyer_name=need.enterprise.name,
            buyer=need.enterprise,
            amount=amount,
            technical_income=amount * Decimal("0.8"),
            signed_on=signed,
            registered_on=signed + timedelta(days=15),
            match=match,
        )
        made["transfer.techcontract"].append(contract.pk)
    return dict(made)


def _next_serial() -> int:
    last: Any = TechContract.objects.aggregate(last=Max("id"))["last"]
    return 900_000 + int(last or 0)
