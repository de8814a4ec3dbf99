"""The report forms of a stored plan, and the calendar of their periods."""

from __future__ import annotations

import re
import threading
from calendar import monthrange
from datetime import date, timedelta
from pathlib import Path

from django.utils.translation import gettext as _

from keju.plan import PlanError, load_forms
from keju.plan.forms import ReportForm
from keju.plan.schema import Plan as PlanSpec
from keju.planning.models import Plan
from keju.reporting.services.errors import ReportingError

_cache: dict[
    tuple[int, str, str], tuple[tuple[Path, ...], tuple[int, ...] | None, dict[str, ReportForm]]
] = {}
_lock = threading.Lock()

ANNUAL_RE = re.compile(r"^(\d{4})$")
QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def forms_for(plan: Plan) -> dict[str, ReportForm]:
    """The report forms `plan` lists, keyed by code, read from the form files beside the
    plan's file (the list stored when the plan was loaded).

    Cached per plan and file content (the plan's hash, the form files' modification times),
    so an edited form is picked up without a restart. The plan's large `document` is read
    only on a cache miss: callers on hot paths load plans with `defer("document")`.
    """
    key = (plan.pk, plan.source_file, plan.content_hash)
    cached = _cache.get(key)
    if cached is not None:
        paths, mtimes, forms = cached
        if _mtimes(paths) == mtimes:
            return forms
    base = Path(plan.source_file)
    document = Plan.objects.filter(pk=plan.pk).values_list("document", flat=True).first() or {}
    paths = tuple(base.parent / rel for rel in document.get("forms", []))
    mtimes = _mtimes(paths)
    if not plan.source_file or mtimes is None:
        raise ReportingError(
            _("找不到规划“%(plan)s”的报表定义文件;请重新载入规划") % {"plan": plan.title}, code="unknown_form"
        )
    # Only the form listing is needed: the plan itself was validated when it was loaded.
    listing = PlanSpec.model_construct(forms=[str(p.relative_to(base.parent)) for p in paths])
    try:
        forms = load_forms(listing, base)
    except PlanError as exc:
        raise ReportingError(
            _("报表定义文件有误:%(problem)s") % {"problem": exc}, code="unknown_form"
        ) from exc
    with _lock:
        _cache[key] = (paths, mtimes, forms)
    return forms


def _mtimes(paths: tuple[Path, ...]) -> tuple[int, ...] | None:
    try:
        return tuple(p.stat().st_mtime_ns for p in paths)
    except OSError:
        return None


def form_for(plan: Plan, form_code: str) -> ReportForm:
    forms = forms_for(plan)
    form = forms.get(form_code)
    if form is None:
        known = "、".join(sorted(forms)) or _("无")
        raise ReportingError(
            _("未知的报表“%(form)s”(本规划的报表:%(known)s)") % {"form": form_code, "known": known},
            code="unknown_form",
        )
    return form


def period_bounds(form: ReportForm, period: str) -> tuple[int, date, date]:
    """Year, first and last day of `period` ("2016" for annual forms, "2016Q3" for quarterly)."""
    text = (period or "").strip()
    if form.period_type == "annual":
        m = ANNUAL_RE.match(text)
        if not m:
            raise ReportingError(
                _("报告期“%(period)s”格式错误:%(form)s为年报,报告期应为四位年份,如2016")
                % {"period": period, "form": form.name},
                code="invalid_period",
            )
        year = int(m.group(1))
        return year, date(year, 1, 1), date(year, 12, 31)
    m = QUARTER_RE.match(text)
    if not m:
        raise ReportingError(
            _("报告期“%(period)s”格式错误:%(form)s为季报,报告期应为年份加季度,如2016Q3")
            % {"period": period, "form": form.name},
            code="invalid_period",
        )
    year, quarter = int(m.group(1)), int(m.group(2))
    last_month = quarter * 3
    return year, date(year, last_month - 2, 1), date(year, last_month, monthrange(year, last_month)[1])


def default_due(form: ReportForm, ends_on: date) -> date:
    return ends_on + timedelta(days=form.deadline_days)


def periods_of_year(form: ReportForm, year: int) -> list[str]:
    if form.period_type == "annual":
        return [str(year)]
    return [f"{year}Q{q}" for q in range(1, 5)]


def previous_period(form: ReportForm, period: str) -> str | None:
    """The previous period of the same year (quarterly forms: Q2 → Q1); None otherwise."""
    m = QUARTER_RE.match(period)
    if form.period_type != "quarterly" or not m or m.group(2) == "1":
        return None
    return f"{m.group(1)}Q{int(m.group(2)) - 1}"


def same_period_last_year(period: str) -> str:
    return f"{int(period[:4]) - 1}{period[4:]}"
