"""The voucher rules: apply → approve → order → deliver → redeem → request settlement → review → pay.

Money moves only by adding ledger entries (`_move`), under a row lock on the
account's owner (programme or voucher) so that concurrent requests queue and a
balance can never go below zero. Every refusal raises `VoucherError` with a message
in the user's language, writes nothing else and is logged as a refused `VoucherEvent`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keju.accounts.events import ServiceError, guarded, refusal
from keju.accounts.models import Role
from keju.accounts.scoping import roles_of
from keju.orgs.models import Enterprise
from keju.plan.forms import FormField
from keju.planning.models import Plan
from keju.validation.values import CellValueError, parse_value
from keju.vouchers.models import (
    ApplicantCategory,
    Application,
    ApplicationStatus,
    EntryKind,
    LedgerEntry,
    Order,
    OrderStatus,
    Programme,
    Provider,
    ServiceCategory,
    Voucher,
    VoucherEvent,
)

CENT = Decimal("0.01")
ROUND_AMOUNT = Decimal("10000")


T = TypeVar("T")


class VoucherError(ServiceError):
    """A refusal of the voucher scheme (message in the active language)."""


def _refuse(actor: Any, action: str, target: str, message: str) -> VoucherError:
    return refusal(VoucherEvent, VoucherError, actor, action, target, message)


def _guarded(actor: Any, action: str, target: str, work: Callable[[], T]) -> T:
    """Run `work` in a transaction; a VoucherError rolls it back and is logged outside it."""
    return guarded(VoucherEvent, VoucherError, actor, action, target, work)


def money(value: Any, label: str) -> Decimal:
    """A positive amount of 元 from user input ("1,200", "１２００", 1200.5).

    Typed text is read by keju.validation.values.parse_value, the reader of every reported
    figure (全角数字, 千分位), so an amount is understood the same way everywhere.
    """
    if isinstance(value, Decimal):
        number = value
    else:
        # Amounts are typed in 元 only: "12万" or "1200元" is refused rather than scaled.
        if isinstance(value, str) and _NOT_PLAIN.search(unicodedata.normalize("NFKC", value)):
            raise VoucherError(
                _("%(label)s“%(value)s”不是有效金额(单位:元)。") % {"label": label, "value": value}
            )
        try:
            parsed = parse_value(_money_field(label), value)
        except CellValueError:
            parsed = None
        if parsed is None:
            raise VoucherError(
                _("%(label)s“%(value)s”不是有效金额(单位:元)。") % {"label": label, "value": value}
            )
        # repr gives the shortest digits that round-trip, i.e. the digits that were typed.
        number = Decimal(repr(float(parsed)))
    if not number.is_finite() or number <= 0:
        raise VoucherError(_("%(label)s必须大于0(单位:元)。") % {"label": label})
    if number != number.quantize(CENT):
        raise VoucherError(_("%(label)s最多保留两位小数。") % {"label": label})
    return number.quantize(CENT)


_NOT_PLAIN = re.compile(r"[^0-9\s,.+\-eE]")


@lru_cache(maxsize=64)
def _money_field(label: str) -> FormField:
    return FormField(code="amount", label=label, unit="元", type="decimal")


# --- who is who ------------------------------------------------------------------------------


def is_office(user: Any) -> bool:
    return getattr(user, "is_superuser", False) or any(r.role == Role.OFFICE_STAFF for r in roles_of(user))


def reporter_of(user: Any, enterprise_id: int) -> bool:
    return any(
        r.role == Role.ENTERPRISE_REPORTER and r.enterprise_id == enterprise_id for r in roles_of(user)
    )


def provider_member(user: Any, provider: Provider) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and provider.members.filter(pk=user.pk).exists()


def balance(account: str) -> Decimal:
    return LedgerEntry.objects.balance(account)


def _move(
    source: str,
    target: str,
    amount: Decimal,
    kind: str,
    *,
    actor: Any,
    order: Order | None = None,
    memo: str = "",
) -> None:
    movement = uuid.uuid4()
    actor = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            LedgerEntry.objects.bulk_create(
                [
                    LedgerEntry(
                        movement=movement,
                        account=source,
                        kind=kind,
                        amount=-amount,
                        order=order,
                        actor=actor,
                        memo=memo,
                    ),
                    LedgerEntry(
                        movement=movement,
                        account=target,
                        kind=kind,
                        amount=amount,
                        order=order,
                        actor=actor,
                        memo=memo,
                    ),
                ]
            )
    except IntegrityError:
        raise VoucherError(_("该笔款项已记账,请勿重复提交。")) from None


def payable_account(programme: Programme) -> str:
    return f"payable:{programme.pk}"


def paid_account(programme: Programme) -> str:
    return f"paid:{programme.pk}"


# --- programmes and applications -------------------------------------------------------------


def create_programme(actor: Any, plan: Plan, data: Mapping[str, Any]) -> Programme:
    """Open a year's programme; its budget is the programme account's first entry."""
    if not is_office(actor):
        raise _refuse(actor, "create_programme", "", _("只有省创新办可以设立创新券计划。"))

    def work() -> Programme:
        budget = money(data.get("budget"), _("预算"))
        ratio = Decimal(str(data.get("subsidy_ratio", "0.5")))
        if not Decimal("0") < ratio <= Decimal("1"):
            raise VoucherError(_("补贴比例应在0到1之间,如0.5。"))
        eligible = list(data.get("eligible") or ApplicantCategory.values)
        if not set(eligible) <= set(ApplicantCategory.values):
            raise VoucherError(_("申领对象类别无效。"))
        dates = {k: _date(data.get(k), label) for k, label in _PROGRAMME_DATES.items()}
        if not dates["apply_from"] <= dates["apply_until"] <= dates["use_by"] <= dates["settle_by"]:
            raise VoucherError(_("日期顺序应为:申领开始 ≤ 申领截止 ≤ 使用截止 ≤ 兑付截止。"))
        programme = Programme.objects.create(
            plan=plan,
            year=int(data.get("year") or dates["apply_from"].year),
            name=str(data.get("name") or "创新券").strip()[:120],
            budget=budget,
            subsidy_ratio=ratio,
            cap_per_application=money(data.get("cap_per_application"), _("单次申领上限")),
            cap_per_enterprise_year=money(data.get("cap_per_enterprise_year"), _("每企业年度上限")),
            eligible=eligible,
            spot_check_rate=Decimal(str(data.get("spot_check_rate", "0.10"))),
            **dates,
        )
        LedgerEntry.objects.create(
            movement=uuid.uuid4(),
            account=programme.account,
            kind=EntryKind.BUDGET,
            amount=budget,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            memo="预算下达",
        )
        return programme

    return _guarded(actor, "create_programme", "", work)


_PROGRAMME_DATES = {
    "apply_from": gettext_lazy("申领开始"),
    "apply_until": gettext_lazy("申领截止"),
    "use_by": gettext_lazy("使用截止日期"),
    "settle_by": gettext_lazy("兑付截止日期"),
}


def _date(value: Any, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise VoucherError(
            _("%(label)s“%(value)s”不是有效日期(格式:2020-06-30)。") % {"label": label, "value": value or ""}
        ) from None


def apply(actor: Any, programme: Programme, enterprise: Enterprise, data: Mapping[str, Any]) -> Application:
    """An enterprise applies for a quota within the programme's window and caps."""
    target = f"programme:{programme.pk}"
    if not (reporter_of(actor, enterprise.pk) or is_office(actor)):
        raise _refuse(actor, "apply", target, _("您只能为本企业申领创新券。"))

    def work() -> Application:
        today = timezone.localdate()
        if not programme.apply_from <= today <= programme.apply_until:
            raise VoucherError(
                _("不在申领期内(申领期 %(start)s 至 %(end)s)。")
                % {"start": programme.apply_from, "end": programme.apply_until}
            )
        category = data.get("category")
        if category not in programme.eligible:
            raise VoucherError(_("该类别的主体不在本计划的申领对象之内。"))
        amount = money(data.get("amount"), _("申领金额"))
        if amount > programme.cap_per_application:
            raise VoucherError(
                _("申领金额 %(amount)s 元超过单次上限 %(cap)s 元。")
                % {"amount": amount, "cap": programme.cap_per_application}
            )
        purpose = str(data.get("purpose") or "").strip()
        if not purpose:
            raise VoucherError(_("请填写用途说明。"))
        if Application.objects.filter(
            programme=programme, enterprise=enterprise, status=ApplicationStatus.SUBMITTED
        ).exists():
            raise VoucherError(_("本企业在该计划中已有待审核的申领,请勿重复提交。"))
        return Application.objects.create(
            programme=programme,
            enterprise=enterprise,
            category=category,
            amount=amount,
            purpose=purpose[:1000],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )

    return _guarded(actor, "apply", target, work)


