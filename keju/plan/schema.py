"""The schema of a plan file: what a regional innovation plan says, as data.

Every item carries `source`, the place in the plan text it comes from
(专栏 number or section, e.g. "专栏1" or "二(四)"). Models forbid unknown keys so
that a typo in the YAML is an error, not a silently ignored line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Code = str  # a short ASCII identifier, unique within its list
Direction = Literal["up", "down"]
Comparison = Literal[">=", "<=", "=", "approx"]
OrgLevel = Literal["zone", "city", "district", "park"]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Item):
    source: str = Field(min_length=1, description="专栏 number or section of the plan text")


class YearValue(Item):
    year: int
    value: float


class TargetValue(YearValue):
    comparison: Comparison = ">="


class Formula(Item):
    """How an indicator is computed from form fields (evaluated by keju.metrics).

    Expressions name fields as `FORM.field` and may filter enterprises with
    `[flag]`, e.g. `sum(KJ101.value_added[high_tech_industry])`.
    """

    numerator: str
    denominator: str | None = None
    factor: float = 1.0
    convention: str | None = Field(
        default=None, description="which official convention the plan chose, said in the reports"
    )


class Zone(Sourced):
    code: Code
    name: str
    name_en: str | None = None
    plan_start: int
    plan_end: int
    baseline_year: int
    area_km2: float | None = None


class OrgUnit(Sourced):
    code: Code
    name: str
    name_en: str | None = None
    level: OrgLevel
    kind: str | None = Field(default=None, description="e.g. 国家级新区, 国家高新区, 核心创新区, 工业集中区")
    parent: Code | None = None
    leading_industries: list[str] = []


class GoverningBody(Sourced):
    code: Code
    name: str
    kind: Literal[
        "consultation", "leading_group", "office", "working_group", "city_office", "district_committee",
        "advisory",
    ]
    parent: Code | None = None
    lead_department: str | None = None
    org_unit: Code | None = Field(default=None, description="the org unit this body runs, if any")
    duties: str = ""


class Indicator(Sourced):
    code: Code
    name: str = Field(description="the Chinese name exactly as the plan writes it, without the unit")
    label: str | None = Field(default=None, description="the row label as printed, unit included")
    name_en: str | None = None
    unit: str
    direction: Direction = "up"
    headline: bool = Field(default=False, description="one of the headline indicators (专栏1)")
    additive: bool = Field(default=False, description="values of parts sum to the whole (counts, amounts)")
    baseline: YearValue | None = None
    target: TargetValue | None = None
    formula: Formula | None = None


class Target(Sourced):
    """A quantitative aim for one indicator and one org unit.

    kind: `level` — the value at the end of `year`; `increment` — the growth over
    [start_year, year]; `cumulative` — the sum of a flow over [start_year, year].
    """

    code: Code
    indicator: Code
    org_unit: Code | None = Field(default=None, description="default: the zone")
    kind: Literal["level", "increment", "cumulative"] = "level"
    start_year: int | None = None
    year: int
    value: float
    comparison: Comparison = ">="
    note: str | None = None


class Baseline(Sourced):
    """A figure the plan states for its base year (or an earlier period)."""

    code: Code
    indicator: Code
    org_unit: Code | None = None
    scope: str | None = Field(default=None, description="when the figure is not for an org unit, e.g. 兰白两市")
    year: int
    start_year: int | None = None
    value: float


class StageIncrement(Item):
    indicator: Code
    value: float


class Stage(Sourced):
    code: Code
    name: str
    start_year: int
    end_year: int
    summary: str = ""
    increments: list[StageIncrement] = []


class ChainTargets(Item):
    platforms: int
    alliances: int
    achievements: int
    new_products: int


class IndustryGroup(Sourced):
    code: Code
    name: str
    cumulative_output: float = Field(description="产值累计 over the plan period, 亿元")
    totals: dict[str, TargetValue] = Field(
        description="group totals keyed by platforms / alliances / achievements / new_products"
    )


class IndustryChain(Sourced):
    code: Code
    name: str
    group: Code
    targets: ChainTargets
    districts: list[Code] = []
    description: str = ""


class Task(Sourced):
    code: Code
    title: str
    kind: Literal["experiment_theme", "reform_breakthrough", "program_item"]
    category: str = Field(description="the 专栏 heading the task belongs to")
    working_group: Code | None = None
    responsibility_basis: str | None = Field(
        default=None, description="where the plan assigns it to the working group"
    )
    quantity: StageIncrement | None = Field(default=None, description="a countable aim, if the task states one")


class Plan(Item):
    schema_version: Literal[1] = 1
    code: Code
    title: str
    zone: Zone
    org_units: list[OrgUnit]
    governance: list[GoverningBody] = []
    indicators: list[Indicator]
    targets: list[Target] = []
    baselines: list[Baseline] = []
    stages: list[Stage] = []
    industry_groups: list[IndustryGroup] = []
    industry_chains: list[IndustryChain] = []
    tasks: list[Task] = []
    forms: list[str] = Field(default=[], description="form files, relative to the plan file")
