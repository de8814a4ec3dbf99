"""Demo registers: innovation platforms, industry alliances, incubators and enterprise recognitions
across the four districts and twelve industry chains, 2014—2020, deterministic from the demo seed.

Calibrated on the plan: 31 科技企业孵化器 and 22 众创空间 at the end of 2014 (一), platforms and
alliances per chain in proportion to 四(一)'s chain targets and growing towards them without quite
reaching them (so the demo shows 需加快 / 进展良好 rather than only 已达标), a few revocations;
创新型企业 and the other recognitions on the demo's enterprises following the plan's increments
(创新型企业 20 / 80 / 100 by stage), as far as the demo has enterprises to recognise.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from keju.orgs.models import Enterprise, EnterprisePlacement, OrgLevel, OrgUnit
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

YEARS = range(2015, 2021)
INSTITUTIONS = {
    "lzgxq": [
        "兰州大学",
        "中国科学院兰州化学物理研究所",
        "中国科学院近代物理研究所",
        "甘肃省科学院",
        "兰州理工大学",
    ],
    "lzxq": ["兰州新区科技创新研究院", "甘肃省化工研究院", "兰州石化研究院"],
    "lzjjq": ["兰州交通大学", "西北师范大学", "甘肃农业大学", "兰州城市学院"],
    "bygxq": ["白银有色集团研究院", "甘肃省白银矿冶研究所", "白银市科学技术研究所"],
}
TOPICS = {
    "chemical": ["精细化工", "石油炼化催化", "化工新材料", "氯碱化工", "聚氨酯材料", "石化过程安全"],
    "metallurgy": ["铝合金深加工", "铜镍钴冶炼", "稀贵金属提取", "炭素材料", "锌冶炼综合利用"],
    "equipment": ["石化装备", "真空装备", "工程机械", "种子加工装备", "电器设备"],
    "building_materials": ["新型墙体材料", "绿色建筑", "特种工业陶瓷", "节能建材", "防水密封材料"],
    "light_industry": ["马铃薯深加工", "中藏药材加工", "高原夏菜保鲜", "清真食品", "功能性食品"],
    "bio": ["生物制药", "现代中药", "新型疫苗", "诊断试剂", "医疗器械"],
    "new_materials": ["稀土功能材料", "电池材料", "高性能膜材料", "碳纤维", "半导体照明材料"],
    "advanced_equipment": ["航空航天装备", "轨道交通装备", "核电装备", "超导导体", "智能制造"],
    "energy_saving": ["高效锅炉", "除尘与扬尘治理", "固废综合利用", "余热回收", "烟气治理"],
    "it": ["集成电路封装", "卫星导航应用", "行业软件", "信息安全", "大数据"],
    "new_energy": ["风电装备", "光热发电", "新能源汽车", "生物质能", "智能电网"],
    "modern_services": ["工业设计", "科技金融", "电子商务", "现代物流", "数字传媒"],
}
_SUFFIX = {
    PlatformType.KEY_LAB: "重点实验室",
    PlatformType.ENGINEERING_LAB: "工程实验室",
    PlatformType.ENGINEERING_CENTRE: "工程技术研究中心",
    PlatformType.JOINT_CENTRE: "国家地方联合工程研究中心",
    PlatformType.ENTERPRISE_TECH_CENTRE: "企业技术中心",
    PlatformType.INDUSTRIAL_DESIGN_CENTRE: "工业设计中心",
    PlatformType.RESEARCH_INSTITUTE: "产业技术研究院",
    PlatformType.COLLABORATIVE_CENTRE: "协同创新中心",
}
# Platform types and their weights; enterprise-hosted types are hosted by a demo enterprise.
_TYPES = [
    (PlatformType.ENTERPRISE_TECH_CENTRE, 30),
    (PlatformType.ENGINEERING_CENTRE, 25),
    (PlatformType.KEY_LAB, 15),
    (PlatformType.ENGINEERING_LAB, 8),
    (PlatformType.COLLABORATIVE_CENTRE, 8),
    (PlatformType.INDUSTRIAL_DESIGN_CENTRE, 6),
    (PlatformType.RESEARCH_INSTITUTE, 5),
    (PlatformType.JOINT_CENTRE, 3),
]
_HOSTED = {PlatformType.ENTERPRISE_TECH_CENTRE, PlatformType.INDUSTRIAL_DESIGN_CENTRE}
_DISTRICT_WEIGHT = {"lzgxq": 40, "lzxq": 25, "lzjjq": 20, "bygxq": 15}
_LEVEL_NAME = {Level.NATIONAL: "国家", Level.PROVINCIAL: "甘肃省", Level.MUNICIPAL: ""}


class _Names:
    """Unique names per register key, as the duplicate rule requires."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, ...]] = set()

    def take(self, name: str, *key: str) -> str:
        candidate, n = name, 1
        while (*key, name_key(candidate)) in self.seen:
            n += 1
            candidate = f"{name}({n})"
        self.seen.add((*key, name_key(candidate)))
        return candidate