def approve(actor: Any, application: Application, *, amount: Any = None, reason: str = "") -> Voucher:
    """Grant a quota: budget → voucher, under a lock on the programme so the budget never goes negative."""
    target = f"application:{application.pk}"
    if not is_office(actor):
        raise _refuse(actor, "approve", target, _("只有省创新办可以审批创新券申领。"))

    def work() -> Voucher:
        programme = Programme.objects.select_for_update().get(pk=application.programme_id)
        current = Application.objects.select_for_update().get(pk=application.pk)
        if current.status != ApplicationStatus.SUBMITTED:
            raise VoucherError(_("该申领已处理,不能重复审批。"))
        grant = money(amount, _("核定额度")) if amount not in (None, "") else current.amount
        if grant > current.amount:
            raise VoucherError(_("核定额度不能超过申领金额。"))
        available = balance(programme.account)
        if grant > available:
            raise VoucherError(
                _("预算余额不足:尚可分配 %(available)s 元,拟核定 %(grant)s 元。")
                % {"available": available, "grant": grant}
            )
        granted_this_year = Voucher.objects.filter(
            enterprise_id=current.enterprise_id, programme__year=programme.year
        ).aggregate(total=Sum("quota"))["total"] or Decimal("0")
        if granted_this_year + grant > programme.cap_per_enterprise_year:
            raise VoucherError(
                _("超过每企业年度上限 %(cap)s 元(本年已核定 %(granted)s 元)。")
                % {"cap": programme.cap_per_enterprise_year, "granted": granted_this_year}
            )
        current.status = ApplicationStatus.APPROVED
        current.decided_by = actor
        current.decision_reason = reason[:300]
        current.save(update_fields=["status", "decided_by", "decision_reason"])
        voucher = Voucher.objects.create(
            number=f"CXQ{programme.year}{current.pk:07d}",
            application=current,
            programme=programme,
            enterprise_id=current.enterprise_id,
            quota=grant,
        )
        _move(programme.account, voucher.account, grant, EntryKind.GRANT, actor=actor, memo=voucher.number)
        return voucher

    return _guarded(actor, "approve", target, work)


