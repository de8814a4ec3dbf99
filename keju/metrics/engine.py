"""The indicator engine: every indicator for every org unit and period, in one pass.

compute(data) resolves the plan's formulas (keju.metrics.resolve), takes one
grouped pass per needed form column at the lowest level (keju.metrics.cube:
NumPy bincount on a dense leaf × period key), rolls the small leaf sums up the
org tree with a membership matrix (keju.metrics.tree), and divides only then:
every value is a ratio of sums. Each value carries its coverage (reported /
expected respondents, the lowest over the forms it uses) and is provisional
below the plan's threshold; a value that cannot be published is null with a
flag and a Chinese note, never NaN. One bad indicator never stops the run: it is
listed in `errors`.

`Engine` keeps the leaf sums, so after one approval `Engine.update` recomputes
only the affected district and year and re-rolls (the incremental path).
`lineage` lists the reports (and versions) behind any value with their
contributions, which sum back to its numerator and denominator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from keju.metrics.cube import AtomSums, Families, FormCube
from keju.metrics.formula import FormulaError
from keju.metrics.resolve import Atom, Resolved, resolve_indicators
from keju.metrics.tree import TreeIndex, build_tree_index
from keju.plan.forms import ReportForm
from keju.plan.schema import FieldKinds, Plan

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

FLAG_NOTES: dict[str, str] = {
    "no_data": "未收到所需报表的已审核数据",
    "zero_denominator": "分母为零,无法计算比值",
    "missing_deflator": "缺少该年份的价格指数,无法按可比价计算",
    "missing_input": "部分报表缺少所需数据,未计入",
}

_FLAG_CODES = pl.Series("flag", [None, "no_data", "missing_deflator", "zero_denominator", "missing_input"])

PERIOD_KINDS = pl.Enum(["year", "quarter", "ytd", "cumulative"])
LEVELS = pl.Enum(["zone", "city", "district", "park"])
RESULT_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "indicator": pl.String,
    "org_unit": pl.String,
    "level": LEVELS,
    "period": pl.String,
    "period_kind": PERIOD_KINDS,
    "year": pl.Int64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "reported": pl.Int64,
    "expected": pl.Int64,
    "coverage": pl.Float64,
    "provisional": pl.Boolean,
    "flag": pl.String,
    "note": pl.String,
}
# One row per computed indicator: what its values mean (unit, the plan's convention, the forms used).
INDICATOR_SCHEMA: dict[str, type[pl.DataType]] = {
    "indicator": pl.String,
    "name": pl.String,
    "unit": pl.String,
    "convention": pl.String,
    "forms": pl.String,
    "lowest_level": pl.String,
}


@dataclass(frozen=True)
class OrgTree:
    units: pl.DataFrame  # code: str, parent: str | null, level: "zone"|"city"|"district"|"park"

    @classmethod
    def from_plan(cls, plan: Plan) -> OrgTree:
        return cls(
            pl.DataFrame(
                [(u.code, u.parent, u.level) for u in plan.org_units],
                schema={"code": pl.String, "parent": pl.String, "level": pl.String},
                orient="row",
            )
        )


@dataclass(frozen=True)
class EngineInput:
    plan: Plan
    forms: Mapping[str, ReportForm]
    frames: Mapping[str, pl.DataFrame]
    expected: pl.DataFrame  # form, period, respondent, district, park
    tree: OrgTree


Block = dict[str, npt.NDArray[Any]]  # one indicator's raw result: (units × periods) arrays, see Engine._rows


@dataclass(frozen=True)
class _Labels:
    """What turning blocks into the long frame needs, copied when a result is taken.

    A copy, not the engine: a result stays what it was after later `Engine.update` calls,
    and holding it does not keep the engine's row keys and columns alive.
    """

    codes: tuple[str, ...]  # indicator code by block id
    forms: tuple[str, ...]  # the forms each indicator reads, "、"-joined, by block id
    units: pl.Series  # org unit code by tree index
    levels: pl.Series
    periods: tuple[tuple[str, str, int], ...]  # label, kind, year by period id
    threshold: float


@dataclass(frozen=True)
class IndicatorBlock:
    """One indicator's values as compact (org units × periods) arrays; NaN where the long frame has null.

    `flag` holds codes into FLAGS (0: no flag). Nothing here is a string per value: this is
    what the engine computes, before the long frame is laid out.
    """

    indicator: str
    org_units: tuple[str, ...]
    levels: tuple[str, ...]
    periods: tuple[str, ...]
    period_kinds: tuple[str, ...]
    years: npt.NDArray[np.int64]
    numerator: Floats
    denominator: Floats
    value: Floats
    reported: Floats
    expected: Floats
    coverage: Floats
    provisional: npt.NDArray[np.bool_]
    flag: npt.NDArray[np.int64]
    missing: Floats


FLAGS: tuple[str | None, ...] = tuple(_FLAG_CODES.to_list())


def _read_only(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A view that cannot be written: a block handed out must not change the frame laid out later."""
    view = a.view()
    view.flags.writeable = False
    return view


