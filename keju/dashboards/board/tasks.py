"""The reform and task board (专栏2, 21—30, the 3510 actions) and the recording of progress.

Every change of a task goes through `record_update`, which adds a TaskUpdate (the audit
trail) and moves the task's current status and due date in the same transaction.
Reading: everyone who may open the dashboards; recording: the 省创新办 for every task,
a working group's staff for the tasks of its group (keju.accounts.scoping.task_q).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from keju.planning.models import GoverningBody, Plan, Task, TaskStatus, TaskUpdate

EVIDENCE_MAX = 4000
URL_MAX = 500
# The board's columns, in the order work moves.
COLUMNS = [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.DELAYED, TaskStatus.DONE]
NO_GROUP = "none"


class TaskUpdateError(Exception):
    """A refused update, with the message for the user in the active language (field: the form field at
    fault)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def due_date(task: Task, plan: Plan) -> date:
    """The task's deadline: its own date, else the end of its due year, else the plan's end."""
    if task.due_date is not None:
        return task.due_date
    return date(task.due_year or plan.plan_end, 12, 31)


def is_overdue(task: Task, plan: Plan, today: date) -> bool:
    return task.status != TaskStatus.DONE and due_date(task, plan) < today


def can_update(user: Any, task: Task) -> bool:
    return Task.objects.visible_to(user, "change").filter(pk=task.pk).exists()


@dataclass
class Card:
    task: Task
    due_on: date
    overdue: bool
    latest: TaskUpdate | None


@dataclass
class Board:
    columns: list[tuple[str, str, list[Card]]]  # status, label, cards
    groups: list[GoverningBody]
    kinds: list[str]
    group: str
    kind: str
    total: int
    overdue: int
    today: date


def board(user: Any, plan: Plan, *, group: str = "", kind: str = "", today: date | None = None) -> Board:
    today = today or timezone.localdate()
    groups = list(GoverningBody.objects.filter(plan=plan, kind="working_group").order_by("id"))
    tasks = visible_tasks(user, plan)
    kinds = sorted(set(tasks.values_list("kind", flat=True)))
    if group == NO_GROUP:
        tasks = tasks.filter(working_group__isnull=True)
    elif group:
        tasks = (
            tasks.filter(working_group__code=group) if any(g.code == group for g in groups) else tasks.none()
        )
    if kind:
        tasks = tasks.filter(kind=kind) if kind in kinds else tasks.none()
    latest = Prefetch(
        "updates", queryset=TaskUpdate.objects.order_by("-created_at", "-id"), to_attr="history"
    )
    cards: dict[str, list[Card]] = {s: [] for s in COLUMNS}
    for task in tasks.select_related("working_group", "org_unit").prefetch_related(latest):
        past = task.history  # type: ignore[attr-defined]
        cards[task.status].append(
            Card(task, due_date(task, plan), is_overdue(task, plan, today), past[0] if past else None)
        )
    for column in cards.values():
        column.sort(key=lambda c: (not c.overdue, c.due_on, c.task.pk))
    return Board(
        columns=[(s, str(TaskStatus(s).label), cards[s]) for s in COLUMNS],
        groups=groups,
        kinds=kinds,
        group=group,
        kind=kind,
        total=sum(len(c) for c in cards.values()),
        overdue=sum(c.overdue for cs in cards.values() for c in cs),
        today=today,
    )


def visible_tasks(user: Any, plan: Plan) -> QuerySet[Task]:
    return Task.objects.visible_to(user).filter(plan=plan).order_by("id")


def record_update(
    task: Task,
    actor: Any,
    *,
    status: str,
    evidence: str,
    evidence_url: str = "",
    due_date_text: str = "",
    now: Any = None,
) -> TaskUpdate:
    """Add a progress record and move the task; refuse bad input with a message in the active language."""
    if not can_update(actor, task):
        raise TaskUpdateError(_("您无权更新该任务:只有省创新办和负责该任务的工作小组可以记录进展。"))
    status = (status or "").strip()
    if status not in TaskStatus.values:
        raise TaskUpdateError(_("请选择任务状态(未启动、推进中、已完成或滞后)。"), "status")
    evidence = (evidence or "").strip()
    if not evidence:
        raise TaskUpdateError(_("请填写进展情况与佐证材料说明。"), "evidence")
    if len(evidence) > EVIDENCE_MAX:
        raise TaskUpdateError(_("进展说明过长:最多 %(limit)s 字。") % {"limit": EVIDENCE_MAX}, "evidence")
    evidence_url = (evidence_url or "").strip()
    if evidence_url:
        if len(evidence_url) > URL_MAX:
            raise TaskUpdateError(
                _("佐证链接过长:最多 %(limit)s 个字符。") % {"limit": URL_MAX}, "evidence_url"
            )
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError:
            raise TaskUpdateError(
                _("佐证链接不是有效的网址(应以 http:// 或 https:// 开头)。"), "evidence_url"
            ) from None
    new_due = _parse_due(task, due_date_text)
    with transaction.atomic():
        locked = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
        plan = locked.plan
        old_due = due_date(locked, plan) if (locked.due_date or locked.due_year) else None
        changed_due = new_due is not None and new_due != old_due
        update = TaskUpdate.objects.create(
            task=locked,
            status=status,
            previous_status=locked.status,
            evidence=evidence,
            evidence_url=evidence_url,
            due_date=new_due if changed_due else None,
            previous_due_date=old_due if changed_due else None,
            author=actor if getattr(actor, "pk", None) else None,
            author_name=_name(actor),
            created_at=now or timezone.now(),
        )
        locked.status = status
        fields = ["status"]
        if changed_due:
            locked.due_date = new_due
            fields.append("due_date")
        locked.save(update_fields=fields)
    task.status, task.due_date = locked.status, locked.due_date
    return update


def _parse_due(task: Task, text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise TaskUpdateError(
            _("完成期限“%(text)s”不是有效日期,请按 2019-12-31 的格式填写。") % {"text": text}, "due_date"
        )
    plan = Plan.objects.get(pk=task.plan_id)
    if parsed.year < plan.plan_start or parsed.year > plan.plan_end + 10:
        raise TaskUpdateError(
            _("完成期限应在 %(start)s 年至 %(end)s 年之间。")
            % {"start": plan.plan_start, "end": plan.plan_end + 10},
            "due_date",
        )
    return parsed


def _name(actor: Any) -> str:
    if actor is None:
        return ""
    full = (actor.get_full_name() or "").strip() if hasattr(actor, "get_full_name") else ""
    return full or getattr(actor, "username", "") or str(actor)


def history(task: Task) -> QuerySet[TaskUpdate]:
    return TaskUpdate.objects.filter(task=task).select_related("author").order_by("-created_at", "-id")
