"""The registers of innovation carriers: platforms (创新平台), alliances (产业技术创新战略联盟) and
incubators (孵化器、众创空间、加速器).

Each record says where the carrier is (district, optionally park), which industry chain it
serves and when it was recognised and revoked, so that the indicator engine can count what was
in force at the end of any period (`keju.monitoring.objects`). Records are never deleted:
a revoked platform keeps counting for the years it was recognised.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def name_key(name: str) -> str:
    """The name as compared for duplicates: NFKC (全角 → 半角 brackets and digits), no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")


class PlatformType(models.TextChoices):
    KEY_LAB = "key_lab", _("重点实验室")
    ENGINEERING_LAB = "engineering_lab", _("工程实验室")
    ENGINEERING_CENTRE = "engineering_centre", _("工程(技术)研究中心")
    JOINT_CENTRE = "joint_centre", _("国家地方联合工程研究中心(工程实验室)")
    ENTERPRISE_TECH_CENTRE = "enterprise_tech_centre", _("企业技术中心")
    INDUSTRIAL_DESIGN_CENTRE = "industrial_design_centre", _("工业设计中心")
    RESEARCH_INSTITUTE = "research_institute", _("工程(创新)研究院")
    COLLABORATIVE_CENTRE = "collaborative_centre", _("协同创新中心")


class IncubatorKind(models.TextChoices):
    INCUBATOR = "incubator", _("科技企业孵化器")
    MAKER_SPACE = "maker_space", _("众创空间")
    ACCELERATOR = "accelerator", _("加速器(特色专业园区)")


class RegisterQuerySet(models.QuerySet):
    """Shared filters. `start_field`/`end_field` name the model's recognition and revocation dates."""

    start_field = "recognised_on"
    end_field = "revoked_on"

    def active_on(self, on: date) -> RegisterQuerySet:
        """In force at the end of `on`: recognised on or before it and not revoked by then."""
        return self.filter(**{f"{self.start_field}__lte": on}).filter(
            Q(**{f"{self.end_field}__isnull": True}) | Q(**{f"{self.end_field}__gt": on})
        )

    def in_district(self, district: str) -> RegisterQuerySet:
        return self.filter(district__code=district)

    def in_chain(self, chain: str) -> RegisterQuerySet:
        return self.filter(industry_chain__code=chain)

    def in_group(self, group: str) -> RegisterQuerySet:
        return self.filter(industry_chain__group_code=group)


class AllianceQuerySet(RegisterQuerySet):
    start_field = "founded_on"
    end_field = "dissolved_on"


class PlatformQuerySet(RegisterQuerySet):
    def of_type(self, *types: str) -> PlatformQuerySet:
        return self.filter(platform_type__in=types)

    def of_level(self, *levels: str) -> PlatformQuerySet:
        return self.filter(level__in=levels)


class IncubatorQuerySet(RegisterQuerySet):
    def of_kind(self, *kinds: str) -> IncubatorQuerySet:
        return self.filter(kind__in=kinds)

    def of_level(self, *levels: str) -> IncubatorQuerySet:
        return self.filter(level__in=levels)


class Registered(models.Model):
    """What every register entry has: plan, place, chain, document and who entered it."""

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    name = models.CharField(_("名称"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    district = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区")
    )
    park = models.ForeignKey(
        "orgs.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在园区"),
    )
    industry_chain = models.ForeignKey(
        "planning.IndustryChain",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("产业链"),
    )
    document_number = models.CharField(_("认定文号"), max_length=100, blank=True)
    issued_by = models.CharField(_("认定部门"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)


class InnovationPlatform(Registered):
    """A recognised R&D platform: 重点实验室, 工程(技术)研究中心, 企业技术中心 …"""

    platform_type = models.CharField(_("平台类型"), max_length=32, choices=PlatformType.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    host_enterprise = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("依托企业"),
    )
    host_name = models.CharField(_("依托单位"), max_length=200)
    recognised_on = models.DateField(_("认定日期"))
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revocation_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    objects = PlatformQuerySet.as_manager()

    class Meta:
        verbose_name = _("创新平台")
        verbose_name_plural = _("创新平台登记")
        ordering = ["-recognised_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "platform_type", "level", "name_key"],
                condition=Q(revoked_on__isnull=True),
                name="platform_unique_while_active",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("recognised_on")),
                name="platform_revoked_after_recognised",
            ),
        ]
        indexes = [models.Index(fields=["plan", "recognised_on"])]

    @property
    def active(self) -> bool:
        return self.revoked_on is None


class InnovationAlliance(Registered):
    """An 产业技术创新战略联盟: a lead unit and its members around one industry chain."""

    level = models.CharField(_("级别"), max_length=12, choices=Level.choices, blank=True)
    lead_enterprise = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("牵头企业"),
    )
    lead_unit = models.CharField(_("牵头单位"), max_length=200)
    member_count = models.PositiveIntegerField(_("成员单位数"))
    founded_on = models.DateField(_("成立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revocation_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    objects = AllianceQuerySet.as_manager()

    class Meta:
        verbose_name = _("产业技术创新战略联盟")
        verbose_name_plural = _("产业技术创新战略联盟登记")
        ordering = ["-founded_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name_key"],
                condition=Q(dissolved_on__isnull=True),
                name="alliance_unique_while_active",
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=models.F("founded_on")),
                name="alliance_dissolved_after_founded",
            ),
            models.CheckConstraint(condition=Q(member_count__gte=2), name="alliance_has_members"),
        ]

    @property
    def active(self) -> bool:
        return self.dissolved_on is None


class Incubator(Registered):
    """A 科技企业孵化器, 众创空间 or 加速器 (特色专业园区), with its area and residents."""

    kind = models.CharField(_("类别"), max_length=12, choices=IncubatorKind.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    specialised = models.BooleanField(_("专业孵化器"), default=False)
    operator = models.CharField(_("运营机构"), max_length=200)
    operator_enterprise = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("运营企业"),
    )
    area_m2 = models.PositiveIntegerField(_("场地面积(平方米)"))
    residents = models.PositiveIntegerField(_("在孵企业和团队数"), default=0)
    recognised_on = models.DateField(_("认定日期"))
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revocation_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    objects = IncubatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("孵化载体")
        verbose_name_plural = _("孵化器、众创空间和加速器登记")
        ordering = ["-recognised_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "name_key"],
                condition=Q(revoked_on__isnull=True),
                name="incubator_unique_while_active",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("recognised_on")),
                name="incubator_revoked_after_recognised",
            ),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="incubator_area_positive"),
        ]

    @property
    def active(self) -> bool:
        return self.revoked_on is None


class Action(models.TextChoices):
    REGISTER = "register", _("登记")
    EDIT = "edit", _("修改")
    REVOKE = "revoke", _("撤销")


class RegisterEvent(models.Model):
    """Audit trail: who registered, changed or revoked an entry, when, and what changed."""

    platform = models.ForeignKey(
        InnovationPlatform, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    alliance = models.ForeignKey(
        InnovationAlliance, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    incubator = models.ForeignKey(
        Incubator, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("登记记录")
        verbose_name_plural = _("登记记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(platform__isnull=False, alliance__isnull=True, incubator__isnull=True)
                    | Q(platform__isnull=True, alliance__isnull=False, incubator__isnull=True)
                    | Q(platform__isnull=True, alliance__isnull=True, incubator__isnull=False)
                ),
                name="register_event_one_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
