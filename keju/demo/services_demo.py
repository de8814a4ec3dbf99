"""The demo zone's platform services: technology market, vouchers, instruments, project and talent pools,
and the registers of platforms, alliances and incubators."""

from __future__ import annotations

from keju.demo.registers_demo import seed_registers_demo
from keju.instruments.demo import seed_instrument_demo
from keju.planning.models import Plan
from keju.pools.demo import seed_pools_demo
from keju.transfer.demo import seed_transfer_demo
from keju.vouchers.demo import seed_voucher_demo

# Deleted in this order by clear_demo: dependants before what they point at.
MADE_ORDER = [
    "transfer.techcontract",
    "transfer.match",
    "transfer.need",
    "transfer.achievement",
    "instruments.usagerecord",
    "instruments.booking",
    "instruments.instrument",
    "vouchers.order",
    "vouchers.voucher",
    "vouchers.application",
    "vouchers.programme",
    "vouchers.provider",
    "pools.project",
    "pools.talent",
    # Their audit events go with them (RegisterEvent cascades, and _purge deletes dependants first).
    "registers.innovationplatform",
    "registers.innovationalliance",
    "registers.incubator",
    "registers.enterpriserecognition",
]


def seed_services(plan: Plan, enterprise_ids: list[int], *, seed: int = 2015) -> dict[str, list[int]]:
    """Write the services' demo records; returns their ids by model label, for clear_demo."""
    made: dict[str, list[int]] = {}
    made.update(seed_transfer_demo(plan, enterprise_ids, seed=seed))
    made.update(seed_voucher_demo(plan, enterprise_ids, seed=seed))
    made.update(seed_instrument_demo(plan, seed=seed))
    made.update(seed_pools_demo(plan, seed=seed))
    made.update(seed_registers_demo(plan, enterprise_ids, seed=seed))
    return made
