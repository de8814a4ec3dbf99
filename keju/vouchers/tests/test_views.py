"""Who reaches which voucher page, and refusals come back as Chinese messages."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from keju.vouchers.models import Application, VoucherEvent

pytestmark = pytest.mark.django_db


def test_the_workspace_needs_a_role_in_the_scheme(client, scheme):
    url = reverse("vouchers:workspace")
    assert client.get(url).status_code == 302  # to login
    client.force_login(get_user_model().objects.create_user("nobody", password="pw-nobody-1"))
    assert client.get(url).status_code == 403
    for user in (scheme.reporter, scheme.office, scheme.provider_user):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_a_voucher_ledger_is_shown_to_its_enterprise_and_the_office_only(client, scheme):
    voucher = scheme.voucher()
    url = reverse("vouchers:ledger", args=[voucher.pk])
    client.force_login(scheme.provider_user)
    assert client.get(url).status_code == 403
    client.force_login(scheme.reporter)
    page = client.get(url).content.decode()
    assert voucher.number in page and "核定额度" in page


def test_a_refused_application_shows_the_reason_and_stores_nothing(client, scheme):
    client.force_login(scheme.reporter)
    response = client.post(
        reverse("vouchers:apply", args=[scheme.programme.pk]),
        {"enterprise": scheme.enterprise.pk, "category": "small_tech", "amount": "abc", "purpose": "x"},
        follow=True,
    )
    assert "不是有效金额" in response.content.decode()
    assert not Application.objects.exists()
    assert VoucherEvent.objects.filter(refused=True, action="apply").exists()


def test_a_reporter_cannot_approve_through_the_page(client, scheme):
    client.force_login(scheme.reporter)
    client.post(
        reverse("vouchers:apply", args=[scheme.programme.pk]),
        {"enterprise": scheme.enterprise.pk, "category": "small_tech", "amount": "100", "purpose": "x"},
    )
    application = Application.objects.get()
    response = client.post(
        reverse("vouchers:decide", args=[application.pk]), {"decision": "approve"}, follow=True
    )
    assert "只有省创新办" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"
