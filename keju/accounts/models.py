"""Roles of users, each scoped to an org unit or an enterprise."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENTERPRISE_REPORTER = "enterprise_reporter", _("企业填报员")
    DISTRICT_REVIEWER = "district_reviewer", _("管委会审核员")
    OFFICE_STAFF = "office_staff", _("省创新办")
    WORKING_GROUP_STAFF = "working_group_staff", _("工作小组")
    EVALUATOR = "evaluator", _("第三方评估")


class RoleAssignment(models.Model):
    """One role of one user, limited to a scope.

    enterprise_reporter → `enterprise`; district_reviewer → a district `org_unit`;
    office_staff, working_group_staff, evaluator → the zone `org_unit`
    (working_group_staff also names its `working_group`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=24, choices=Role.choices)
    org_unit = models.ForeignKey("orgs.OrgUnit", null=True, blank=True, on_delete=models.CASCADE)
    enterprise = models.ForeignKey("orgs.Enterprise", null=True, blank=True, on_delete=models.CASCADE)
    working_group = models.ForeignKey(
        "planning.GoverningBody", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org_unit", "enterprise"], name="role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
