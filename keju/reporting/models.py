"""Statistical reports: one record per respondent, form and period (一套表)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from keju.reporting.querysets import ReportQuerySet


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已上报")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回")
    LOCKED = "locked", _("已锁定")


class Channel(models.TextChoices):
    WEB = "web", _("网页填报")
    EXCEL = "excel", _("Excel导入")
    API = "api", _("接口")
    DEMO = "demo", _("演示数据")


class Report(models.Model):
    """The values one respondent reported on one form for one period.

    Exactly one of `enterprise` (enterprise forms) and `org_unit` (district forms)
    is set. Values are keyed by the form's field codes, in the form's units.
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
        indexes = [models.Index(fields=["form_code", "year", "district"])]

    def __str__(self) -> str:
        return f"{self.form_code} {self.period} #{self.pk}"
