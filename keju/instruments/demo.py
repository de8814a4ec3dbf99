"""Demo instruments of the zone's institutes, with recent bookings and usage, and usage in every plan year.

Each owner's instruments stand in one district (owners take the districts in turn, so with
three owners one district has none: the scorecards show how such a district is treated).
The plan years' usage (a few bookings a month, growing over the years) gives the yearly owner
evaluation, and so the districts' instrument-sharing scores, something to measure.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
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
            district=districts[owners.index(owner) % len(districts)],
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
    _seed_plan_years(plan, made, users, rng)
    return dict(made)


def _seed_plan_years(plan: Plan, made: dict[str, list[int]], users: list, rng: random.Random) -> None:
    """Monthly sessions in each plan year, more of them (and more external) as the years go by."""
    instruments = list(Instrument.objects.filter(pk__in=made["instruments.instrument"]).order_by("id"))
    bookings: list[Booking] = []
    usage: list[tuple[int, int, Decimal, bool]] = []  # (booking index, hours, effective, external)
    span = max(1, plan.plan_end - plan.plan_start)
    for n, instrument in enumerate(instruments):
        busy = 0.4 + 0.6 * ((n * 7) % 5) / 4  # instruments differ in demand
        for year in range(plan.plan_start, plan.plan_end + 1):
            grown = 0.5 + 0.5 * (year - plan.plan_start) / span
            workdays = [d for d in _days(year) if d.weekday() < 5]
            sessions = min(len(workdays), max(1, round(rng.randint(20, 30) * busy * grown * 4)))
            external_share = min(0.85, 0.2 + 0.5 * grown * rng.random())
            for k in range(sessions):  # at most one session a day: bookings never overlap
                day = workdays[k * len(workdays) // sessions]
                start = timezone.make_aware(datetime.combine(day, time(9)))
                hours = rng.choice([4, 6, 8])
                bookings.append(
                    Booking(
                        instrument=instrument,
                        user=rng.choice(users),
                        start=start,
                        end=start + timedelta(hours=hours),
                        purpose="样品测试",
                        status=BookingStatus.COMPLETED,
                    )
                )
                effective = Decimal(hours) - Decimal(rng.choice([0, 0, 1, 2])) / 2
                usage.append((len(bookings) - 1, hours, effective, rng.random() < external_share))
    made_bookings = Booking.objects.bulk_create(bookings, batch_size=500)
    records = []
    for index, _hours, effective, external in usage:
        booking = made_bookings[index]
        records.append(
            UsageRecord(
                booking=booking,
                started_at=booking.start,
                ended_at=booking.start + timedelta(hours=float(effective)),
                effective_hours=effective,
                external=external,
                samples=rng.randint(1, 12),
                fee=(effective * booking.instrument.fee_per_hour).quantize(Decimal("0.01")),
            )
        )
    made["instruments.booking"] += [b.pk for b in made_bookings]
    made["instruments.usagerecord"] += [
        r.pk for r in UsageRecord.objects.bulk_create(records, batch_size=500)
    ]


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]
