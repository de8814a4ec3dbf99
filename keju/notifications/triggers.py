"""What happened elsewhere, and who is told: returned and approved reports, warnings that
turned red, published editions. Called from the signal receivers in keju.notifications.signals
(and callable directly: each is idempotent)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.accounts.models import Role
from keju.notifications.models import Kind, RedWarningState
from keju.notifications.services import Draft, composing, deliver, reporters_of, reviewers_of, zone_staff

# The level keju.metrics.warnings calls red (红色预警).
RED = "red"
# A digest lists this many warnings; the rest are counted and one click away.
DIGEST_LINES = 20


def _url(name: str, *args: Any, query: str = "") -> str:
    try:
        return reverse(name, args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return ""


def _form_label(report: Any) -> str:
    from keju.reporting.services import ReportingError, form_for

    try:
        name = form_for(report.plan, report.form_code).name
    except ReportingError:
        return report.form_code
    return f"{name}({report.form_code})"


def _respondent_users(report: Any) -> list[int]:
    """Who fills the report: its enterprise's reporters, or the district's reviewers for a
    district's own form."""
    if report.enterprise_id:
        return reporters_of([report.enterprise_id]).get(report.enterprise_id, [])
    return reviewers_of([report.org_unit_id]).get(report.org_unit_id, [])


# --- reports ------------------------------------------------------------------------------


def report_reviewed(action: Any) -> int:
    """A reviewer returned (退回) or approved (审核通过) a report: tell its respondent.

    The notification of a return names the reviewer's reason and every explanation
    (情况说明) the reviewer rejected with it, which must be rewritten before resubmitting.
    """
    from keju.reporting.models import Explanation, ExplanationStatus, ReviewDecision

    if action.decision not in (ReviewDecision.RETURN, ReviewDecision.APPROVE):
        return 0
    report = action.report
    users = _respondent_users(report)
    if not users:
        return 0
    with composing():
        what = _("%(form)s %(period)s") % {"form": _form_label(report), "period": report.period}
        who = report.respondent_name
        actor = action.actor
        reviewer = (
            (actor.get_full_name().strip() if actor is not None else "") or action.actor_name or _("审核员")
        )
        if action.decision == ReviewDecision.RETURN:
            kind = Kind.REPORT_RETURNED
            title = _("报表被退回:%(what)s") % {"what": what}
            lines = [
                _("%(who)s的%(what)s被%(reviewer)s退回,请修改后重新上报。")
                % {"who": who, "what": what, "reviewer": reviewer},
                _("退回原因:%(reason)s") % {"reason": action.reason or "—"},
            ]
            rejected = Explanation.objects.filter(
                report_id=report.pk, version=action.version, status=ExplanationStatus.REJECTED
            ).order_by("check_code")
            for e in rejected:
                lines.append(
                    _("被驳回的情况说明(%(code)s):%(warning)s —— 原说明“%(text)s”,请重新说明。")
                    % {"code": e.check_code, "warning": e.warning, "text": e.text}
                )
        else:
            kind = Kind.REPORT_APPROVED
            title = _("报表审核通过:%(what)s") % {"what": what}
            lines = [
                _("%(who)s的%(what)s已由%(reviewer)s审核通过。")
                % {"who": who, "what": what, "reviewer": reviewer}
            ]
            if action.reason:
                lines.append(_("审核意见:%(note)s") % {"note": action.reason})
    body = "\n".join(lines)
    url = _url("reporting:report", report.pk)
    key = f"{kind}:{action.pk}"
    return deliver(Draft(u, kind, key, title, body, url) for u in users)


# --- publications ---------------------------------------------------------------------------


def publication_published(publication: Any) -> int:
    """An edition was published: tell the zone's office, working groups and evaluators
    (the publisher excepted: they pressed the button)."""
    from keju.publishing.models import Status

    if publication.status != Status.PUBLISHED:
        return 0
    users = [
        u
        for u in zone_staff(publication.plan_id, Role.OFFICE_STAFF, Role.WORKING_GROUP_STAFF, Role.EVALUATOR)
        if u != publication.published_by_id
    ]
    if not users:
        return 0
    with composing():
        label = publication.number_label
        when = timezone.localtime(publication.published_at or timezone.now()).date()
        title = _("已发布:%(title)s") % {"title": publication.title}
        body = _("《%(title)s》%(number)s已于%(date)s发布,公众可在公开目录中查看和下载。") % {
            "title": publication.title,
            "number": f"({label})" if label else "",
            "date": when.isoformat(),
        }
    key = f"{Kind.PUBLICATION_PUBLISHED}:{publication.pk}"
    url = _url("publishing:edition", publication.pk)
    return deliver(Draft(u, Kind.PUBLICATION_PUBLISHED, key, title, body, url) for u in users)


