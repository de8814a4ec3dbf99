"""What changed in the platform's own registers since the last full computation run.

Approvals update the indicators of the approved report's form at once (services.update_for_report).
Indicators counted from the registers (keju.monitoring.objects: talents, projects, contracts,
platforms, alliances, incubators, enterprise recognitions) change only at a full recompute, since
registering an entry does not start one. This module tells the office what is waiting for it, so
the runs page can say so and offer the recompute (views.recompute_now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from keju.monitoring.models import ComputationRun, RunStatus
from keju.planning.models import Plan
from keju.pools.models import Project, Talent
from keju.registers.models import RegisterEvent
from keju.transfer.models import TechContract


@dataclass(frozen=True)
class Pending:
    """Register changes newer than the last finished full run (`since`; None: no full run yet)."""

    since: datetime | None
    counts: tuple[tuple[str, int], ...]  # (label, changed records), only those with changes

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def last_full_run(plan: Plan) -> ComputationRun | None:
    """The last full run that finished with values stored (succeeded, or partly with errors)."""
    return (
        ComputationRun.objects.filter(
            plan=plan, full=True, status__in=[RunStatus.SUCCEEDED, RunStatus.PARTIAL]
        )
        .order_by("-started_at", "-id")
        .first()
    )


def pending_register_changes(plan: Plan) -> Pending:
    run = last_full_run(plan)
    since = run.started_at if run is not None else None
    # From the run's start, not its end: what was written while it ran may not be in its values.
    after = {} if since is None else {"at__gte": since}
    entries = (
        Q(platform__plan=plan) | Q(alliance__plan=plan) | Q(incubator__plan=plan) | Q(recognition__plan=plan)
    )
    changed = {} if since is None else {"updated_at__gte": since}
    counts = (
        (_("创新平台、联盟、孵化载体和企业认定登记"), RegisterEvent.objects.filter(entries, **after).count()),
        (_("储备项目"), Project.objects.filter(plan=plan, **changed).count()),
        (_("人才库"), Talent.objects.filter(plan=plan, **changed).count()),
        (
            _("技术合同登记"),
            TechContract.objects.filter(
                plan=plan, **({} if since is None else {"created_at__gte": since})
            ).count(),
        ),
    )
    return Pending(since, tuple((str(label), n) for label, n in counts if n))
