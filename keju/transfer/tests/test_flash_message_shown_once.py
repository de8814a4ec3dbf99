"""A flash message (messages framework) is shown exactly once on a page of every app: by web/base.html."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

TEXT = "只出现一次的提示<b>"
PAGES = [
    "home",
    "transfer:index",
    "transfer:board",
    "instruments:index",
    "vouchers:workspace",
    "pools:projects",
    "pools:talents",
    "publishing:manage",
    "reporting:mine",
    "monitoring:progress",
]


def with_message(client, level=constants.SUCCESS):
    """Put one pending message in the client's message cookie, as a redirect after a POST would."""
    storage = CookieStorage(HttpRequest())
    response = HttpResponse()
    storage._store([Message(level, TEXT)], response)
    client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value


@pytest.fixture
def admin_client(client, plan):
    user = get_user_model().objects.create_superuser("root", password="pw-root-12345")
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PAGES)
def test_a_message_is_shown_exactly_once(admin_client, name):
    with_message(admin_client)
    page = admin_client.get(reverse(name))
    assert page.status_code == 200
    html = page.content.decode()
    escaped = "只出现一次的提示&lt;b&gt;"
    assert html.count(escaped) == 1 and TEXT not in html
    assert html.count('<ul class="messages">') == 1
    # consumed: the next page shows nothing
    assert escaped not in admin_client.get(reverse(name)).content.decode()


def test_an_error_is_announced_as_an_alert(admin_client):
    with_message(admin_client, constants.ERROR)
    html = admin_client.get(reverse("instruments:index")).content.decode()
    assert '<li class="error" role="alert">只出现一次的提示&lt;b&gt;</li>' in html