def reject(actor: Any, application: Application, reason: str) -> Application:
    target = f"application:{application.pk}"
    if not is_office(actor):
        raise _refuse(actor, "reject", target, _("只有省创新办可以审批创新券申领。"))

    def work() -> Application:
        current = Application.objects.select_for_update().get(pk=application.pk)
        if current.status != ApplicationStatus.SUBMITTED:
            raise VoucherError(_("该申领已处理。"))
        if not reason.strip():
            raise VoucherError(_("不通过须填写原因。"))
        current.status = ApplicationStatus.REJECTED
        current.decision_reason = reason.strip()[:300]
        current.decided_by = actor
        current.save(update_fields=["status", "decision_reason", "decided_by"])
        return current

    return _guarded(actor, "reject", target, work)


# --- orders ----------------------------------------------------------------------------------


def place_order(actor: Any, voucher: Voucher, provider: Provider, data: Mapping[str, Any]) -> Order:
    """The enterprise orders a service; the voucher share is capped by ratio and the current balance."""
    target = f"voucher:{voucher.pk}"
    if not reporter_of(actor, voucher.enterprise_id):
        raise _refuse(actor, "place_order", target, _("只有持券企业可以用券下单。"))

    def work() -> Order:
        programme = voucher.programme
        if timezone.localdate() > programme.use_by:
            raise VoucherError(
                _("创新券已过使用截止日期(%(date)s),不能再下单。") % {"date": programme.use_by}
            )
        if not provider.accepts_vouchers:
            raise VoucherError(_("该服务机构不接收创新券。"))
        category = data.get("category")
        if category not in ServiceCategory.values or category not in provider.categories:
            raise VoucherError(_("该服务机构不提供所选类别的服务。"))
        description = str(data.get("description") or "").strip()
        if not description:
            raise VoucherError(_("请填写服务内容。"))
        contract_amount = money(data.get("contract_amount"), _("合同金额"))
        voucher_amount = money(data.get("voucher_amount"), _("用券金额"))
        limit = (contract_amount * programme.subsidy_ratio).quantize(CENT, rounding=ROUND_HALF_UP)
        if voucher_amount > limit:
            raise VoucherError(
                _("用券金额 %(amount)s 元超过合同金额的 %(ratio)s(%(limit)s 元)。")
                % {"amount": voucher_amount, "ratio": f"{programme.subsidy_ratio:.0%}", "limit": limit}
            )
        available = balance(voucher.account)
        if voucher_amount > available:
            raise VoucherError(
                _("创新券余额不足:余额 %(available)s 元,拟用 %(amount)s 元。")
                % {"available": available, "amount": voucher_amount}
            )
        return Order.objects.create(
            voucher=voucher,
            provider=provider,
            category=category,
            description=description[:300],
            contract_amount=contract_amount,
            voucher_amount=voucher_amount,
        )

    return _guarded(actor, "place_order", target, work)


