"""Registration, booking without overlaps, usage, violations and the blacklist."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from keju.instruments import services
from keju.instruments.models import Booking, BookingStatus, Instrument, InstrumentEvent, Violation

pytestmark = pytest.mark.django_db


def test_an_instrument_under_30_wan_yuan_is_not_registered(lab):
    with pytest.raises(services.InstrumentError, match="低于30万元"):
        services.register_instrument(
            lab.office, lab.plan, {"name": "天平", "original_value": "29.99", "category": "metrology"}
        )
    assert Instrument.objects.count() == 1
    assert InstrumentEvent.objects.filter(action="register", refused=True).exists()


def test_a_booking_overlapping_by_one_minute_is_refused_and_an_adjacent_one_accepted(lab):
    lab.booking(9, 11)
    with pytest.raises(services.InstrumentError, match="该时段已被预约"):
        services.book(lab.other, lab.instrument, {"start": lab.at(10, 59), "end": lab.at(12), "purpose": "x"})
    with pytest.raises(services.InstrumentError, match="该时段已被预约"):
        services.book(lab.other, lab.instrument, {"start": lab.at(8), "end": lab.at(9, 1), "purpose": "x"})
    adjacent = services.book(
        lab.other, lab.instrument, {"start": lab.at(11), "end": lab.at(12), "purpose": "x"}
    )
    assert adjacent.status == BookingStatus.REQUESTED
    assert Booking.objects.count() == 2


def test_a_rejected_or_cancelled_booking_frees_its_slot(lab):
    first = lab.booking(9, 11)
    services.cancel(lab.user, first)
    assert services.book(lab.other, lab.instrument, {"start": lab.at(9), "end": lab.at(11), "purpose": "x"})


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ((7, 30), (9, 0), "不在开放时间内"),
        ((19, 0), (20, 30), "不在开放时间内"),
        ((8, 0), (8, 0), "结束时间应晚于开始时间"),
    ],
)
def test_bookings_outside_the_rules_are_refused(lab, start, end, message):
    with pytest.raises(services.InstrumentError, match=message):
        services.book(
            lab.user, lab.instrument, {"start": lab.at(*start), "end": lab.at(*end), "purpose": "x"}
        )
    assert not Booking.objects.exists()


def test_bookings_need_notice_and_a_running_instrument(lab):
    soon = timezone.now() + timedelta(hours=2)
    with pytest.raises(services.InstrumentError, match="至少提前24小时"):
        services.book(
            lab.user, lab.instrument, {"start": soon, "end": soon + timedelta(hours=1), "purpose": "x"}
        )
    Instrument.objects.filter(pk=lab.instrument.pk).update(status="maintenance")
    with pytest.raises(services.InstrumentError, match="维修中"):
        lab.booking()
    with pytest.raises(services.InstrumentError, match="不是有效时间"):
        services.book(lab.user, lab.instrument, {"start": "明天上午", "end": "x", "purpose": "x"})


def test_usage_is_recorded_with_fee_and_external_hours(lab):
    booking = services.decide(lab.operator, lab.booking(9, 11), approve=True)
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(hours=1)
    )
    booking.refresh_from_db()
    record = services.record_usage(
        lab.operator,
        booking,
        {"started_at": booking.start, "ended_at": booking.start + timedelta(minutes=90)},
    )
    assert record.effective_hours == Decimal("1.50") and record.fee == Decimal("900.00") and record.external
    assert not Violation.objects.exists()  # 2 h booked, 1.5 h used: within twice


def test_booking_more_than_twice_the_time_used_is_a_violation(lab):
    booking = services.decide(lab.operator, lab.booking(9, 15), approve=True)
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - timedelta(hours=7), end=timezone.now() - timedelta(hours=1)
    )
    booking.refresh_from_db()
    services.record_usage(
        lab.operator, booking, {"started_at": booking.start, "ended_at": booking.start + timedelta(hours=2)}
    )
    assert Violation.objects.get().kind == "over_booking"


def test_three_no_shows_blacklist_the_user(lab):
    for n in range(3):
        booking = services.decide(lab.operator, lab.booking(9 + n * 2, 10 + n * 2), approve=True)
        with pytest.raises(services.InstrumentError, match="1小时后"):
            services.mark_no_show(lab.operator, booking)
        Booking.objects.filter(pk=booking.pk).update(
            start=timezone.now() - timedelta(hours=2), end=timezone.now() - timedelta(hours=1)
        )
        booking.refresh_from_db()
        services.mark_no_show(lab.operator, booking)
    assert services.is_blacklisted(lab.user)
    with pytest.raises(services.InstrumentError, match="已被暂停预约资格"):
        lab.booking(15, 16)


def test_only_the_owner_unit_or_office_approves_and_records(lab):
    booking = lab.booking()
    with pytest.raises(services.InstrumentError, match="只有仪器所属单位"):
        services.decide(lab.other, booking, approve=True)
    with pytest.raises(services.InstrumentError, match="须填写原因"):
        services.decide(lab.operator, booking, approve=False)
    assert services.decide(lab.office, booking, approve=True).status == BookingStatus.APPROVED


def test_a_used_booking_is_paid_partly_with_a_voucher(lab):
    from keju.vouchers import services as vouchers

    programme = vouchers.create_programme(
        lab.office,
        lab.plan,
        {
            "name": "创新券",
            "budget": "50000",
            "subsidy_ratio": "0.5",
            "cap_per_application": "20000",
            "cap_per_enterprise_year": "20000",
            "apply_from": timezone.localdate() - timedelta(days=1),
            "apply_until": timezone.localdate() + timedelta(days=10),
            "use_by": timezone.localdate() + timedelta(days=60),
            "settle_by": timezone.localdate() + timedelta(days=90),
        },
    )
    application = vouchers.apply(
        lab.user, programme, lab.enterprise, {"category": "small_tech", "amount": "5000", "purpose": "测试"}
    )
    voucher = vouchers.approve(lab.office, application)
    booking = services.decide(lab.operator, lab.booking(9, 11), approve=True)
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(hours=1)
    )
    booking.refresh_from_db()
    services.record_usage(lab.operator, booking, {})
    booking.refresh_from_db()
    order = services.pay_with_voucher(lab.user, booking, voucher)
    assert order.contract_amount == Decimal("1200.00") and order.voucher_amount == Decimal("600.00")
    with pytest.raises(services.InstrumentError, match="请勿重复"):
        booking.refresh_from_db()
        services.pay_with_voucher(lab.user, booking, voucher)


def test_owner_evaluation_scores_use_sharing_and_management(lab):
    booking = services.decide(lab.operator, lab.booking(9, 11), approve=True)
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(hours=1)
    )
    booking.refresh_from_db()
    services.record_usage(lab.operator, booking, {})
    (row,) = services.evaluate_owners(lab.plan, timezone.now().year)
    assert row.owner == "兰州某研究所" and row.effective_hours == 2.0 and row.external_hours == 2.0
    assert row.operation == round(40 * 2 / 1400, 1) and row.sharing == 20.0 and row.management == 40.0
    assert row.grade == "合格" and "共享率100%" in row.explanation
