"""The demo's task progress records: consistent trails, a realistic mix, repeatable."""

from __future__ import annotations

import random

import pytest

from keju.dashboards.board.demo import seed_task_updates
from keju.planning.models import Task, TaskStatus, TaskUpdate

pytestmark = pytest.mark.django_db


def test_demo_task_updates_are_consistent_and_repeatable(demo):
    plan = demo.plan
    made = seed_task_updates(plan, random.Random(7))
    tasks = list(Task.objects.filter(plan=plan).prefetch_related("updates"))
    assert made == TaskUpdate.objects.filter(task__plan=plan).count() > 0
    statuses = {t.status for t in tasks}
    assert statuses == set(TaskStatus.values)  # every column of the board has cards
    updated = [t for t in tasks if t.updates.exists()]
    assert 0.5 < len(updated) / len(tasks) < 0.95
    for task in updated:
        trail = sorted(task.updates.all(), key=lambda u: (u.created_at, u.pk))
        assert trail[0].previous_status == TaskStatus.NOT_STARTED
        assert all(a.status == b.previous_status for a, b in zip(trail, trail[1:], strict=False))
        assert trail[-1].status == task.status
        assert all(plan.plan_start <= u.created_at.year <= plan.plan_end for u in trail)
        assert all(u.evidence and u.author_name for u in trail)
        dues = [u.due_date for u in trail if u.due_date]
        assert task.due_date == (dues[-1] if dues else None)
    assert seed_task_updates(plan, random.Random(7)) == made
    assert TaskUpdate.objects.filter(task__plan=plan).count() == made
