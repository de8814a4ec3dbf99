"""The project reserve library (储备项目库) and the talent pool (人才库).

Both feed the indicator engine's counts: each kind declares the plan indicator it
counts (e.g. 领军人才 → industry_leading_talents, 专栏15).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ProjectKind(models.TextChoices):
    ACHIEVEMENT_TRANSFER = "achievement_transfer", _("重大科技成果转化项目")
    INDUSTRIALISATION = "industrialisation", _("产业化项目")
    PLATFORM = "platform", _("创新平台建设项目")
    INFRASTRUCTURE = "infrastructure", _("园区基础设施项目")


class ProjectStage(models.TextChoices):
    PLANNING = "planning", _("谋划储备")
    PREPARATION = "preparation", _("前期工作")
    CONSTRUCTION = "construction", _("在建")
    OPERATING = "operating", _("建成投产")
    STOPPED = "stopped", _("终止")


class Project(models.Model):
    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    name = models.CharField(_("项目名称"), max_length=200)
    kind = models.CharField(_("项目类型"), max_length=24, choices=ProjectKind.choices)
    industry_chain = models.ForeignKey(
        "planning.IndustryChain",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("产业链"),
    )
    district = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区")
    )
    responsible_unit = models.CharField(_("责任单位"), max_length=200)
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("实施企业"),
    )
    stage = models.CharField(
        _("阶段"), max_length=14, choices=ProjectStage.choices, default=ProjectStage.PLANNING
    )
    investment = models.DecimalField(_("总投资(亿元)"), max_digits=10, decimal_places=2)
    expected_output = models.DecimalField(
        _("达产后年产值(亿元)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    outcome = models.CharField(_("预期成果"), max_length=300, blank=True)
    start_year = models.PositiveSmallIntegerField(_("开工年份"))
    end_year = models.PositiveSmallIntegerField(_("建成年份"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("储备项目")
        verbose_name_plural = _("储备项目库")
        ordering = ["-updated_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(investment__gt=0), name="project_investment_positive"),
            models.CheckConstraint(
                condition=Q(start_year__lte=models.F("end_year")), name="project_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TalentKind(models.TextChoices):
    LEADING = "leading", _("产业领军人才")
    TEAM = "team", _("创新团队")
    SUPERVISOR = "supervisor", _("企业研究生导师")
    HIGH_SKILLED = "high_skilled", _("高技能人才")


class Talent(models.Model):
    """A person or team. Names and contacts are kept only with consent; without it the record is anonymous
    and still counts toward the plan's targets."""

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    kind = models.CharField(_("类别"), max_length=12, choices=TalentKind.choices)
    name = models.CharField(_("姓名/团队名称"), max_length=100, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    members = models.PositiveSmallIntegerField(_("团队人数"), default=1)
    field = models.CharField(_("专业领域"), max_length=100)
    employer = models.CharField(_("工作单位"), max_length=200)
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("所在企业"),
    )
    district = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区")
    )
    year = models.PositiveSmallIntegerField(_("引进或认定年份"))
    consent_at = models.DateTimeField(_("同意收录个人信息时间"), null=True, blank=True)
    consent_scope = models.CharField(_("同意范围"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人才")
        verbose_name_plural = _("人才库")
        ordering = ["-year", "id"]
        constraints = [
            # Personal data only with consent.
            models.CheckConstraint(
                condition=Q(consent_at__isnull=False) | (Q(name="") & Q(contact="")),
                name="talent_personal_data_needs_consent",
            ),
            models.CheckConstraint(condition=Q(members__gte=1), name="talent_members_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.name or gettext("%(kind)s(未公开姓名)") % {"kind": self.get_kind_display()}
