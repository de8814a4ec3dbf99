"""Large scientific instruments open to society (大型科研仪器开放共享): register, bookings, usage, violations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from keju.accounts.events import ServiceEvent


class InstrumentClass(models.TextChoices):
    """The 15 classes of the Gansu instrument-sharing rules."""

    ANALYSIS = "analysis", _("分析仪器")
    PHYSICAL = "physical", _("物理性能测试仪器")
    METROLOGY = "metrology", _("计量仪器")
    ELECTRONIC = "electronic", _("电子测量仪器")
    MARINE = "marine", _("海洋仪器")
    EARTH = "earth", _("地球探测仪器")
    ATMOSPHERE = "atmosphere", _("大气探测仪器")
    SPECIAL_TESTING = "special_testing", _("特种检测仪器")
    LASER = "laser", _("激光器")
    PROCESS = "process", _("工艺试验仪器")
    COMPUTING = "computing", _("计算机及其配套设备")
    ASTRONOMY = "astronomy", _("天文仪器")
    MEDICAL = "medical", _("医学科研仪器")
    NUCLEAR = "nuclear", _("核仪器")
    OTHER = "other", _("其他仪器")


class Usage(models.TextChoices):
    GENERAL = "general", _("通用(定额机时1400小时/年)")
    SPECIAL = "special", _("专用(定额机时800小时/年)")


class InstrumentStatus(models.TextChoices):
    RUNNING = "running", _("正常运行")
    MAINTENANCE = "maintenance", _("维修中")
    RETIRED = "retired", _("已停用")


class Instrument(models.Model):
    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    name = models.CharField(_("仪器名称"), max_length=120)
    model_number = models.CharField(_("型号"), max_length=80, blank=True)
    manufacturer = models.CharField(_("生产厂商"), max_length=120, blank=True)
    country = models.CharField(_("产地国别"), max_length=40, blank=True)
    original_value = models.DecimalField(_("原值(万元)"), max_digits=10, decimal_places=2)
    category = models.CharField(_("分类"), max_length=16, choices=InstrumentClass.choices)
    usage = models.CharField(_("用途类型"), max_length=8, choices=Usage.choices, default=Usage.GENERAL)
    owner_name = models.CharField(_("所属单位"), max_length=200)
    owner = models.ForeignKey(
        "vouchers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instruments",
        verbose_name=_("所属单位(服务机构)"),
    )
    district = models.ForeignKey(
        "orgs.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在区"),
    )
    location = models.CharField(_("放置地点"), max_length=200)
    functions = models.TextField(_("主要功能和技术指标"), blank=True)
    fee_per_hour = models.DecimalField(_("参考收费(元/小时)"), max_digits=10, decimal_places=2)
    open_weekdays = models.JSONField(_("开放日(0=周一)"), default=list)
    open_from = models.TimeField(_("开放时间自"))
    open_until = models.TimeField(_("开放时间至"))
    min_notice_hours = models.PositiveSmallIntegerField(_("最少提前预约(小时)"), default=24)
    operator = models.CharField(_("联系人/操作员"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=InstrumentStatus.choices, default="running")
    purchased_on = models.DateField(_("购置日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("大型科研仪器")
        verbose_name_plural = _("大型科研仪器")
        ordering = ["id"]
        constraints = [
            # Gansu counts instruments of 30万元 and more as 大型科研仪器.
            models.CheckConstraint(condition=Q(original_value__gte=30), name="instrument_value_at_least_30"),
            models.CheckConstraint(
                condition=Q(open_from__lt=models.F("open_until")), name="instrument_open_window"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def quota_hours(self) -> int:
        return 1400 if self.usage == Usage.GENERAL else 800


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已取消")
    COMPLETED = "completed", _("已使用")
    NO_SHOW = "no_show", _("爽约")


ACTIVE_BOOKING = [BookingStatus.REQUESTED, BookingStatus.APPROVED]


class Booking(models.Model):
    """A request for machine time [start, end); requested and approved bookings block the slot."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="instrument_bookings"
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("预约企业"),
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    purpose = models.CharField(_("实验内容"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=BookingStatus.choices, default="requested")
    decision_reason = models.CharField(_("审核意见"), max_length=300, blank=True)
    voucher_order = models.OneToOneField(
        "vouchers.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="booking"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("仪器预约")
        verbose_name_plural = _("仪器预约")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["instrument", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="booking_start_before_end")
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.start:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


class UsageRecord(models.Model):
    """Machine time actually used (有效工作机时); external when the user is not of the owner unit."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="usage")
    started_at = models.DateTimeField(_("实际开始"))
    ended_at = models.DateTimeField(_("实际结束"))
    effective_hours = models.DecimalField(_("有效工作机时"), max_digits=7, decimal_places=2)
    external = models.BooleanField(_("对外服务"), default=True)
    samples = models.PositiveIntegerField(_("样品数"), default=0)
    fee = models.DecimalField(_("收费(元)"), max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("使用记录")
        verbose_name_plural = _("使用记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(started_at__lt=models.F("ended_at")), name="usage_start_before_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.booking} {self.effective_hours}h"


class ViolationKind(models.TextChoices):
    NO_SHOW = "no_show", _("爽约(开始后1小时未到)")
    OVER_BOOKING = "over_booking", _("预约时长超过实际使用的2倍")


class Violation(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instrument_violations"
    )
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="violation")
    kind = models.CharField(max_length=16, choices=ViolationKind.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("违约记录")
        verbose_name_plural = _("违约记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()}"


class InstrumentEvent(ServiceEvent):
    """What happened, refusals included."""
