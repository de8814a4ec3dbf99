"""Demo innovation vouchers: providers, this year's programme and vouchers in every state of their life.

Records are written directly (the demo plays many enterprises at once), but every
amount goes through the ledger exactly as the services book it, so balances,
summaries and the office's queues behave as in real use.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from keju.orgs.models import Enterprise
from keju.planning.models import Plan
from keju.vouchers.models import (
    Application,
    ApplicationStatus,
    EntryKind,
    LedgerEntry,
    Order,
    OrderStatus,
    Programme,
    Provider,
    Voucher,
)
from keju.vouchers.services import fraud_flags, paid_account, payable_account

PROVIDERS = [
    ("兰州大学分析测试中心", "12620000438000001X", ["instrument", "testing"]),
    ("中国科学院近代物理研究所技术服务部", "12100000438000002X", ["instrument", "rnd"]),
    ("中国科学院兰州化学物理研究所分析测试部", "12100000438000003X", ["instrument", "testing", "rnd"]),
    ("西北矿冶研究院检测中心", "12620400438000004X", ["testing", "rnd"]),
    ("甘肃省产品质量监督检验研究院", "12620000438000005X", ["testing"]),
    ("兰州科技大市场技术服务有限公司", "91620100MA00000006", ["consulting", "ip"]),
    ("甘肃某知识产权代理有限公司", "91620100MA00000007", ["ip", "consulting"]),
]


def seed_voucher_demo(plan: Plan, enterprise_ids: list[int], *, seed: int = 2015) -> dict[str, list[int]]:
    rng = random.Random(seed)
    made: dict[str, list[int]] = defaultdict(list)
    providers = []
    for name, code, categories in PROVIDERS:
        provider = Provider.objects.create(plan=plan, name=name, credit_code=code, categories=categories)
        providers.append(provider)
        made["vouchers.provider"].append(provider.pk)
    today = timezone.localdate()
    programme = Programme.objects.create(
        plan=plan,
        year=today.year,
        name="科技创新券",
        budget=Decimal("5000000.00"),
        subsidy_ratio=Decimal("0.50"),
        cap_per_application=Decimal("100000.00"),
        cap_per_enterprise_year=Decimal("200000.00"),
        eligible=["small_tech", "incubatee", "team"],
        apply_from=today - timedelta(days=90),
        apply_until=today + timedelta(days=60),
        use_by=today + timedelta(days=240),
        settle_by=today + timedelta(days=300),
    )
    made["vouchers.programme"].append(programme.pk)
    _entry(programme.account, EntryKind.BUDGET, programme.budget, memo="预算下达")
    enterprises = list(Enterprise.objects.filter(pk__in=enterprise_ids).order_by("id")[:40])
    for n, enterprise in enumerate(enterprises):
        amount = Decimal(rng.choice([20000, 30000, 50000, 80000, 100000]))
        application = Application.objects.create(
            programme=programme,
            enterprise=enterprise,
            category=rng.choice(["small_tech", "small_tech", "incubatee"]),
            amount=amount,
            purpose=rng.choice(
                ["新产品检测认证", "委托高校开展工艺研发", "大型仪器测试分析", "专利布局咨询"]
            ),
        )
        made["vouchers.application"].append(application.pk)
        if n % 8 == 7:
            continue  # still waiting for the office
        application.status = ApplicationStatus.APPROVED
        application.save(update_fields=["status"])
        voucher = Voucher.objects.create(
            number=f"CXQ{programme.year}{application.pk:07d}",
            application=application,
            programme=programme,
            enterprise=enterprise,
            quota=amount,
        )
        made["vouchers.voucher"].append(voucher.pk)
        _move(programme.account, voucher.account, amount, EntryKind.GRANT, memo=voucher.number)
        state = [
            OrderStatus.ORDERED,
            OrderStatus.DELIVERED,
            OrderStatus.REDEEMED,
            OrderStatus.SETTLEMENT_REQUESTED,
            OrderStatus.SETTLED,
            OrderStatus.SETTLED,
        ][n % 6]
        provider = rng.choice(providers)
        contract = Decimal(rng.choice([12000, 24000, 36000, 60000, 90000]))
        share = min((contract * programme.subsidy_ratio).quantize(Decimal("0.01")), amount)
        order = Order.objects.create(
            voucher=voucher,
            provider=provider,
            category=provider.categories[0],
            description=rng.choice(
                ["材料成分与性能检测", "产品型式试验", "工艺参数优化研究", "质谱分析测试"]
            ),
            contract_amount=contract,
            voucher_amount=share,
            status=state,
            result="报告编号 JC-" + str(1000 + n) if state != OrderStatus.ORDERED else "",
        )
        made["vouchers.order"].append(order.pk)
        if state in {OrderStatus.REDEEMED, OrderStatus.SETTLEMENT_REQUESTED, OrderStatus.SETTLED}:
            order.satisfaction = rng.choice([3, 4, 5, 5])
            order.payment_proof = f"YH{today:%Y%m}{n:04d}"
            _move(voucher.account, payable_account(programme), share, EntryKind.REDEEM, order=order)
        if state in {OrderStatus.SETTLEMENT_REQUESTED, OrderStatus.SETTLED}:
            order.contract_number = f"HT-{programme.year}-{n:03d}"
            order.invoice_number = f"FP{n:08d}"
            order.hold_flags = fraud_flags(order)
            if order.hold_flags and state == OrderStatus.SETTLEMENT_REQUESTED:
                order.status = OrderStatus.ON_HOLD
        if state == OrderStatus.SETTLED:
            _move(payable_account(programme), paid_account(programme), share, EntryKind.PAYOUT, order=order)
        order.save()
    return dict(made)


def _entry(account: str, kind: str, amount: Decimal, *, order: Any = None, memo: str = "") -> None:
    LedgerEntry.objects.create(
        movement=uuid.uuid4(), account=account, kind=kind, amount=amount, order=order, memo=memo
    )


def _move(source: str, target: str, amount: Decimal, kind: str, *, order: Any = None, memo: str = "") -> None:
    movement = uuid.uuid4()
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(movement=movement, account=source, kind=kind, amount=-amount, order=order, memo=memo),
            LedgerEntry(movement=movement, account=target, kind=kind, amount=amount, order=order, memo=memo),
        ]
    )
