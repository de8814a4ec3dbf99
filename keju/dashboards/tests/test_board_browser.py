"""In chromium: the structure diagram, the index with rank intervals and the task board, where
the office records a task update; no console errors; screenshots saved."""

from __future__ import annotations

from typing import Any

import pytest

from keju.planning.models import Task, TaskStatus, TaskUpdate
from keju.testing.browser import browser, log_in, page, screenshot_dir  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "board-Pass-2026"


def shot(page: Any, directory: Any, name: str) -> None:  # noqa: F811
    page.screenshot(path=str(directory / f"board-{name}.png"), full_page=True)


def test_structure_index_and_task_board_in_chromium(page, screenshot_dir, zone):  # noqa: F811
    office = zone.users["office"]
    office.set_password(PASSWORD)
    office.save()
    log_in(page, office.username, PASSWORD)

    page.goto("/dashboard/structure/")
    page.wait_for_selector("#structure-chart canvas")
    row = page.locator('#structure-table tr[data-unit="MZ"]')
    assert "进展良好" in row.inner_text()
    assert page.locator("#structure-table tr").count() == 1 + 8
    shot(page, screenshot_dir, "structure")

    page.goto("/dashboard/index/?year=2019")
    page.wait_for_selector("#rank-chart canvas")
    ranks = page.locator("#rank-table tbody tr")
    assert ranks.count() == 3
    assert "1–2" in ranks.nth(0).inner_text() and "兰州新区" in ranks.nth(0).inner_text()
    shot(page, screenshot_dir, "index")

    page.goto("/dashboard/tasks/")
    assert page.locator('.column[data-status="not_started"] .card').count() == 2
    shot(page, screenshot_dir, "tasks")
    page.click('.card[data-task="t1"] a')
    page.wait_for_selector("#task-update-form")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=evidence_url]", "不是网址")
    page.fill("textarea[name=evidence]", "已印发试点方案")
    # The browser's own URL check would stop the form: let the server refuse it instead.
    page.evaluate("document.querySelector('#task-update-form').noValidate = true")
    page.click("#task-update-form button[type=submit]")
    page.wait_for_selector("#task-error")
    assert "佐证链接不是有效的网址" in page.inner_text("#task-error")
    assert page.input_value("textarea[name=evidence]") == "已印发试点方案"  # nothing typed is lost
    page.fill("input[name=evidence_url]", "https://example.org/t1.pdf")
    page.fill("input[name=due_date]", "2019-06-30")
    page.click("#task-update-form button[type=submit]")
    page.wait_for_selector("#task-history")
    assert "已印发试点方案" in page.inner_text("#task-history")
    assert "2019-06-30" in page.inner_text("#task-due")
    shot(page, screenshot_dir, "task-updated")
    task = Task.objects.get(plan=zone.plan, code="t1")
    assert task.status == TaskStatus.IN_PROGRESS and TaskUpdate.objects.filter(task=task).count() == 1

    page.goto("/dashboard/tasks/")
    assert page.locator('.column[data-status="in_progress"] .card[data-task="t1"]').count() == 1
    # The plan period is over, so a task not done by its deadline is overdue.
    assert page.locator('.card.overdue[data-task="t1"]').count() == 1
    assert page.console_errors == []
