"""Who must report, who has, and who is late (completeness and timeliness, 报送率 and 及时率).

Expected respondents of an enterprise form for a period are the enterprises placed in the
zone at the period's end (where they sat then), narrowed by the form's `respondents`:
"all", or a classification flag such as "above_scale" judged by the enterprise's latest
annual classification (the status form, KJ101 in Lanbai) of that year or before, else by
the register. A district form expects every district of the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.db.models import Q
from django.utils import timezone

from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
from keju.orgs.querysets import covering_q
from keju.plan.forms import ReportForm
from keju.planning.models import Plan
from keju.reporting.models import REPORTED_STATUSES, Report, ReportingPeriod, ReportStatus
from keju.reporting.services.errors import ReportingError
from keju.reporting.services.forms import form_for, forms_for, period_bounds

# Register fields and status-form fields of the classification flags a form may require.
REGISTER_FLAGS = {
    "above_scale": "is_above_scale",
    "high_tech_enterprise": "is_high_tech_enterprise",
    "industrial": "is_industrial",
}
STATUS_FIELDS = {"above_scale": "is_above_scale", "high_tech_enterprise": "is_high_tech_enterprise"}

EXPECTED_SCHEMA = {
    "respondent": pl.String,
    "enterprise_id": pl.Int64,
    "org_unit_id": pl.Int64,
    "district_id": pl.Int64,
    "park_id": pl.Int64,
}


def status_form(forms: dict[str, ReportForm]) -> str | None:
    """The enterprise annual form that asks the yearly classification flags."""
    wanted = set(STATUS_FIELDS.values())
    for code, form in forms.items():
        if (
            form.respondent_level == "enterprise"
            and form.period_type == "annual"
            and wanted <= {f.code for f in form.fields}
        ):
            return code
    return None


def classification_flags(plan: Plan, flag: str, enterprise_ids: list[int], year: int) -> pl.DataFrame:
    """enterprise_id, flag: the latest stated classification up to `year`, else the register's."""
    if flag not in REGISTER_FLAGS:
        raise ReportingError(
            f"报表的填报范围“{flag}”无法识别(可选:all、{'、'.join(REGISTER_FLAGS)})", code="unknown_form"
        )
    register = pl.DataFrame(
        list(Enterprise.objects.filter(pk__in=enterprise_ids).values_list("id", REGISTER_FLAGS[flag])),
        schema={"enterprise_id": pl.Int64, "register": pl.Boolean},
        orient="row",
    )
    stated = pl.DataFrame(schema={"enterprise_id": pl.Int64, "stated": pl.Boolean})
    code = status_form(forms_for(plan))
    if code is not None and flag in STATUS_FIELDS:
        rows = (
            Report.objects.filter(
                plan=plan,
                form_code=code,
                year__lte=year,
                status__in=REPORTED_STATUSES,
                enterprise_id__in=enterprise_ids,
            )
            .order_by("enterprise_id", "year")
            .values_list("enterprise_id", "year", f"values__{STATUS_FIELDS[flag]}")
        )
        found = pl.DataFrame(
            [(e, y, v if isinstance(v, bool) else None) for e, y, v in rows],
            schema={"enterprise_id": pl.Int64, "year": pl.Int64, "stated": pl.Boolean},
            orient="row",
        )
        stated = (
            found.drop_nulls("stated")
            .sort("enterprise_id", "year")
            .group_by("enterprise_id")
            .agg(pl.col("stated").last())
        )
    return register.join(stated, on="enterprise_id", how="left").select(
        "enterprise_id", pl.coalesce("stated", "register").fill_null(False).alias("flag")
    )


# The name the web views first used.
_flags = classification_flags


