"""The schema of a plan file: what a regional innovation plan says, as data.

Every item carries `source`, the place in the plan text it comes from
(专栏 number or section, e.g. "专栏1" or "二(四)"). Models forbid unknown keys so
that a typo in the YAML is an error, not a silently ignored line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from keju.plan.assessment import AssessmentSpec
from keju.plan.index_spec import IndexSpec

Code = str  # a short ASCII identifier, unique within its list
Direction = Literal["up", "down"]
Comparison = Literal[">=", "<=", "=", "approx"]
OrgLevel = Literal["zone", "city", "district", "park"]
ORG_LEVELS: tuple[OrgLevel, ...] = ("zone", "city", "district", "park")

# Enterprise classifications a formula may filter on, e.g. `sum(KJ101.value_added[industrial])`.
# They come from the enterprise register and the enterprise's own report, not from the plan.
ENTERPRISE_FLAGS: dict[str, str] = {
    "industrial": "工业企业",
    "above_scale": "规模以上工业企业",
    "high_tech_enterprise": "高新技术企业",
    "high_tech_industry": "高技术产业企业",
    "strategic_emerging": "战略性新兴产业企业",
}


@dataclass(frozen=True)
class FieldRef:
    """One `sum(FORM.field[flag])` term of a formula expression."""

    form: str
    field: str
    flag: str | None = None


def parse_expression(expr: str) -> list[FieldRef]:
    """The `sum(F.field[flag])` terms of a formula expression; ValueError (Chinese) on bad syntax.

    The grammar lives in keju.metrics.formula (imported here lazily: keju.metrics builds on
    this module). `count(F[...])` terms give a FieldRef with field "" and `ind(...)` none.
    """
    from keju.metrics.formula import FormulaError, parse

    try:
        terms = parse(expr).terms
    except FormulaError as exc:
        raise ValueError(str(exc)) from None
    return [FieldRef(t.form, t.field or "", t.flag) for t in terms if t.kind != "indicator"]


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
    """How an indicator is computed from form fields and other indicators (keju.metrics).

    Expressions name fields as `FORM.field`, filter enterprises with `[flag, !flag,
    chain=code]`, count reports with `count(FORM[...])` and reuse an additive
    indicator with `ind(code)`; see keju.metrics.formula. value = numerator /
    denominator × factor, in `unit` (default: the indicator's unit).
    """

    numerator: str
    denominator: str | None = None
    factor: float = 1.0
    unit: str | None = Field(
        default=None,
        description="unit of numerator/denominator×factor when it differs from the indicator's display unit,"
        " e.g. 人年/万人 for 万人R&D人员",
    )
    deflator: Code | None = Field(
        default=None, description="a deflator of `engine.deflators`: amounts at base-year prices"
    )
    deflate: Literal["numerator", "denominator", "both"] = "denominator"
    convention: str | None = Field(
        default=None, description="which official convention the plan chose, said in the reports"
    )

    @field_validator("numerator", "denominator")
    @classmethod
    def _parses(cls, expr: str | None) -> str | None:
        if expr is not None:
            from keju.metrics.formula import FormulaError, parse

            try:
                parse(expr)
            except FormulaError as exc:
                raise ValueError(str(exc)) from None
        return expr

    @field_validator("factor")
    @classmethod
    def _non_zero(cls, factor: float) -> float:
        if factor == 0:
            raise ValueError("系数 factor 不能为 0")
        return factor

    def numerator_terms(self) -> list[FieldRef]:
        return parse_expression(self.numerator)

    def denominator_terms(self) -> list[FieldRef]:
        return parse_expression(self.denominator) if self.denominator else []

    def field_refs(self) -> list[FieldRef]:
        return self.numerator_terms() + self.denominator_terms()


class Deflator(Sourced):
    """A price index by year; amounts of year y at base-year prices = amount / (index[y] / index[base_year])."""

    code: Code
    name: str
    base_year: int
    index: dict[int, float]

    @field_validator("index")
    @classmethod
    def _positive(cls, index: dict[int, float]) -> dict[int, float]:
        bad = [str(y) for y, v in index.items() if not v > 0]
        if bad:
            raise ValueError(f"价格指数必须为正数(年份 {', '.join(bad)})")
        return index


class FieldKinds(Item):
    """How the engine aggregates a form's fields over periods.

    Fields of quarterly forms listed in `ytd` are year-to-date (本年累计): the year is the
    last quarter's figure and a quarter's own flow is a difference. Fields in `stock` are
    period-end levels (期末, 年末): the year takes the period end, and they never sum over
    years. Any other field is a flow of its own period.
    """

    ytd: list[Code] = []
    stock: list[Code] = []


class EngineSettings(Item):
    """Plan-level settings of the indicator engine (keju.metrics.engine)."""

    coverage_threshold: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="values below this coverage (reported / expected) are provisional",
    )
    deflators: list[Deflator] = []
    fields: dict[Code, FieldKinds] = Field(default={}, description="form code -> field kinds")


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
    area_km2: float | None = None
    leading_industries: list[str] = []


class GoverningBody(Sourced):
    code: Code
    name: str
    kind: Literal[
        "consultation",
        "leading_group",
        "office",
        "working_group",
        "city_office",
        "district_committee",
        "advisory",
    ]
    parent: Code | None = None
    lead_department: str | None = None
    org_unit: Code | None = Field(default=None, description="the org unit this body runs, if any")
    members: list[str] = Field(default=[], description="member bodies or parties, as the plan names them")
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
    description: str = ""
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
    org_unit: Code | None = Field(default=None, description="default: the zone, unless `scope` is set")
    scope: str | None = Field(
        default=None, description="when the aim is not for an org unit of the zone, e.g. 兰白两市"
    )
    kind: Literal["level", "increment", "cumulative"] = "level"
    start_year: int | None = None
    year: int
    value: float
    comparison: Comparison = ">="
    note: str | None = None


class Baseline(Sourced):
    """A figure the plan states for its base year (or an earlier period).

    kind: `level` — the value in `year`; `cumulative` — the sum over [start_year, year];
    `annual_average` — the yearly average over [start_year, year] (e.g. a growth rate).
    """

    code: Code
    indicator: Code
    org_unit: Code | None = None
    scope: str | None = Field(
        default=None, description="when the figure is not for an org unit, e.g. 兰白两市"
    )
    kind: Literal["level", "cumulative", "annual_average"] = "level"
    year: int
    start_year: int | None = None
    value: float
    note: str | None = None


class StageIncrement(Item):
    indicator: Code
    value: float


class Quantity(StageIncrement):
    """A countable aim of a task; `comparison` as in targets ("以上" >=, "左右" approx)."""

    comparison: Comparison = ">="


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
    parks: list[Code] = Field(default=[], description="the named parks the chain relies on")
    description: str = ""


class Task(Sourced):
    code: Code
    title: str
    kind: Literal["experiment_theme", "reform_breakthrough", "program_item"]
    category: str = Field(description="the 专栏 heading the task belongs to")
    theme: str | None = Field(
        default=None, description="the sub-heading within the category, e.g. 管理体制试验"
    )
    description: str = ""
    org_unit: Code | None = Field(default=None, description="the org unit the task is for, if not the zone")
    working_group: Code | None = None
    responsibility_basis: str | None = Field(
        default=None, description="where the plan assigns it to the working group"
    )
    quantity: Quantity | None = Field(default=None, description="a countable aim, if the task states one")


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
    chain_indicators: dict[str, Code] = Field(
        default={},
        description="the indicator each chain / group target key counts, e.g. platforms: rd_platforms;"
        " `cumulative_output` names the indicator of the groups' cumulative output",
    )
    engine: EngineSettings = Field(default_factory=EngineSettings, description="indicator engine settings")
    index: IndexSpec | None = Field(default=None, description="the composite development index (发展指数)")
    assessment: AssessmentSpec | None = Field(
        default=None, description="考核评价: scorecards of the org units"
    )

    # Where each item sits in the plan file: (path in the document) -> line; set by the loader.
    _file: str = PrivateAttr(default="")
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    def location(self, *path: str | int) -> str:
        """`file:line path` of an item, for messages (just the path when not loaded from a file)."""
        text = format_path(path)
        line = lookup_line(self._lines, path)
        if not self._file:
            return text
        return f"{self._file}:{line} {text}" if line else f"{self._file} {text}"


def format_path(path: tuple[str | int, ...]) -> str:
    """("indicators", 3, "unit") -> "indicators[3].unit"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def lookup_line(lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...]) -> int | None:
    """The line of `path`, or of its nearest recorded ancestor (a missing key: its mapping)."""
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None
