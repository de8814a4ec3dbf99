"""Demo projects and talents across the zone's districts and industry chains."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from keju.orgs.models import OrgLevel, OrgUnit
from keju.planning.models import IndustryChain, Plan
from keju.pools.models import Project, ProjectKind, ProjectStage, Talent, TalentKind

FIELDS = ["有色冶金", "新材料", "石油化工", "生物医药", "装备制造", "信息技术", "新能源", "现代农业"]
EMPLOYERS = [
    "兰州大学",
    "兰州理工大学",
    "金川集团",
    "白银有色集团",
    "兰州石化公司",
    "兰石集团",
    "某生物制药公司",
]


def seed_pools_demo(plan: Plan, *, seed: int = 2015) -> dict[str, list[int]]:
    rng = random.Random(seed)
    made: dict[str, list[int]] = defaultdict(list)
    districts = list(OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT))
    chains = list(IndustryChain.objects.filter(plan=plan))
    if not districts:
        return {}
    year_now = timezone.localdate().year
    for n in range(48):
        chain = chains[n % len(chains)] if chains else None
        start = rng.randint(2015, 2020)
        kind = [ProjectKind.ACHIEVEMENT_TRANSFER, ProjectKind.INDUSTRIALISATION, ProjectKind.PLATFORM][n % 3]
        end = min(start + rng.randint(1, 3), year_now)
        stage = ProjectStage.OPERATING if end <= 2020 and rng.random() < 0.7 else ProjectStage.CONSTRUCTION
        project = Project.objects.create(
            plan=plan,
            name=f"{chain.name if chain else FIELDS[n % len(FIELDS)]}{['成果转化', '产业化', '创新平台'][n % 3]}项目{n + 1}",
            kind=kind,
            industry_chain=chain,
            district=districts[n % len(districts)],
            responsible_unit=f"{districts[n % len(districts)].name}管委会",
            stage=stage,
            investment=Decimal(rng.choice([2, 5, 8, 12, 20, 35])),
            expected_output=Decimal(rng.choice([5, 10, 18, 30, 50])),
            outcome="形成新产品并实现规模化生产",
            start_year=start,
            end_year=max(end, start),
        )
        made["pools.project"].append(project.pk)
    made["pools.project"] += _transfer_projects(plan, chains, districts, rng, year_now)
    kinds = (
        [TalentKind.LEADING] * 4
        + [TalentKind.TEAM] * 2
        + [TalentKind.SUPERVISOR] * 3
        + [TalentKind.HIGH_SKILLED] * 6
    )
    for n in range(150):
        kind = kinds[n % len(kinds)]
        consent = n % 5 == 0
        talent = Talent.objects.create(
            plan=plan,
            kind=kind,
            name=f"演示人才{n + 1}" if consent else "",
            contact="0931-0000000" if consent else "",
            members=rng.randint(5, 15) if kind == TalentKind.TEAM else 1,
            field=rng.choice(FIELDS),
            employer=rng.choice(EMPLOYERS),
            district=districts[n % len(districts)],
            year=rng.randint(2015, 2020),
            consent_at=timezone.now() if consent else None,
            consent_scope="仅用于人才服务联络(演示)" if consent else "",
        )
        made["pools.talent"].append(talent.pk)
    return dict(made)


# Each chain's share of its 四(一) target reached by 2020 is drawn from this range, so that the
# chains dashboard shows chains ahead of, on and behind their targets.
_REACHED = (0.45, 1.15)
_YEAR_WEIGHTS = {2015: 1, 2016: 2, 2017: 3, 2018: 4, 2019: 5, 2020: 6}  # transfers gather pace


def _transfer_projects(
    plan: Plan, chains: list[IndustryChain], districts: list[OrgUnit], rng: random.Random, year_now: int
) -> list[int]:
    """重大科技成果转化项目 brought into operation, per chain and year, toward the chains' targets.

    Created in bulk (about 2 000 for Lanbai): what the zone's 2 000-project target and the
    chains' targets are judged against, in the districts each chain relies on.
    """
    total_weight = sum(_YEAR_WEIGHTS.values())
    projects: list[Project] = []
    for chain in chains:
        where = list(chain.districts.all()) or districts
        reached = rng.uniform(*_REACHED)
        for year, weight in _YEAR_WEIGHTS.items():
            if year > year_now:
                continue
            count = round(chain.achievements * reached * weight / total_weight)
            for n in range(count):
                district = where[n % len(where)]
                projects.append(
                    Project(
                        plan=plan,
                        name=f"{chain.name}成果转化项目{year}-{n + 1}",
                        kind=ProjectKind.ACHIEVEMENT_TRANSFER,
                        industry_chain=chain,
                        district=district,
                        responsible_unit=f"{district.name}管委会",
                        stage=ProjectStage.OPERATING,
                        investment=Decimal(rng.choice([1, 2, 3, 5, 8])),
                        expected_output=Decimal(rng.choice([2, 3, 5, 8, 12])),
                        outcome="科技成果实现转化并建成投产",
                        start_year=year - rng.randint(0, 2),
                        end_year=year,
                    )
                )
    return [p.pk for p in Project.objects.bulk_create(projects, batch_size=500)]