def _provider_step(actor: Any, order: Order, action: str, frm: str, to: str, **changes: Any) -> Order:
    target = f"order:{order.pk}"
    if not provider_member(actor, order.provider):
        raise _refuse(actor, action, target, _("只有承接订单的服务机构可以操作。"))

    def work() -> Order:
        current = Order.objects.select_for_update().get(pk=order.pk)
        if current.status != frm:
            raise VoucherError(
                _("订单当前状态为“%(status)s”,不能执行此操作。")
                % {"status": OrderStatus(current.status).label}
            )
        current.status = to
        for name, value in changes.items():
            setattr(current, name, value)
        current.save()
        return current

    return _guarded(actor, action, target, work)


def confirm_order(actor: Any, order: Order) -> Order:
    return _provider_step(actor, order, "confirm_order", OrderStatus.ORDERED, OrderStatus.CONFIRMED)


def deliver(actor: Any, order: Order, result: str) -> Order:
    if not (result or "").strip():
        raise _refuse(actor, "deliver", f"order:{order.pk}", _("请填写服务成果(如检测报告编号、研发成果)。"))
    return _provider_step(
        actor, order, "deliver", OrderStatus.CONFIRMED, OrderStatus.DELIVERED, result=result.strip()[:2000]
    )


def redeem(actor: Any, order: Order, *, satisfaction: Any, payment_proof: str) -> Order:
    """The enterprise accepts the delivered service and pays the voucher share: voucher → payable."""
    target = f"order:{order.pk}"
    if not reporter_of(actor, order.voucher.enterprise_id):
        raise _refuse(actor, "redeem", target, _("只有持券企业可以用券支付。"))

    def work() -> Order:
        voucher = Voucher.objects.select_for_update().get(pk=order.voucher_id)
        current = Order.objects.select_for_update().get(pk=order.pk)
        if current.status in {
            OrderStatus.REDEEMED,
            OrderStatus.SETTLEMENT_REQUESTED,
            OrderStatus.ON_HOLD,
            OrderStatus.SETTLED,
        }:
            raise VoucherError(_("该订单已用券支付,请勿重复提交。"))
        if current.status != OrderStatus.DELIVERED:
            raise VoucherError(_("服务尚未完成,不能用券支付。"))
        if timezone.localdate() > voucher.programme.use_by:
            raise VoucherError(_("创新券已过使用截止日期(%(date)s)。") % {"date": voucher.programme.use_by})
        try:
            score = int(satisfaction)
        except (TypeError, ValueError):
            raise VoucherError(_("请选择满意度(1–5分)。")) from None
        if not 1 <= score <= 5:
            raise VoucherError(_("满意度应为1到5分。"))
        if not (payment_proof or "").strip():
            raise VoucherError(_("请填写企业自付部分的付款凭证号。"))
        available = balance(voucher.account)
        if current.voucher_amount > available:
            raise VoucherError(
                _("创新券余额不足:余额 %(available)s 元,本单需 %(amount)s 元。")
                % {"available": available, "amount": current.voucher_amount}
            )
        _move(
            voucher.account,
            payable_account(voucher.programme),
            current.voucher_amount,
            EntryKind.REDEEM,
            actor=actor,
            order=current,
            memo=voucher.number,
        )
        current.status = OrderStatus.REDEEMED
        current.satisfaction = score
        current.payment_proof = payment_proof.strip()[:60]
        current.save(update_fields=["status", "satisfaction", "payment_proof", "updated_at"])
        return current

    return _guarded(actor, "redeem", target, work)


