"""Register refusals are in the language of the page (English when the user chose English),
with the field labels and choice labels translated too.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from keju.registers import services
from keju.registers.models import InnovationPlatform

from .conftest import PLATFORM, recognition

pytestmark = pytest.mark.django_db


def test_a_refused_form_says_why_in_the_language_of_the_page(client, people):
    client.force_login(people.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {**PLATFORM, "recognised_on": "2016-02-30"}
    response = client.post(reverse("registers:create", args=["platform"]), data)
    assert response.status_code == 400
    assert "Recognised on “2016-02-30” is not a valid date." in response.content.decode()
    assert not InnovationPlatform.objects.exists()


def test_a_duplicate_is_refused_in_english_and_in_chinese(people):
    first = services.register(people.office, people.plan, "platform", PLATFORM)
    with translation.override("en"), pytest.raises(services.RegisterError) as english:
        services.register(people.office, people.plan, "platform", PLATFORM)
    assert english.value.message.startswith(f"R&D platform “{PLATFORM['name']}” is already registered (")
    assert f"no. {first.pk}) and cannot be registered twice" in english.value.message
    with pytest.raises(services.RegisterError) as chinese:
        services.register(people.office, people.plan, "platform", PLATFORM)
    assert chinese.value.message.startswith(f"创新平台“{PLATFORM['name']}”已登记(")


def test_a_level_that_the_kind_does_not_have_names_both_in_english(people, firms):
    data = recognition(firms.plain, kind="national_innovative_pilot", level="provincial")
    with translation.override("en"), pytest.raises(services.RegisterError) as english:
        services.register(people.office, people.plan, "recognition", data)
    assert english.value.message == (
        "National pilot innovative enterprise is recognised only at the level “National”; "
        "please set the level to National."
    )
