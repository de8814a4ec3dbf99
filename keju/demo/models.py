"""What the last `keju demo` run created, so that the next run can replace it exactly."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoRun(models.Model):
    """One run of `keju demo`: its parameters and the accounts it made."""

    plan = models.ForeignKey(
        "planning.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("规划")
    )
    seed = models.IntegerField(_("随机种子"))
    enterprises = models.PositiveIntegerField(_("企业数"))
    years = models.JSONField(_("年份"), default=list)
    usernames = models.JSONField(_("演示账号"), default=list)
    # Other records the run made, by model label ("transfer.need": [ids]), deleted by clear_demo.
    made = models.JSONField(_("其他演示记录"), default=dict, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("演示数据")
        verbose_name_plural = _("演示数据")

    def __str__(self) -> str:
        return f"demo seed={self.seed} n={self.enterprises}"


class DemoEnterprise(models.Model):
    """Marks an enterprise of the register as generated demo data."""

    run = models.ForeignKey(DemoRun, on_delete=models.CASCADE, related_name="+")
    enterprise = models.OneToOneField("orgs.Enterprise", on_delete=models.CASCADE, related_name="demo_marker")

    class Meta:
        verbose_name = _("演示企业")
        verbose_name_plural = _("演示企业")

    def __str__(self) -> str:
        return f"demo enterprise {self.enterprise_id}"