class EngineResult:
    """The engine's values, errors and indicator table; the long `values` frame is built when asked.

    The engine computes compact per-indicator arrays (`block`); at national scale laying
    out the long frame (millions of rows, 15 columns) costs more than all the sums, so it
    is materialised only on first access to `values` (or `frame(indicators)` for a few
    indicators) and then kept. `EngineResult(frame, errors, indicators)` wraps a frame
    that already exists.
    """

    def __init__(
        self,
        values: pl.DataFrame | None = None,
        errors: list[str] | None = None,
        indicators: pl.DataFrame | None = None,
        *,
        blocks: Sequence[Block] = (),
        labels: _Labels | None = None,
    ) -> None:
        if values is None and labels is None:
            values = pl.DataFrame(schema=RESULT_SCHEMA)
        self._values = values
        self.errors: list[str] = list(errors or [])
        self.indicators = indicators if indicators is not None else pl.DataFrame(schema=INDICATOR_SCHEMA)
        self._blocks = list(blocks)
        self._labels = labels

    @property
    def materialised(self) -> bool:
        """Whether the long frame has been built (tests and benchmarks check the lazy path)."""
        return self._values is not None

    @property
    def values(self) -> pl.DataFrame:
        """One row per indicator, org unit and period (RESULT_SCHEMA), built on first access."""
        if self._values is None:
            assert self._labels is not None
            self._values = _publish(self._blocks, self._labels)
        return self._values

    @property
    def codes(self) -> list[str]:
        """The indicators that have values, in the order of the long frame."""
        if self._labels is None:
            return [str(c) for c in self.values["indicator"].unique(maintain_order=True).to_list()]
        return [self._labels.codes[int(b["_ind"][0])] for b in self._blocks if b["value"].size]

    def frame(self, indicators: Sequence[str]) -> pl.DataFrame:
        """The long rows of `indicators` only, without building the whole frame."""
        wanted = set(indicators)
        if self._values is not None or self._labels is None:
            return self.values.filter(pl.col("indicator").is_in(sorted(wanted)))
        labels = self._labels
        return _publish([b for b in self._blocks if labels.codes[int(b["_ind"][0])] in wanted], labels)

    def block(self, indicator: str) -> IndicatorBlock:
        """The compact arrays of one indicator (KeyError when it has no values)."""
        if self._labels is None:
            raise KeyError(f"{indicator}: this result was built from a frame, it has no blocks")
        labels = self._labels
        for b in self._blocks:
            if labels.codes[int(b["_ind"][0])] != indicator:
                continue
            units = b["_unit"].astype(np.int64)
            periods = [labels.periods[int(i)] for i in b["_period"]]
            return IndicatorBlock(
                indicator=indicator,
                org_units=tuple(labels.units.gather(units).to_list()),
                levels=tuple(labels.levels.gather(units).to_list()),
                periods=tuple(p[0] for p in periods),
                period_kinds=tuple(p[1] for p in periods),
                years=np.array([p[2] for p in periods], dtype=np.int64),
                numerator=_read_only(b["numerator"]),
                denominator=_read_only(b["denominator"]),
                value=_read_only(b["value"]),
                reported=_read_only(b["reported"]),
                expected=_read_only(b["expected"]),
                coverage=_read_only(b["coverage"]),
                provisional=_read_only(b["provisional"]),
                flag=_read_only(b["flag"].astype(np.int64)),
                missing=_read_only(b["missing"]),
            )
        raise KeyError(indicator)


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Periods:
    """Output periods of one indicator: labels and where each comes from in the families."""

    labels: list[str]
    kinds: list[str]  # "year" | "quarter" | "ytd" | "cumulative"
    years: list[int]
    family: list[str]  # "year" | "quarter" | "ytd"
    columns: list[list[int]]  # summed columns of that family (cumulative periods sum years)

    @cached_property
    def single(self) -> dict[str, tuple[Ints, Ints]]:
        """Per family, the periods that are one column of it: (their positions, those columns)."""
        out: dict[str, tuple[list[int], list[int]]] = {}
        for j, (name, cols) in enumerate(zip(self.family, self.columns, strict=True)):
            if len(cols) == 1:
                at, src = out.setdefault(name, ([], []))
                at.append(j)
                src.append(cols[0])
        return {k: (np.array(a, dtype=np.int64), np.array(c, dtype=np.int64)) for k, (a, c) in out.items()}

    @cached_property
    def spans(self) -> list[int]:
        """Positions of the periods that sum several columns (cumulative spans of years)."""
        return [j for j, cols in enumerate(self.columns) if len(cols) != 1]


def _periods(years: Sequence[int], quarterly: bool, cumulative: Sequence[tuple[int, int]]) -> _Periods:
    labels: list[str] = []
    kinds: list[str] = []
    ys: list[int] = []
    fams: list[str] = []
    cols: list[list[int]] = []

    def add(label: str, kind: str, year: int, fam: str, col: list[int]) -> None:
        labels.append(label)
        kinds.append(kind)
        ys.append(year)
        fams.append(fam)
        cols.append(col)

    for i, y in enumerate(years):
        add(str(y), "year", y, "year", [i])
        if quarterly:
            for q in range(1, 5):
                add(f"{y}Q{q}", "quarter", y, "quarter", [i * 4 + q - 1])
            for q in (2, 3):
                add(f"{y}Q1-Q{q}", "ytd", y, "ytd", [i * 4 + q - 1])
    pos = {y: i for i, y in enumerate(years)}
    for start, end in cumulative:
        for last in range(start, end + 1):
            span = range(start, last + 1)
            if last == start or any(y not in pos for y in span):
                continue
            add(f"{start}-{last}", "cumulative", last, "year", [pos[y] for y in span])
    return _Periods(labels, kinds, ys, fams, cols)


def _take(fam: Families, periods: _Periods) -> Floats:
    """(rows, periods) array of the family columns each period sums."""
    rows = fam.year.shape[0]
    out = np.empty((rows, len(periods.labels)), dtype=np.float64)
    for name in ("year", "quarter", "ytd"):
        single = periods.single.get(name)
        if single is not None:  # one gather for every period that is one column of this family
            out[:, single[0]] = getattr(fam, name)[:, single[1]]
    for j in periods.spans:  # cumulative periods add up years
        out[:, j] = fam.year[:, periods.columns[j]].sum(axis=1)
    return out


def _scaled(fam: Families, c: float, ratio: Floats | None) -> Families:
    """c × fam, divided per year by a deflator ratio (NaN where the deflator lacks the year)."""
    if ratio is None:
        return Families(
            fam.year * c,
            None if fam.quarter is None else fam.quarter * c,
            None if fam.ytd is None else fam.ytd * c,
        )
    q_ratio = np.repeat(ratio, 4)
    return Families(
        fam.year * c / ratio,
        None if fam.quarter is None else fam.quarter * c / q_ratio,
        None if fam.ytd is None else fam.ytd * c / q_ratio,
    )


