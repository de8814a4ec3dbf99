"""Innovation vouchers (创新券): programmes, applications, vouchers, service orders, settlement, ledger.

Money is in 元 (Decimal, 2 places). Balances are never stored: they are the sum of
the ledger entries of an account, and entries are only ever added.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from keju.accounts.events import ServiceEvent
from keju.vouchers.querysets import LedgerQuerySet


class ApplicantCategory(models.TextChoices):
    SMALL_TECH = "small_tech", _("科技型中小企业")
    INCUBATEE = "incubatee", _("孵化器在孵企业")
    TEAM = "team", _("创新创业团队")


class ServiceCategory(models.TextChoices):
    INSTRUMENT = "instrument", _("仪器设备共享")
    RND = "rnd", _("研究开发")
    TESTING = "testing", _("检验检测认证")
    CONSULTING = "consulting", _("技术咨询")
    IP = "ip", _("知识产权服务")


class Programme(models.Model):
    """One year's voucher programme (创新券年度计划) with its budget and rules."""

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=120)
    budget = models.DecimalField(_("预算(元)"), max_digits=14, decimal_places=2)
    subsidy_ratio = models.DecimalField(
        _("补贴比例"), max_digits=4, decimal_places=2, help_text=_("创新券最多支付合同金额的比例,如 0.50")
    )
    cap_per_application = models.DecimalField(_("单次申领上限(元)"), max_digits=12, decimal_places=2)
    cap_per_enterprise_year = models.DecimalField(_("每企业年度上限(元)"), max_digits=12, decimal_places=2)
    eligible = models.JSONField(_("申领对象"), default=list)
    apply_from = models.DateField(_("申领开始"))
    apply_until = models.DateField(_("申领截止"))
    use_by = models.DateField(_("使用截止日期"))
    settle_by = models.DateField(_("兑付截止日期"))
    spot_check_rate = models.DecimalField(_("抽查比例"), max_digits=4, decimal_places=2, default=0.10)

    class Meta:
        verbose_name = _("创新券计划")
        verbose_name_plural = _("创新券计划")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "name"], name="programme_unique_name"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="programme_budget_positive"),
            models.CheckConstraint(
                condition=Q(subsidy_ratio__gt=0) & Q(subsidy_ratio__lte=1), name="programme_ratio_in_0_1"
            ),
            models.CheckConstraint(
                condition=Q(use_by__lte=models.F("settle_by")), name="programme_use_before_settle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    @property
    def account(self) -> str:
        return f"programme:{self.pk}"


class Provider(models.Model):
    """A registered service provider (服务机构) that may accept vouchers."""

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    name = models.CharField(_("机构名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("对应企业"),
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    related_credit_codes = models.JSONField(
        _("关联方信用代码"), default=list, blank=True, help_text=_("股东、母子公司等关联方,用于关联交易核查")
    )
    categories = models.JSONField(_("服务类别"), default=list)
    accepts_vouchers = models.BooleanField(_("可接收创新券"), default=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="voucher_providers")

    class Meta:
        verbose_name = _("服务机构")
        verbose_name_plural = _("服务机构")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未通过")


class Application(models.Model):
    """An enterprise's application for a voucher quota (申领)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(
        "orgs.Enterprise", on_delete=models.PROTECT, related_name="voucher_applications"
    )
    category = models.CharField(_("申领对象类别"), max_length=12, choices=ApplicantCategory.choices)
    amount = models.DecimalField(_("申领金额(元)"), max_digits=12, decimal_places=2)
    purpose = models.TextField(_("用途说明"), max_length=1000)
    status = models.CharField(
        _("状态"), max_length=10, choices=ApplicationStatus.choices, default="submitted"
    )
    decision_reason = models.CharField(_("审核意见"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("创新券申领")
        verbose_name_plural = _("创新券申领")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.amount}"


class Voucher(models.Model):
    """A voucher issued on an approved application: the quota is its first ledger entry."""

    number = models.CharField(_("券编号"), max_length=24, unique=True)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="voucher")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="vouchers")
    enterprise = models.ForeignKey("orgs.Enterprise", on_delete=models.PROTECT, related_name="vouchers")
    quota = models.DecimalField(_("额度(元)"), max_digits=12, decimal_places=2)
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("创新券")
        verbose_name_plural = _("创新券")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def account(self) -> str:
        return f"voucher:{self.pk}"


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("已下单")
    CONFIRMED = "confirmed", _("机构已确认")
    DELIVERED = "delivered", _("服务已完成")
    REDEEMED = "redeemed", _("已用券支付")
    SETTLEMENT_REQUESTED = "settlement_requested", _("已申请兑付")
    ON_HOLD = "on_hold", _("兑付暂缓核查")
    SETTLED = "settled", _("已兑付")
    REJECTED = "rejected", _("兑付未通过")
    CANCELLED = "cancelled", _("已取消")


class Order(models.Model):
    """A service bought from a provider and paid partly with a voucher."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="orders")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="orders")
    category = models.CharField(_("服务类别"), max_length=12, choices=ServiceCategory.choices)
    description = models.CharField(_("服务内容"), max_length=300)
    contract_amount = models.DecimalField(_("合同金额(元)"), max_digits=12, decimal_places=2)
    voucher_amount = models.DecimalField(_("用券金额(元)"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=24, choices=OrderStatus.choices, default=OrderStatus.ORDERED
    )
    result = models.TextField(_("服务成果"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度(1–5)"), null=True, blank=True)
    contract_number = models.CharField(_("合同编号"), max_length=60, blank=True)
    invoice_number = models.CharField(_("发票号码"), max_length=60, blank=True)
    payment_proof = models.CharField(_("企业付款凭证号"), max_length=60, blank=True)
    hold_flags = models.JSONField(_("核查原因"), default=list, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voucher_amount__gt=0) & Q(voucher_amount__lte=models.F("contract_amount")),
                name="order_voucher_within_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher} · {self.provider} · {self.voucher_amount}"


class EntryKind(models.TextChoices):
    BUDGET = "budget", _("预算下达")
    GRANT = "grant", _("核定额度")
    REDEEM = "redeem", _("用券支付")
    RELEASE = "release", _("退回额度")
    EXPIRE = "expire", _("过期收回")
    PAYOUT = "payout", _("兑付拨款")


class LedgerEntry(models.Model):
    """One movement of money on one account. Never updated, never deleted.

    Accounts: `programme:<id>` (unallocated budget), `voucher:<id>` (unspent quota),
    `payable:<id>` (redeemed, owed to providers of a programme until paid out).
    A movement between accounts is two entries with the same `movement` id.
    """

    movement = models.UUIDField(db_index=True)
    account = models.CharField(max_length=32, db_index=True)
    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    memo = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("台账分录")
        verbose_name_plural = _("创新券台账")
        ordering = ["at", "id"]
        constraints = [
            # One redemption per order and account: a retried payment can never book twice.
            models.UniqueConstraint(
                fields=["order", "account", "kind"],
                condition=Q(order__isnull=False),
                name="ledger_one_entry_per_order_account_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.kind} {self.amount}"


class VoucherEvent(ServiceEvent):
    """What happened, refusals included (who, when, what, why)."""
