"""Org units of a zone and the register of its enterprises."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from keju.orgs.credit_code import validate_credit_code
from keju.orgs.querysets import EnterpriseQuerySet, OrgUnitQuerySet, PlacementQuerySet


class OrgLevel(models.TextChoices):
    ZONE = "zone", _("试验区")
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    PARK = "park", _("园区")


class OrgUnit(models.Model):
    """A node of a zone's administrative tree: zone → city → district → park.

    Enterprises are the leaves; they live in `Enterprise` because there are
    hundreds of thousands of them and their place in the tree changes over time.
    """

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="org_units", verbose_name=_("规划")
    )
    code = models.CharField(_("代码"), max_length=64)
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    level = models.CharField(_("层级"), max_length=16, choices=OrgLevel.choices)
    kind = models.CharField(_("类型"), max_length=64, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    area_km2 = models.FloatField(_("面积(平方公里)"), null=True, blank=True)
    leading_industries = models.JSONField(_("主导产业"), default=list, blank=True)
    source = models.CharField(_("出处"), max_length=100, blank=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织单元")
        verbose_name_plural = _("组织单元")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="orgunit_unique_code_per_plan")]
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """An enterprise in the register (先进库后有数: it must be here before it reports).

    Register through `keju.orgs.services` (register_enterprise, bulk_register), which
    validates codes and opens the first placement; `is_industrial` follows from
    `industry_code` there.
    """

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="enterprises", verbose_name=_("规划")
    )
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("企业名称"), max_length=200)
    industry_code = models.CharField(
        _("国民经济行业分类代码"), max_length=5, help_text="GB/T 4754-2017, e.g. C2710"
    )
    is_industrial = models.BooleanField(_("工业企业"), default=False)
    is_above_scale = models.BooleanField(_("规模以上工业企业"), default=False)
    is_high_tech_enterprise = models.BooleanField(_("高新技术企业"), default=False)
    high_tech_industry = models.CharField(
        _("高技术产业(制造业)分类"),
        max_length=64,
        blank=True,
        help_text="《高技术产业(制造业)分类(2017)》大类",
    )
    strategic_emerging = models.CharField(
        _("战略性新兴产业分类"), max_length=64, blank=True, help_text="《战略性新兴产业分类(2018)》领域"
    )
    # PROTECT: a chain that enterprises belong to cannot silently vanish on a plan reload.
    industry_chain = models.ForeignKey(
        "planning.IndustryChain",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("产业链"),
    )
    opened_on = models.DateField(_("成立日期"))
    closed_on = models.DateField(_("注销日期"), null=True, blank=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业名录")
        ordering = ["id"]
        indexes = [models.Index(fields=["plan", "opened_on"])]

    def __str__(self) -> str:
        return self.name

    def placement_on(self, on: date) -> EnterprisePlacement | None:
        """Where the enterprise sat on `on` (None before it opened or after it closed)."""
        return self.placements.covering(on).first()

    @property
    def current_placement(self) -> EnterprisePlacement | None:
        return self.placements.filter(valid_to__isnull=True).first()


class EnterprisePlacement(models.Model):
    """Where an enterprise sat in the org tree during a period [valid_from, valid_to).

    Moving an enterprise closes its current placement and opens a new one, so
    figures for past periods still count where the enterprise was then. Closing
    the enterprise closes its placement too; no row is ever deleted.
    """

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="placements", verbose_name=_("企业")
    )
    district = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("区"))
    park = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("园区")
    )
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(
        _("截止日期"), null=True, blank=True, help_text="exclusive; empty while current"
    )

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业隶属")
        verbose_name_plural = _("企业隶属")
        ordering = ["enterprise", "valid_from"]
        indexes = [models.Index(fields=["district", "valid_from"])]
        constraints = [
            # At most one open placement: an enterprise is in one place at a time.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(valid_to__isnull=True),
                name="placement_one_open_per_enterprise",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="placement_period_not_empty",
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.district}/{self.park}" if self.park_id else str(self.district)
        return f"{self.enterprise} @ {where} [{self.valid_from}, {self.valid_to or '…'})"
