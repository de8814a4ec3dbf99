"""Recording task progress: who may, what is refused (in Chinese, losing nothing), and the trail."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from keju.dashboards.board import tasks as board_tasks
from keju.dashboards.tests.board_fixtures import mini  # noqa: F401  (fixture)
from keju.planning.models import Task, TaskStatus, TaskUpdate

pytestmark = pytest.mark.django_db


def _post(client, user, code, **data):
    client.force_login(user)
    return client.post(reverse("dashboards:task_update", args=[code]), data)


def test_the_office_records_progress_and_the_trail_keeps_every_step(mini, client):  # noqa: F811
    response = _post(
        client,
        mini.users["office"],
        "t1",
        status="in_progress",
        evidence="已印发试点方案",
        evidence_url="https://example.org/plan.pdf",
        due_date="2019-06-30",
    )
    assert response.status_code == 302
    task = Task.objects.get(plan=mini.plan, code="t1")
    assert (task.status, task.due_date) == (TaskStatus.IN_PROGRESS, date(2019, 6, 30))
    _post(
        client, mini.users["office"], "t1", status="done", evidence="试点完成,已验收", due_date="2019-06-30"
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    trail = list(TaskUpdate.objects.filter(task=task).order_by("id"))
    assert [(u.previous_status, u.status) for u in trail] == [
        ("not_started", "in_progress"),
        ("in_progress", "done"),
    ]
    assert trail[0].due_date == date(2019, 6, 30) and trail[0].previous_due_date is None
    assert trail[1].due_date is None  # the same deadline again is not a change
    assert trail[0].author == mini.users["office"] and trail[0].author_name == "office"
    page = client.get(reverse("dashboards:task", args=["t1"])).content.decode()
    assert "已印发试点方案" in page and "https://example.org/plan.pdf" in page and "试点完成,已验收" in page


def test_a_working_group_updates_its_own_tasks_only(mini, client):  # noqa: F811
    assert (
        _post(client, mini.users["wg_policy"], "t1", status="in_progress", evidence="启动").status_code == 302
    )
    # t2 has no working group in the plan; 产业组 does not own t1.
    assert _post(client, mini.users["wg_policy"], "t2", status="done", evidence="x").status_code == 403
    assert _post(client, mini.users["wg_industry"], "t1", status="done", evidence="x").status_code == 403
    assert Task.objects.get(plan=mini.plan, code="t1").status == TaskStatus.IN_PROGRESS
    assert TaskUpdate.objects.count() == 1


@pytest.mark.parametrize("who", ["evaluator", "reviewer"])
def test_readers_see_the_task_but_may_not_update_it(mini, client, who):  # noqa: F811
    client.force_login(mini.users[who])
    page = client.get(reverse("dashboards:task", args=["t1"]))
    assert page.status_code == 200 and "task-update-form" not in page.content.decode()
    assert _post(client, mini.users[who], "t1", status="done", evidence="x").status_code == 403
    assert not TaskUpdate.objects.exists()


@pytest.mark.parametrize("who", ["reporter", "nobody"])
def test_others_may_neither_read_nor_update(mini, client, who):  # noqa: F811
    client.force_login(mini.users[who])
    assert client.get(reverse("dashboards:tasks")).status_code == 403
    assert client.get(reverse("dashboards:task", args=["t1"])).status_code == 403
    assert _post(client, mini.users[who], "t1", status="done", evidence="x").status_code == 403
    client.logout()
    response = client.post(
        reverse("dashboards:task_update", args=["t1"]), {"status": "done", "evidence": "x"}
    )
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not TaskUpdate.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "finished", "evidence": "进展"}, "请选择任务状态"),
        ({"status": "done", "evidence": "   "}, "请填写进展情况与佐证材料说明"),
        (
            {"status": "done", "evidence": "进展", "evidence_url": "javascript:alert(1)"},
            "佐证链接不是有效的网址",
        ),
        ({"status": "done", "evidence": "进展", "due_date": "2019年6月"}, "不是有效日期"),
        ({"status": "done", "evidence": "进展", "due_date": "2019-02-30"}, "不是有效日期"),
        ({"status": "done", "evidence": "进展", "due_date": "1999-01-01"}, "完成期限应在"),
        ({"status": "done", "evidence": "长" * 4001}, "进展说明过长"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_kept_in_the_form(mini, client, data, message):  # noqa: F811
    response = _post(client, mini.users["office"], "t1", **data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'id="task-error"' in html
    assert response.context["form"]["evidence"] == data["evidence"]
    task = Task.objects.get(plan=mini.plan, code="t1")
    assert task.status == TaskStatus.NOT_STARTED and task.due_date is None
    assert not TaskUpdate.objects.exists()


def test_user_text_is_escaped(mini, client):  # noqa: F811
    _post(client, mini.users["office"], "t1", status="in_progress", evidence="<script>alert('x')</script>")
    html = client.get(reverse("dashboards:task", args=["t1"])).content.decode()
    assert "<script>alert(" not in html and "&lt;script&gt;alert(" in html


def test_get_is_not_an_update_and_unknown_tasks_are_404(mini, client):  # noqa: F811
    client.force_login(mini.users["office"])
    assert client.get(reverse("dashboards:task_update", args=["t1"])).status_code == 405
    assert client.get(reverse("dashboards:task", args=["nope"])).status_code == 404
    assert _post(client, mini.users["office"], "nope", status="done", evidence="x").status_code == 404


def test_overdue_tasks_are_highlighted(mini, client):  # noqa: F811
    plan = mini.plan
    Task.objects.filter(plan=plan, code="t1").update(
        due_date=date(2016, 12, 31), status=TaskStatus.IN_PROGRESS
    )
    Task.objects.filter(plan=plan, code="t2").update(due_date=date(2016, 12, 31), status=TaskStatus.DONE)
    board = board_tasks.board(mini.users["office"], plan, today=date(2017, 1, 1))
    cards = {c.task.code: c for _s, _l, cs in board.columns for c in cs}
    assert cards["t1"].overdue and not cards["t2"].overdue and board.overdue == 1
    client.force_login(mini.users["office"])
    html = client.get(reverse("dashboards:tasks")).content.decode()
    assert 'class="card overdue" data-task="t1"' in html
    # Without a date of its own a task is due at the end of its due year, else of the plan.
    t2 = Task.objects.get(plan=plan, code="t2")
    t2.due_date = None
    assert board_tasks.due_date(t2, plan) == date(plan.plan_end, 12, 31)
    t2.due_year = 2018
    assert board_tasks.due_date(t2, plan) == date(2018, 12, 31)


def test_the_board_filters_by_working_group_and_kind(mini, client):  # noqa: F811
    client.force_login(mini.users["evaluator"])
    url = reverse("dashboards:tasks")
    assert client.get(url, {"group": "wg_policy"}).context["board"].total == 1
    assert client.get(url, {"group": "none"}).context["board"].total == 1
    assert client.get(url, {"kind": "program_item"}).context["board"].total == 1
    unknown = client.get(url, {"group": "<b>x</b>", "kind": "bogus"})
    assert unknown.status_code == 200 and unknown.context["board"].total == 0
    assert "没有符合条件的任务" in unknown.content.decode()
