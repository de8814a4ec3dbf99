"""What the indicator engine computed, as stored: values, progress, warnings, index, scorecards.

Every row is derived from approved reports by `keju.monitoring.services`; nothing
here is typed in by a person. A full recompute replaces a plan's rows in one
transaction, so a reader sees the previous run or the new one, never a mix. Each
row names the `ComputationRun` that last wrote it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from keju.monitoring.querysets import MonitoredQuerySet


class Trigger(models.TextChoices):
    COMMAND = "command", _("命令行全量重算")
    DEMO = "demo", _("演示数据生成")
    APPROVAL = "approval", _("报表审核通过")
    MANUAL = "manual", _("手动重算")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("计算中")
    SUCCEEDED = "succeeded", _("已完成")
    PARTIAL = "partial", _("部分指标未能计算")
    FAILED = "failed", _("失败")


class ComputationRun(models.Model):
    """One computation: when, why, how long, what changed and what went wrong."""

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    trigger = models.CharField(_("触发方式"), max_length=12, choices=Trigger.choices)
    full = models.BooleanField(_("全量"), default=True, help_text="full recompute (else incremental)")
    report = models.ForeignKey(
        "reporting.Report",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("触发报表"),
    )
    years = models.JSONField(_("年份"), default=list)
    indicators = models.JSONField(
        _("指标"), default=list, help_text="indicator codes recomputed; empty = all"
    )
    status = models.CharField(_("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    duration_ms = models.FloatField(_("用时(毫秒)"), null=True, blank=True)
    timings = models.JSONField(_("分步用时"), default=dict, blank=True, help_text="step -> milliseconds")
    changes = models.JSONField(
        _("变化"), default=dict, blank=True, help_text="table -> {added, changed, removed} row counts"
    )
    errors = models.JSONField(_("错误"), default=list, blank=True, help_text="Chinese messages")

    class Meta:
        verbose_name = _("计算批次")
        verbose_name_plural = _("计算批次")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["plan", "status", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.started_at:%Y-%m-%d %H:%M:%S}"


class PeriodKind(models.TextChoices):
    YEAR = "year", _("年度")
    QUARTER = "quarter", _("季度")
    YTD = "ytd", _("年初至今")
    CUMULATIVE = "cumulative", _("累计")


class MonitoredRow(models.Model):
    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(
        ComputationRun, on_delete=models.PROTECT, related_name="+", verbose_name=_("计算批次")
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("组织单元")
    )

    objects = MonitoredQuerySet.as_manager()

    class Meta:
        abstract = True


class IndicatorValue(MonitoredRow):
    """An indicator's value for one org unit and period, with the sums it divides and its coverage."""

    indicator = models.ForeignKey(
        "planning.Indicator", on_delete=models.CASCADE, related_name="+", verbose_name=_("指标")
    )
    period = models.CharField(
        _("期别"), max_length=16, help_text="2016, 2016Q3, 2016Q1-Q3 (year to date) or 2015-2018 (cumulative)"
    )
    period_kind = models.CharField(
        _("期别类型"), max_length=12, choices=PeriodKind.choices, default=PeriodKind.YEAR
    )
    year = models.PositiveSmallIntegerField(_("年份"), help_text="the year the period ends in")
    quarter = models.PositiveSmallIntegerField(
        _("季度"), null=True, blank=True, help_text="the last quarter of a quarter or year-to-date period"
    )
    numerator = models.FloatField(_("分子"), null=True, blank=True)
    denominator = models.FloatField(_("分母"), null=True, blank=True)
    value = models.FloatField(_("值"), null=True, blank=True)
    reported = models.PositiveIntegerField(_("已报"), default=0)
    expected = models.PositiveIntegerField(
        _("应报"), null=True, blank=True, help_text="unknown for some forms"
    )
    coverage = models.FloatField(_("覆盖率"), null=True, blank=True, help_text="reported / expected, 0..1")
    provisional = models.BooleanField(
        _("初步数"), default=False, help_text="coverage below the plan's threshold"
    )
    flag = models.CharField(_("标记"), max_length=32, blank=True, help_text="e.g. zero_denominator")
    note = models.TextField(_("说明"), blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        ordering = ["indicator_id", "org_unit_id", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "org_unit", "period"], name="indicatorvalue_unique_unit_period"
            )
        ]
        indexes = [models.Index(fields=["plan", "year"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.org_unit_id} {self.period} = {self.value}"


class ProgressAssessment(MonitoredRow):
    """Progress of one indicator and org unit towards a target (or its trend, without one).

    The series runs from `base_year` (the plan's baseline, else the first computed
    year) to `current_year` (the latest year whose value is not provisional).
    """

    indicator = models.ForeignKey(
        "planning.Indicator", on_delete=models.CASCADE, related_name="+", verbose_name=_("指标")
    )
    target = models.ForeignKey(
        "planning.Target",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("目标"),
    )
    target_kind = models.CharField(_("目标类型"), max_length=12, blank=True)
    direction = models.CharField(_("方向"), max_length=4)
    base_year = models.PositiveSmallIntegerField(_("基期年份"), null=True, blank=True)
    base_value = models.FloatField(_("基期值"), null=True, blank=True)
    base_source = models.CharField(
        _("基期值来源"), max_length=12, blank=True, help_text="plan (the plan's Baseline) or computed"
    )
    current_year = models.PositiveSmallIntegerField(_("最新年份"), null=True, blank=True)
    current_value = models.FloatField(_("最新值"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("目标年份"), null=True, blank=True)
    target_value = models.FloatField(
        _("目标值"), null=True, blank=True, help_text="as a level of the series (increments converted)"
    )
    limit = models.FloatField(_("自然上限"), null=True, blank=True)
    progress_value = models.FloatField(_("进展值"), null=True, blank=True)
    score = models.FloatField(_("得分"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=24)
    projected_year = models.PositiveSmallIntegerField(_("预测年份"), null=True, blank=True)
    projected_value = models.FloatField(_("预测值"), null=True, blank=True)
    projected_lower = models.FloatField(_("预测下限"), null=True, blank=True)
    projected_upper = models.FloatField(_("预测上限"), null=True, blank=True)
    projection_points = models.PositiveSmallIntegerField(_("预测所用年数"), null=True, blank=True)
    detail = models.JSONField(_("明细"), default=dict, blank=True, help_text="series and notes")

    class Meta:
        verbose_name = _("目标进展")
        verbose_name_plural = _("目标进展")
        ordering = ["indicator_id", "org_unit_id", "target_id"]
        indexes = [models.Index(fields=["plan", "status"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.org_unit_id} {self.status}"


class EarlyWarning(MonitoredRow):
    """A warning raised from progress, projection or coverage (预警)."""

    indicator = models.ForeignKey(
        "planning.Indicator",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("指标"),
    )
    target = models.ForeignKey(
        "planning.Target",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("目标"),
    )
    code = models.CharField(_("预警代码"), max_length=48)
    level = models.CharField(_("级别"), max_length=16)
    period = models.CharField(_("期别"), max_length=16, blank=True)
    message = models.TextField(_("说明"))
    detail = models.JSONField(_("明细"), default=dict, blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code} {self.org_unit_id}"


class IndexScore(MonitoredRow):
    """A unit's score and rank in the development index (发展指数) or one of its groups, for a year."""

    year = models.PositiveSmallIntegerField(_("年份"))
    aggregate = models.CharField(_("指数层级"), max_length=64, help_text="the index or a group code")
    aggregate_name = models.CharField(_("名称"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), default=0, help_text="0 = the whole index")
    score = models.FloatField(_("得分"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    rank_median = models.FloatField(_("排名中位数"), null=True, blank=True)
    rank_low = models.PositiveSmallIntegerField(_("排名区间下限"), null=True, blank=True)
    rank_high = models.PositiveSmallIntegerField(_("排名区间上限"), null=True, blank=True)

    class Meta:
        verbose_name = _("发展指数")
        verbose_name_plural = _("发展指数")
        ordering = ["year", "level", "aggregate", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "aggregate"], name="indexscore_unique")
        ]

    def __str__(self) -> str:
        return f"{self.aggregate} {self.org_unit_id} {self.year}: {self.score}"


class Scorecard(MonitoredRow):
    """A district's assessment (考核评价) for a period: total score, rank and each item explained."""

    period = models.CharField(_("考核期"), max_length=16, help_text="2019 (annual) or 2019H1 (half-year)")
    scorecard = models.CharField(_("考核表"), max_length=64, help_text="the scorecard code in the plan")
    scorecard_name = models.CharField(_("考核表名称"), max_length=200, blank=True)
    score = models.FloatField(_("总分"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    grade = models.CharField(_("等次"), max_length=32, blank=True)
    explanation = models.TextField(_("说明"), blank=True)
    items = models.JSONField(
        _("评分项"), default=list, help_text="[{item, name, value, score, points, included, explanation}]"
    )

    class Meta:
        verbose_name = _("考核评价")
        verbose_name_plural = _("考核评价")
        ordering = ["period", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "scorecard", "period"], name="scorecard_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.period}: {self.score}"
