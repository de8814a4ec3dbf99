"""Instrument sharing rules: registration, booking without overlaps, usage, violations, yearly evaluation.

Bookings of one instrument are serialised by a row lock on the instrument, so two
requests for the same slot can never both be accepted. Every refusal raises
`InstrumentError` with a message in the user's language and is logged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keju.accounts.events import ServiceError, guarded
from keju.accounts.models import Role
from keju.accounts.scoping import roles_of
from keju.instruments.models import (
    ACTIVE_BOOKING,
    Booking,
    BookingStatus,
    Instrument,
    InstrumentClass,
    InstrumentEvent,
    InstrumentStatus,
    UsageRecord,
    Violation,
    ViolationKind,
)
from keju.orgs.models import EnterprisePlacement
from keju.planning.models import Plan

MIN_VALUE_WAN = Decimal("30")  # 甘肃: 原值30万元及以上
MAX_BOOKING_HOURS = 12
NO_SHOW_GRACE = timedelta(hours=1)
VIOLATIONS_TO_BLACKLIST = 3
BLACKLIST_WINDOW = timedelta(days=365)
# Literal calls, so that makemessages finds each day.
WEEKDAYS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)


T = TypeVar("T")


class InstrumentError(ServiceError):
    """A refusal of instrument sharing (message in the active language)."""


def _guarded(actor: Any, action: str, target: str, work: Callable[[], T]) -> T:
    return guarded(InstrumentEvent, InstrumentError, actor, action, target, work)


def is_office(user: Any) -> bool:
    return getattr(user, "is_superuser", False) or any(r.role == Role.OFFICE_STAFF for r in roles_of(user))


def manages(user: Any, instrument: Instrument) -> bool:
    """The owner unit's members (and the office) approve bookings and record usage."""
    if is_office(user):
        return True
    return (
        instrument.owner_id is not None
        and getattr(user, "is_authenticated", False)
        and instrument.owner.members.filter(pk=user.pk).exists()
    )


# --- register --------------------------------------------------------------------------------


def register_instrument(actor: Any, plan: Plan, data: Mapping[str, Any]) -> Instrument:
    if not is_office(actor):
        InstrumentEvent.record(actor, "register", "", "只有省创新办可以登记仪器。", refused=True)
        raise InstrumentError(_("只有省创新办可以登记仪器。"))

    def work() -> Instrument:
        name = str(data.get("name") or "").strip()
        if not name:
            raise InstrumentError(_("请填写仪器名称。"))
        value = _decimal(data.get("original_value"), _("原值(万元)"))
        if value < MIN_VALUE_WAN:
            raise InstrumentError(
                _("原值 %(value)s 万元低于30万元,不属于开放共享的大型科研仪器。") % {"value": value}
            )
        if data.get("category") not in InstrumentClass.values:
            raise InstrumentError(_("请选择仪器分类。"))
        fee = _decimal(data.get("fee_per_hour", "0"), _("参考收费(元/小时)"))
        weekdays = sorted({int(d) for d in data.get("open_weekdays", [0, 1, 2, 3, 4])})
        if not weekdays or any(d not in range(7) for d in weekdays):
            raise InstrumentError(_("开放日无效。"))
        open_from, open_until = _time(data.get("open_from", "08:30")), _time(data.get("open_until", "17:30"))
        if open_from >= open_until:
            raise InstrumentError(_("开放时间的开始应早于结束。"))
        return Instrument.objects.create(
            plan=plan,
            name=name[:120],
            model_number=str(data.get("model_number") or "")[:80],
            manufacturer=str(data.get("manufacturer") or "")[:120],
            country=str(data.get("country") or "")[:40],
            original_value=value,
            category=data["category"],
            usage=data.get("usage") or "general",
            owner_name=str(data.get("owner_name") or (data.get("owner").name if data.get("owner") else ""))[
                :200
            ],
            owner=data.get("owner"),
            district=data.get("district"),
            location=str(data.get("location") or "")[:200],
            functions=str(data.get("functions") or "")[:4000],
            fee_per_hour=fee,
            open_weekdays=weekdays,
            open_from=open_from,
            open_until=open_until,
            min_notice_hours=int(data.get("min_notice_hours", 24)),
            operator=str(data.get("operator") or "")[:100],
            purchased_on=data.get("purchased_on"),
        )

    return _guarded(actor, "register", "", work)