def fraud_flags(order: Order) -> list[str]:
    """Reasons to hold a settlement for review (关联交易, 自我服务, 整数金额, 满意度, 抽查)."""
    voucher, provider = order.voucher, order.provider
    enterprise = voucher.enterprise
    flags: list[str] = []
    if provider.enterprise_id == enterprise.pk or provider.credit_code == enterprise.credit_code:
        flags.append("服务机构即用券企业本身(自我服务)")
    elif enterprise.credit_code in (provider.related_credit_codes or []):
        flags.append("服务机构与用券企业存在关联关系")
    if order.voucher_amount % ROUND_AMOUNT == 0:
        repeats = (
            Order.objects.filter(provider=provider, voucher_amount=order.voucher_amount)
            .exclude(pk=order.pk)
            .exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.ORDERED])
            .count()
        )
        if repeats >= 2:
            flags.append(f"该机构已有{repeats}笔相同的整万元用券金额({order.voucher_amount}元)")
    if order.satisfaction is not None and order.satisfaction <= 2:
        flags.append(f"企业满意度低({order.satisfaction}分)")
    digest = hashlib.sha256(f"{voucher.programme_id}:{order.pk}".encode()).digest()
    if Decimal(int.from_bytes(digest[:4], "big")) / Decimal(2**32) < voucher.programme.spot_check_rate:
        flags.append("随机抽查")
    return flags


def request_settlement(actor: Any, order: Order, data: Mapping[str, Any]) -> Order:
    """The provider applies for 兑付 with contract, invoice, payment proof and result; flags put it on hold."""
    target = f"order:{order.pk}"
    if not provider_member(actor, order.provider):
        raise _refuse(actor, "request_settlement", target, _("只有承接订单的服务机构可以申请兑付。"))

    def work() -> Order:
        current = (
            Order.objects.select_for_update()
            .select_related("voucher__programme", "voucher__enterprise")
            .get(pk=order.pk)
        )
        if current.status in {OrderStatus.ORDERED, OrderStatus.CONFIRMED, OrderStatus.DELIVERED}:
            raise VoucherError(_("服务未完成或企业尚未用券支付,不能申请兑付。"))
        if current.status != OrderStatus.REDEEMED:
            raise VoucherError(_("该订单已申请兑付,请勿重复提交。"))
        programme = current.voucher.programme
        if timezone.localdate() > programme.settle_by:
            raise VoucherError(_("已过兑付截止日期(%(date)s)。") % {"date": programme.settle_by})
        booked = LedgerEntry.objects.filter(
            order=current, account=current.voucher.account, kind=EntryKind.REDEEM
        ).aggregate(total=Sum("amount"))["total"]
        redeemed = -booked if booked is not None else Decimal("0.00")
        requested = money(data.get("amount") or current.voucher_amount, _("兑付金额"))
        if requested > redeemed:
            raise VoucherError(
                _("兑付金额 %(requested)s 元超过该订单已用券金额 %(redeemed)s 元。")
                % {"requested": requested, "redeemed": redeemed}
            )
        missing = [
            label
            for key, label in (("contract_number", _("合同编号")), ("invoice_number", _("发票号码")))
            if not str(data.get(key) or "").strip()
        ]
        if missing:
            raise VoucherError(_("请填写%(fields)s。") % {"fields": _("、").join(missing)})
        current.contract_number = str(data["contract_number"]).strip()[:60]
        current.invoice_number = str(data["invoice_number"]).strip()[:60]
        if data.get("result"):
            current.result = str(data["result"]).strip()[:2000]
        current.hold_flags = fraud_flags(current)
        current.status = OrderStatus.ON_HOLD if current.hold_flags else OrderStatus.SETTLEMENT_REQUESTED
        current.save()
        return current

    return _guarded(actor, "request_settlement", target, work)