def _day(rng: random.Random, year: int) -> date:
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def seed_registers_demo(plan: Plan, enterprise_ids: list[int], *, seed: int = 2015) -> dict[str, list[int]]:
    """Write the demo registers; returns their ids by model label, for clear_demo."""
    rng = random.Random(seed * 7 + 4)
    districts = {d.code: d for d in OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT)}
    chains = list(
        IndustryChain.objects.filter(plan=plan).prefetch_related("districts", "parks").order_by("id")
    )
    if not districts or not chains:
        return {}
    parks: dict[str, list[OrgUnit]] = defaultdict(list)
    for park in OrgUnit.objects.filter(plan=plan, level=OrgLevel.PARK).select_related("parent"):
        parks[park.parent.code].append(park)
    hosts = _hosts(enterprise_ids)
    chain_districts = {
        c.code: [d.code for d in c.districts.all() if d.code in districts] or list(districts) for c in chains
    }
    chain_parks = {c.code: list(c.parks.all()) for c in chains}

    def place(chain: IndustryChain) -> tuple[OrgUnit, OrgUnit | None]:
        codes = chain_districts[chain.code]
        code = rng.choices(codes, weights=[_DISTRICT_WEIGHT.get(c, 10) for c in codes])[0]
        in_district = [p for p in chain_parks[chain.code] if p.parent_id == districts[code].pk]
        park = rng.choice(in_district) if in_district and rng.random() < 0.6 else None
        return districts[code], park

    names = _Names()
    made: dict[str, list[int]] = {}
    made["registers.innovationplatform"] = _platforms(plan, rng, chains, place, hosts, names)
    made["registers.innovationalliance"] = _alliances(plan, rng, chains, place, hosts, names)
    made["registers.incubator"] = _incubators(plan, rng, districts, parks, chains, names)
    made["registers.enterpriserecognition"] = _recognitions(plan, random.Random(seed * 7 + 5), enterprise_ids)
    return made


def _hosts(enterprise_ids: list[int]) -> dict[tuple[str, str | None], list[tuple[int, str]]]:
    """Demo enterprises by (district, chain) of their current placement, in id order."""
    rows = (
        EnterprisePlacement.objects.filter(enterprise_id__in=enterprise_ids, valid_to__isnull=True)
        .order_by("enterprise_id")
        .values_list(
            "enterprise_id", "enterprise__name", "district__code", "enterprise__industry_chain__code"
        )
    )
    by: dict[tuple[str, str | None], list[tuple[int, str]]] = defaultdict(list)
    for pk, name, district, chain in rows:
        by[(district, chain)].append((pk, name))
    return by


def _events(entries: list[Any], field: str) -> None:
    RegisterEvent.objects.bulk_create(
        [RegisterEvent(**{field: e}, action=Action.REGISTER, note="演示数据") for e in entries]
    )
    revoked = [e for e in entries if getattr(e, "dissolved_on" if field == "alliance" else "revoked_on")]
    RegisterEvent.objects.bulk_create(
        [RegisterEvent(**{field: e}, action=Action.REVOKE, note=e.revocation_reason) for e in revoked]
    )


# National platforms standing in 2014 as 一 counts them for 兰白地区: 8 国家重点实验室, 6 国家工程(技术)
# 研究中心, 10 国家企业技术中心, 7 国家地方联合工程研究中心 — placed in the zone's chains.
_NATIONAL_2014 = [
    (PlatformType.KEY_LAB, 8),
    (PlatformType.ENGINEERING_CENTRE, 6),
    (PlatformType.ENTERPRISE_TECH_CENTRE, 10),
    (PlatformType.JOINT_CENTRE, 7),
]


