"""Roles of users, each scoped to an org unit or an enterprise."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENTERPRISE_REPORTER = "enterprise_reporter", _("企业填报员")
    DISTRICT_REVIEWER = "district_reviewer", _("管委会审核员")
    OFFICE_STAFF = "office_staff", _("省创新办")
    WORKING_GROUP_STAFF = "working_group_staff", _("工作小组")
    EVALUATOR = "evaluator", _("第三方评估")


# Roles whose scope is the whole zone.
ZONE_ROLES = frozenset({Role.OFFICE_STAFF, Role.WORKING_GROUP_STAFF, Role.EVALUATOR})


class RoleAssignment(models.Model):
    """One role of one user, limited to a scope.

    enterprise_reporter → `enterprise`; district_reviewer → a district `org_unit`;
    office_staff, working_group_staff, evaluator → the zone `org_unit`
    (working_group_staff also names its `working_group`). Create them with
    `keju.accounts.services.assign_role`, which checks the levels as well.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    # PROTECT: reloading a plan must not silently take away someone's access.
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("组织单元")
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("企业")
    )
    working_group = models.ForeignKey(
        "planning.GoverningBody",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工作小组"),
    )

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        ordering = ["user", "role", "id"]
        constraints = [
            # The shape of the scope; levels (district vs zone) are checked by assign_role.
            models.CheckConstraint(
                condition=(
                    Q(
                        role=Role.ENTERPRISE_REPORTER,
                        enterprise__isnull=False,
                        org_unit__isnull=True,
                        working_group__isnull=True,
                    )
                    | Q(
                        role__in=[Role.DISTRICT_REVIEWER, Role.OFFICE_STAFF, Role.EVALUATOR],
                        enterprise__isnull=True,
                        org_unit__isnull=False,
                        working_group__isnull=True,
                    )
                    | Q(
                        role=Role.WORKING_GROUP_STAFF,
                        enterprise__isnull=True,
                        org_unit__isnull=False,
                        working_group__isnull=False,
                    )
                ),
                name="role_scope_matches_role",
            ),
            # Partial unique indexes, because NULLs never collide in a plain one.
            models.UniqueConstraint(
                fields=["user", "enterprise"],
                condition=Q(enterprise__isnull=False),
                name="role_unique_enterprise",
            ),
            models.UniqueConstraint(
                fields=["user", "working_group"],
                condition=Q(working_group__isnull=False),
                name="role_unique_working_group",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "org_unit"],
                condition=Q(enterprise__isnull=True, working_group__isnull=True),
                name="role_unique_org_unit",
            ),
        ]

    def __str__(self) -> str:
        scope = self.enterprise or self.working_group or self.org_unit
        return f"{self.user} · {self.get_role_display()} · {scope}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        from django.utils import timezone

        now = timezone.now()
        return self.filter(Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now)))


class ApiToken(models.Model):
    """A named, revocable key for the JSON API (`Authorization: Bearer <token>`).

    Only the SHA-256 of the token is stored: tokens are 256-bit random strings, so a fast
    hash is enough (a slow password hash would cost every API call). The plain token is
    shown once, when it is issued (keju.accounts.tokens.issue_token).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(
        _("前缀"), max_length=12, help_text="the first characters, to recognise a token"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["user", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="api_token_unique_name")]

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"