def _decimal(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise InstrumentError(
            _("%(label)s“%(value)s”不是有效数字。") % {"label": label, "value": value}
        ) from None
    if not number.is_finite() or number < 0:
        raise InstrumentError(_("%(label)s不能为负数。") % {"label": label})
    return number


def _time(value: Any) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise InstrumentError(_("时间“%(value)s”格式应为 08:30。") % {"value": value}) from None


# --- booking ---------------------------------------------------------------------------------


def violations_in_window(user: Any, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return Violation.objects.filter(user=user, at__gte=now - BLACKLIST_WINDOW).count()


def is_blacklisted(user: Any) -> bool:
    return violations_in_window(user) >= VIOLATIONS_TO_BLACKLIST


def _aware(value: Any, label: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise InstrumentError(
                _("%(label)s“%(value)s”不是有效时间(格式:2026-12-01T09:00)。")
                % {"label": label, "value": value or ""}
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def book(actor: Any, instrument: Instrument, data: Mapping[str, Any]) -> Booking:
    """Request machine time; refused if it overlaps any pending or approved booking by even a minute."""
    target = f"instrument:{instrument.pk}"

    def work() -> Booking:
        if not getattr(actor, "is_authenticated", False):
            raise InstrumentError(_("请先登录再预约。"))
        if is_blacklisted(actor):
            raise InstrumentError(
                _("您在一年内违约%(count)s次,已被暂停预约资格(满%(limit)s次暂停)。")
                % {"count": violations_in_window(actor), "limit": VIOLATIONS_TO_BLACKLIST}
            )
        start = _aware(data.get("start"), _("开始时间"))
        end = _aware(data.get("end"), _("结束时间"))
        purpose = str(data.get("purpose") or "").strip()
        if not purpose:
            raise InstrumentError(_("请填写实验内容。"))
        if end <= start:
            raise InstrumentError(_("结束时间应晚于开始时间。"))
        if end - start > timedelta(hours=MAX_BOOKING_HOURS):
            raise InstrumentError(_("单次预约不超过%(hours)s小时。") % {"hours": MAX_BOOKING_HOURS})
        locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
        if locked.status != InstrumentStatus.RUNNING:
            raise InstrumentError(
                _("该仪器目前%(status)s,暂停预约。") % {"status": InstrumentStatus(locked.status).label}
            )
        if start < timezone.now() + timedelta(hours=locked.min_notice_hours):
            raise InstrumentError(_("请至少提前%(hours)s小时预约。") % {"hours": locked.min_notice_hours})
        local_start, local_end = timezone.localtime(start), timezone.localtime(end)
        if (
            local_start.date() != local_end.date()
            or local_start.weekday() not in locked.open_weekdays
            or local_start.time() < locked.open_from
            or local_end.time() > locked.open_until
        ):
            raise InstrumentError(
                _("不在开放时间内(开放时间 %(start)s—%(end)s,开放日 %(days)s)。")
                % {
                    "start": f"{locked.open_from:%H:%M}",
                    "end": f"{locked.open_until:%H:%M}",
                    "days": _("、").join(str(WEEKDAYS[d]) for d in locked.open_weekdays),
                }
            )
        clash = (
            Booking.objects.filter(instrument=locked, status__in=ACTIVE_BOOKING)
            .filter(Q(start__lt=end) & Q(end__gt=start))
            .order_by("start")
            .first()
        )
        if clash is not None:
            raise InstrumentError(
                _("该时段已被预约(%(start)s—%(end)s),请另选时间。")
                % {
                    "start": f"{timezone.localtime(clash.start):%m-%d %H:%M}",
                    "end": f"{timezone.localtime(clash.end):%H:%M}",
                }
            )
        return Booking.objects.create(
            instrument=locked,
            user=actor,
            enterprise=data.get("enterprise"),
            start=start,
            end=end,
            purpose=purpose[:300],
        )

    return _guarded(actor, "book", target, work)


def decide(actor: Any, booking: Booking, *, approve: bool, reason: str = "") -> Booking:
    target = f"booking:{booking.pk}"

    def work() -> Booking:
        if not manages(actor, booking.instrument):
            raise InstrumentError(_("只有仪器所属单位可以审核预约。"))
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if current.status != BookingStatus.REQUESTED:
            raise InstrumentError(_("该预约已处理。"))
        if not approve and not reason.strip():
            raise InstrumentError(_("不批准须填写原因。"))
        current.status = BookingStatus.APPROVED if approve else BookingStatus.REJECTED
        current.decision_reason = reason.strip()[:300]
        current.save(update_fields=["status", "decision_reason"])
        return current

    return _guarded(actor, "decide", target, work)


def cancel(actor: Any, booking: Booking) -> Booking:
    target = f"booking:{booking.pk}"

    def work() -> Booking:
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if current.user_id != getattr(actor, "pk", None):
            raise InstrumentError(_("只能取消自己的预约。"))
        if current.status not in ACTIVE_BOOKING:
            raise InstrumentError(_("该预约不能取消。"))
        if current.start <= timezone.now():
            raise InstrumentError(_("预约已开始,不能取消。"))
        current.status = BookingStatus.CANCELLED
        current.save(update_fields=["status"])
        return current

    return _guarded(actor, "cancel", target, work)


def record_usage(actor: Any, booking: Booking, data: Mapping[str, Any]) -> UsageRecord:
    """The owner records the machine time used; booking more than twice the time used is a violation."""
    target = f"booking:{booking.pk}"

    def work() -> UsageRecord:
        if not manages(actor, booking.instrument):
            raise InstrumentError(_("只有仪器所属单位可以登记使用记录。"))
        current = Booking.objects.select_for_update().select_related("instrument").get(pk=booking.pk)
        if current.status != BookingStatus.APPROVED:
            raise InstrumentError(_("只有已批准的预约可以登记使用。"))
        started = _aware(data.get("started_at") or current.start, _("实际开始"))
        ended = _aware(data.get("ended_at") or current.end, _("实际结束"))
        if ended <= started:
            raise InstrumentError(_("实际结束应晚于实际开始。"))
        if started > timezone.now():
            raise InstrumentError(_("使用尚未开始,不能登记。"))
        hours = Decimal((ended - started).total_seconds() / 3600).quantize(Decimal("0.01"))
        fee = (hours * current.instrument.fee_per_hour).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        owner = current.instrument.owner
        external = owner is None or not owner.members.filter(pk=current.user_id).exists()
        try:
            samples = int(data.get("samples") or 0)
        except (TypeError, ValueError):
            raise InstrumentError(_("样品数应为整数。")) from None
        record = UsageRecord.objects.create(
            booking=current,
            started_at=started,
            ended_at=ended,
            effective_hours=hours,
            external=external,
            samples=max(samples, 0),
            fee=fee,
            recorded_by=actor,
        )
        current.status = BookingStatus.COMPLETED
        current.save(update_fields=["status"])
        if Decimal(str(current.hours)) > 2 * hours:
            Violation.objects.create(user=current.user, booking=current, kind=ViolationKind.OVER_BOOKING)
        return record

    return _guarded(actor, "record_usage", target, work)


def mark_no_show(actor: Any, booking: Booking) -> Violation:
    target = f"booking:{booking.pk}"

    def work() -> Violation:
        if not manages(actor, booking.instrument):
            raise InstrumentError(_("只有仪器所属单位可以登记爽约。"))
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if current.status != BookingStatus.APPROVED:
            raise InstrumentError(_("只有已批准的预约可以登记爽约。"))
        if timezone.now() < current.start + NO_SHOW_GRACE:
            raise InstrumentError(_("预约开始1小时后仍未到场才可登记爽约。"))
        current.status = BookingStatus.NO_SHOW
        current.save(update_fields=["status"])
        return Violation.objects.create(user=current.user, booking=current, kind=ViolationKind.NO_SHOW)

    return _guarded(actor, "no_show", target, work)


def pay_with_voucher(actor: Any, booking: Booking, voucher: Any) -> Any:
    """Pay a used booking's fee partly with an innovation voucher: an order with the owner unit."""
    from keju.vouchers import services as vouchers

    usage = getattr(booking, "usage", None)
    if usage is None or booking.instrument.owner is None:
        InstrumentEvent.record(
            actor,
            "pay_with_voucher",
            f"booking:{booking.pk}",
            "无使用记录或所属单位不接收创新券",
            refused=True,
        )
        raise InstrumentError(_("只有已登记使用、且所属单位为创新券服务机构的预约可以用券支付。"))
    if booking.voucher_order_id:
        raise InstrumentError(_("该预约已用券下单,请勿重复提交。"))
    share = (usage.fee * voucher.programme.subsidy_ratio).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    try:
        with transaction.atomic():
            order = vouchers.place_order(
                actor,
                voucher,
                booking.instrument.owner,
                {
                    "category": "instrument",
                    "description": f"{booking.instrument.name} 机时 {usage.effective_hours} 小时",
                    "contract_amount": usage.fee,
                    "voucher_amount": min(share, vouchers.balance(voucher.account)),
                },
            )
            Booking.objects.filter(pk=booking.pk).update(voucher_order=order)
    except vouchers.VoucherError as error:
        raise InstrumentError(error.message) from None
    return order


def free_slots(instrument: Instrument, day: date) -> list[tuple[datetime, datetime]]:
    """The open hours of `day` minus pending and approved bookings."""
    if day.weekday() not in instrument.open_weekdays:
        return []
    tz = timezone.get_current_timezone()
    opening = datetime.combine(day, instrument.open_from, tz)
    closing = datetime.combine(day, instrument.open_until, tz)
    taken = Booking.objects.filter(
        instrument=instrument, status__in=ACTIVE_BOOKING, start__lt=closing, end__gt=opening
    ).order_by("start")
    slots, cursor = [], opening
    for b in taken:
        if b.start > cursor:
            slots.append((cursor, b.start))
        cursor = max(cursor, b.end)
    if cursor < closing:
        slots.append((cursor, closing))
    return slots


# --- yearly evaluation of owner units (运行使用 40, 共享服务 20, 组织管理 40) --------------------


@dataclass(frozen=True)
class OwnerEvaluation:
    owner: str
    instruments: int
    effective_hours: float
    external_hours: float
    operation: float  # 运行使用
    sharing: float  # 共享服务
    management: float  # 组织管理
    total: float
    grade: str
    explanation: str
    district: str | None = None  # code of the org unit the owner is located in that year
    district_source: str = ""  # "placement" (its enterprise register entry) or "instruments"


def owner_districts(owned: Mapping[str, list[Instrument]], year: int) -> dict[str, tuple[str, str]]:
    """Where each owner unit was located in `year`: owner -> (district code, source).

    An owner registered as an enterprise counts where its placement stood at the end of the year
    (so a later move does not rewrite the year); an owner outside the enterprise register (an
    institute, a university) counts where most of its instruments stand (the first one on a tie).
    """
    year_end = date(year, 12, 31)
    enterprise_of = {
        owner: next((i.owner.enterprise_id for i in items if i.owner and i.owner.enterprise_id), None)
        for owner, items in owned.items()
    }
    placed = dict(
        EnterprisePlacement.objects.covering(year_end)
        .filter(enterprise_id__in=[e for e in enterprise_of.values() if e is not None])
        .values_list("enterprise_id", "district__code")
    )
    out: dict[str, tuple[str, str]] = {}
    for owner, items in owned.items():
        enterprise = enterprise_of[owner]
        if enterprise is not None and enterprise in placed:
            out[owner] = (placed[enterprise], "placement")
            continue
        counts = Counter(i.district.code for i in items if i.district is not None)
        if counts:
            out[owner] = (counts.most_common(1)[0][0], "instruments")
    return out


def _grade(total: float) -> str:
    if total >= 85:
        return _("优秀")
    if total >= 70:
        return _("良好")
    if total >= 60:
        return _("合格")
    return _("较差")


def evaluate_owners(plan: Plan, year: int) -> list[OwnerEvaluation]:
    """Score each owner unit by the national criteria, as this platform can measure them.

    运行使用 (40): average effective hours per instrument against its quota (1400 or 800 h);
    共享服务 (20): share of effective hours served to outside users, full marks at 50%;
    组织管理 (40): published information complete (fees, hours, operator, location, functions:
    4 each = 20) and bookings decided before they start (20 × share decided in time).
    """
    instruments = list(
        Instrument.objects.filter(plan=plan)
        .exclude(status=InstrumentStatus.RETIRED)
        .exclude(purchased_on__gt=date(year, 12, 31))  # not yet bought in that year
        .select_related("owner", "district")
    )
    by_owner: dict[str, list[Instrument]] = {}
    for instrument in instruments:
        by_owner.setdefault(instrument.owner_name, []).append(instrument)
    records = list(
        UsageRecord.objects.filter(booking__instrument__plan=plan, started_at__year=year).select_related(
            "booking"
        )
    )
    bookings = list(Booking.objects.filter(instrument__plan=plan, start__year=year))
    located = owner_districts(by_owner, year)
    results = []
    for owner, owned in sorted(by_owner.items()):
        ids = [i.pk for i in owned]
        used = [r for r in records if r.booking.instrument_id in ids]
        effective = float(sum(r.effective_hours for r in used))
        external = float(sum(r.effective_hours for r in used if r.external))
        quota = sum(i.quota_hours for i in owned)
        operation = 40 * min(1.0, effective / quota) if quota else 0.0
        sharing = 20 * min(1.0, (external / effective) / 0.5) if effective else 0.0
        fields = ("fee_per_hour", "open_weekdays", "operator", "location", "functions")
        complete = sum(1 for i in owned for f in fields if getattr(i, f)) / (len(owned) * len(fields))
        owned_bookings = [
            b for b in bookings if b.instrument_id in ids and b.status != BookingStatus.CANCELLED
        ]
        timely = (
            sum(1 for b in owned_bookings if b.status != BookingStatus.REQUESTED or b.start > timezone.now())
            / len(owned_bookings)
            if owned_bookings
            else 1.0
        )
        management = 20 * complete + 20 * timely
        total = round(operation + sharing + management, 1)
        grade = _grade(total)
        results.append(
            OwnerEvaluation(
                owner=owner,
                instruments=len(owned),
                effective_hours=round(effective, 1),
                external_hours=round(external, 1),
                operation=round(operation, 1),
                sharing=round(sharing, 1),
                management=round(management, 1),
                total=total,
                grade=grade,
                explanation=_(
                    "有效机时%(effective)s小时/定额%(quota)s小时;对外服务%(external)s小时(共享率%(shared)s);"
                    "信息完整度%(complete)s;预约及时审核率%(timely)s"
                )
                % {
                    "effective": f"{effective:.0f}",
                    "quota": quota,
                    "external": f"{external:.0f}",
                    "shared": f"{(external / effective if effective else 0):.0%}",
                    "complete": f"{complete:.0%}",
                    "timely": f"{timely:.0%}",
                },
                district=located.get(owner, (None, ""))[0],
                district_source=located.get(owner, (None, ""))[1],
            )
        )
    return sorted(results, key=lambda e: (-e.total, e.owner))
