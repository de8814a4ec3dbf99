"""The release workflow: 草稿 → 已审核 → 已发布 (→ 已撤回), with who and when at every step.

Roles (keju.accounts):
- 省创新办 (office_staff) drafts, publishes and withdraws the zone's publications; the plan
  puts the monitoring bulletin and the annual report in its hands (七(一)4, 七(二)).
- Review is a second pair of eyes: another 省创新办 user than the drafter, or the
  第三方评估 (evaluator), whose reading of the figures is exactly what the plan asks of it.
  Reviewing changes no data, so it stays within the evaluator's read-only role.
- Superusers may do every step, but never review their own draft.
Everyone else is refused. Each service runs in one transaction and writes nothing when it
refuses (PublishingError, a message in the user's language, stable code).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.accounts.models import Role
from keju.accounts.scoping import roles_of
from keju.planning.models import Plan
from keju.publishing.models import Kind, Publication, Status
from keju.publishing.snapshot import (
    KINDS,
    SnapshotError,
    build_snapshot,
    check_snapshot,
    parse_period,
    snapshot_hash,
)


class PublishingError(Exception):
    """A refused workflow step; nothing was written.

    code: "not_allowed" | "invalid_state" | "invalid_period" | "snapshot_failed" |
    "snapshot_tampered" | "exists" | "reason_required" | "own_draft"
    """

    def __init__(self, message: str, *, code: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.problems = problems or []

    def __str__(self) -> str:
        return self.message


def _zone_role(user: Any, plan: Plan, *roles: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        r.role in roles and r.org_unit is not None and r.org_unit.plan_id == plan.pk for r in roles_of(user)
    )


def can_draft(user: Any, plan: Plan) -> bool:
    return _zone_role(user, plan, Role.OFFICE_STAFF)


def can_review(user: Any, plan: Plan) -> bool:
    return _zone_role(user, plan, Role.OFFICE_STAFF, Role.EVALUATOR)


def can_publish(user: Any, plan: Plan) -> bool:
    return _zone_role(user, plan, Role.OFFICE_STAFF)


def can_see_drafts(user: Any, plan: Plan) -> bool:
    return can_draft(user, plan) or can_review(user, plan)


def title_for(plan: Plan, kind: str, period: str) -> str:
    year, quarter = parse_period(kind, period)
    if kind == Kind.QUARTERLY:
        return f"{plan.zone_name}{year}年第{quarter}季度监测数据"
    return f"{plan.zone_name}{year}年度发展指数和创新调查报告"


def _record(pub: Publication, action: str, actor: Any, note: str = "") -> None:
    """Append a step to the edition's history (kept even if the account is deleted later)."""
    entry = {"action": action, "user": actor.get_username(), "at": timezone.now().isoformat(), "note": note}
    pub.history = [*pub.history, entry]


def _locked(publication: Publication) -> Publication:
    return Publication.objects.select_for_update().get(pk=publication.pk)


def _require(publication: Publication, *states: str, refusal: str) -> None:
    """`refusal` is the translated message, with %(title)s, %(status)s and %(wanted)s (the states)."""
    if publication.status not in states:
        wanted = _("、").join(str(Status(s).label) for s in states)
        raise PublishingError(
            refusal
            % {"title": publication.title, "status": publication.get_status_display(), "wanted": wanted},
            code="invalid_state",
        )


def _verify(publication: Publication) -> None:
    """The frozen snapshot is intact and passes its checks."""
    if snapshot_hash(publication.snapshot) != publication.snapshot_hash:
        raise PublishingError(
            _("数据快照与其校验值不符(快照可能被改动),不能继续,请重新起草"), code="snapshot_tampered"
        )
    problems = check_snapshot(publication.snapshot)
    if problems:
        shown = {"problems": _(";").join(problems[:5]), "count": len(problems)}
        message = (
            _("数据快照未通过一致性检查,不能审核或发布:%(problems)s等%(count)s个问题") % shown
            if len(problems) > 5
            else _("数据快照未通过一致性检查,不能审核或发布:%(problems)s") % shown
        )
        raise PublishingError(message, code="snapshot_failed", problems=problems)


def create_draft(*, actor: Any, plan: Plan, kind: str, period: str) -> Publication:
    """Freeze a snapshot of the stored results into a new draft (its problems are recorded, not hidden)."""
    if not can_draft(actor, plan):
        raise PublishingError(_("只有省创新办可以起草出版物"), code="not_allowed")
    if kind not in KINDS:
        raise PublishingError(_("未知的出版物类型“%(kind)s”") % {"kind": kind}, code="invalid_period")
    try:
        year, _quarter = parse_period(kind, period)
        if not plan.baseline_year <= year <= plan.plan_end + 1:
            raise SnapshotError(
                _("期别%(period)s不在规划期(%(start)s—%(end)s年)内")
                % {"period": period, "start": plan.baseline_year, "end": plan.plan_end}
            )
        snapshot = build_snapshot(plan, kind, period.strip())
    except SnapshotError as exc:
        raise PublishingError(str(exc), code="invalid_period") from exc
    period = snapshot["meta"]["period"]
    with transaction.atomic():
        active = Publication.objects.filter(
            plan=plan, kind=kind, period=period, status__in=[Status.DRAFT, Status.REVIEWED, Status.PUBLISHED]
        ).first()
        if active is not None:
            raise PublishingError(
                _("%(period)s的%(kind)s已有一份“%(status)s”的版本,请先处理该版本(已发布的须先撤回)")
                % {"period": period, "kind": Kind(kind).label, "status": active.get_status_display()},
                code="exists",
            )
        try:
            with transaction.atomic():
                pub = Publication(
                    plan=plan,
                    kind=kind,
                    period=period,
                    year=snapshot["meta"]["year"],
                    title=title_for(plan, kind, period),
                    snapshot=snapshot,
                    snapshot_hash=snapshot_hash(snapshot),
                    problems=check_snapshot(snapshot),
                    created_by=actor,
                )
                _record(pub, "draft", actor)
                pub.save()
                return pub
        except IntegrityError as exc:  # a concurrent draft of the same period won
            raise PublishingError(
                _("%(period)s的%(kind)s已有一份进行中的版本") % {"period": period, "kind": Kind(kind).label},
                code="exists",
            ) from exc


