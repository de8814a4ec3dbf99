"""Deadline reminders (`keju notifications remind`, run daily).

For every open reporting period, the respondents expected to report that have not
submitted (no report, a draft, or a returned report) are reminded:

- before the deadline, once per stage of KEJU_REMINDER_DAYS (default 7 and 1 days left);
- after it, once when it has passed and then every KEJU_OVERDUE_REPEAT_DAYS (default 7)
  while the period stays open.

A reminder is keyed by period, due date, stage and respondent, so running the command
twice a day, or catching up after a missed day, sends nothing twice, and a day missed
never makes two stages arrive at once (only the most urgent stage is due). Moving the
deadline starts the stages afresh for the new date. Who is reminded: the enterprise's
reporters, or the district's reviewers for a district's own forms; and, once overdue, each
district's reviewers get one digest of their district's enterprises that have not reported
(the same schedule), so that they can chase them (催报).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from keju.notifications.models import Kind
from keju.notifications.services import Draft, composing, deliver, reviewers_of

log = logging.getLogger("keju.notifications")

DEFAULT_REMINDER_DAYS = (7, 1)
DEFAULT_OVERDUE_REPEAT_DAYS = 7
# A district's overdue digest names this many enterprises and counts the rest.
DIGEST_NAMES = 30


def reminder_days() -> tuple[int, ...]:
    days = getattr(settings, "KEJU_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)
    return tuple(sorted({int(d) for d in days if int(d) >= 0}))


def overdue_repeat_days() -> int:
    return max(1, int(getattr(settings, "KEJU_OVERDUE_REPEAT_DAYS", DEFAULT_OVERDUE_REPEAT_DAYS)))


def stage(due_on: date, today: date) -> tuple[str, str] | None:
    """The reminder due on `today` for a deadline: (kind, stage), or None.

    Before the deadline the stage is the smallest reminder day not below the days left
    (3 days left with stages 7 and 1: stage 7; the day before: stage 1; on the day: stage 1).
    After it, one stage per repeat interval, starting the day after the deadline.
    """
    left = (due_on - today).days
    if left < 0:
        return Kind.OVERDUE, f"o{(-left - 1) // overdue_repeat_days()}"
    days = [d for d in reminder_days() if d >= left]
    if not days:
        return None
    return Kind.DEADLINE_SOON, f"s{min(days)}"


@dataclass
class RemindResult:
    periods: int = 0  # open periods with a reminder stage today
    respondents: int = 0  # respondents not yet submitted in those periods
    created: Counter[str] = field(default_factory=Counter)  # notifications written, by kind

    @property
    def total(self) -> int:
        return sum(self.created.values())


STATUS_TEXT = {
    None: gettext_noop("尚未开始填报"),
    "draft": gettext_noop("已暂存草稿、尚未上报"),
    "returned": gettext_noop("被退回后尚未重新上报"),
}


def _missing(plan: Any, form: Any, period: Any) -> pl.DataFrame:
    """Expected respondents of the period that have not submitted: respondent_id (enterprise
    or org unit id), district_id (where it sat at the period's end), report_id, status (None:
    not started)."""
    from keju.reporting.models import REPORTED_STATUSES, Report
    from keju.reporting.services import expected_respondents

    key = "enterprise_id" if form.respondent_level == "enterprise" else "org_unit_id"
    expected = expected_respondents(plan, form.code, period.period).select(
        pl.col(key).alias("respondent_id"), "district_id"
    )
    rows = Report.objects.filter(plan=plan, form_code=form.code, period=period.period).values_list(
        key, "id", "status"
    )
    reports = pl.DataFrame(
        list(rows),
        schema={"respondent_id": pl.Int64, "report_id": pl.Int64, "status": pl.String},
        orient="row",
    )
    done = [str(s) for s in REPORTED_STATUSES]
    return expected.join(reports, on="respondent_id", how="left").filter(
        ~pl.col("status").is_in(done).fill_null(False)
    )


def _names(level: str, ids: list[int]) -> dict[int, str]:
    from keju.orgs.models import Enterprise, OrgUnit

    model = Enterprise if level == "enterprise" else OrgUnit
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        out.update(model.objects.filter(pk__in=ids[start : start + 500]).values_list("pk", "name"))
    return out


# Placeholders for the per-respondent parts of a text composed once per period.
WHO, STATE = "\x00who\x00", "\x00state\x00"


def _texts(kind: str, *, what: str, due_on: date, today: date) -> tuple[str, str]:
    """Title and body of a reminder, with WHO and STATE still to fill in (translating once per
    period, not once per respondent)."""
    left = (due_on - today).days
    common = {"who": WHO, "what": what, "due": due_on.isoformat(), "state": STATE}
    if kind == Kind.OVERDUE:
        title = _("已逾期%(n)d天:%(what)s") % {"n": -left, "what": what}
        body = _(
            "%(who)s的%(what)s截止日期为%(due)s,已逾期%(n)d天,目前%(state)s。"
            "填报期关闭前仍可上报,逾期上报计为不及时。"
        ) % {**common, "n": -left}
    elif left == 0:
        title = _("今天截止:%(what)s") % {"what": what}
        body = _("%(who)s的%(what)s今天(%(due)s)截止,目前%(state)s,请尽快完成填报并上报。") % common
    else:
        title = _("还有%(n)d天截止:%(what)s") % {"n": left, "what": what}
        body = _(
            "%(who)s的%(what)s将于%(due)s截止(还有%(n)d天),目前%(state)s,请在截止日期前完成填报并上报。"
        ) % {**common, "n": left}
    return title, body


def send_reminders(*, today: date | None = None, plan: Any = None) -> RemindResult:
    """Remind every respondent due a reminder today (see the module docstring); idempotent."""
    from keju.reporting.models import ReportingPeriod
    from keju.reporting.services import ReportingError, form_for

    today = today or timezone.localdate()
    result = RemindResult()
    periods = ReportingPeriod.objects.filter(is_open=True).select_related("plan").order_by("due_on", "id")
    if plan is not None:
        periods = periods.filter(plan=plan)
    for period in periods.defer("plan__document"):
        due = stage(period.due_on, today)
        if due is None:
            continue
        kind, step = due
        try:
            form = form_for(period.plan, period.form_code)
            missing = _missing(period.plan, form, period)
        except ReportingError as exc:
            log.warning("no reminders for %s %s: %s", period.form_code, period.period, exc.message)
            continue
        result.periods += 1
        result.respondents += missing.height
        if not missing.height:
            continue
        ids = missing["respondent_id"].to_list()
        names = _names(form.respondent_level, ids)
        with composing():
            what = _("%(form)s(%(code)s)%(period)s") % {
                "form": form.name,
                "code": form.code,
                "period": period.period,
            }
            drafts = _respondent_drafts(form, period, missing, names, kind, step, what, today)
            if kind == Kind.OVERDUE and form.respondent_level == "enterprise":
                drafts += _district_drafts(period, missing, names, step, what, today)
        result.created[kind] += deliver(drafts)
    return result


def _respondent_drafts(
    form: Any,
    period: Any,
    missing: pl.DataFrame,
    names: dict[int, str],
    kind: str,
    step: str,
    what: str,
    today: date,
) -> list[Draft]:
    """One reminder per respondent to each of the people who fill its forms."""
    enterprise = form.respondent_level == "enterprise"
    if enterprise:
        fillers = _reporters(period.plan_id)
    else:
        pairs = [
            (o, u) for o, users in reviewers_of(missing["respondent_id"].to_list()).items() for u in users
        ]
        fillers = pl.DataFrame(pairs, schema=FILLERS, orient="row")
    rows = missing.join(fillers, on="respondent_id", how="inner").sort("respondent_id", "user_id")
    title, body = _texts(kind, what=what, due_on=period.due_on, today=today)
    states = {status: _(text) for status, text in STATUS_TEXT.items()}
    mine = reverse("reporting:mine")
    report_url = reverse("reporting:report", args=[999999999]).replace("999999999", "{}")
    prefix = f"{kind}:{period.pk}:{period.due_on.isoformat()}:{step}:{'e' if enterprise else 'o'}"
    drafts: list[Draft] = []
    for rid, user_id, report_id, status in rows.select(
        "respondent_id", "user_id", "report_id", "status"
    ).iter_rows():
        text = body.replace(WHO, names.get(rid, "")).replace(STATE, states.get(status, states[None]))
        url = report_url.format(report_id) if report_id else mine
        drafts.append(Draft(user_id, kind, f"{prefix}{rid}", title, text, url))
    return drafts


FILLERS = {"respondent_id": pl.Int64, "user_id": pl.Int64}


def _reporters(plan_id: int) -> pl.DataFrame:
    """respondent_id (enterprise), user_id: every active enterprise reporter of the plan, in one
    query (cheaper than looking up thousands of enterprises in chunks)."""
    from keju.accounts.models import Role, RoleAssignment

    rows = RoleAssignment.objects.filter(
        role=Role.ENTERPRISE_REPORTER, enterprise__plan_id=plan_id, user__is_active=True
    ).values_list("enterprise_id", "user_id")
    return pl.DataFrame(list(rows), schema=FILLERS, orient="row")


def _district_drafts(
    period: Any, missing: pl.DataFrame, names: dict[int, str], step: str, what: str, today: date
) -> list[Draft]:
    """Overdue enterprise forms, one digest per district to its reviewers (who chase them, 催报),
    including enterprises that have no reporter account to remind. A district is where the
    enterprise sat at the period's end: the district its report belongs to."""
    per_district = (
        missing.group_by("district_id")
        .agg(pl.col("respondent_id").sort(), pl.len().alias("n"))
        .sort("district_id")
    )
    reviewers = reviewers_of(per_district["district_id"].to_list())
    url = reverse("reporting:completeness")
    days = (today - period.due_on).days
    drafts: list[Draft] = []
    for r in per_district.filter(pl.col("district_id").is_in(list(reviewers))).iter_rows(named=True):
        listed = [names.get(i, "") for i in r["respondent_id"][:DIGEST_NAMES]]
        more = r["n"] - len(listed)
        title = _("本区%(n)d家企业逾期未报:%(what)s") % {"n": r["n"], "what": what}
        body = _("%(what)s截止日期为%(due)s,已逾期%(days)d天,本区仍有%(n)d家企业未上报:%(names)s") % {
            "what": what,
            "due": period.due_on.isoformat(),
            "days": days,
            "n": r["n"],
            "names": "、".join(listed) + (_("等(另有%(m)d家)") % {"m": more} if more else ""),
        }
        key = f"{Kind.OVERDUE}:{period.pk}:{period.due_on.isoformat()}:{step}:d{r['district_id']}"
        drafts += [Draft(u, Kind.OVERDUE, key, title, body, url) for u in reviewers[r["district_id"]]]
    return drafts
