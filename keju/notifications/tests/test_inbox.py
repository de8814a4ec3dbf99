"""The inbox: own notifications only, unread first, mark read, mark all read; the unread count."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from keju.notifications.context_processors import UnreadCount, notifications
from keju.notifications.models import Kind, Notification
from keju.notifications.services import Draft, deliver, mark_read, unread_count

pytestmark = pytest.mark.django_db


def give(
    user, key: str, title: str, kind: str = Kind.REPORT_RETURNED, url: str = "/reporting/"
) -> Notification:
    deliver([Draft(user.pk, kind, key, title, f"{title}的内容", url)])
    return Notification.objects.get(user=user, dedup_key=key)


@pytest.fixture
def boxes(zone):
    a, b = zone.user("reporter_a"), zone.user("reporter_b")
    return {
        "old_read": give(a, "k1", "甲的旧通知"),
        "new_unread": give(a, "k2", "甲的新通知", kind=Kind.OVERDUE),
        "old_unread": give(a, "k3", "甲的另一条通知", url=""),
        "b": give(b, "k4", "乙企业的通知"),
    }


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_inbox_lists_only_own_notifications_unread_first(zone, client, boxes):
    mark_read(zone.user("reporter_a"), boxes["old_read"].pk)
    client.force_login(zone.user("reporter_a"))
    response = client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "乙企业的通知" not in html
    titles = [n.title for n in response.context["page"].object_list]
    assert titles == ["甲的另一条通知", "甲的新通知", "甲的旧通知"]
    assert response.context["unread_total"] == 2
    assert "2条未读" in html
    only_unread = client.get("/notifications/?unread=1").context["page"].object_list
    assert {n.title for n in only_unread} == {"甲的另一条通知", "甲的新通知"}
    overdue = client.get(f"/notifications/?kind={Kind.OVERDUE}").context["page"].object_list
    assert [n.title for n in overdue] == ["甲的新通知"]


def test_text_is_escaped(zone, client):
    give(zone.user("reporter_a"), "x", "<script>alert(1)</script>")
    client.force_login(zone.user("reporter_a"))
    html = client.get("/notifications/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_another_users_notification_is_404_and_untouched(zone, client, boxes):
    client.force_login(zone.user("reporter_a"))
    other = boxes["b"].pk
    assert client.get(f"/notifications/{other}/").status_code == 404
    assert client.post(f"/notifications/{other}/read/").status_code == 404
    assert client.post("/notifications/999999/read/").status_code == 404
    boxes["b"].refresh_from_db()
    assert boxes["b"].read_at is None


def test_opening_marks_read_and_follows_the_link(zone, client, boxes):
    client.force_login(zone.user("reporter_a"))
    response = client.get(f"/notifications/{boxes['new_unread'].pk}/")
    assert response.status_code == 302 and response["Location"] == "/reporting/"
    boxes["new_unread"].refresh_from_db()
    assert boxes["new_unread"].read_at is not None
    no_link = client.get(f"/notifications/{boxes['old_unread'].pk}/")
    assert no_link["Location"] == "/notifications/"


def test_mark_read_and_mark_all_read(zone, client, boxes):
    a = zone.user("reporter_a")
    client.force_login(a)
    assert client.get(f"/notifications/{boxes['old_read'].pk}/read/").status_code == 405
    response = client.post(
        f"/notifications/{boxes['old_read'].pk}/read/", {"next": "/notifications/?unread=1"}
    )
    assert response["Location"] == "/notifications/?unread=1"
    assert unread_count(a) == 2
    response = client.post("/notifications/read-all/", {"next": "https://evil.example.com/"})
    assert response["Location"] == "/notifications/"  # never redirected off the site
    assert unread_count(a) == 0
    assert unread_count(zone.user("reporter_b")) == 1


def test_unread_count_is_one_query_per_request_and_shown_in_the_header(
    zone, boxes, django_assert_num_queries
):
    request = RequestFactory().get("/")
    request.user = zone.user("reporter_a")
    count = notifications(request)["notifications_unread"]
    with django_assert_num_queries(1):
        assert int(count) == 3
        assert str(UnreadCount(request)) == "3" and bool(count)
    html = render_to_string(
        "notifications/_header_link.html", {"user": request.user, "notifications_unread": count}
    )
    assert "/notifications/" in html and ">3</span>" in html
    quiet = RequestFactory().get("/")
    quiet.user = zone.user("office")
    html = render_to_string(
        "notifications/_header_link.html", {"user": quiet.user, "notifications_unread": UnreadCount(quiet)}
    )
    assert "notifications-badge" not in html and "/notifications/" in html
