"""An English user sees voucher refusals and confirmations in English, a Chinese user in Chinese.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from keju.vouchers import services
from keju.vouchers.models import Application

pytestmark = pytest.mark.django_db


def _apply(client, scheme, amount):
    return client.post(
        reverse("vouchers:apply", args=[scheme.programme.pk]),
        {"enterprise": scheme.enterprise.pk, "category": "small_tech", "amount": amount, "purpose": "检测"},
        follow=True,
    ).content.decode()


def test_a_refused_application_is_explained_in_the_language_of_the_page(client, scheme):
    client.force_login(scheme.reporter)
    chinese = _apply(client, scheme, "40000")
    assert "申领金额 40000.00 元超过单次上限 30000.00 元。" in chinese

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _apply(client, scheme, "40000")
    assert (
        "The amount applied for, 40000.00 yuan, exceeds the cap per application of 30000.00 yuan." in english
    )
    assert "超过单次上限" not in english
    assert not Application.objects.exists()

    assert "Application submitted; awaiting review." in _apply(client, scheme, "1000")


def test_a_service_refusal_raised_in_english_names_the_field_in_english(scheme):
    with translation.override("en"), pytest.raises(services.VoucherError) as refused:
        services.apply(
            scheme.reporter, scheme.programme, scheme.enterprise, {"category": "small_tech", "amount": "12万"}
        )
    assert refused.value.message == "Amount applied for: “12万” is not a valid amount (in yuan)."
