"""An English user sees booking refusals and confirmations in English, a Chinese user in Chinese.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from keju.instruments import services
from keju.instruments.models import Booking

pytestmark = pytest.mark.django_db


def test_a_clash_is_explained_in_the_language_of_the_page(client, lab):
    form = {"day": lab.day.isoformat(), "start_time": "09:00", "end_time": "11:00", "purpose": "代谢物分析"}
    client.force_login(lab.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(reverse("instruments:book", args=[lab.instrument.pk]), form, follow=True)
    assert "Booking submitted; awaiting a decision by the owner of the instrument." in page.content.decode()

    client.force_login(lab.other)
    clash = dict(form, start_time="10:59")
    english = client.post(reverse("instruments:book", args=[lab.instrument.pk]), clash, follow=True)
    assert "This time is already booked (" in english.content.decode()
    assert "该时段已被预约" not in english.content.decode()

    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    chinese = client.post(reverse("instruments:book", args=[lab.instrument.pk]), clash, follow=True)
    assert "该时段已被预约" in chinese.content.decode()
    assert Booking.objects.count() == 1


def test_opening_days_are_named_in_the_language_of_the_refusal(lab):
    outside = {"start": lab.at(7, 30), "end": lab.at(9), "purpose": "x"}
    with translation.override("en"), pytest.raises(services.InstrumentError) as english:
        services.book(lab.user, lab.instrument, outside)
    assert english.value.message == (
        "Outside the opening hours (open 08:00–20:00 on Mon, Tue, Wed, Thu, Fri, Sat, Sun)."
    )
    with pytest.raises(services.InstrumentError) as chinese:
        services.book(lab.user, lab.instrument, outside)
    assert chinese.value.message == (
        "不在开放时间内(开放时间 08:00—20:00,开放日 周一、周二、周三、周四、周五、周六、周日)。"
    )
