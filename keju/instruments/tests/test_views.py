"""The public register, the booking page, the owner's desk and the evaluation page."""

import pytest
from django.urls import reverse

from keju.instruments.models import Booking, InstrumentEvent

pytestmark = pytest.mark.django_db


def test_the_register_is_public_and_searchable(client, lab):
    page = client.get(reverse("instruments:index"), {"q": "质谱"}).content.decode()
    assert "高分辨质谱仪" in page
    assert "高分辨质谱仪" not in client.get(reverse("instruments:index"), {"q": "电镜"}).content.decode()
    detail = client.get(reverse("instruments:detail", args=[lab.instrument.pk])).content.decode()
    assert "600.00" in detail and "登录后预约" in detail


def test_a_ten_thousand_character_search_is_refused_with_a_message(client, lab):
    response = client.get(reverse("instruments:index"), {"q": "谱" * 10_000})
    assert response.status_code == 400 and "搜索词过长" in response.content.decode()
    assert InstrumentEvent.objects.filter(action="search", refused=True).exists()


def test_booking_through_the_page_and_a_clash_shows_the_reason(client, lab):
    client.force_login(lab.user)
    form = {"day": lab.day.isoformat(), "start_time": "09:00", "end_time": "11:00", "purpose": "代谢物分析"}
    assert client.post(reverse("instruments:book", args=[lab.instrument.pk]), form).status_code == 302
    client.force_login(lab.other)
    clash = dict(form, start_time="10:59")
    response = client.post(reverse("instruments:book", args=[lab.instrument.pk]), clash, follow=True)
    assert "该时段已被预约" in response.content.decode()
    assert Booking.objects.count() == 1


@pytest.mark.parametrize("name", ["instruments:desk", "instruments:evaluation"])
def test_desk_and_evaluation_are_refused_to_plain_users(client, lab, name):
    client.force_login(lab.other)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(lab.office)
    assert client.get(reverse(name)).status_code == 200


def test_the_operator_sees_and_approves_bookings_of_its_instruments(client, lab):
    booking = lab.booking()
    client.force_login(lab.operator)
    assert "样品分析" in client.get(reverse("instruments:desk")).content.decode()
    client.post(reverse("instruments:booking-step", args=[booking.pk, "approve"]))
    booking.refresh_from_db()
    assert booking.status == "approved"
