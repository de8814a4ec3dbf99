"""A plan as stored: its indicators, targets, stages, industry chains, bodies and tasks.

Rows are created and updated from a plan file by `keju.planning.services.load_plan_into_db`;
each is keyed by (plan, code) so that loading again updates in place.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keju.planning.querysets import TaskQuerySet


class Plan(models.Model):
    code = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    zone_name = models.CharField(max_length=200)
    plan_start = models.PositiveSmallIntegerField()
    plan_end = models.PositiveSmallIntegerField()
    baseline_year = models.PositiveSmallIntegerField()
    source_file = models.CharField(max_length=500, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, help_text="sha256 of the loaded plan file")
    document = models.JSONField(default=dict, help_text="the validated plan, as exported")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("规划")
        verbose_name_plural = _("规划")

    def __str__(self) -> str:
        return self.title


class PlanItem(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=64)
    source = models.CharField(_("出处"), max_length=100, blank=True)

    class Meta:
        abstract = True
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="%(class)s_unique_code_per_plan"),
        ]


class Direction(models.TextChoices):
    UP = "up", _("越大越好")
    DOWN = "down", _("越小越好")


class Indicator(PlanItem):
    name = models.CharField(max_length=200)
    label = models.CharField(max_length=200, blank=True, help_text="the row label as printed, unit included")
    name_en = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=32)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    headline = models.BooleanField(default=False)
    additive = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    formula = models.JSONField(null=True, blank=True)

    class Meta(PlanItem.Meta):
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self) -> str:
        return self.name


class Stage(PlanItem):
    name = models.CharField(max_length=100)
    start_year = models.PositiveSmallIntegerField()
    end_year = models.PositiveSmallIntegerField()
    summary = models.TextField(blank=True)

    class Meta(PlanItem.Meta):
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")

    def __str__(self) -> str:
        return self.name


class TargetKind(models.TextChoices):
    LEVEL = "level", _("期末水平")
    INCREMENT = "increment", _("新增")
    CUMULATIVE = "cumulative", _("累计")


class Target(PlanItem):
    """A quantitative aim: for one indicator, one org unit and a year or a stage.

    `org_unit` is the zone when the plan names none; it is empty only for an aim the
    plan states for another `scope` (e.g. 兰白两市), which is not part of the zone's tree.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    scope = models.CharField(max_length=100, blank=True)
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=12, choices=TargetKind.choices, default=TargetKind.LEVEL)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField()
    value = models.FloatField()
    comparison = models.CharField(max_length=6, default=">=")
    note = models.TextField(blank=True)

    class Meta(PlanItem.Meta):
        verbose_name = _("目标")
        verbose_name_plural = _("目标")

    def __str__(self) -> str:
        return f"{self.indicator} {self.org_unit} {self.year}"


class BaselineKind(models.TextChoices):
    LEVEL = "level", _("当年值")
    CUMULATIVE = "cumulative", _("累计")
    ANNUAL_AVERAGE = "annual_average", _("年均")


class Baseline(PlanItem):
    """A figure the plan states for its base year; `org_unit` as for Target."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="baselines")
    org_unit = models.ForeignKey("orgs.OrgUnit", null=True, blank=True, on_delete=models.CASCADE)
    scope = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=16, choices=BaselineKind.choices, default=BaselineKind.LEVEL)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField()
    value = models.FloatField()
    note = models.TextField(blank=True)

    class Meta(PlanItem.Meta):
        verbose_name = _("基期值")
        verbose_name_plural = _("基期值")

    def __str__(self) -> str:
        return f"{self.indicator} {self.org_unit or self.scope} {self.year}"


class IndustryChain(PlanItem):
    name = models.CharField(max_length=100)
    group_code = models.CharField(max_length=64)
    group_name = models.CharField(max_length=100)
    platforms = models.PositiveIntegerField()
    alliances = models.PositiveIntegerField()
    achievements = models.PositiveIntegerField()
    new_products = models.PositiveIntegerField()
    districts = models.ManyToManyField("orgs.OrgUnit", blank=True, related_name="industry_chains")
    parks = models.ManyToManyField("orgs.OrgUnit", blank=True, related_name="park_industry_chains")
    description = models.TextField(blank=True)

    class Meta(PlanItem.Meta):
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")

    def __str__(self) -> str:
        return self.name


class GoverningBody(PlanItem):
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    lead_department = models.CharField(max_length=100, blank=True)
    org_unit = models.ForeignKey("orgs.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL)
    members = models.JSONField(default=list, blank=True)
    duties = models.TextField(blank=True)

    class Meta(PlanItem.Meta):
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    DELAYED = "delayed", _("滞后")


class Task(PlanItem):
    """A reform or experiment task of the plan, tracked until done."""

    title = models.TextField()
    kind = models.CharField(max_length=32)
    category = models.CharField(max_length=200)
    theme = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    # Empty for a task of the whole zone.
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    working_group = models.ForeignKey(
        GoverningBody, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    responsibility_basis = models.TextField(blank=True)
    quantity_indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.SET_NULL)
    quantity_value = models.FloatField(null=True, blank=True)
    quantity_comparison = models.CharField(max_length=6, blank=True)
    # Tracking state belongs to the office, not to the plan file: reloading keeps it.
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    due_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # A precise deadline set by the office (TaskUpdate); it wins over due_year.
    due_date = models.DateField(_("完成期限"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta(PlanItem.Meta):
        verbose_name = _("任务")
        verbose_name_plural = _("任务")

    def __str__(self) -> str:
        return self.title[:40]


class TaskUpdate(models.Model):
    """One recorded step of a task (进展记录): the status it moved to, the evidence, and a
    changed deadline. Rows are only added, never edited: together they are the task's audit
    trail, and the Task keeps the current status and due date."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates", verbose_name=_("任务"))
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices)
    previous_status = models.CharField(_("原状态"), max_length=16, choices=TaskStatus.choices)
    evidence = models.TextField(_("进展与佐证"))
    evidence_url = models.URLField(_("佐证链接"), max_length=500, blank=True)
    due_date = models.DateField(
        _("新完成期限"), null=True, blank=True, help_text="set when the deadline changed"
    )
    previous_due_date = models.DateField(_("原完成期限"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the trail still names the author after the account is deleted.
    author_name = models.CharField(_("记录人"), max_length=150, blank=True)
    # A default rather than auto_now_add: the demo records updates dated within the plan period.
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["task", "-created_at", "-id"]
        indexes = [models.Index(fields=["task", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.task.code} {self.status} {self.created_at:%Y-%m-%d}"
