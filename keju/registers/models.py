"""The registers of innovation carriers: platforms (创新平台), alliances (产业技术创新战略联盟) and
incubators (孵化器、众创空间、加速器), and of enterprise recognitions (创新型企业、知识产权优势企业、
骨干企业…).

Each record says where the carrier is (district, optionally park), which industry chain it
serves and when it was recognised and revoked, so that the indicator engine can count what was
in force at the end of any period (`keju.monitoring.objects`). Records are never deleted:
a revoked platform keeps counting for the years it was recognised.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from keju.orgs.models import OrgUnit


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


class RecognitionKind(models.TextChoices):
    """What an enterprise is recognised as; each kind feeds one plan indicator."""

    INNOVATIVE = "innovative", _("创新型企业")
    NATIONAL_INNOVATIVE_PILOT = "national_innovative_pilot", _("国家创新型试点企业")
    IP_ADVANTAGE = "ip_advantage", _("知识产权优势企业")
    STRATEGIC_EMERGING_BACKBONE = "strategic_emerging_backbone", _("战略性新兴产业骨干企业")
    BACKBONE = "backbone", _("骨干企业")
    BIO_BACKBONE = "bio_backbone", _("生物产业重点骨干企业")


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

    def visible_in(self, districts: Iterable[OrgUnit]) -> RegisterQuerySet:
        """Entries a user scoped to `districts` may see."""
        return self.filter(district__in=list(districts))

    def ended(self) -> RegisterQuerySet:
        """Revoked (dissolved) entries."""
        return self.filter(**{f"{self.end_field}__isnull": False})


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


class RecognitionQuerySet(RegisterQuerySet):
    def active_on(self, on: date) -> RecognitionQuerySet:
        """In force at the end of `on`: recognised by then, not revoked, and not past its validity."""
        return super().active_on(on).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))

    def of_kind(self, *kinds: str) -> RecognitionQuerySet:
        return self.filter(kind__in=kinds)

    def of_level(self, *levels: str) -> RecognitionQuerySet:
        return self.filter(level__in=levels)

    def overlapping(self, start: date, end: date | None) -> RecognitionQuerySet:
        """Recognitions in force on some day of [start, end) (end exclusive, None: open)."""
        rows = self.filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=start),
            Q(expires_on__isnull=True) | Q(expires_on__gte=start),
        )
        return rows if end is None else rows.filter(recognised_on__lt=end)

    def visible_in(self, districts: Iterable[OrgUnit]) -> RecognitionQuerySet:
        """Recognised in one of `districts`, or the enterprise sits in one of them now (it moved)."""
        units = list(districts)
        from keju.orgs.models import EnterprisePlacement

        here_now = EnterprisePlacement.objects.filter(
            enterprise_id=models.OuterRef("enterprise_id"), valid_to__isnull=True, district__in=units
        )
        return self.filter(Q(district__in=units) | Q(models.Exists(here_now)))

    def ended(self) -> RecognitionQuerySet:
        """Revoked, or past the last day of validity."""
        return self.filter(Q(revoked_on__isnull=False) | Q(expires_on__lt=timezone.localdate()))


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


class EnterpriseRecognition(Registered):
    """An enterprise recognised (认定/命名) by a government body as 创新型企业, 知识产权优势企业, 骨干企业…

    `name` keeps the enterprise's name as the recognition names it; `district`/`park` are where the
    enterprise sat on the recognition day (who registers and edits the entry). The counts follow the
    enterprise: at a year's end it counts where its placement (`orgs.EnterprisePlacement`) is then.
    In force from `recognised_on` until `revoked_on` (exclusive) or through `expires_on` (its last
    valid day, inclusive), whichever comes first. One enterprise cannot hold the same kind twice on
    any day (at any level): an upgrade ends the lower recognition first.
    """

    enterprise = models.ForeignKey(
        "orgs.Enterprise", on_delete=models.PROTECT, related_name="recognitions", verbose_name=_("企业")
    )
    kind = models.CharField(_("认定类别"), max_length=32, choices=RecognitionKind.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    recognised_on = models.DateField(_("认定日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revocation_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    objects = RecognitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业认定")
        verbose_name_plural = _("创新型企业等企业认定登记")
        ordering = ["-recognised_on", "id"]
        constraints = [
            # The full rule (no overlapping dates) is checked by the services under a lock on the
            # enterprise; the database backs its commonest case, two open-ended ones.
            models.UniqueConstraint(
                fields=["enterprise", "kind"],
                condition=Q(revoked_on__isnull=True, expires_on__isnull=True),
                name="recognition_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("recognised_on")),
                name="recognition_revoked_after_recognised",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("recognised_on")),
                name="recognition_expires_after_recognised",
            ),
        ]
        indexes = [models.Index(fields=["plan", "kind", "recognised_on"])]

    def __str__(self) -> str:
        return f"{self.name}({self.get_kind_display()})"

    @property
    def active(self) -> bool:
        """Not revoked (it may still have expired: see `expired`)."""
        return self.revoked_on is None

    @property
    def expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def ends_on(self) -> date | None:
        """First day no longer in force (exclusive end), None while open-ended."""
        ends = [d for d in (self.revoked_on, self.expires_on and self.expires_on + timedelta(days=1)) if d]
        return min(ends) if ends else None


class Action(models.TextChoices):
    REGISTER = "register", _("登记")
    EDIT = "edit", _("修改")
    REVOKE = "revoke", _("撤销")


_ENTRY_FIELDS = ("platform", "alliance", "incubator", "recognition")


def _exactly_one(fields: tuple[str, ...]) -> Q:
    condition = Q()
    for chosen in fields:
        condition |= Q(**{f"{f}__isnull": f != chosen for f in fields})
    return condition


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
    recognition = models.ForeignKey(
        EnterpriseRecognition, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
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
            models.CheckConstraint(condition=_exactly_one(_ENTRY_FIELDS), name="register_event_one_entry")
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