def expected_respondents(plan: Plan, form_code: str, period: str) -> pl.DataFrame:
    """respondent (enterprise id as text, or district code), enterprise_id, org_unit_id,
    district_id and park_id (where the respondent sat at the period's end)."""
    form = form_for(plan, form_code)
    year, _, ends_on = period_bounds(form, period)
    if form.respondent_level == "district":
        rows = OrgUnit.objects.filter(plan=plan, level="district").order_by("id").values_list("code", "id")
        return pl.DataFrame(
            [(code, None, pk, pk, None) for code, pk in rows], schema=EXPECTED_SCHEMA, orient="row"
        )
    placed = EnterprisePlacement.objects.filter(covering_q(ends_on), enterprise__plan=plan).filter(
        Q(enterprise__closed_on__isnull=True) | Q(enterprise__closed_on__gt=ends_on)
    )
    frame = pl.DataFrame(
        list(placed.order_by("enterprise_id").values_list("enterprise_id", "district_id", "park_id")),
        schema={"enterprise_id": pl.Int64, "district_id": pl.Int64, "park_id": pl.Int64},
        orient="row",
    )
    if form.respondents != "all" and frame.height:
        flags = classification_flags(plan, form.respondents, frame["enterprise_id"].to_list(), year)
        frame = frame.join(flags, on="enterprise_id", how="left").filter(pl.col("flag").fill_null(False))
    return frame.select(
        pl.col("enterprise_id").cast(pl.String).alias("respondent"),
        "enterprise_id",
        pl.lit(None, dtype=pl.Int64).alias("org_unit_id"),
        "district_id",
        "park_id",
    )


def _reports(plan: Plan, form: ReportForm, period: str) -> pl.DataFrame:
    key = "enterprise_id" if form.respondent_level == "enterprise" else "org_unit_id"
    rows = Report.objects.filter(plan=plan, form_code=form.code, period=period).values_list(
        "id", key, "status", "first_submitted_at"
    )
    tz = timezone.get_current_timezone()
    return pl.DataFrame(
        [(pk, who, status, ts.astimezone(tz).date() if ts else None) for pk, who, status, ts in rows],
        schema={"report_id": pl.Int64, key: pl.Int64, "status": pl.String, "submitted_on": pl.Date},
        orient="row",
    )


def _respondent_status(plan: Plan, period_row: ReportingPeriod) -> pl.DataFrame:
    """The expected respondents of a period with their report (if any) and its state."""
    form = form_for(plan, period_row.form_code)
    expected = expected_respondents(plan, form.code, period_row.period)
    key = "enterprise_id" if form.respondent_level == "enterprise" else "org_unit_id"
    joined = expected.join(_reports(plan, form, period_row.period), on=key, how="left")
    reported = pl.col("status").is_in([str(s) for s in REPORTED_STATUSES])
    return joined.with_columns(
        reported.fill_null(False).alias("reported"),
        (reported & (pl.col("submitted_on") <= period_row.due_on)).fill_null(False).alias("on_time"),
        (pl.col("status").is_in([str(ReportStatus.APPROVED), str(ReportStatus.LOCKED)]))
        .fill_null(False)
        .alias("approved"),
    )


@dataclass(frozen=True)
class CompletenessRow:
    form_code: str
    period: str
    due_on: date
    is_open: bool
    district_id: int
    district: str
    expected: int
    reported: int
    on_time: int
    approved: int

    @property
    def rate(self) -> float | None:
        """报送率: reported / expected (None when nobody is expected)."""
        return self.reported / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        """及时率: reported by the due date / expected."""
        return self.on_time / self.expected if self.expected else None

    @property
    def missing(self) -> int:
        return self.expected - self.reported


def _visible_districts(user: Any, plan: Plan) -> set[int] | None:
    """District ids whose figures the user may see (None: no user given, all of them).
    Only reviewers and zone roles see completeness: a reporter's business is its own reports."""
    from keju.accounts.scoping import has_role, org_unit_q

    if user is None:
        return None
    sees = has_role(user, "district_reviewer", "office_staff", "working_group_staff", "evaluator")
    if not (sees or (user.is_authenticated and user.is_active and user.is_superuser)):
        return set()
    return set(
        OrgUnit.objects.filter(org_unit_q(user, "view"), plan=plan, level="district").values_list(
            "id", flat=True
        )
    )


