"""Expected respondents, completeness and timeliness, the overdue list, the review queue and
the check context built from the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from keju.orgs.services import close_enterprise, move_enterprise, register_enterprise
from keju.planning.testing import make_credit_code
from keju.reporting import services, testing
from keju.reporting.models import Report, ReportStatus
from keju.reporting.services.context import build_context
from keju.reporting.testing import YEAR, kj101_values

pytestmark = pytest.mark.django_db

# The zone fixtures (one zone per module, a savepoint per test).
shared_zone = testing.shared_zone
zone = testing.zone


def stored(
    zone, name: str, form_code: str, period: str, values: dict, status=ReportStatus.APPROVED
) -> Report:
    """A report as an earlier, finished cycle left it (the workflow itself is tested elsewhere)."""
    enterprise = zone.enterprises[name]
    return Report.objects.create(
        plan=zone.plan,
        form_code=form_code,
        period=period,
        year=int(period[:4]),
        enterprise=enterprise,
        district=enterprise.current_placement.district,
        values=values,
        status=status,
        channel="web",
    )


def submit(zone, name: str, values=None, form_code="KJ101", period=str(YEAR)) -> Report:
    report = zone.report(name, form_code, period)
    return services.submit(
        report, actor=zone.user(f"reporter_{name}"), values=values or kj101_values(), channel="web"
    )


def test_expected_respondents_follow_placements_and_the_form_scope(zone):
    expected = services.expected_respondents(zone.plan, "KJ101", str(YEAR))
    ids = {e.pk: k for k, e in zone.enterprises.items()}
    assert sorted(ids[i] for i in expected["enterprise_id"]) == ["a", "b", "c"]
    # KJ102 is for 规模以上 enterprises: the register says a and c …
    quarterly = services.expected_respondents(zone.plan, "KJ102", f"{YEAR}Q1")
    assert sorted(ids[i] for i in quarterly["enterprise_id"]) == ["a", "c"]
    # … unless the latest annual report says otherwise.
    stored(zone, "b", "KJ101", str(YEAR - 1), kj101_values(is_above_scale=True))
    stored(zone, "c", "KJ101", str(YEAR - 1), kj101_values(is_above_scale=False))
    quarterly = services.expected_respondents(zone.plan, "KJ102", f"{YEAR}Q1")
    assert sorted(ids[i] for i in quarterly["enterprise_id"]) == ["a", "b"]
    district_form = services.expected_respondents(zone.plan, "KJ201", str(YEAR))
    assert sorted(district_form["respondent"]) == ["bygxq", "lzgxq", "lzjjq", "lzxq"]


def test_moved_and_closed_enterprises_count_where_they_were(zone):
    move_enterprise(zone.enterprises["b"], district_code="bygxq", on=date(YEAR, 7, 1))
    close_enterprise(zone.enterprises["c"], date(YEAR, 5, 1))
    expected = services.expected_respondents(zone.plan, "KJ102", f"{YEAR}Q1")
    by_id = dict(zip(expected["enterprise_id"], expected["district_id"], strict=True))
    # At the end of Q1 b (not above scale) had not moved yet and c had not closed.
    assert by_id == {
        zone.enterprises["a"].pk: zone.districts["lzgxq"].pk,
        zone.enterprises["c"].pk: zone.districts["bygxq"].pk,
    }
    annual = services.expected_respondents(zone.plan, "KJ101", str(YEAR))
    placed = dict(zip(annual["enterprise_id"], annual["district_id"], strict=True))
    assert placed == {
        zone.enterprises["a"].pk: zone.districts["lzgxq"].pk,
        zone.enterprises["b"].pk: zone.districts["bygxq"].pk,
    }


def test_completeness_counts_reported_on_time_and_approved(zone):
    on_time = submit(zone, "a")
    late = submit(zone, "c")
    period = zone.period("KJ101", str(YEAR))
    due = period.due_on
    Report.objects.filter(pk=on_time.pk).update(
        first_submitted_at=timezone.make_aware(timezone.datetime(due.year, due.month, due.day, 23, 0))
    )
    Report.objects.filter(pk=late.pk).update(
        first_submitted_at=timezone.make_aware(
            timezone.datetime(due.year, due.month, due.day) + timedelta(days=1, hours=1)
        )
    )
    services.approve(on_time, actor=zone.user("reviewer_lzgxq"))
    rows = {r.district: r for r in services.completeness(zone.plan, form_code="KJ101", period=str(YEAR))}
    lz, by = rows["兰州高新区"], rows["白银高新区"]
    assert (lz.expected, lz.reported, lz.on_time, lz.approved) == (2, 1, 1, 1)
    assert (by.expected, by.reported, by.on_time, by.approved) == (1, 1, 0, 0)
    assert lz.rate == 0.5 and by.rate == 1.0 and by.on_time_rate == 0.0
    assert rows["兰州新区"].expected == 0 and rows["兰州新区"].rate is None
    assert list(Report.objects.late()) == [Report.objects.get(pk=late.pk)]
    mine = services.completeness(
        zone.plan, form_code="KJ101", period=str(YEAR), user=zone.user("reviewer_bygxq")
    )
    assert [r.district for r in mine] == ["白银高新区"]
    assert services.completeness(zone.plan, user=zone.user("reporter_a")) == []


def test_overdue_lists_who_has_not_submitted_after_the_due_date(zone):
    draft = zone.report("b")
    submit(zone, "a")
    period = zone.period("KJ101", str(YEAR))
    before_due = services.overdue_respondents(zone.plan, today=period.due_on, form_code="KJ101")
    assert before_due == []
    after = services.overdue_respondents(
        zone.plan, today=period.due_on + timedelta(days=3), form_code="KJ101"
    )
    assert [(r.respondent, r.status, r.days_overdue) for r in after] == [
        ("兰州乙电子有限公司", "draft", 3),
        ("白银丙有色金属有限公司", None, 3),
    ]
    assert after[0].report_id == draft.pk
    mine = services.overdue_respondents(
        zone.plan,
        today=period.due_on + timedelta(days=3),
        form_code="KJ101",
        user=zone.user("reviewer_lzgxq"),
    )
    assert [r.respondent for r in mine] == ["兰州乙电子有限公司"]
    queryset = Report.objects.overdue(zone.user("reviewer_lzgxq"), today=period.due_on + timedelta(days=3))
    assert list(queryset) == [draft]
    assert (
        list(Report.objects.overdue(zone.user("reporter_c"), today=period.due_on + timedelta(days=3))) == []
    )


def test_only_true_or_false_in_the_status_form_counts_as_a_statement(zone):
    # A number (or text) where the form wants 是/否 says nothing: the register decides.
    # (SQLite's JSON_EXTRACT gives 1 for both true and 1; the check must tell them apart.)
    stored(zone, "b", "KJ101", str(YEAR - 1), {**kj101_values(), "is_above_scale": 1})
    stored(zone, "c", "KJ101", str(YEAR - 1), {**kj101_values(), "is_above_scale": "否"})
    ids = [e.pk for e in zone.enterprises.values()]
    flags = services.classification_flags(zone.plan, "above_scale", ids, YEAR)
    by_id = dict(zip(flags["enterprise_id"], flags["flag"], strict=True))
    assert by_id == {
        zone.enterprises["a"].pk: True,
        zone.enterprises["b"].pk: False,
        zone.enterprises["c"].pk: True,
    }
    # A later year's statement does not apply to an earlier period.
    stored(zone, "a", "KJ101", str(YEAR + 1), kj101_values(is_above_scale=False))
    flags = services.classification_flags(zone.plan, "above_scale", ids, YEAR)
    assert dict(zip(flags["enterprise_id"], flags["flag"], strict=True))[zone.enterprises["a"].pk] is True
    with pytest.raises(services.ReportingError):
        services.classification_flags(zone.plan, "state_owned", ids, YEAR)


def _queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_completeness_and_overdue_queries_do_not_grow_with_the_zone(zone):
    """One query per period (its reports) plus a fixed few, however many enterprises report
    and however many annual reports state their classification (their JSON is never read)."""
    periods = services.completeness(zone.plan)
    n_periods = len({(r.form_code, r.period) for r in periods})
    late = zone.period("KJ101", str(YEAR)).due_on + timedelta(days=3)
    services.forms_for(zone.plan)  # the parsed forms are cached per process
    small = _queries(lambda: services.completeness(zone.plan))
    small_overdue = _queries(lambda: services.overdue_respondents(zone.plan, today=late))
    assert small <= n_periods + 6
    start = 100
    for n in range(30):
        enterprise = register_enterprise(
            zone.plan,
            name=f"兰州测试{n}有限公司",
            credit_code=make_credit_code(start + n),
            industry_code="C2710",
            district_code="lzgxq" if n % 2 else "bygxq",
            opened_on=date(2010, 1, 1),
            is_above_scale=bool(n % 3),
        )
        for year in (YEAR - 2, YEAR - 1):
            Report.objects.create(
                plan=zone.plan,
                form_code="KJ101",
                period=str(year),
                year=year,
                enterprise=enterprise,
                district=enterprise.current_placement.district,
                values=kj101_values(is_above_scale=bool(n % 2)),
                status=ReportStatus.APPROVED,
                channel="excel",
            )
    assert _queries(lambda: services.completeness(zone.plan)) == small
    assert _queries(lambda: services.overdue_respondents(zone.plan, today=late)) == small_overdue
    quarter = {
        r.district: r.expected
        for r in services.completeness(zone.plan, form_code="KJ102", period=f"{YEAR}Q1")
    }
    # Above scale by the latest statement (odd n), else by the register (a and c).
    assert quarter["兰州高新区"] == 1 + 15 and quarter["白银高新区"] == 1


def test_review_queue_lists_submitted_reports_with_their_warnings(zone):
    report = zone.report("a")
    services.submit(
        report,
        actor=zone.user("reporter_a"),
        values=kj101_values(net_profit=20000.5),
        explanations={"KJ101-W05": "出售子公司股权取得投资收益"},
        channel="web",
    )
    submit(zone, "c")
    queue = list(Report.objects.review_queue(zone.user("reviewer_lzgxq")))
    assert [(r.pk, r.warning_count, r.pending_count) for r in queue] == [(report.pk, 1, 1)]
    assert queue[0].due_on == zone.period("KJ101", str(YEAR)).due_on
    assert len(Report.objects.review_queue(zone.user("office"))) == 2
    assert list(Report.objects.review_queue(zone.user("reporter_a"))) == []
    assert list(Report.objects.review_queue(zone.user("evaluator"))) == []


def test_check_context_has_the_respondents_past_and_industry_peers(zone):
    stored(zone, "a", "KJ101", str(YEAR - 2), kj101_values(revenue=100.0))
    stored(zone, "a", "KJ101", str(YEAR - 1), kj101_values(revenue=200.0))
    stored(zone, "a", "KJ102", f"{YEAR}Q1", {"revenue": 50.0})
    stored(zone, "b", "KJ101", str(YEAR), kj101_values(revenue=999.0))  # another industry (C39)
    stored(zone, "c", "KJ101", str(YEAR), kj101_values(revenue=777.0), status=ReportStatus.SUBMITTED)
    peer = register_enterprise(
        zone.plan,
        name="兰州丁化工有限公司",
        credit_code=make_credit_code(50),
        industry_code="C2720",  # same division C27 as a (C2710)
        district_code="bygxq",
        opened_on=date(2012, 1, 1),
    )
    Report.objects.create(
        plan=zone.plan,
        form_code="KJ101",
        period=str(YEAR),
        year=YEAR,
        enterprise=peer,
        district=zone.districts["bygxq"],
        values=kj101_values(revenue=555.0),
        status=ReportStatus.APPROVED,
    )
    report = zone.report("a")
    form = services.form_for(zone.plan, "KJ101")
    context = build_context(report, form)
    assert context.last_year["revenue"] == 200.0
    assert [h["revenue"] for h in context.history] == [100.0, 200.0]
    assert context.previous is None
    # Peers: approved reports of the same period and industry division only.
    assert context.peers["revenue"] == [555.0]
    assert context.peers["employees"] == [320.0]
    quarterly = zone.report("a", "KJ102", f"{YEAR}Q2")
    q_context = build_context(quarterly, services.form_for(zone.plan, "KJ102"))
    assert q_context.previous == {"revenue": 50.0}