# --- red warnings ---------------------------------------------------------------------------


def warning_key(row: dict[str, Any]) -> str:
    """A warning's identity across computations (its rows are replaced every run)."""
    return f"{row['code']}|{row['indicator_id'] or ''}|{row['target_id'] or ''}|{row['org_unit_id']}"


def warnings_turned_red(run: Any) -> int:
    """After a computation run: announce the red warnings that were not red before.

    Office staff hear of every one; a district's reviewers of those about their district or
    its parks (what they may see in monitoring). One digest per user and run, not one
    message per warning. A partial run (some part failed) only adds: a warning missing from
    it may have failed to compute rather than cleared.
    """
    from keju.monitoring.models import EarlyWarning, RunStatus
    from keju.planning.models import Plan

    if run.status not in (RunStatus.SUCCEEDED, RunStatus.PARTIAL) or run.finished_at is None:
        return 0
    # Serialise with other runs of the plan finishing at the same time.
    Plan.objects.select_for_update().filter(pk=run.plan_id).values_list("pk", flat=True).first()
    rows = list(
        EarlyWarning.objects.filter(plan_id=run.plan_id, level=RED)
        .order_by("org_unit_id", "indicator_id", "code", "id")
        .values(
            "code",
            "indicator_id",
            "target_id",
            "org_unit_id",
            "message",
            "org_unit__level",
            "org_unit__parent_id",
            "org_unit__parent__level",
        )
    )
    current = {warning_key(r): r for r in rows}
    known = set(RedWarningState.objects.filter(plan_id=run.plan_id).values_list("key", flat=True))
    if run.status == RunStatus.SUCCEEDED:
        cleared = known - current.keys()
        if cleared:
            RedWarningState.objects.filter(plan_id=run.plan_id, key__in=cleared).delete()
    new = [r for k, r in current.items() if k not in known]
    if not new:
        return 0
    RedWarningState.objects.bulk_create(
        [RedWarningState(plan_id=run.plan_id, key=warning_key(r), run_id=run.pk) for r in new],
        ignore_conflicts=True,
    )
    return _announce(run, new)


def _district_of(row: dict[str, Any]) -> int | None:
    if row["org_unit__level"] == "district":
        return int(row["org_unit_id"])
    if row["org_unit__level"] == "park" and row["org_unit__parent__level"] == "district":
        return int(row["org_unit__parent_id"])
    return None


def _announce(run: Any, new: list[dict[str, Any]]) -> int:
    per_user: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    everything = {warning_key(r): r for r in new}
    for u in zone_staff(run.plan_id, Role.OFFICE_STAFF):
        per_user[u].update(everything)
    by_district: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in new:
        district = _district_of(r)
        if district is not None:
            by_district[district][warning_key(r)] = r
    for district, users in reviewers_of(by_district).items():
        for u in users:
            per_user[u].update(by_district[district])
    key = f"{Kind.WARNING_RED}:run:{run.pk}"
    url = _url("monitoring:warnings", query="level=red")
    order = {k: i for i, k in enumerate(everything)}
    drafts = []
    with composing():
        for u, found in per_user.items():
            items = sorted(found.items(), key=lambda kv: order[kv[0]])
            title = _("新增%(n)d条红色预警") % {"n": len(items)}
            lines = [_("最近一次指标计算新发现%(n)d条红色预警:") % {"n": len(items)}]
            lines += [f"· {r['message']}" for _k, r in items[:DIGEST_LINES]]
            if len(items) > DIGEST_LINES:
                lines.append(
                    _("……另有%(n)d条,请在“监测评价—预警”中查看。") % {"n": len(items) - DIGEST_LINES}
                )
            drafts.append(Draft(u, Kind.WARNING_RED, key, title, "\n".join(lines), url))
    return deliver(drafts)
