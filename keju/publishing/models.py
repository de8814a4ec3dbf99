"""Publications (季度监测数据, 年度发展指数和创新调查报告): numbered editions of a frozen snapshot.

A publication is created as a draft from `keju.publishing.snapshot.build_snapshot`; the
snapshot and its sha256 are frozen then and never change. Review and publication are
separate steps by named people (see keju.publishing.services); the PDF and DOCX are rendered
once, at publication, and kept, so a download is the same file every time. A withdrawn
edition stays in the archive, marked, with its reason; its data leave the public side.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    QUARTERLY = "quarterly", _("季度监测数据")
    ANNUAL = "annual", _("年度发展指数和创新调查报告")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEWED = "reviewed", _("已审核")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")
    DISCARDED = "discarded", _("已作废")  # a draft or reviewed edition turned down; never public


class PublicationQuerySet(models.QuerySet):
    def public(self) -> PublicationQuerySet:
        """Editions whose figures the public may see: published and not withdrawn."""
        return self.filter(status=Status.PUBLISHED)

    def archived(self) -> PublicationQuerySet:
        """What the public archive lists: published editions and, marked, withdrawn ones."""
        return self.filter(status__in=[Status.PUBLISHED, Status.WITHDRAWN])


class Publication(models.Model):
    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    period = models.CharField(_("期别"), max_length=8, help_text="2020 (annual) or 2020Q3 (quarterly)")
    year = models.PositiveSmallIntegerField(
        _("年份"), help_text="the year of the period; numbering runs per year"
    )
    number = models.PositiveSmallIntegerField(
        _("期号"), null=True, blank=True, help_text="sequential per plan, kind and year; given at publication"
    )
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    snapshot = models.JSONField(_("数据快照"))
    snapshot_hash = models.CharField(_("快照校验值"), max_length=64)
    problems = models.JSONField(_("快照检查问题"), default=list, blank=True)
    # SET_NULL: removing an account (e.g. `keju demo` replacing its accounts) must not be blocked by
    # the archive; who did each step stays in `history` by username.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("起草人"),
    )
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤回原因"), blank=True)
    history = models.JSONField(
        _("流程记录"), default=list, blank=True, help_text="[{action, user, at, note}] in order"
    )
    pdf = models.BinaryField(_("PDF文件"), null=True, blank=True)
    docx = models.BinaryField(_("Word文件"), null=True, blank=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("出版物")
        verbose_name_plural = _("出版物")
        ordering = ["-year", "kind", "-number", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "year", "number"],
                condition=Q(number__isnull=False),
                name="publication_unique_number",
            ),
            # One edition in the workflow or public per period; withdrawn ones are history.
            models.UniqueConstraint(
                fields=["plan", "kind", "period"],
                condition=Q(status__in=["draft", "reviewed", "published"]),
                name="publication_one_active_per_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def number_label(self) -> str:
        """兰白监测〔2020〕第3期; empty before publication."""
        if self.number is None:
            return ""
        return f"{self.snapshot.get('meta', {}).get('series', '')}〔{self.year}〕第{self.number}期"