def _platforms(plan, rng, chains, place, hosts, names) -> list[int]:
    entries: list[InnovationPlatform] = []
    types, weights = zip(*_TYPES, strict=True)
    forced: dict[str, list[str]] = defaultdict(list)
    for kind, count in _NATIONAL_2014:
        for _ in range(count):
            forced[rng.choices(chains, weights=[c.platforms for c in chains])[0].code].append(kind)
    for chain in chains:
        # About a fifth of the chain's target already stood in 2014; 70—95% of the target is
        # added by 2020, national and provincial platforms being ~85% of all.
        existing = max(1, round(chain.platforms * rng.uniform(0.15, 0.25)))
        added = round(chain.platforms * rng.uniform(0.7, 0.95) / 0.85)
        starts: list[tuple[date, str | None, str | None]] = [
            (_day(rng, rng.randint(2003, 2014)), kind, Level.NATIONAL) for kind in forced[chain.code]
        ]
        # other platforms standing in 2014 are provincial or municipal: the national ones are above
        starts += [
            (_day(rng, rng.randint(2005, 2014)), None, rng.choice([Level.PROVINCIAL] * 4 + [Level.MUNICIPAL]))
            for _ in range(existing)
        ]
        starts += [(_day(rng, YEARS[min(int(rng.triangular(0, 6, 5)), 5)]), None, None) for _ in range(added)]
        for recognised, fixed_kind, fixed_level in starts:
            kind = fixed_kind or rng.choices(types, weights=weights)[0]
            if kind == PlatformType.JOINT_CENTRE and fixed_level not in (None, Level.NATIONAL):
                kind = PlatformType.ENGINEERING_LAB  # joint centres are national by definition
            level = fixed_level or (
                Level.NATIONAL
                if kind == PlatformType.JOINT_CENTRE
                else rng.choices([Level.NATIONAL, Level.PROVINCIAL, Level.MUNICIPAL], weights=[12, 73, 15])[0]
            )
            district, park = place(chain)
            topic = rng.choice(TOPICS.get(chain.code, [chain.name]))
            enterprise = None
            candidates = hosts.get((district.code, chain.code)) or hosts.get((district.code, None)) or []
            if kind in _HOSTED or (kind == PlatformType.ENGINEERING_CENTRE and rng.random() < 0.6):
                enterprise = rng.choice(candidates) if candidates else None
            if kind in _HOSTED and enterprise is None:
                kind = PlatformType.ENGINEERING_CENTRE  # no enterprise of that chain there to host it
            host = (
                enterprise[1] if enterprise else rng.choice(INSTITUTIONS.get(district.code, ["甘肃省科学院"]))
            )
            if kind in _HOSTED:
                base = f"{host}{_SUFFIX[kind]}"
            else:
                base = f"{_LEVEL_NAME[level] or district.name}{topic}{_SUFFIX[kind]}"
            name = names.take(base, "platform", kind, level)
            revoked = None
            if fixed_kind is None and recognised.year < 2019 and rng.random() < 0.04:
                revoked = _day(rng, rng.randint(recognised.year + 1, 2020))
            entries.append(
                InnovationPlatform(
                    plan=plan,
                    name=name,
                    name_key=name_key(name),
                    platform_type=kind,
                    level=level,
                    host_enterprise_id=enterprise[0] if enterprise else None,
                    host_name=host,
                    district=district,
                    park=park,
                    industry_chain=chain,
                    recognised_on=recognised,
                    revoked_on=revoked,
                    revocation_reason="评估不合格,撤销认定(演示)" if revoked else "",
                    document_number=f"甘科发〔{recognised.year}〕{rng.randint(10, 200)}号",
                    issued_by={
                        Level.NATIONAL: "科技部",
                        Level.PROVINCIAL: "甘肃省科技厅",
                        Level.MUNICIPAL: "市科技局",
                    }[level],
                )
            )
    InnovationPlatform.objects.bulk_create(entries)
    _events(entries, "platform")
    return [e.pk for e in entries]


