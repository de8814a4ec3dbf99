"""Demo instruments of the zone's institutes, with a year of bookings and usage."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from keju.instruments.models import Booking, BookingStatus, Instrument, UsageRecord
from keju.orgs.models import OrgLevel, OrgUnit
from keju.planning.models import Plan
from keju.vouchers.models import Provider

CATALOGUE = [
    ("场发射扫描电子显微镜", "analysis", "SU8020", "日立", "日本", 380, 400),
    ("透射电子显微镜", "analysis", "Talos F200X", "Thermo Fisher", "美国", 1250, 900),
    ("X射线衍射仪", "analysis", "D8 Advance", "Bruker", "德国", 260, 300),
    ("电感耦合等离子体质谱仪", "analysis", "iCAP RQ", "Thermo Fisher", "美国", 180, 350),
    ("高分辨液质联用仪", "analysis", "Q-Exactive", "Thermo Fisher", "美国", 420, 600),
    ("核磁共振波谱仪", "analysis", "AVANCE III 600", "Bruker", "德国", 860, 800),
    ("电子万能试验机", "physical", "5982", "Instron", "美国", 95, 200),
    ("疲劳试验机", "physical", "8802", "Instron", "美国", 160, 260),
    ("工业CT检测系统", "special_testing", "Y.CT Modular", "YXLON", "德国", 1100, 1200),
    ("重离子辐照终端", "nuclear", "HIRFL-TR5", "近代物理研究所", "中国", 2600, 1500),
    ("高性能计算集群", "computing", "曙光 TC6600", "中科曙光", "中国", 980, 120),
    ("激光共聚焦显微镜", "medical", "LSM 900", "Zeiss", "德国", 320, 350),
]


def seed_instrument_demo(plan: Plan, *, seed: int = 2015) -> dict[str, list[int]]:
    rng = random.Random(seed)
    made: dict[str, list[int]] = defaultdict(list)
    owners = [p for p in Provider.objects.filter(plan=plan).order_by("id") if "instrument" in p.categories]
    districts = list(OrgUnit.objects.filter(plan=plan, level=OrgLevel.DISTRICT))
    if not owners or not districts:
        return {}
    for n, (name, category, model, maker, country, value, fee) in enumerate(CATALOGUE):
        owner = owners[n % len(owners)]
        instrument = Instrument.objects.create(
            plan=plan,
            name=name,
            model_number=model,
            manufacturer=maker,
            country=country,
            original_value=Decimal(value),
            category=category,
            owner_name=owner.name,
            owner=owner,
            district=districts[n % len(districts)],
            location=f"{owner.name} {n % 4 + 1}号楼",
            functions=f"{name}测试分析服务,对外开放共享",
            fee_per_hour=Decimal(fee),
            open_weekdays=[0, 1, 2, 3, 4],
            open_from=time(8, 30),
            open_until=time(17, 30),
            operator=f"{'王李张刘陈'[n % 5]}工",
        )
        made["instruments.instrument"].append(instrument.pk)
    users = list(get_user_model().objects.filter(username__in=["reporter", "office", "wg_science"]))
    if not users:
        return dict(made)
    now = timezone.now()
    for instrument in Instrument.objects.filter(pk__in=made["instruments.instrument"]):
        for week in range(1, 30, 3):
            day = (now - timedelta(weeks=week)).date()
            day -= timedelta(days=day.weekday())  # a Monday
            start = timezone.make_aware(datetime.combine(day, time(9)))
            hours = rng.choice([2, 3, 4])
            booking = Booking.objects.create(
                instrument=instrument,
                user=rng.choice(users),
                start=start,
                end=start + timedelta(hours=hours),
                purpose="样品测试",
                status=BookingStatus.COMPLETED,
            )
            made["instruments.booking"].append(booking.pk)
            used = Decimal(hours) - Decimal(rng.choice([0, 0, 1])) / 2
            record = UsageRecord.objects.create(
                booking=booking,
                started_at=start,
                ended_at=start + timedelta(hours=float(used)),
                effective_hours=used,
                external=rng.random() < 0.6,
                samples=rng.randint(1, 12),
                fee=(used * instrument.fee_per_hour).quantize(Decimal("0.01")),
            )
            made["instruments.usagerecord"].append(record.pk)
    return dict(made)
