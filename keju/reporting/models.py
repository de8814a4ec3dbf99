"""Statistical reports and their workflow (一套表 联网直报).

A `Report` is one respondent's current figures for one form and period. Everything
that happens to it is kept beside it: every submitted / reviewed / revised state as
a `ReportVersion`, one `AuditEntry` per changed field, the `Explanation` of each
warning (核实性审核) and what the reviewer made of it, `ReviewAction`s, 修订
requests (`RevisionRequest`) and the `IdempotencyRecord` of every keyed call. Reports
change only through keju.reporting.services.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from keju.reporting.querysets import PeriodQuerySet, ReportQuerySet


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已上报")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回")
    LOCKED = "locked", _("已锁定")


# A report counts as reported (for completeness) once it has been submitted.
REPORTED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.LOCKED)
# The respondent may edit it.
EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)
# Indicators are computed from these.
ACCEPTED_STATUSES = (ReportStatus.APPROVED, ReportStatus.LOCKED)


class Channel(models.TextChoices):
    WEB = "web", _("网页填报")
    EXCEL = "excel", _("Excel导入")
    API = "api", _("接口")
    DEMO = "demo", _("演示数据")


class ReportingPeriod(models.Model):
    """The reporting window of one form for one period (e.g. KJ101 2016, KJ102 2016Q3).

    Reports can be opened and changed only while the period is open. `due_on` is when
    reports are due (the form's `deadline_days` after the period's end unless the office
    set another date); a report submitted after it is late but still accepted until the
    period is closed.
    """

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    form_code = models.CharField(_("报表编码"), max_length=16)
    period = models.CharField(_("报告期"), max_length=8)
    year = models.PositiveSmallIntegerField(_("年份"))
    starts_on = models.DateField(_("报告期起"))
    ends_on = models.DateField(_("报告期止"))
    due_on = models.DateField(_("截止日期"))
    due_overridden = models.BooleanField(_("截止日期已调整"), default=False)
    is_open = models.BooleanField(_("开放填报"), default=True)
    opened_at = models.DateTimeField(_("开放时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("填报期")
        verbose_name_plural = _("填报期")
        ordering = ["plan", "form_code", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "form_code", "period"], name="period_unique_per_form"),
        ]

    def __str__(self) -> str:
        return f"{self.form_code} {self.period}"

    def is_overdue(self, today: date) -> bool:
        return today > self.due_on


class Report(models.Model):
    """The values one respondent reported on one form for one period.

    Exactly one of `enterprise` (enterprise forms) and `org_unit` (district forms)
    is set. Values are keyed by the form's field codes, in the form's units.
    `version` grows with every change (optimistic concurrency: a writer names the
    version it read and is refused if the report moved on meanwhile).
    """

    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="+")
    form_code = models.CharField(max_length=16)
    period = models.CharField(max_length=8, help_text="2014 for annual forms, 2014Q1 for quarterly")
    year = models.PositiveSmallIntegerField()
    enterprise = models.ForeignKey(
        "orgs.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    # The district the respondent belonged to in this period, fixed when the report is made.
    district = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    values = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Timeliness is judged on the first submission; later resubmissions after a return
    # do not make an on-time report late.
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False, org_unit__isnull=True)
                | models.Q(enterprise__isnull=True, org_unit__isnull=False),
                name="report_one_respondent",
            ),
            models.UniqueConstraint(
                fields=["form_code", "period", "enterprise"],
                condition=models.Q(enterprise__isnull=False),
                name="report_unique_enterprise_period",
            ),
            models.UniqueConstraint(
                fields=["form_code", "period", "org_unit"],
                condition=models.Q(org_unit__isnull=False),
                name="report_unique_org_unit_period",
            ),
        ]
        indexes = [
            models.Index(fields=["form_code", "year", "district"]),
            models.Index(fields=["status", "district"]),
        ]

    def __str__(self) -> str:
        return f"{self.form_code} {self.period} #{self.pk}"

    @property
    def respondent(self) -> object:
        return self.enterprise if self.enterprise_id else self.org_unit

    @property
    def respondent_name(self) -> str:
        return str(self.respondent)


class ReportVersion(models.Model):
    """A kept state of a report: every submission, review decision, lock and 修订."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="versions", verbose_name=_("报表")
    )
    version = models.PositiveIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices)
    values = models.JSONField(_("数值"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    action = models.CharField(_("操作"), max_length=16)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报表版本")
        verbose_name_plural = _("报表版本")
        ordering = ["report", "version"]
        constraints = [models.UniqueConstraint(fields=["report", "version"], name="report_version_unique")]

    def __str__(self) -> str:
        return f"{self.report} v{self.version} {self.get_status_display()}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("创建")
    SAVE = "save", _("暂存")
    SUBMIT = "submit", _("上报")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回")
    LOCK = "lock", _("锁定")
    REVISE = "revise", _("修订")
    EXPLAIN = "explain", _("情况说明")
    REJECT_EXPLANATION = "reject_expl", _("驳回情况说明")
    PERIOD = "period", _("填报期")


class AuditEntry(models.Model):
    """One change: who, when, through which channel, which field, from what to what.

    A save that changes three fields writes three entries; a status change writes one
    entry with field "status". The actor's name is copied so the trail survives the
    account's deletion.
    """

    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="audit", verbose_name=_("报表")
    )
    period = models.ForeignKey(
        ReportingPeriod, null=True, blank=True, on_delete=models.CASCADE, related_name="audit"
    )
    version = models.PositiveIntegerField(_("版本"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    action = models.CharField(_("操作"), max_length=12, choices=AuditAction.choices)
    field = models.CharField(_("字段"), max_length=64, blank=True)
    old_value = models.JSONField(_("原值"), null=True, blank=True)
    new_value = models.JSONField(_("新值"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["id"]
        indexes = [models.Index(fields=["report", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.field}"


class ExplanationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已接受")
    REJECTED = "rejected", _("已驳回")


class Explanation(models.Model):
    """The respondent's 情况说明 for one warning of one submitted version, and the verdict."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="explanations", verbose_name=_("报表")
    )
    version = models.PositiveIntegerField(_("版本"))
    check_code = models.CharField(_("审核规则"), max_length=32)
    fields = models.JSONField(_("涉及字段"), default=list)
    warning = models.TextField(_("审核提示"))
    text = models.TextField(_("情况说明"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(_("说明人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    status = models.CharField(
        _("审核结果"), max_length=10, choices=ExplanationStatus.choices, default=ExplanationStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("情况说明")
        verbose_name_plural = _("情况说明")
        ordering = ["report", "version", "check_code"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version", "check_code"], name="explanation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.version} {self.check_code}"


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回")
    LOCK = "lock", _("锁定")


class ReviewAction(models.Model):
    """A reviewer's decision on one version of a report."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("报表")
    )
    version = models.PositiveIntegerField(_("版本"))
    decision = models.CharField(_("审核结果"), max_length=8, choices=ReviewDecision.choices)
    reason = models.TextField(_("原因/意见"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("审核人"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["report", "id"]

    def __str__(self) -> str:
        return f"{self.report} v{self.version} {self.decision}"


class RevisionRequest(models.Model):
    """A 修订 of an approved report: why, what it was, what it becomes; reviewed like a submission."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("报表")
    )
    reason = models.TextField(_("修订原因"))
    old_values = models.JSONField(_("原值"), default=dict)
    new_values = models.JSONField(_("新值"), default=dict)
    from_version = models.PositiveIntegerField(_("原版本"))
    to_version = models.PositiveIntegerField(_("新版本"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(_("申请人"), max_length=150, blank=True)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)

    class Meta:
        verbose_name = _("修订申请")
        verbose_name_plural = _("修订申请")
        ordering = ["report", "id"]

    def __str__(self) -> str:
        return f"{self.report} 修订 v{self.from_version}→v{self.to_version}"


class IdempotencyRecord(models.Model):
    """The first result of a keyed call. The unique (actor, key) index, not a read-then-write,
    is what makes concurrent retries safe: the second insert waits for the first and fails."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    operation = models.CharField(max_length=24)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the call's arguments")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    result_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.actor_id}:{self.key}"
