"""Demo progress records for the task board: a realistic share of the plan's tasks moved on
during 2015—2020, each step with its evidence, some with a set deadline.

Called by `keju demo` (keju.demo.persist.run_demo) after the accounts exist. A demo plan's
tracking state belongs to the demo: earlier records and statuses are replaced, so running
the demo twice gives the same board.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from keju.planning.models import Plan, Task, TaskStatus, TaskUpdate

# Where a task ends up by the last demo year (shares of all tasks).
OUTCOMES: list[tuple[str, float]] = [
    (TaskStatus.DONE, 0.42),
    (TaskStatus.IN_PROGRESS, 0.26),
    (TaskStatus.DELAYED, 0.10),
    (TaskStatus.NOT_STARTED, 0.22),
]
STARTED = ["印发《{title}》工作方案,明确牵头单位和责任分工。", "召开{title}专题推进会,部署试点工作。"]
PROGRESS = [
    "完成阶段性工作:{title}已在试点园区推开,形成半年进展报告。",
    "{title}:已出台配套政策文件,正在组织第三方评估。",
]
DONE = ["{title}通过验收,经验做法已在试验区推广。", "{title}完成年度目标,总结报告已报省创新办备案。"]
DELAYED = ["{title}受配套资金未到位影响进度滞后,已调整完成期限。", "{title}协调事项较多,未能按期完成。"]


def seed_task_updates(plan: Plan, rng: random.Random) -> int:
    """Give the plan's tasks demo progress records; returns how many records were made."""
    tasks = list(Task.objects.filter(plan=plan).select_related("working_group").order_by("id"))
    if not tasks:
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["office", "wg_science"])}
    office = users.get("office")
    first, last = max(plan.plan_start, 2015), plan.plan_end
    updates: list[TaskUpdate] = []
    with transaction.atomic():
        TaskUpdate.objects.filter(task__plan=plan).delete()
        for task in tasks:
            outcome = _pick(rng)
            author = (
                users["wg_science"]
                if task.working_group and task.working_group.code == "wg_science" and "wg_science" in users
                else office
            )
            steps = _steps(outcome)
            status, due = TaskStatus.NOT_STARTED, None
            day = date(first, 3, 1) + timedelta(days=rng.randrange(0, 365 * 2))
            task_due = date(rng.randrange(first + 1, last + 1), 12, 31) if rng.random() < 0.6 else None
            for i, step in enumerate(steps):
                new_due = task_due if i == 0 and task_due else None
                if step == TaskStatus.DELAYED and task_due is not None:
                    new_due = date(min(task_due.year + 1, last + 2), 6, 30)
                text = rng.choice(_texts(step, i)).format(title=task.title[:40])
                updates.append(
                    TaskUpdate(
                        task=task,
                        status=step,
                        previous_status=status,
                        evidence=text,
                        evidence_url="",
                        due_date=new_due if new_due != due else None,
                        previous_due_date=due if new_due is not None and new_due != due else None,
                        author=author,
                        author_name=(author.get_full_name() or author.username) if author else "省创新办",
                        created_at=timezone.make_aware(
                            datetime.combine(min(day, date(last, 12, 20)), time(10))
                        ),
                    )
                )
                status, due = step, (new_due if new_due is not None else due)
                day += timedelta(days=rng.randrange(120, 420))
            task.status, task.due_date = status, due
        TaskUpdate.objects.bulk_create(updates, batch_size=500)
        Task.objects.bulk_update(tasks, ["status", "due_date"], batch_size=500)
    return len(updates)


def _pick(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in OUTCOMES:
        total += share
        if roll < total:
            return status
    return OUTCOMES[-1][0]


def _steps(outcome: str) -> list[str]:
    if outcome == TaskStatus.NOT_STARTED:
        return []
    if outcome == TaskStatus.IN_PROGRESS:
        return [TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS]
    return [TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS, outcome]


def _texts(step: str, index: int) -> list[str]:
    if step == TaskStatus.DONE:
        return DONE
    if step == TaskStatus.DELAYED:
        return DELAYED
    return STARTED if index == 0 else PROGRESS