def _periods(plan: Plan, form_code: str | None, period: str | None, only_open: bool) -> list[ReportingPeriod]:
    rows = ReportingPeriod.objects.filter(plan=plan)
    if form_code:
        rows = rows.filter(form_code=form_code)
    if period:
        rows = rows.filter(period=period)
    if only_open:
        rows = rows.filter(is_open=True)
    return list(rows.order_by("form_code", "starts_on"))


def completeness(
    plan: Plan,
    *,
    form_code: str | None = None,
    period: str | None = None,
    user: Any = None,
    only_open: bool = False,
) -> list[CompletenessRow]:
    """Reported / expected and on time, per district, form and period (of the periods that exist).

    With `user`, only the districts the user may see (a reporter sees none: completeness
    is about other respondents).
    """
    visible = _visible_districts(user, plan)
    names = dict(OrgUnit.objects.filter(plan=plan, level="district").values_list("id", "name"))
    result: list[CompletenessRow] = []
    for row in _periods(plan, form_code, period, only_open):
        status = _respondent_status(plan, row)
        counts = status.group_by("district_id").agg(
            pl.len().alias("expected"),
            pl.col("reported").sum(),
            pl.col("on_time").sum(),
            pl.col("approved").sum(),
        )
        by_district = {r["district_id"]: r for r in counts.iter_rows(named=True)}
        for district_id, name in names.items():
            if visible is not None and district_id not in visible:
                continue
            c = by_district.get(district_id, {})
            result.append(
                CompletenessRow(
                    form_code=row.form_code,
                    period=row.period,
                    due_on=row.due_on,
                    is_open=row.is_open,
                    district_id=district_id,
                    district=name,
                    expected=int(c.get("expected", 0)),
                    reported=int(c.get("reported", 0)),
                    on_time=int(c.get("on_time", 0)),
                    approved=int(c.get("approved", 0)),
                )
            )
    return result


@dataclass(frozen=True)
class OverdueRow:
    form_code: str
    period: str
    due_on: date
    days_overdue: int
    district_id: int
    district: str
    respondent: str  # enterprise or district name
    enterprise_id: int | None
    org_unit_id: int | None
    report_id: int | None
    status: str | None  # None: not started


def overdue_respondents(
    plan: Plan, *, user: Any = None, today: date | None = None, form_code: str | None = None
) -> list[OverdueRow]:
    """Expected respondents of open periods past their due date who have not submitted
    (no report, a draft or a returned report), oldest deadline first."""
    today = today or timezone.localdate()
    visible = _visible_districts(user, plan)
    names = dict(OrgUnit.objects.filter(plan=plan).values_list("id", "name"))
    result: list[OverdueRow] = []
    for row in _periods(plan, form_code, None, only_open=True):
        if row.due_on >= today:
            continue
        status = _respondent_status(plan, row).filter(~pl.col("reported"))
        if visible is not None:
            status = status.filter(pl.col("district_id").is_in(list(visible)))
        if not status.height:
            continue
        ent_ids = status["enterprise_id"].drop_nulls().to_list()
        ent_names = (
            dict(Enterprise.objects.filter(pk__in=ent_ids).values_list("id", "name")) if ent_ids else {}
        )
        for r in status.sort("district_id", "respondent").iter_rows(named=True):
            result.append(
                OverdueRow(
                    form_code=row.form_code,
                    period=row.period,
                    due_on=row.due_on,
                    days_overdue=(today - row.due_on).days,
                    district_id=r["district_id"],
                    district=names.get(r["district_id"], ""),
                    respondent=ent_names.get(r["enterprise_id"], "")
                    if r["enterprise_id"] is not None
                    else names.get(r["org_unit_id"], ""),
                    enterprise_id=r["enterprise_id"],
                    org_unit_id=r["org_unit_id"],
                    report_id=r["report_id"],
                    status=r["status"],
                )
            )
    return result
