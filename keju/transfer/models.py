"""Technology supply and demand (技术转移对接): achievements, needs, matches and registered contracts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from keju.accounts.events import ServiceEvent
from keju.transfer.querysets import ListingQuerySet, MatchQuerySet


class TechField(models.TextChoices):
    """国家重点支持的高新技术领域 (the eight fields)."""

    ELECTRONIC_INFORMATION = "电子信息", _("电子信息")
    BIOMEDICINE = "生物与新医药", _("生物与新医药")
    AEROSPACE = "航空航天", _("航空航天")
    NEW_MATERIALS = "新材料", _("新材料")
    HIGH_TECH_SERVICES = "高技术服务", _("高技术服务")
    NEW_ENERGY = "新能源与节能", _("新能源与节能")
    RESOURCES_ENVIRONMENT = "资源与环境", _("资源与环境")
    ADVANCED_MANUFACTURING = "先进制造与自动化", _("先进制造与自动化")


class Region(models.TextChoices):
    LANZHOU = "lanzhou", _("兰州")
    BAIYIN = "baiyin", _("白银")
    OTHER = "other", _("区外")


class StrategicEmerging(models.TextChoices):
    """战略性新兴产业分类(2018): the nine domains."""

    NEXT_GEN_IT = "新一代信息技术产业", _("新一代信息技术产业")
    HIGH_END_EQUIPMENT = "高端装备制造产业", _("高端装备制造产业")
    NEW_MATERIALS = "新材料产业", _("新材料产业")
    BIO = "生物产业", _("生物产业")
    NEW_ENERGY_VEHICLES = "新能源汽车产业", _("新能源汽车产业")
    NEW_ENERGY = "新能源产业", _("新能源产业")
    ENERGY_SAVING = "节能环保产业", _("节能环保产业")
    DIGITAL_CREATIVE = "数字创意产业", _("数字创意产业")
    RELATED_SERVICES = "相关服务业", _("相关服务业")


class HighTechIndustry(models.TextChoices):
    """高技术产业(制造业)分类(2017): the six groups."""

    PHARMA = "医药制造业", _("医药制造业")
    AEROSPACE = "航空、航天器及设备制造业", _("航空、航天器及设备制造业")
    ELECTRONICS = "电子及通信设备制造业", _("电子及通信设备制造业")
    COMPUTERS = "计算机及办公设备制造业", _("计算机及办公设备制造业")
    MEDICAL_INSTRUMENTS = "医疗仪器设备及仪器仪表制造业", _("医疗仪器设备及仪器仪表制造业")
    INFO_CHEMICALS = "信息化学品制造业", _("信息化学品制造业")


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Stage(models.TextChoices):
    LAB = "lab", _("实验室阶段")
    PILOT = "pilot", _("小试/中试")
    MATURE = "mature", _("成熟可产业化")


class IpType(models.TextChoices):
    INVENTION_PATENT = "invention_patent", _("发明专利")
    UTILITY_MODEL = "utility_model", _("实用新型专利")
    SOFTWARE = "software", _("软件著作权")
    KNOW_HOW = "know_how", _("技术秘密")
    PLANT_VARIETY = "plant_variety", _("植物新品种")
    OTHER = "other", _("其他")


class Listing(models.Model):
    """Fields shared by achievements and needs: what they are about and how they are classified."""

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("描述"), max_length=2000)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    field = models.CharField(_("技术领域"), max_length=16, choices=TechField.choices)
    region = models.CharField(_("地区"), max_length=8, choices=Region.choices, default=Region.LANZHOU)
    strategic_emerging = models.CharField(
        _("战略性新兴产业分类(2018)"), max_length=16, choices=StrategicEmerging.choices, blank=True
    )
    high_tech_industry = models.CharField(
        _("高技术产业分类(2017)"), max_length=24, choices=HighTechIndustry.choices, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-updated_at", "-id"]


class Achievement(Listing):
    """A technology achievement offered for transfer (科技成果)."""

    owner_name = models.CharField(_("成果持有单位"), max_length=200)
    owner = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("持有企业"),
    )
    stage = models.CharField(_("所处阶段"), max_length=8, choices=Stage.choices, default=Stage.PILOT)
    ip_type = models.CharField(_("知识产权类型"), max_length=20, choices=IpType.choices, default=IpType.OTHER)
    industries = models.JSONField(_("适用行业(GB/T 4754 大类)"), default=list, blank=True)
    terms = models.CharField(_("价格或合作条件"), max_length=200, blank=True)

    class Meta(Listing.Meta):
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")

    def __str__(self) -> str:
        return self.title


class CooperationMode(models.TextChoices):
    COMMISSIONED = "commissioned", _("委托开发")
    JOINT = "joint", _("合作开发")
    TRANSFER = "transfer", _("技术转让")
    LICENSE = "license", _("技术许可")
    EQUITY = "equity", _("作价入股")
    CONSULTING = "consulting", _("技术咨询/服务")


class Need(Listing):
    """An enterprise's technology need (技术需求)."""

    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        on_delete=models.CASCADE,
        related_name="technology_needs",
        verbose_name=_("需求企业"),
    )
    industry = models.CharField(_("需求方行业(GB/T 4754 大类)"), max_length=2, blank=True)
    budget = models.DecimalField(_("预算(万元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    mode = models.CharField(
        _("合作方式"), max_length=12, choices=CooperationMode.choices, default=CooperationMode.JOINT
    )
    deadline = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta(Listing.Meta):
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")

    def __str__(self) -> str:
        return self.title


class MatchStatus(models.TextChoices):
    SUGGESTED = "suggested", _("系统推荐")
    CONTACTED = "contacted", _("已联系")
    NEGOTIATING = "negotiating", _("洽谈中")
    CONTRACTED = "contracted", _("已签约")
    CLOSED = "closed", _("已关闭")


class Match(models.Model):
    """A need–achievement pair a broker (技术经纪人) follows from suggestion to contract."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="matches", verbose_name=_("技术需求")
    )
    achievement = models.ForeignKey(
        Achievement, on_delete=models.CASCADE, related_name="matches", verbose_name=_("科技成果")
    )
    score = models.FloatField(_("匹配得分"), default=0)
    reasons = models.JSONField(_("推荐理由"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=MatchStatus.choices, default=MatchStatus.SUGGESTED
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经纪人"),
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("供需对接")
        verbose_name_plural = _("供需对接")
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["need", "achievement"], name="match_unique_pair")]

    def __str__(self) -> str:
        return f"{self.need} ↔ {self.achievement}"


class ContractType(models.TextChoices):
    """技术合同 categories (四技 plus licensing, as 民法典 separates it)."""

    DEVELOPMENT = "development", _("技术开发")
    TRANSFER = "transfer", _("技术转让")
    LICENSING = "licensing", _("技术许可")
    CONSULTING = "consulting", _("技术咨询")
    SERVICE = "service", _("技术服务")


class TechContract(models.Model):
    """A registered technology contract (技术合同登记). Its amount feeds 技术合同成交额.

    Registered once, by the seller side, where the seller is located: `district` is the
    seller's district when the seller is in the zone.
    """

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    registration_number = models.CharField(_("登记编号"), max_length=32, unique=True)
    contract_type = models.CharField(_("合同类别"), max_length=12, choices=ContractType.choices)
    title = models.CharField(_("合同名称"), max_length=200)
    seller_name = models.CharField(_("卖方"), max_length=200)
    seller = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("卖方企业"),
    )
    buyer_name = models.CharField(_("买方"), max_length=200)
    buyer = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("买方企业"),
    )
    district = models.ForeignKey(
        "orgs.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记所在区"),
    )
    amount = models.DecimalField(_("成交额(万元)"), max_digits=14, decimal_places=2)
    technical_income = models.DecimalField(_("核定技术性收入(万元)"), max_digits=14, decimal_places=2)
    signed_on = models.DateField(_("签订日期"))
    registered_on = models.DateField(_("登记日期"))
    match = models.OneToOneField(
        Match,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contract",
        verbose_name=_("对接记录"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("技术合同")
        verbose_name_plural = _("技术合同")
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(technical_income__gte=0)
                & models.Q(technical_income__lte=models.F("amount")),
                name="contract_income_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.title}"


class TransferEvent(ServiceEvent):
    """What happened on the platform, refusals included (who, when, what, why)."""

    # The same column as the base's, with the help text its migration was written with.
    target = models.CharField(max_length=64, blank=True, help_text="e.g. need:12, match:3")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"