def _alliances(plan, rng, chains, place, hosts, names) -> list[int]:
    entries: list[InnovationAlliance] = []
    for chain in chains:
        existing = max(1, round(chain.alliances * rng.uniform(0.15, 0.3)))
        added = round(chain.alliances * rng.uniform(0.6, 0.9))
        starts = [_day(rng, rng.randint(2009, 2014)) for _ in range(existing)]
        starts += [_day(rng, rng.choice(YEARS)) for _ in range(added)]
        for founded in starts:
            district, park = place(chain)
            candidates = hosts.get((district.code, chain.code)) or hosts.get((district.code, None)) or []
            lead = rng.choice(candidates) if candidates else None
            topic = rng.choice(TOPICS.get(chain.code, [chain.name]))
            name = names.take(f"兰白试验区{topic}产业技术创新战略联盟", "alliance")
            dissolved = None
            if founded.year < 2018 and rng.random() < 0.05:
                dissolved = _day(rng, rng.randint(founded.year + 1, 2020))
            entries.append(
                InnovationAlliance(
                    plan=plan,
                    name=name,
                    name_key=name_key(name),
                    level=rng.choice([Level.PROVINCIAL, Level.PROVINCIAL, Level.MUNICIPAL, ""]),
                    lead_enterprise_id=lead[0] if lead else None,
                    lead_unit=lead[1]
                    if lead
                    else rng.choice(INSTITUTIONS.get(district.code, ["甘肃省科学院"])),
                    member_count=rng.randint(6, 40),
                    district=district,
                    park=park,
                    industry_chain=chain,
                    founded_on=founded,
                    dissolved_on=dissolved,
                    revocation_reason="联盟协议期满解散(演示)" if dissolved else "",
                )
            )
    InnovationAlliance.objects.bulk_create(entries)
    _events(entries, "alliance")
    return [e.pk for e in entries]


_GENERAL = ["创业服务中心", "科技企业孵化器", "大学科技园", "留学人员创业园", "创新创业大厦", "科技创业园"]
# (kind, in force at the end of 2014 (一: 31 孵化器, 22 众创空间), added 2015—2020, mean area m², mean
# residents (一: 194万平方米 and 2886 在孵企业 over 31; 11.5万平方米 and 130 teams over 22)); revocations from 2015
_CARRIERS = [
    (IncubatorKind.INCUBATOR, 31, 22, 62_000, 93),
    (IncubatorKind.MAKER_SPACE, 22, 34, 5_200, 6),
    (IncubatorKind.ACCELERATOR, 3, 19, 80_000, 25),
]


def _incubators(plan, rng, districts, parks, chains, names) -> list[int]:
    entries: list[Incubator] = []
    codes = list(districts)
    for kind, existing, added, area, residents in _CARRIERS:
        starts = [_day(rng, rng.randint(2006, 2014)) for _ in range(existing)]
        starts += [_day(rng, YEARS[n % len(YEARS)]) for n in range(added)]
        for n, recognised in enumerate(starts):
            code = rng.choices(codes, weights=[_DISTRICT_WEIGHT.get(c, 10) for c in codes])[0]
            district = districts[code]
            park = rng.choice(parks[code]) if parks[code] and rng.random() < 0.5 else None
            specialised = kind == IncubatorKind.INCUBATOR and n >= existing and rng.random() < 0.6
            chain = rng.choice(chains) if specialised or kind == IncubatorKind.ACCELERATOR else None
            topic = rng.choice(TOPICS.get(chain.code, [chain.name])) if chain else ""
            level = rng.choices([Level.NATIONAL, Level.PROVINCIAL, Level.MUNICIPAL], weights=[15, 55, 30])[0]
            if kind == IncubatorKind.INCUBATOR:
                base = (
                    f"{district.name}{topic}专业孵化器"
                    if specialised
                    else f"{district.name}{park.name if park else ''}{rng.choice(_GENERAL)}"
                )
            elif kind == IncubatorKind.MAKER_SPACE:
                base = f"{rng.choice(['创客', '青年创业', '大学生创业', '科技创新', '文创'])}众创空间·{district.name}"
            else:
                base = f"{district.name}{topic}企业加速器"
            name = names.take(base, "incubator", kind)
            revoked = None
            if recognised.year < 2019 and rng.random() < 0.04:
                revoked = _day(rng, rng.randint(max(recognised.year + 1, 2015), 2020))
            entries.append(
                Incubator(
                    plan=plan,
                    name=name,
                    name_key=name_key(name),
                    kind=kind,
                    level=level,
                    specialised=specialised,
                    operator=f"{district.name}创业服务中心"
                    if rng.random() < 0.5
                    else f"{name}运营管理有限公司",
                    area_m2=max(200, round(rng.gauss(area, area * 0.35))),
                    residents=max(1, round(rng.gauss(residents, residents * 0.4))),
                    district=district,
                    park=park,
                    industry_chain=chain,
                    recognised_on=recognised,
                    revoked_on=revoked,
                    revocation_reason="年度考核不合格,取消资格(演示)" if revoked else "",
                    document_number=f"甘科高〔{recognised.year}〕{rng.randint(5, 90)}号",
                    issued_by={
                        Level.NATIONAL: "科技部火炬中心",
                        Level.PROVINCIAL: "甘肃省科技厅",
                        Level.MUNICIPAL: "市科技局",
                    }[level],
                )
            )
    Incubator.objects.bulk_create(entries)
    _events(entries, "incubator")
    return [e.pk for e in entries]


