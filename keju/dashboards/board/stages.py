"""The three stages (六, “1+2+3”): each stage increment of the zone, required against achieved.

Achieved is measured the way the stage warnings measure it (keju.metrics.warnings.stage_warnings):
for a flow — an indicator the plan also aims at cumulatively — the sum of the stage's years,
otherwise the end value minus the value at the end of the year before the stage. A stage still
under way is measured up to the latest year with a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keju.monitoring.models import IndicatorValue, PeriodKind, ProgressAssessment
from keju.monitoring.pages import STATUS_COLOURS, status_label
from keju.orgs.models import OrgLevel, OrgUnit
from keju.planning.models import Plan, Stage, Target, TargetKind


@dataclass
class StageTargetRow:
    target: Target
    flow: bool
    required: float
    achieved: float | None
    through_year: int | None
    share: float | None  # achieved / required
    status: str
    label: str
    colour: str


@dataclass
class StageBlock:
    stage: Stage
    rows: list[StageTargetRow]


def flow_indicators(plan: Plan) -> set[int]:
    return set(
        Target.objects.filter(plan=plan, kind=TargetKind.CUMULATIVE).values_list("indicator_id", flat=True)
    )


def stages_page(user: Any, plan: Plan) -> list[StageBlock]:
    zone = OrgUnit.objects.filter(plan=plan, level=OrgLevel.ZONE).first()
    stages = list(Stage.objects.filter(plan=plan).order_by("start_year", "id"))
    targets = list(
        Target.objects.filter(plan=plan, stage__isnull=False)
        .select_related("indicator", "stage")
        .order_by("stage__start_year", "id")
    )
    flows = flow_indicators(plan)
    values: dict[tuple[int, int], float] = {}
    assessments: dict[int, ProgressAssessment] = {}
    if zone is not None:
        for indicator_id, year, value in (
            IndicatorValue.objects.filter(
                plan=plan,
                org_unit=zone,
                period_kind=PeriodKind.YEAR,
                indicator_id__in={t.indicator_id for t in targets},
                value__isnull=False,
            )
            .visible_to(user)
            .values_list("indicator_id", "year", "value")
        ):
            values[indicator_id, year] = value
        assessments = {
            a.target_id: a
            for a in ProgressAssessment.objects.filter(
                plan=plan, org_unit=zone, target_id__in=[t.pk for t in targets]
            ).visible_to(user)
        }
    blocks = []
    for stage in stages:
        rows = [
            _row(t, t.indicator_id in flows, values, assessments.get(t.pk))
            for t in targets
            if t.stage_id == stage.pk
        ]
        blocks.append(StageBlock(stage, rows))
    return blocks


def _row(
    target: Target, flow: bool, values: dict[tuple[int, int], float], assessment: ProgressAssessment | None
) -> StageTargetRow:
    stage = target.stage
    assert stage is not None
    years = [y for y in range(stage.start_year, stage.end_year + 1) if (target.indicator_id, y) in values]
    achieved: float | None = None
    through: int | None = None
    if flow:
        # Consecutive years from the stage's start only: a gap would understate the sum.
        span: list[float] = []
        for year in range(stage.start_year, stage.end_year + 1):
            if (target.indicator_id, year) not in values:
                break
            span.append(values[target.indicator_id, year])
            through = year
        achieved = sum(span) if span else None
    else:
        before = values.get((target.indicator_id, stage.start_year - 1))
        if before is not None and years:
            through = years[-1]
            achieved = values[target.indicator_id, through] - before
    status = assessment.status if assessment is not None else ""
    return StageTargetRow(
        target=target,
        flow=flow,
        required=target.value,
        achieved=achieved,
        through_year=through,
        share=achieved / target.value if achieved is not None and target.value else None,
        status=status,
        label=status_label(status) if status else "",
        colour=STATUS_COLOURS.get(status, "#d0d5dd"),
    )
