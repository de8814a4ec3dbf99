"""The schema of a plan file: what a regional innovation plan says, as data.

Every item carries `source`, the place in the plan text it comes from
(专栏 number or section, e.g. "专栏1" or "二(四)"). Models forbid unknown keys so
that a typo in the YAML is an error, not a silently ignored line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

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


_TERM = re.compile(r"sum\(\s*(\w+)\.(\w+)\s*(?:\[\s*(\w+)\s*\])?\s*\)")


def parse_expression(expr: str) -> list[FieldRef]:
    """Parse `sum(F.a) + sum(F.b[flag])`; raise ValueError (Chinese message) on bad syntax."""
    terms = [t.strip() for t in expr.split("+")]
    refs: list[FieldRef] = []
    for term in terms:
        match = _TERM.fullmatch(term)
        if match is None:
            raise ValueError(f"公式项 “{term}” 格式错误,应为 sum(报表.字段) 或 sum(报表.字段[标志])")
        refs.append(FieldRef(match[1], match[2], match[3]))
    return refs


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

    @field_validator("numerator", "denominator")
    @classmethod
    def _parses(cls, expr: str | None) -> str | None:
        if expr is not None:
            parse_expression(expr)
        return expr

    def numerator_terms(self) -> list[FieldRef]:
        return parse_expression(self.numerator)

    def denominator_terms(self) -> list[FieldRef]:
        return parse_expression(self.denominator) if self.denominator else []

    def field_refs(self) -> list[FieldRef]:
        return self.numerator_terms() + self.denominator_terms()


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