@dataclass(frozen=True)
class _Recognised:
    """How the demo recognises one kind: recognitions standing at the end of 2014 (spread over
    `before`), those added in 2015…2020, levels and their bodies, validity in years (then renewed
    with `renewal` chance), the district it is limited to and the chains or group it favours."""

    kind: str
    standing: int
    added: tuple[int, int, int, int, int, int]
    levels: dict[str, int]
    bodies: dict[str, str]
    number: str
    before: range = range(2010, 2015)
    years_valid: int | None = None
    renewal: float = 0.0
    district: str | None = None
    favoured: frozenset[str] = frozenset()


# 创新型企业: the stages' 20 / 80 / 100 (二(四), 六), a little over and under; 知识产权优势企业 and
# 战略性新兴产业骨干企业: 100 each by 2020 (专栏17, 专栏12); 骨干企业: 兰州新区's hundred (三(二));
# 生物产业重点骨干企业 "20多家" and 国家创新型试点企业 5 in 兰白地区 (一).
_RECOGNISED = [
    _Recognised(
        RecognitionKind.INNOVATIVE,
        30,
        (22, 40, 42, 30, 32, 35),
        {Level.NATIONAL: 5, Level.PROVINCIAL: 70, Level.MUNICIPAL: 25},
        {Level.NATIONAL: "科技部", Level.PROVINCIAL: "甘肃省科技厅", Level.MUNICIPAL: "市科技局"},
        "甘科高〔{year}〕{n}号",
    ),
    _Recognised(
        RecognitionKind.NATIONAL_INNOVATIVE_PILOT,
        5,
        (0, 0, 0, 0, 0, 0),
        {Level.NATIONAL: 1},
        {Level.NATIONAL: "科技部、国务院国资委、中华全国总工会"},
        "国科发政〔{year}〕{n}号",
        before=range(2008, 2012),
    ),
    _Recognised(
        RecognitionKind.IP_ADVANTAGE,
        8,
        (16, 18, 19, 19, 20, 20),
        {Level.NATIONAL: 15, Level.PROVINCIAL: 85},
        {Level.NATIONAL: "国家知识产权局", Level.PROVINCIAL: "甘肃省知识产权局"},
        "甘知管〔{year}〕{n}号",
        years_valid=3,
        renewal=0.8,
    ),
    _Recognised(
        RecognitionKind.STRATEGIC_EMERGING_BACKBONE,
        12,
        (12, 15, 16, 18, 18, 19),
        {Level.PROVINCIAL: 100},
        {Level.PROVINCIAL: "甘肃省发展改革委"},
        "甘发改高技〔{year}〕{n}号",
        favoured=frozenset({"strategic_emerging"}),
    ),
    _Recognised(
        RecognitionKind.BACKBONE,
        0,
        (15, 18, 18, 17, 16, 16),
        {Level.MUNICIPAL: 100},
        {Level.MUNICIPAL: "兰州新区管委会"},
        "新管发〔{year}〕{n}号",
        district="lzxq",
    ),
    _Recognised(
        RecognitionKind.BIO_BACKBONE,
        20,
        (1, 1, 2, 1, 2, 1),
        {Level.PROVINCIAL: 100},
        {Level.PROVINCIAL: "甘肃省工业和信息化委员会"},
        "甘工信发〔{year}〕{n}号",
        favoured=frozenset({"bio"}),
    ),
]
_LAST_DAY = date(2020, 12, 31)
# An enterprise's placements: (valid_from, valid_to, district id, park id, district code).
_Placed = list[tuple[date, date | None, int, int | None, str]]


