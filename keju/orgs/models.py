"""Org units of a zone and the register of its enterprises."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from keju.orgs.credit_code import validate_credit_code


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

    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="org_units")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    level = models.CharField(max_length=16, choices=OrgLevel.choices)
    kind = models.CharField(max_length=64, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    leading_industries = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="orgunit_unique_code_per_plan")]
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """An enterprise in the register (先进库后有数: it must be here before it reports)."""

    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="enterprises")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    name = models.CharField(_("企业名称"), max_length=200)
    industry_code = models.CharField(_("国民经济行业分类代码"), max_length=5, help_text="GB/T 4754-2017, e.g. C2710")
    is_industrial = models.BooleanField(_("工业企业"), default=False)
    is_above_scale = models.BooleanField(_("规模以上工业企业"), default=False)
    is_high_tech_enterprise = models.BooleanField(_("高新技术企业"), default=False)
    high_tech_industry = models.CharField(
        _("高技术产业(制造业)分类"), max_length=64, blank=True, help_text="《高技术产业(制造业)分类(2017)》大类"
    )
    strategic_emerging = models.CharField(
        _("战略性新兴产业分类"), max_length=64, blank=True, help_text="《战略性新兴产业分类(2018)》领域"
    )
    industry_chain = models.CharField(_("产业链"), max_length=64, blank=True)
    opened_on = models.DateField(_("成立日期"))
    closed_on = models.DateField(_("注销日期"), null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class EnterprisePlacement(models.Model):
    """Where an enterprise sat in the org tree during a period.

    Moving an enterprise closes its current placement and opens a new one, so
    figures for past periods still count where the enterprise was then.
    """

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="placements")
    district = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    park = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="exclusive; empty while current")

    class Meta:
        ordering = ["enterprise", "valid_from"]
        indexes = [models.Index(fields=["district", "valid_from"])]