def review(publication: Publication, *, actor: Any, note: str = "") -> Publication:
    """草稿 → 已审核, by someone other than the drafter, only for a snapshot that passes its checks."""
    with transaction.atomic():
        pub = _locked(publication)
        if not can_review(actor, pub.plan):
            raise PublishingError(_("只有省创新办或第三方评估可以审核出版物"), code="not_allowed")
        _require(pub, Status.DRAFT, refusal=_("“%(title)s”当前状态为“%(status)s”,只有%(wanted)s状态才能审核"))
        if pub.created_by_id == actor.pk or (pub.history and pub.history[0]["user"] == actor.get_username()):
            raise PublishingError(_("起草人不能审核自己起草的出版物,请由另一位人员审核"), code="own_draft")
        _verify(pub)
        pub.status = Status.REVIEWED
        pub.reviewed_by = actor
        pub.reviewed_at = timezone.now()
        pub.review_note = note.strip()
        _record(pub, "review", actor, pub.review_note)
        pub.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "history"])
        return pub


def reject(publication: Publication, *, actor: Any, reason: str) -> Publication:
    """A draft or reviewed edition is turned down (已作废, kept with its reason, never public)."""
    if not reason.strip():
        raise PublishingError(_("请填写退回原因"), code="reason_required")
    with transaction.atomic():
        pub = _locked(publication)
        if not can_review(actor, pub.plan):
            raise PublishingError(_("只有省创新办或第三方评估可以退回出版物"), code="not_allowed")
        _require(
            pub,
            Status.DRAFT,
            Status.REVIEWED,
            refusal=_("“%(title)s”当前状态为“%(status)s”,只有%(wanted)s状态才能退回"),
        )
        pub.status = Status.DISCARDED
        pub.withdrawn_by = actor
        pub.withdrawn_at = timezone.now()
        pub.withdraw_reason = reason.strip()
        _record(pub, "reject", actor, pub.withdraw_reason)
        pub.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason", "history"])
        return pub


def publish(publication: Publication, *, actor: Any) -> Publication:
    """已审核 → 已发布: number the edition, render the PDF and DOCX once and keep them."""
    from keju.publishing.render import render_docx, render_pdf

    with transaction.atomic():
        pub = _locked(publication)
        if not can_publish(actor, pub.plan):
            raise PublishingError(_("只有省创新办可以发布出版物"), code="not_allowed")
        _require(
            pub, Status.REVIEWED, refusal=_("“%(title)s”当前状态为“%(status)s”,只有%(wanted)s状态才能发布")
        )
        _verify(pub)
        last = (
            Publication.objects.filter(plan=pub.plan, kind=pub.kind, year=pub.year, number__isnull=False)
            .select_for_update()
            .aggregate(m=Max("number"))["m"]
        )
        pub.number = (last or 0) + 1
        pub.status = Status.PUBLISHED
        pub.published_by = actor
        pub.published_at = timezone.now()
        pub.pdf = render_pdf(pub.snapshot, edition=edition_of(pub))
        pub.docx = render_docx(pub.snapshot, edition=edition_of(pub))
        _record(pub, "publish", actor, pub.number_label)
        pub.save()
        return pub


def withdraw(publication: Publication, *, actor: Any, reason: str) -> Publication:
    """已发布 → 已撤回: stays in the archive, marked with the reason; its data leave the public side."""
    if not reason.strip():
        raise PublishingError(_("请填写撤回原因(将在公开目录中显示)"), code="reason_required")
    with transaction.atomic():
        pub = _locked(publication)
        if not can_publish(actor, pub.plan):
            raise PublishingError(_("只有省创新办可以撤回出版物"), code="not_allowed")
        _require(
            pub, Status.PUBLISHED, refusal=_("“%(title)s”当前状态为“%(status)s”,只有%(wanted)s状态才能撤回")
        )
        pub.status = Status.WITHDRAWN
        pub.withdrawn_by = actor
        pub.withdrawn_at = timezone.now()
        pub.withdraw_reason = reason.strip()
        _record(pub, "withdraw", actor, pub.withdraw_reason)
        pub.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason", "history"])
        return pub


def edition_of(pub: Publication) -> dict[str, Any]:
    """What a rendering shows about the edition besides the snapshot: number and date, or 草稿."""
    issued = timezone.localtime(pub.published_at).date().isoformat() if pub.published_at else None
    return {
        "number": pub.number_label,
        "issued": issued,
        "title": pub.title,
        "draft": pub.status != Status.PUBLISHED and pub.published_at is None,
        "hash": pub.snapshot_hash,
    }