def _at(placed: _Placed, on: date) -> tuple[date, date | None, int, int | None, str] | None:
    return next((p for p in placed if p[0] <= on and (p[1] is None or p[1] > on)), None)


def _recognitions(plan: Plan, rng: random.Random, enterprise_ids: list[int]) -> list[int]:
    """Recognitions of demo enterprises, each in the zone all through its recognition year and
    recognised at most once per kind (renewals aside). High-tech and above-scale enterprises are
    favoured, enterprises that close later much less so (a closed enterprise stops counting)."""
    enterprises = {
        row[0]: row[1:]
        for row in Enterprise.objects.filter(pk__in=enterprise_ids).values_list(
            "pk",
            "name",
            "industry_chain_id",
            "industry_chain__code",
            "industry_chain__group_code",
            "is_high_tech_enterprise",
            "is_above_scale",
            "closed_on",
        )
    }
    placements: dict[int, _Placed] = defaultdict(list)
    for pk, *placement in (
        EnterprisePlacement.objects.filter(enterprise_id__in=enterprise_ids)
        .order_by("enterprise_id", "valid_from")
        .values_list("enterprise_id", "valid_from", "valid_to", "district_id", "park_id", "district__code")
    ):
        placements[pk].append(tuple(placement))  # type: ignore[arg-type]
    entries: list[EnterpriseRecognition] = []
    for spec in _RECOGNISED:
        taken: set[int] = set()
        spread = len(spec.before)
        years = [
            (y, spec.standing // spread + (i < spec.standing % spread)) for i, y in enumerate(spec.before)
        ]
        for year, count in [*years, *zip(YEARS, spec.added, strict=True)]:
            pool: list[tuple[float, int]] = []
            for pk, placed in placements.items():
                first, last = _at(placed, date(year, 1, 1)), _at(placed, date(year, 12, 31))
                if pk in taken or first is None or last is None:
                    continue  # moves leave no gaps: placed on both ends means in the zone all year
                if spec.district and first[4] != spec.district:
                    continue
                _, _, chain, group, high_tech, above, closed = enterprises[pk]
                weight = (4.0 if high_tech else 1.0) * (2.0 if above else 1.0) * (0.1 if closed else 1.0)
                if chain in spec.favoured or group in spec.favoured:
                    weight *= 20
                # Efraimidis–Spirakis keys: the k largest are k draws without replacement ∝ weight.
                pool.append((rng.random() ** (1 / weight), pk))
            for _, pk in sorted(pool, reverse=True)[:count]:
                taken.add(pk)
                entries += _recognised(plan, rng, spec, pk, enterprises[pk], placements[pk], _day(rng, year))
    EnterpriseRecognition.objects.bulk_create(entries)
    _events(entries, "recognition")
    return [e.pk for e in entries]


def _recognised(
    plan: Plan, rng: random.Random, spec: _Recognised, pk: int, enterprise: tuple, placed: _Placed, on: date
) -> list[EnterpriseRecognition]:
    """One recognition, and its renewals while the demo's years last and the enterprise stays."""
    name, chain = enterprise[0], enterprise[1]
    level = rng.choices(list(spec.levels), weights=list(spec.levels.values()))[0]
    out: list[EnterpriseRecognition] = []
    while on <= _LAST_DAY and (placement := _at(placed, on)) is not None:
        expires = None
        if spec.years_valid:  # valid N years: through the day before the anniversary (days are ≤ 28)
            expires = on.replace(year=on.year + spec.years_valid) - timedelta(days=1)
        revoked = None
        if on.year < 2019 and rng.random() < 0.03:
            revoked = _day(rng, rng.randint(on.year + 1, 2020))
            if expires is not None and revoked > expires:
                revoked = None
        out.append(
            EnterpriseRecognition(
                plan=plan,
                enterprise_id=pk,
                name=name,
                name_key=name_key(name),
                district_id=placement[2],
                park_id=placement[3],
                industry_chain_id=chain,
                kind=spec.kind,
                level=level,
                recognised_on=on,
                expires_on=expires,
                revoked_on=revoked,
                revocation_reason="复核不合格,撤销认定(演示)" if revoked else "",
                document_number=spec.number.format(year=on.year, n=rng.randint(5, 120)),
                issued_by=spec.bodies[level],
            )
        )
        if expires is None or revoked is not None or rng.random() >= spec.renewal:
            break
        on = expires + timedelta(days=1)  # renewed: the next period starts the day after
    return out
