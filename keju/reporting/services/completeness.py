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
from django.db.models import BooleanField, Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from keju.orgs.models import Enterprise, EnterprisePlacement, OrgUnit
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


def stated_classification(plan: Plan, flag: str, enterprise_ids: list[int] | None = None) -> pl.DataFrame:
    """enterprise_id, year, stated: every classification stated in a reported status form
    (nulls left out), all years at once.

    The flag is extracted on the database side as a boolean, so only three small columns
    travel (the reports' JSON is neither sent nor decoded): one query for the whole zone.
    """
    schema = {"enterprise_id": pl.Int64, "year": pl.Int64, "stated": pl.Boolean}
    code = status_form(forms_for(plan))
    if code is None or flag not in STATUS_FIELDS:
        return pl.DataFrame(schema=schema)
    key = f"values__{STATUS_FIELDS[flag]}"
    rows = Report.objects.filter(plan=plan, form_code=code, status__in=REPORTED_STATUSES)
    if enterprise_ids is not None:
        rows = rows.filter(enterprise_id__in=enterprise_ids)
    # JSON true/false only: a number or text in the field is no statement (as before).
    stated = Case(
        When(Q(**{key: True}), then=Value(True)),
        When(Q(**{key: False}), then=Value(False)),
        default=Value(None),
        output_field=BooleanField(),
    )
    found = rows.annotate(stated=stated).filter(stated__isnull=False)
    return pl.DataFrame(
        list(found.values_list("enterprise_id", "year", "stated")), schema=schema, orient="row"
    )


def _latest_flags(register: pl.DataFrame, stated: pl.DataFrame, year: int) -> pl.DataFrame:
    """enterprise_id, flag: the latest statement up to `year`, else the register's."""
    latest = (
        stated.filter(pl.col("year") <= year)
        .sort("enterprise_id", "year")
        .group_by("enterprise_id")
        .agg(pl.col("stated").last())
    )
    return register.join(latest, on="enterprise_id", how="left").select(
        "enterprise_id", pl.coalesce("stated", "register").fill_null(False).alias("flag")
    )


def _check_flag(flag: str) -> None:
    if flag not in REGISTER_FLAGS:
        raise ReportingError(
            _("报表的填报范围“%(flag)s”无法识别(可选:all、%(known)s)")
            % {"flag": flag, "known": "、".join(REGISTER_FLAGS)},
            code="unknown_form",
        )


def _register_flags(plan: Plan, flag: str, enterprise_ids: list[int] | None = None) -> pl.DataFrame:
    rows = Enterprise.objects.filter(plan=plan)
    if enterprise_ids is not None:
        rows = rows.filter(pk__in=enterprise_ids)
    return pl.DataFrame(
        list(rows.values_list("id", REGISTER_FLAGS[flag])),
        schema={"enterprise_id": pl.Int64, "register": pl.Boolean},
        orient="row",
    )


def classification_flags(plan: Plan, flag: str, enterprise_ids: list[int], year: int) -> pl.DataFrame:
    """enterprise_id, flag: the latest stated classification up to `year`, else the register's.

    For a few enterprises (a reminder, one respondent); the zone-wide figures read every
    enterprise's flags once per call through `_ZoneFrames`.
    """
    _check_flag(flag)
    register = _register_flags(plan, flag, enterprise_ids)
    return _latest_flags(register, stated_classification(plan, flag, enterprise_ids), year)


class _ZoneFrames:
    """What the expected respondents of many periods share, read once per call: the zone's
    placements and, per flag, the register's and the stated classifications. Each period is
    then a vectorised filter, so a page over every period costs a few queries, not a few per
    period (and never reads the reports' JSON)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._placements: pl.DataFrame | None = None
        self._flags: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
        self._districts: pl.DataFrame | None = None

    def districts(self) -> pl.DataFrame:
        """The zone's districts as the respondents of a district form."""
        if self._districts is None:
            rows = OrgUnit.objects.filter(plan=self.plan, level="district").order_by("id")
            self._districts = pl.DataFrame(
                [(code, None, pk, pk, None) for code, pk in rows.values_list("code", "id")],
                schema=EXPECTED_SCHEMA,
                orient="row",
            )
        return self._districts

    def placements(self) -> pl.DataFrame:
        if self._placements is None:
            rows = EnterprisePlacement.objects.filter(enterprise__plan=self.plan).values_list(
                "enterprise_id", "district_id", "park_id", "valid_from", "valid_to", "enterprise__closed_on"
            )
            self._placements = pl.DataFrame(
                list(rows),
                schema={
                    "enterprise_id": pl.Int64,
                    "district_id": pl.Int64,
                    "park_id": pl.Int64,
                    "valid_from": pl.Date,
                    "valid_to": pl.Date,
                    "closed_on": pl.Date,
                },
                orient="row",
            )
        return self._placements

    def placed(self, on: date) -> pl.DataFrame:
        """enterprise_id, district_id, park_id of the open enterprises placed in the zone on `on`."""
        frame = self.placements()
        return (
            frame.filter(
                (pl.col("valid_from") <= on)
                & (pl.col("valid_to").is_null() | (pl.col("valid_to") > on))
                & (pl.col("closed_on").is_null() | (pl.col("closed_on") > on))
            )
            .select("enterprise_id", "district_id", "park_id")
            .sort("enterprise_id")
        )

    def flags(self, flag: str, year: int) -> pl.DataFrame:
        _check_flag(flag)
        if flag not in self._flags:
            self._flags[flag] = (
                _register_flags(self.plan, flag),
                stated_classification(self.plan, flag),
            )
        register, stated = self._flags[flag]
        return _latest_flags(register, stated, year)


def expected_respondents(plan: Plan, form_code: str, period: str) -> pl.DataFrame:
    """respondent (enterprise id as text, or district code), enterprise_id, org_unit_id,
    district_id and park_id (where the respondent sat at the period's end)."""
    return _expected(_ZoneFrames(plan), form_for(plan, form_code), period)


def _expected(frames: _ZoneFrames, form: ReportForm, period: str) -> pl.DataFrame:
    year, _, ends_on = period_bounds(form, period)
    if form.respondent_level == "district":
        return frames.districts()
    frame = frames.placed(ends_on)
    if form.respondents != "all" and frame.height:
        flags = frames.flags(form.respondents, year)
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


def _respondent_status(frames: _ZoneFrames, period_row: ReportingPeriod) -> pl.DataFrame:
    """The expected respondents of a period with their report (if any) and its state."""
    plan = frames.plan
    form = form_for(plan, period_row.form_code)
    expected = _expected(frames, form, period_row.period)
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
    frames = _ZoneFrames(plan)
    for row in _periods(plan, form_code, period, only_open):
        status = _respondent_status(frames, row)
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
    frames = _ZoneFrames(plan)
    for row in _periods(plan, form_code, None, only_open=True):
        if row.due_on >= today:
            continue
        status = _respondent_status(frames, row).filter(~pl.col("reported"))
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