def review_settlement(actor: Any, order: Order, *, approve_payment: bool, note: str = "") -> Order:
    """The office pays (payable → paid) or refuses (payable → back to the programme budget)."""
    target = f"order:{order.pk}"
    if not is_office(actor):
        raise _refuse(actor, "review_settlement", target, _("只有省创新办可以审核兑付。"))

    def work() -> Order:
        current = Order.objects.select_for_update().select_related("voucher__programme").get(pk=order.pk)
        if current.status not in {OrderStatus.SETTLEMENT_REQUESTED, OrderStatus.ON_HOLD}:
            raise VoucherError(_("该订单不在待兑付状态。"))
        if current.status == OrderStatus.ON_HOLD and not note.strip():
            raise VoucherError(_("暂缓核查的兑付须填写核查结论。"))
        if not approve_payment and not note.strip():
            raise VoucherError(_("不予兑付须填写原因。"))
        programme = current.voucher.programme
        if approve_payment:
            _move(
                payable_account(programme),
                paid_account(programme),
                current.voucher_amount,
                EntryKind.PAYOUT,
                actor=actor,
                order=current,
            )
            current.status = OrderStatus.SETTLED
        else:
            _move(
                payable_account(programme),
                programme.account,
                current.voucher_amount,
                EntryKind.RELEASE,
                actor=actor,
                order=current,
                memo="不予兑付,收回预算",
            )
            current.status = OrderStatus.REJECTED
        current.review_note = note.strip()[:300]
        current.save(update_fields=["status", "review_note", "updated_at"])
        return current

    return _guarded(actor, "review_settlement", target, work)


def expire_vouchers(today: date | None = None, *, actor: Any = None) -> int:
    """Return unspent quotas of vouchers past their use-by date to their programme's budget."""
    today = today or timezone.localdate()
    count = 0
    for voucher in Voucher.objects.filter(programme__use_by__lt=today).select_related("programme"):
        with transaction.atomic():
            locked = Voucher.objects.select_for_update().get(pk=voucher.pk)
            left = balance(locked.account)
            if left > 0:
                _move(
                    locked.account,
                    voucher.programme.account,
                    left,
                    EntryKind.EXPIRE,
                    actor=actor,
                    memo="过期收回",
                )
                count += 1
    return count


def programme_summary(programme: Programme) -> dict[str, Decimal]:
    """Budget, still unallocated, granted, redeemed, awaiting payment, paid — derived from the ledger."""
    entries = LedgerEntry.objects.filter(
        account__in=[programme.account, payable_account(programme), paid_account(programme)]
    )
    kinds = {
        (r["account"], r["kind"]): r["total"].quantize(CENT)
        for r in entries.values("account", "kind").annotate(total=Sum("amount"))
    }
    zero = Decimal("0.00")
    return {
        "budget": kinds.get((programme.account, EntryKind.BUDGET), zero),
        "unallocated": balance(programme.account),
        "granted": -kinds.get((programme.account, EntryKind.GRANT), zero),
        "awaiting_payment": balance(payable_account(programme)),
        "paid": balance(paid_account(programme)),
        "redeemed": kinds.get((payable_account(programme), EntryKind.REDEEM), zero),
        "vouchers": Decimal(Voucher.objects.filter(programme=programme).count()),
    }