_NOTHING = Families(np.zeros((0, 0)))  # marks an atom without any missing value (nothing to roll up)


def _add(a: Families | None, b: Families) -> Families:
    if a is None:
        return b
    return Families(
        a.year + b.year,
        None if a.quarter is None or b.quarter is None else a.quarter + b.quarter,
        None if a.ytd is None or b.ytd is None else a.ytd + b.ytd,
    )


# --- the engine ---------------------------------------------------------------------------


@dataclass
class _Prepared:
    """Per-indicator constants: the forms, units, periods and output template."""

    res: Resolved
    forms: tuple[str, ...]
    quarterly: bool
    units: Ints  # indices into TreeIndex.units
    periods: _Periods
    stock: bool
    lowest: str  # "park" or "district": the lowest level the indicator is computed for


@dataclass
class Engine:
    """Indicator values over the org tree and periods, with leaf sums kept for incremental updates."""

    data: EngineInput
    years: Sequence[int] | None = None
    indicators: Sequence[str] | None = None
    errors: list[str] = field(default_factory=list)
    summation: str = "auto"  # how a form's columns are summed (keju.metrics.cube); tests choose

    def __post_init__(self) -> None:
        self.tree: TreeIndex = build_tree_index(self.data.tree.units)
        self.plan = self.data.plan
        self.threshold = self.plan.engine.coverage_threshold
        self.year_list = sorted(self.years) if self.years is not None else self._data_years()
        codes = list(self.indicators) if self.indicators is not None else None
        known = {i.code for i in self.plan.indicators}
        unknown = [c for c in codes or () if c not in known]
        for c in unknown:
            self.errors.append(f"{c}:指标不存在")
        resolved, errors = resolve_indicators(
            self.plan, self.data.forms, [c for c in codes if c in known] if codes is not None else None
        )
        # Every atom of the plan, not only of the requested indicators: a column's filters share
        # one pass (FormCube.want), and the sums must not depend on which indicators were asked
        # for, to the last bit (a partial recompute is compared with the stored full one).
        every = resolved if codes is None else resolve_indicators(self.plan, self.data.forms, None)[0]
        self._plan_atoms = {(a.form, a.field, a.filters) for r in every.values() for a in r.atoms}
        names = {i.code: i.name for i in self.plan.indicators}
        self.errors.extend(f"{names.get(c, c)}({c}):{msg}" for c, msg in errors.items())
        self.cubes: dict[str, FormCube] = {}
        self.prepared: dict[str, _Prepared] = {}
        self._rolled_cache: dict[tuple[object, ...], AtomSums] = {}
        self._unit_codes = pl.Series("org_unit", self.tree.units, dtype=pl.String)
        self._period_index: dict[str, int] = {}
        self._period_rows: list[tuple[str, str, int]] = []
        self._unit_levels = pl.Series("level", self.tree.levels, dtype=pl.String)
        self._coverage_cache: dict[str, tuple[Families, Families | None]] = {}
        self._layout_cache: dict[tuple[object, ...], tuple[Floats, Floats, Floats, Any, Any]] = {}
        for code, res in resolved.items():
            try:
                self.prepared[code] = self._prepare(res)
            except FormulaError as exc:
                self.errors.append(f"{names.get(code, code)}({code}):{exc}")
        for cube in self.cubes.values():
            self.errors.extend(cube.notes)

    # --- setup --------------------------------------------------------------------------

    def _data_years(self) -> list[int]:
        lo, hi = None, None
        for frame in self.data.frames.values():
            if frame.height and "year" in frame.columns:
                y = frame["year"]
                fmin, fmax = y.min(), y.max()
                if isinstance(fmin, int) and isinstance(fmax, int):
                    lo = fmin if lo is None else min(lo, fmin)
                    hi = fmax if hi is None else max(hi, fmax)
        e = self.data.expected
        if e.height:
            ey = e["period"].str.slice(0, 4).cast(pl.Int64, strict=False).drop_nulls()
            if ey.len():
                emin, emax = ey.min(), ey.max()
                if isinstance(emin, int) and isinstance(emax, int):
                    lo = emin if lo is None else min(lo, emin)
                    hi = emax if hi is None else max(hi, emax)
        return [] if lo is None or hi is None else list(range(lo, hi + 1))

    def cube(self, code: str) -> FormCube:
        cube = self.cubes.get(code)
        if cube is None:
            form = self.data.forms.get(code)
            frame = self.data.frames.get(code)
            if frame is None:
                frame = self._empty_frame(code, form)
            e = self.data.expected
            expected = e.filter(pl.col("form") == code) if e.height else None
            kinds = self.plan.engine.fields.get(code, FieldKinds())
            cube = FormCube(
                code, form, frame, self.tree, self.year_list, kinds, expected, summation=self.summation
            )
            for atom_form, field_name, filters in self._plan_atoms:
                usable = field_name is None or cube.has_column(field_name)
                if atom_form == code and usable and all(cube.has_column(f.name) for f in filters):
                    cube.want(field_name, filters)
            self.cubes[code] = cube
        return cube

    def _empty_frame(self, code: str, form: ReportForm | None) -> pl.DataFrame:
        if form is None:
            raise FormulaError(f"没有报表 {code} 的定义和数据")
        types = {"decimal": pl.Float64, "integer": pl.Int64, "boolean": pl.Boolean, "text": pl.String}
        schema: dict[str, type[pl.DataType]] = {
            "report_id": pl.Int64,
            "version": pl.Int64,
            "year": pl.Int64,
            "period": pl.String,
            "quarter": pl.Int64,
            "district": pl.String,
            "park": pl.String,
            "enterprise": pl.Int64,
        }
        schema.update({f: pl.Boolean for f in ("industrial", "above_scale", "high_tech_enterprise")})
        schema.update({f: pl.Boolean for f in ("high_tech_industry", "strategic_emerging")})
        schema["chain"] = pl.String
        schema.update({f.code: types[f.type] for f in form.fields})
        return pl.DataFrame(schema=schema)

    def _prepare(self, res: Resolved) -> _Prepared:
        cubes = [self.cube(f) for f in res.forms]
        for atom in res.atoms:
            cube = self.cubes[atom.form]
            if atom.field is not None and not cube.has_column(atom.field):
                raise FormulaError(f"报表 {atom.form} 的数据没有字段 {atom.field}")
            for flt in atom.filters:
                if not cube.has_column(flt.name):
                    raise FormulaError(f"报表 {atom.form} 的数据没有筛选所需的列 {flt.name}")
        quarterly = all(c.quarterly for c in cubes)
        lowest = "park" if all(c.enterprise_level for c in cubes) else "district"
        allowed = {"zone", "city", "district"} | ({"park"} if lowest == "park" else set())
        units = np.array([i for i, lvl in enumerate(self.tree.levels) if lvl in allowed], dtype=np.int64)
        stock = any(self.cubes[a.form].kind(a.field) == "stock" for a in res.atoms)
        spans = [] if stock else self._cumulative_spans(res.code)
        periods = _periods(self.year_list, quarterly, spans)
        return _Prepared(res, res.forms, quarterly, units, periods, stock, lowest)

    def _cumulative_spans(self, code: str) -> list[tuple[int, int]]:
        spans: set[tuple[int, int]] = set()
        for t in self.plan.targets:
            if t.indicator == code and t.kind == "cumulative" and t.start_year is not None:
                spans.add((t.start_year, t.year))
        for b in self.plan.baselines:
            if b.indicator == code and b.kind == "cumulative" and b.start_year is not None:
                spans.add((b.start_year, b.year))
        zone = self.plan.zone
        spans.add((zone.plan_start, zone.plan_end))
        return sorted(spans)

    def _ratio(self, deflator: str | None) -> Floats | None:
        if deflator is None:
            return None
        d = next(x for x in self.plan.engine.deflators if x.code == deflator)
        base = d.index.get(d.base_year)
        return np.array(
            [d.index[y] / base if base and y in d.index else np.nan for y in self.year_list], dtype=np.float64
        )

    # --- computation --------------------------------------------------------------------

    def _rolled(self, atom: Atom) -> AtomSums:
        """The atom's sums for every org unit (leaf sums rolled up the tree), cached."""
        key = (atom.form, atom.field, atom.filters)
        cached = self._rolled_cache.get(key)
        if cached is None:
            leaf = self.cubes[atom.form].atom(atom.field, atom.filters)
            m = leaf.missing
            anything_missing = any(a is not None and a.any() for a in (m.year, m.quarter, m.ytd))
            cached = AtomSums(self._roll(leaf.sums), self._roll(m) if anything_missing else _NOTHING)
            self._rolled_cache[key] = cached
        return cached

    def _roll(self, fam: Families) -> Families:
        roll = self.tree.rollup
        return Families(
            roll(fam.year),
            None if fam.quarter is None else roll(fam.quarter),
            None if fam.ytd is None else roll(fam.ytd),
        )

    def _rolled_coverage(self, form: str) -> tuple[Families, Families | None]:
        cached = self._coverage_cache.get(form)
        if cached is None:
            rep, exp = self.cubes[form].coverage_counts()
            cached = (self._roll(rep), None if exp is None else self._roll(exp))
            self._coverage_cache[form] = cached
        return cached

    def _combine(self, combo: tuple[tuple[Atom, float], ...]) -> tuple[Families, Families | None]:
        total: Families | None = None
        missing: Families | None = None
        for atom, c in combo:
            sums = self._rolled(atom)
            total = _add(total, _scaled(sums.sums, c, self._ratio(atom.deflator)))
            if sums.missing is not _NOTHING:
                missing = _add(missing, sums.missing)
        assert total is not None
        return total, missing

    def indicator_frame(self, code: str, units: Ints | None = None) -> Block:
        """Raw result rows of one indicator (for `units`, indices into the tree; default all it covers).

        Pass a list of these to `_finish` for the published columns (notes, nulls, schema).
        """
        p = self.prepared[code]
        units = p.units if units is None else np.intersect1d(units, p.units)
        num_f, miss_n = self._combine(p.res.numerator)
        num = _take(num_f, p.periods)[units]
        missing = np.zeros_like(num)
        if miss_n is not None:
            missing += _take(miss_n, p.periods)[units]
        den: Floats | None = None
        if p.res.denominator is not None:
            den_f, miss_d = self._combine(p.res.denominator)
            den = _take(den_f, p.periods)[units]
            if miss_d is not None:
                missing += _take(miss_d, p.periods)[units]
        reported, expected, coverage, no_data, active = self._coverage(p, units)
        return self._rows(p, units, num, den, missing, reported, expected, coverage, no_data, active)

    def _coverage(
        self, p: _Prepared, units: Ints
    ) -> tuple[Floats, Floats, Floats, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Reported, expected, coverage, no-data mask and active periods; shared by indicators alike."""
        key = (p.forms, tuple(p.periods.labels))
        cached = self._layout_cache.get(key)
        if cached is None:
            cached = self._coverage_all(p)
            self._layout_cache[key] = cached
        rep, exp, cov, no_data, active = cached
        if len(units) == len(rep):  # every unit (a full recompute): the shared, read-only arrays
            return rep, exp, cov, no_data, active
        return rep[units], exp[units], cov[units], no_data[units], active

    def _coverage_all(
        self, p: _Prepared
    ) -> tuple[Floats, Floats, Floats, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        units = np.arange(len(self.tree.units))
        shape = (len(units), len(p.periods.labels))
        best_cov = np.full(shape, np.inf)
        best_rep = np.zeros(shape)
        best_exp = np.full(shape, np.nan)
        no_data = np.zeros(shape, dtype=bool)
        active = np.zeros(len(p.periods.labels), dtype=bool)
        zone = [i for i, lvl in enumerate(self.tree.levels) if self.tree.parents[i] is None]
        for code in p.forms:
            rep_f, exp_f = self._rolled_coverage(code)
            rep_all = _take(rep_f, p.periods)
            rep = rep_all[units]
            active |= rep_all[zone].sum(axis=0) > 0
            if exp_f is None:
                no_data |= rep == 0
                if not np.isfinite(best_cov).any():
                    best_rep = np.where(np.isnan(best_exp), rep, best_rep)
                continue
            exp_all = _take(exp_f, p.periods)
            exp = exp_all[units]
            active |= exp_all[zone].sum(axis=0) > 0
            cov = np.where(exp > 0, np.minimum(rep / np.where(exp > 0, exp, 1), 1.0), 1.0)
            no_data |= (rep == 0) & (exp > 0)
            better = cov < best_cov
            best_cov = np.where(better, cov, best_cov)
            best_rep = np.where(better, rep, best_rep)
            best_exp = np.where(better, exp, best_exp)
        coverage = np.where(np.isinf(best_cov), np.nan, best_cov)
        # Shared by every indicator of these forms and periods: nobody may change them.
        return _read_only(best_rep), _read_only(best_exp), _read_only(coverage), _read_only(no_data), active

    def _rows(
        self,
        p: _Prepared,
        units: Ints,
        num: Floats,
        den: Floats | None,
        missing: Floats,
        reported: Floats,
        expected: Floats,
        coverage: Floats,
        no_data: npt.NDArray[np.bool_],
        active: npt.NDArray[np.bool_],
    ) -> Block:
        cols = np.flatnonzero(active)
        if len(cols) < len(active):  # periods nobody reported for are left out
            num, missing = num[:, cols], missing[:, cols]
            reported, expected, coverage, no_data = (
                reported[:, cols],
                expected[:, cols],
                coverage[:, cols],
                no_data[:, cols],
            )
            den = None if den is None else den[:, cols]
        n_u, n_p = num.shape
        factor = p.res.factor
        with np.errstate(divide="ignore", invalid="ignore"):
            if den is not None:
                value = num / den
                value *= factor
                zero = den == 0
            else:
                value = num * factor
                zero = np.zeros_like(num, dtype=bool)
        no_deflator = np.isnan(num)
        if den is not None:
            no_deflator |= np.isnan(den)
        # The first reason that applies, as np.select would pick it: no data, no deflator, zero, missing.
        flag = np.where(missing > 0, 4, 0)
        flag[zero] = 3
        flag[no_deflator] = 2
        flag[no_data] = 1
        value[(flag > 0) & (flag < 4) | ~np.isfinite(value)] = np.nan
        provisional = coverage < self.threshold  # NaN (no coverage known) compares False
        ind_id = list(self.prepared).index(p.res.code)
        period_ids = np.array([self._period_id(p, int(c)) for c in cols], dtype=np.int64)
        # 2-D (units × periods) blocks; `publish` lays them out row after row without extra copies.
        return {
            "_ind": np.array([ind_id], dtype=np.int64),
            "_unit": units,
            "_period": period_ids,
            "numerator": num,
            "denominator": den if den is not None else np.full((n_u, n_p), np.nan),
            "value": value,
            "reported": reported,
            "expected": expected,
            "coverage": coverage,
            "provisional": provisional,
            "flag": flag,
            "missing": missing,
        }

    def _period_id(self, p: _Prepared, col: int) -> int:
        label = p.periods.labels[col]
        pid = self._period_index.get(label)
        if pid is None:
            pid = self._period_index[label] = len(self._period_rows)
            self._period_rows.append((label, p.periods.kinds[col], p.periods.years[col]))
        return pid

    def labels(self) -> _Labels:
        """A copy of the code tables the blocks computed so far refer to."""
        return _Labels(
            codes=tuple(self.prepared),
            forms=tuple("、".join(p.forms) for p in self.prepared.values()),
            units=self._unit_codes,
            levels=self._unit_levels.cast(LEVELS),
            periods=tuple(self._period_rows),
            threshold=self.threshold,
        )

    def publish(self, raw: list[Block]) -> pl.DataFrame:
        """The long frame of `raw` blocks now (see `_publish`)."""
        return _publish(raw, self.labels())

    def update(self, form: str, rows: pl.DataFrame) -> EngineResult:
        """Apply newly approved reports of `form` and return only the values they change.

        `rows` are frame rows (same columns as the form's frame). A row replaces the row of
        the same respondent and period (an earlier version). Only the affected districts and
        years are re-summed (plus, for a respondent that moved within the year, every
        district it sat in); then the leaf sums are re-rolled for those districts, their
        parks and ancestors. The engine's data is updated in place of the old frame.
        """
        old = self.data.frames.get(form)
        cube = self.cubes.get(form)
        if rows.is_empty():
            return EngineResult(pl.DataFrame(schema=RESULT_SCHEMA), list(self.errors))
        if old is None:
            raise FormulaError(f"没有报表 {form} 的数据,请全量重算")
        district_col = "district" if "district" in old.columns else "org"
        enterprise_level = (
            self.data.forms[form].respondent_level == "enterprise" if form in self.data.forms else True
        )
        resp_col = "enterprise" if enterprise_level and "enterprise" in old.columns else district_col
        rows = rows.select([pl.col(c).cast(old.schema[c]) for c in old.columns])
        hit = _matching(old, rows, [resp_col, "period"])
        replaced = old.filter(hit)
        new_frame = pl.concat([old.filter(~hit), rows], how="vertical")
        if cube is None:  # no indicator uses this form: only the data change
            self.data = EngineInput(
                self.data.plan,
                self.data.forms,
                {**self.data.frames, form: new_frame},
                self.data.expected,
                self.data.tree,
            )
            return EngineResult(pl.DataFrame(schema=RESULT_SCHEMA), list(self.errors))
        years = sorted(set(rows["year"].to_list()) | set(replaced["year"].to_list()))
        touched = pl.concat([rows.select(resp_col, "year"), replaced.select(resp_col, "year")])
        moved = new_frame.filter(_matching(new_frame, touched, [resp_col, "year"]))
        # The replaced version's district too: a corrected report may name another district.
        districts = sorted(
            {
                d
                for d in (
                    *rows[district_col].to_list(),
                    *replaced[district_col].to_list(),
                    *moved[district_col].to_list(),
                )
                if d is not None
            }
        )
        year_index = [self.year_list.index(y) for y in years if y in self.year_list]
        leaves = np.flatnonzero(
            np.isin(self.tree.leaf_district, [self.tree.index(d) for d in districts if d in self.tree.units])
        )
        # Every row of those districts and years, plus the other rows of their respondents that year.
        in_scope = new_frame.filter(pl.col("year").is_in(years) & pl.col(district_col).is_in(districts))
        chosen = new_frame.select(
            pl.col("year").is_in(years) & pl.col(resp_col).is_in(in_scope[resp_col].unique().implode())
        ).to_series()
        sub_frame = new_frame.filter(chosen)
        kinds = self.plan.engine.fields.get(form, FieldKinds())
        # Summed like the whole frame would be, over the same runs (see keju.metrics.cube).
        sub = FormCube(
            form,
            self.data.forms.get(form),
            sub_frame,
            self.tree,
            self.year_list,
            kinds,
            None,
            summation=cube.summed_over,
            positions=np.flatnonzero(chosen.fill_null(False).to_numpy()),
        )
        for field_name, sets in cube.wanted().items():  # the same passes, so the same sums to the last bit
            for filters in sets:
                sub.want(field_name, filters)
        cube.patch(new_frame, sub, leaves.astype(np.int64), year_index)
        self._rolled_cache = {k: v for k, v in self._rolled_cache.items() if k[0] != form}
        self._coverage_cache.pop(form, None)
        self._layout_cache = {k: v for k, v in self._layout_cache.items() if form not in k[0]}  # type: ignore[operator]
        self.data = EngineInput(
            self.data.plan,
            self.data.forms,
            {**self.data.frames, form: new_frame},
            self.data.expected,
            self.data.tree,
        )
        units: set[int] = set()
        for leaf in leaves:
            units.update(int(u) for u in np.flatnonzero(self.tree.membership[:, leaf] > 0))
        unit_idx = np.array(sorted(units), dtype=np.int64)
        frames = []
        for code, p in self.prepared.items():
            if form not in p.forms:
                continue
            frames.append(self.indicator_frame(code, unit_idx))
        values = self.publish(frames)
        if not values.is_empty():
            start = pl.col("period").str.slice(0, 4).cast(pl.Int64)
            spans = pl.any_horizontal([(start <= y) & (pl.col("year") >= y) for y in years])
            cumulative = (pl.col("period_kind") == "cumulative") & spans
            values = values.filter(
                (pl.col("year").is_in(years) & (pl.col("period_kind") != "cumulative")) | cumulative
            )
        return EngineResult(values, list(self.errors), self.indicator_table())

    def result(self) -> EngineResult:
        for cube in self.cubes.values():
            cube.prefetch()
        frames = []
        for code in self.prepared:
            try:
                frames.append(self.indicator_frame(code))
            except FormulaError as exc:
                self.errors.append(f"{code}:{exc}")
        # Lazy: the long frame is laid out only when someone reads `values` (see EngineResult).
        return EngineResult(
            None, list(self.errors), self.indicator_table(), blocks=frames, labels=self.labels()
        )

    def indicator_table(self) -> pl.DataFrame:
        """indicator, name, unit, convention (the plan's choice, said with every figure), forms, lowest_level."""
        names = {i.code: i.name for i in self.plan.indicators}
        rows = [
            (
                code,
                names.get(code, code),
                p.res.unit,
                p.res.convention,
                "、".join(p.forms),
                p.lowest,
            )
            for code, p in self.prepared.items()
        ]
        return pl.DataFrame(rows, schema=INDICATOR_SCHEMA, orient="row")


def _publish(raw: Sequence[Block], labels: _Labels) -> pl.DataFrame:
    """The published columns (labels, notes, nulls for NaN, schema), once over all indicators' rows.

    Every column is laid out once into a flat NumPy array and handed to Polars as is: the
    labels are gathers of small code tables by u32 positions, NaN becomes null while the
    Series is built, and notes are formatted only for the rows that need one. At national
    scale (4 million values) this is a few passes over memory, not a frame per indicator.
    """
    if not raw:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    shapes = [(len(r["_unit"]), len(r["_period"])) for r in raw]
    sizes = np.array([u * q for u, q in shapes], dtype=np.int64)
    ind = np.repeat(np.array([r["_ind"][0] for r in raw], dtype=np.uint32), sizes)
    unit = np.concatenate(
        [np.repeat(r["_unit"].astype(np.uint32), q) for r, (_, q) in zip(raw, shapes, strict=True)]
    )
    period = np.concatenate(
        [np.tile(r["_period"].astype(np.uint32), u) for r, (u, _) in zip(raw, shapes, strict=True)]
    )

    def flat(name: str, dtype: type[np.generic] | None = None) -> npt.NDArray[Any]:
        out = np.concatenate([r[name].reshape(-1) for r in raw])
        return out if dtype is None else out.astype(dtype, copy=False)

    flag = flat("flag", np.int8)
    provisional = flat("provisional")
    codes = pl.Series(labels.codes, dtype=pl.String)
    rows = labels.periods

    def nullable(name: str) -> pl.Series:
        return pl.Series(name, flat(name), dtype=pl.Float64, nan_to_null=True)

    expected = flat("expected")  # NaN where no one was listed as expected: coverage unknown
    # The label columns are gathers of small code tables, all in one select (Polars runs them
    # on every core).
    positions = pl.DataFrame(
        [
            pl.Series("_ind", ind),
            pl.Series("_unit", unit),
            pl.Series("_period", period),
            pl.Series("_flag", flag),
        ]
    )
    period_table = {
        "period": pl.Series("period", [x[0] for x in rows], dtype=pl.String),
        "period_kind": pl.Series("period_kind", [x[1] for x in rows], dtype=PERIOD_KINDS),
        "year": pl.Series("year", [x[2] for x in rows], dtype=pl.Int64),
    }
    labelled = positions.select(
        pl.lit(codes).gather(pl.col("_ind")).alias("indicator"),
        pl.lit(labels.units).gather(pl.col("_unit")).alias("org_unit"),
        pl.lit(labels.levels).gather(pl.col("_unit")).alias("level"),
        *[pl.lit(table).gather(pl.col("_period")).alias(name) for name, table in period_table.items()],
        pl.lit(_FLAG_CODES).gather(pl.col("_flag")).alias("flag"),
    )
    columns: dict[str, pl.Series] = {
        "indicator": labelled["indicator"],
        "org_unit": labelled["org_unit"],
        "level": labelled["level"],
        "period": labelled["period"],
        "period_kind": labelled["period_kind"],
        "year": labelled["year"],
        "numerator": nullable("numerator"),
        "denominator": nullable("denominator"),
        "value": nullable("value"),
        "reported": pl.Series("reported", flat("reported").astype(np.int64)),
        "expected": pl.Series("expected", expected, dtype=pl.Float64, nan_to_null=True).cast(pl.Int64),
        "coverage": nullable("coverage"),
        "provisional": pl.Series("provisional", provisional, dtype=pl.Boolean),
        "flag": labelled["flag"],
    }
    n = len(ind)
    note = pl.repeat(None, n, dtype=pl.String, eager=True).alias("note")
    # Notes only for the rows that need one (flagged or provisional): formatting strings for
    # every row would cost more than the whole computation at national scale.
    need = np.flatnonzero((flag > 0) | provisional)
    if len(need):
        thr = f"{labels.threshold:.0%}"
        forms = pl.Series("_forms", labels.forms, dtype=pl.String)
        sub = pl.DataFrame(
            {
                "flag": columns["flag"].gather(need),
                "missing": flat("missing")[need],
                "provisional": provisional[need],
                "coverage": columns["coverage"].gather(need),
                "_forms": forms.gather(ind[need]),
            }
        )
        f = pl.col("flag")
        text = (
            pl.when(f == "no_data")
            .then(pl.format(FLAG_NOTES["no_data"] + "({})", pl.col("_forms")))
            .when(f == "missing_deflator")
            .then(pl.lit(FLAG_NOTES["missing_deflator"]))
            .when(f == "zero_denominator")
            .then(pl.lit(FLAG_NOTES["zero_denominator"]))
            .when(f == "missing_input")
            .then(pl.format("{} 份报表缺少所需数据,未计入", pl.col("missing").cast(pl.Int64)))
            .when(pl.col("provisional"))
            .then(pl.format("覆盖率 {}% 低于 " + thr + ",为初步数", (pl.col("coverage") * 100).round(1)))
        )
        note = note.scatter(need, sub.select(text.alias("note")).to_series())
    columns["note"] = note
    return pl.DataFrame(list(columns.values()))


def _matching(frame: pl.DataFrame, keys: pl.DataFrame, on: list[str]) -> pl.Series:
    """Which rows of `frame` match a row of `keys` on `on`: one filter pass for the few keys of an approval."""
    pairs = keys.select(on).unique().rows()
    if len(pairs) > 64:  # a bulk update: a semi join
        marked = frame.select(on).with_row_index("_row").join(keys.select(on).unique(), on=on, how="semi")
        hit = np.zeros(frame.height, dtype=bool)
        hit[marked["_row"].to_numpy()] = True
        return pl.Series("hit", hit)
    if not pairs:
        return pl.Series("hit", np.zeros(frame.height, dtype=bool))
    any_pair = pl.any_horizontal(
        [
            pl.all_horizontal(
                [pl.col(c) == pl.lit(v, dtype=frame.schema[c]) for c, v in zip(on, pair, strict=True)]
            )
            for pair in pairs
        ]
    )
    return frame.select(any_pair.fill_null(False).alias("hit")).to_series()


def compute(
    data: EngineInput,
    *,
    years: Sequence[int] | None = None,
    indicators: Sequence[str] | None = None,
    summation: str = "auto",
) -> EngineResult:
    """Every indicator (or `indicators`) for every org unit and period of `years` (default: all in the data).

    `summation` ("auto", "runs", "scatter"): how each form's columns are summed
    (keju.metrics.cube); every choice gives the same values up to rounding.
    """
    return Engine(data, years=years, indicators=indicators, summation=summation).result()


# --- lineage ------------------------------------------------------------------------------

LINEAGE_SCHEMA: dict[str, type[pl.DataType]] = {
    "report_id": pl.Int64,
    "version": pl.Int64,
    "form": pl.String,
    "respondent": pl.String,
    "period": pl.String,
    "district": pl.String,
    "park": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
}


def _lineage_rows(eng: Engine, p: _Prepared, j: int, leaves: Ints) -> list[pl.DataFrame]:
    fam, cols = p.periods.family[j], p.periods.columns[j]
    parts: list[pl.DataFrame] = []
    combos = [("numerator", p.res.numerator)]
    if p.res.denominator is not None:
        combos.append(("denominator", p.res.denominator))
    for part, combo in combos:
        for atom, c in combo:
            cube = eng.cubes[atom.form]
            w = cube.row_weights(atom.field, atom.filters) * c
            ratio = eng._ratio(atom.deflator)
            if ratio is not None:
                yi = cube.pidx // cube.per_year
                w = w / ratio[np.clip(yi, 0, len(ratio) - 1)]
            in_unit = cube.valid & np.isin(cube.leaf, leaves)
            kind = cube.kind(atom.field)
            base: list[int] = []
            for col in cols:  # col indexes the family: years, or year × 4 + quarter − 1
                if not cube.quarterly:
                    base.append(col)
                elif fam == "year":
                    base.extend([col * 4 + 3] if kind != "flow" else [col * 4 + k for k in range(4)])
                elif fam == "ytd" and kind == "flow":
                    base.extend(range(col - col % 4, col + 1))
                else:
                    base.append(col)
            rows = np.flatnonzero(in_unit & np.isin(cube.pidx, base))
            contrib = w[rows]
            if cube.quarterly and fam == "quarter" and kind == "ytd":
                prev = cube.previous_rows(rows)
                orphan = (cube.quarter[rows] > 1) & (prev < 0)
                rows, contrib, prev = rows[~orphan], contrib[~orphan], prev[~orphan]
                has_prev = prev >= 0
                rows = np.concatenate([rows, prev[has_prev]])
                contrib = np.concatenate([contrib, -w[prev[has_prev]]])
            parts.append(_describe(cube, rows, contrib, part))
    return parts


def _describe(cube: FormCube, rows: Ints, contrib: Floats, part: str) -> pl.DataFrame:
    f = cube.frame[rows.tolist()] if len(rows) else cube.frame.clear()
    district_col = "district" if "district" in f.columns else "org"
    if cube.enterprise_level and "enterprise" in f.columns:
        respondent = f["enterprise"].cast(pl.String)
    else:
        respondent = f[district_col].cast(pl.String)
    n = f.height

    def col(name: str, dtype: type[pl.DataType]) -> pl.Series:
        return f[name].cast(dtype) if name in f.columns else pl.Series(name, [None] * n, dtype=dtype)

    return pl.DataFrame(
        {
            "report_id": col("report_id", pl.Int64),
            "version": col("version", pl.Int64),
            "form": [cube.code] * n,
            "respondent": respondent,
            "period": col("period", pl.String),
            "district": col(district_col, pl.String),
            "park": col("park", pl.String),
            "numerator": contrib if part == "numerator" else np.zeros(n),
            "denominator": contrib if part == "denominator" else np.zeros(n),
        },
        schema=LINEAGE_SCHEMA,
    )


def lineage(data: EngineInput, indicator: str, org_unit: str, period: str) -> pl.DataFrame:
    """The reports (and versions) behind one value, with their contribution to numerator and denominator.

    One row per report: report_id, version, form, respondent, period, district, park,
    numerator, denominator. The contributions sum to the value's numerator and denominator
    (before the factor); a quarter's own flow of a year-to-date field lists the quarter's
    report (+) and the same respondent's previous quarter (−). FormulaError (Chinese) when
    the indicator, unit or period has no value.
    """
    eng = Engine(data, indicators=[indicator])
    p = eng.prepared.get(indicator)
    if p is None:
        reason = "; ".join(eng.errors) or "没有公式"
        raise FormulaError(f"指标 {indicator} 无法计算:{reason}")
    if org_unit not in eng.tree.units or eng.tree.index(org_unit) not in set(p.units.tolist()):
        raise FormulaError(f"指标 {indicator} 没有组织单元 {org_unit} 的数值")
    if period not in p.periods.labels:
        raise FormulaError(f"指标 {indicator} 没有期间 {period} 的数值")
    j = p.periods.labels.index(period)
    leaves = eng.tree.descendant_leaves(org_unit)
    parts = _lineage_rows(eng, p, j, leaves)
    keys = ["form", "report_id", "version", "respondent", "period", "district", "park"]
    out = (
        pl.concat(parts, how="vertical")
        .group_by(keys, maintain_order=True)
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum())
    )
    return out.select(list(LINEAGE_SCHEMA)).sort("form", "period", "respondent")


# --- counts of registered objects ---------------------------------------------------------


def count_objects(
    objects: pl.DataFrame, by: Sequence[str], *, tree: OrgTree | None = None, year: int | None = None
) -> pl.DataFrame:
    """Counts of registered objects (platforms, alliances, incubators, enterprises…) by `by` columns.

    `year`: only objects registered at the end of that year (columns `valid_from` /
    `valid_to`, dates, `valid_to` exclusive and null while current, when present).
    `tree`: with "district" in `by`, the counts are rolled up the org tree and the
    district column becomes `org_unit` (districts, cities and the zone; parks too when
    the objects carry a `park` column). ValueError (Chinese) on unknown columns.
    """
    missing = [c for c in by if c not in objects.columns]
    if missing:
        raise ValueError(f"登记对象数据没有列 {', '.join(missing)}")
    frame = objects
    if year is not None:
        from datetime import date

        end = date(year, 12, 31)
        if "valid_from" in frame.columns:
            frame = frame.filter(pl.col("valid_from").is_null() | (pl.col("valid_from") <= end))
        if "valid_to" in frame.columns:
            frame = frame.filter(pl.col("valid_to").is_null() | (pl.col("valid_to") > end))
    if tree is None:
        return frame.group_by(list(by)).len("count").sort(list(by))
    if "district" not in by:
        raise ValueError("按组织树汇总时 by 必须包含 district")
    index = build_tree_index(tree.units)
    park = frame["park"] if "park" in frame.columns else None
    leaf, _ = index.leaves_of(frame["district"], park)
    others = [c for c in by if c != "district"]
    keyed = frame.select(others).with_columns(pl.Series("_leaf", leaf)).filter(pl.col("_leaf") >= 0)
    per_leaf = keyed.group_by(["_leaf", *others]).len("count")
    membership = pl.DataFrame(
        [
            (int(leaf_i), index.units[u], index.levels[u])
            for u, leaf_i in zip(*np.nonzero(index.membership), strict=True)
        ],
        schema={"_leaf": pl.Int64, "org_unit": pl.String, "level": pl.String},
        orient="row",
    )
    if "park" not in frame.columns:
        membership = membership.filter(pl.col("level") != "park")
    rolled = (
        per_leaf.join(membership, on="_leaf")
        .group_by(["org_unit", "level", *others])
        .agg(pl.col("count").sum())
    )
    return rolled.select("org_unit", "level", *others, pl.col("count").cast(pl.UInt32)).sort(
        ["org_unit", *others]
    )
