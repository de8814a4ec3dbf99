"""A calibrated demo zone: enterprises, placements and the three forms 2014—2020, as Polars frames.

`generate_zone(plan, forms)` builds the register of the zone's enterprises and
their KJ101 (annual), KJ102 (quarterly, 规模以上工业) and KJ201 (district annual)
figures for 2014—2020. It is pure (no database) and vectorised: enterprises are
arrays, never Python loops; loops run only over years, districts and parks.

Calibration: the default register reproduces the plan's 2014 counts exactly
(4674 enterprises, 1793 工业, 485 规模以上工业, 166 高新技术企业), and the zone's
2014 headline indicators, computed with the plan's own formulas, reproduce 专栏1:
heavy-tailed (lognormal) enterprise figures are scaled, per district, year and
class of enterprise, to district totals whose zone sums give the 专栏1 ratios.
The scenario (district paths after 2014) is described in keju.demo.scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from keju.demo import industries as ind
from keju.demo import scenario as sc
from keju.plan.forms import ReportForm
from keju.plan.schema import ENTERPRISE_FLAGS as PLAN_FLAGS
from keju.plan.schema import Plan
from keju.standards.credit_code import ALPHABET, WEIGHTS

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

DEFAULT_YEARS = range(2014, 2021)
ENTERPRISE_FLAGS = tuple(PLAN_FLAGS)  # boolean columns of the enterprise forms' frames
CUMULATIVE_FIELDS = ("revenue", "gross_output", "value_added", "taxes_paid", "exports", "rd_expenditure")


@dataclass(frozen=True)
class DemoZone:
    """The generated zone. Frames are keyed by `enterprise` (row number of the register).

    enterprises: the register (columns as orgs.Enterprise, plus district/park of the first placement)
    placements: enterprise, district, park, valid_from, valid_to (exclusive; null while current)
    kj101/kj102: enterprise, org (district of the period), park, year (kj102: quarter), period,
        the boolean ENTERPRISE_FLAGS and the form's fields
    kj201: org, year, period and the form's fields
    """

    seed: int
    years: tuple[int, ...]
    enterprises: pl.DataFrame
    placements: pl.DataFrame
    kj101: pl.DataFrame
    kj102: pl.DataFrame
    kj201: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        """Form frames keyed by form code, as keju.metrics.evaluate wants them."""
        return {"KJ101": self.kj101, "KJ102": self.kj102, "KJ201": self.kj201}


# --- industry tables --------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalog:
    """All industries of all sectors as parallel arrays (index = industry number)."""

    codes: list[str]
    sector: Ints
    industrial: Bools
    high_tech: list[str]
    se_field: list[str]
    se_share: Floats
    weight: Floats  # within-sector weight, normalised per sector

    @classmethod
    def build(cls) -> _Catalog:
        rows = [(s_i, i) for s_i, s in enumerate(ind.SECTORS) for i in s.industries]
        sector_total = {s_i: sum(i.weight for i in s.industries) for s_i, s in enumerate(ind.SECTORS)}
        return cls(
            codes=[i.code for _, i in rows],
            sector=np.array([s_i for s_i, _ in rows], dtype=np.int64),
            industrial=np.array([ind.is_industrial(i.code) for _, i in rows]),
            high_tech=[ind.high_tech_category(i.code) for _, i in rows],
            se_field=[i.se_field for _, i in rows],
            se_share=np.array([i.se_share for _, i in rows]),
            weight=np.array([i.weight / sector_total[s_i] for s_i, i in rows]),
        )

    def sector_param(self, name: str) -> Floats:
        return np.array([getattr(ind.SECTORS[s], name) for s in self.sector], dtype=np.float64)


@dataclass(frozen=True)
class _Unit:
    """A park (or the district itself for enterprises outside the named parks)."""

    district: int
    park: str | None
    weight: float
    pools: dict[bool, tuple[Ints, Floats]]  # industrial? → (industry numbers, probabilities)


def _pool(catalog: _Catalog, sectors: Sequence[str], industrial: bool) -> tuple[Ints, Floats]:
    wanted = {i for i, s in enumerate(ind.SECTORS) if s.code in sectors}
    mask = np.isin(catalog.sector, list(wanted)) & (catalog.industrial == industrial)
    idx = np.flatnonzero(mask).astype(np.int64)
    weights = catalog.weight[idx]
    return idx, weights / weights.sum() if len(idx) else weights


def _service_pool(catalog: _Catalog, sectors: Sequence[str]) -> tuple[Ints, Floats]:
    """Services named by the unit (65%) mixed with those every park has (35%)."""
    own_idx, own_w = _pool(catalog, sectors, False)
    generic = [code for code, _ in ind.GENERIC_SERVICES]
    gen_weight = dict(ind.GENERIC_SERVICES)
    gen_idx, _ = _pool(catalog, generic, False)
    gen_w = np.array(
        [catalog.weight[i] * gen_weight[ind.SECTORS[catalog.sector[i]].code] for i in gen_idx],
        dtype=np.float64,
    )
    gen_w /= gen_w.sum()
    if not len(own_idx):
        return gen_idx, gen_w
    idx = np.concatenate([own_idx, gen_idx])
    w = np.concatenate([0.65 * own_w, 0.35 * gen_w])
    return idx, w / w.sum()


def _units(plan: Plan, catalog: _Catalog) -> list[_Unit]:
    """Parks of each district with the industries their 主导产业 name."""
    by_code = {u.code: u for u in plan.org_units}
    missing = [d for d in sc.DISTRICTS if d not in by_code]
    if missing:
        raise ValueError(f"plan {plan.code} has no district(s) {', '.join(missing)}")
    units: list[_Unit] = []
    for d, code in enumerate(sc.DISTRICTS):
        district_sectors = ind.sectors_of(by_code[code].leading_industries) or ["trade", "equipment"]
        covered: set[str] = set()
        for park in (u for u in plan.org_units if u.level == "park" and u.parent == code):
            sectors = ind.sectors_of(park.leading_industries)
            covered.update(sectors)
            units.append(_unit(catalog, d, park.code, float(max(len(sectors), 1)), sectors))
        rest = [s for s in district_sectors if s not in covered]
        # Enterprises outside the named parks ("区内其他") get the district's remaining industries.
        units.append(_unit(catalog, d, None, 1.0 + len(rest), rest or district_sectors))
    return units


def _unit(catalog: _Catalog, district: int, park: str | None, weight: float, sectors: Sequence[str]) -> _Unit:
    pools = {True: _pool(catalog, sectors, True), False: _service_pool(catalog, sectors)}
    return _Unit(district, park, weight, pools)


def _chain_table(plan: Plan) -> list[list[str]]:
    """[district][sector] → the plan's industry-chain code ("" when none fits)."""
    table = [["" for _ in ind.SECTORS] for _ in sc.DISTRICTS]
    for d, district in enumerate(sc.DISTRICTS):
        for s, sector in enumerate(ind.SECTORS):
            table[d][s] = _chain_for(plan, district, sector)
    return table


def _chain_for(plan: Plan, district: str, sector: ind.Sector) -> str:
    for keyword in sector.chain_keywords:
        matches = [c for c in plan.industry_chains if keyword in c.name]
        local = [c for c in matches if not c.districts or district in c.districts]
        for pool in (local, matches):
            if pool:
                return min(pool, key=lambda c: len(c.name)).code
    return ""


# --- small vectorised helpers -----------------------------------------------------------


def _group_sum(groups: Ints, values: Floats, n: int, mask: Bools | None = None) -> Floats:
    if mask is None:
        return np.bincount(groups, weights=values, minlength=n).astype(np.float64)
    return np.bincount(groups[mask], weights=values[mask], minlength=n).astype(np.float64)


def _scale_to(values: Floats, groups: Ints, targets: Floats, mask: Bools) -> None:
    """Scale values[mask] in place so that each group sums to its target."""
    sums = _group_sum(groups, values, len(targets), mask)
    factor = np.divide(targets, sums, out=np.ones_like(targets), where=sums > 0)
    values[mask] *= factor[groups[mask]]


def _rank_within(groups: Ints, key: Floats, eligible: Bools) -> Ints:
    """0-based rank by descending key within each group; ineligible rows get a huge rank."""
    rank = np.full(len(groups), np.iinfo(np.int64).max, dtype=np.int64)
    idx = np.flatnonzero(eligible)
    if not len(idx):
        return rank
    order = idx[np.lexsort((-key[idx], groups[idx]))]
    sorted_groups = groups[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    starts = np.repeat(first, np.diff(np.r_[first, len(order)]))
    rank[order] = np.arange(len(order)) - starts
    return rank


def allocate_integers(weights: Floats, groups: Ints, totals: Ints, minimum: int = 0) -> Ints:
    """Integers proportional to weights that sum exactly to each group's total (largest remainder).

    Every row gets at least `minimum`; where the total is too small for that, the
    group's sum exceeds its total (minimum × rows).
    """
    n_groups = len(totals)
    counts = np.bincount(groups, minlength=n_groups)
    rest = np.maximum(totals - minimum * counts, 0).astype(np.float64)
    wsum = _group_sum(groups, weights, n_groups)
    share = np.where(
        wsum[groups] > 0, weights / np.where(wsum[groups] > 0, wsum[groups], 1), 1 / counts[groups]
    )
    quota = rest[groups] * share
    base = np.floor(quota)
    left = rest - _group_sum(groups, base, n_groups)
    rank = _rank_within(groups, quota - base, np.ones(len(groups), dtype=bool))
    extra = rank < np.rint(left[groups])
    result: Ints = (base + extra + minimum).astype(np.int64)
    return result


def _weighted_sample(rng: np.random.Generator, candidates: Ints, k: int, weights: Floats) -> Ints:
    """k of the candidates without replacement, chance ∝ weight (Efraimidis–Spirakis keys)."""
    if k <= 0 or not len(candidates):
        return np.empty(0, dtype=np.int64)
    if k >= len(candidates):
        return candidates
    keys = np.log(rng.random(len(candidates))) / np.maximum(weights, 1e-12)
    return candidates[np.argpartition(-keys, k - 1)[:k]]


def _round_counts(values: Floats) -> Ints:
    return np.rint(values).astype(np.int64)


# --- the register -----------------------------------------------------------------------


def _draw_places(
    rng: np.random.Generator, units: list[_Unit], district: int, n: int, industrial: bool
) -> tuple[Ints, Ints]:
    """Park (unit number) and industry for n new enterprises of one district."""
    own = [k for k, u in enumerate(units) if u.district == district and len(u.pools[industrial][0])]
    if not own:  # no park names an industry of this kind: any unit of the district, all industries
        own = [k for k, u in enumerate(units) if u.district == district]
    weights = np.array([units[k].weight for k in own])
    chosen = np.array(own, dtype=np.int64)[rng.choice(len(own), size=n, p=weights / weights.sum())]
    industry = np.empty(n, dtype=np.int64)
    for k in own:
        at = np.flatnonzero(chosen == k)
        idx, p = units[k].pools[industrial]
        if not len(idx):
            idx, p = _fallback_pool(units, industrial)
        industry[at] = idx[rng.choice(len(idx), size=len(at), p=p)]
    return chosen, industry


def _fallback_pool(units: list[_Unit], industrial: bool) -> tuple[Ints, Floats]:
    pools = [u.pools[industrial] for u in units if len(u.pools[industrial][0])]
    idx = np.concatenate([p[0] for p in pools])
    w = np.concatenate([p[1] for p in pools])
    return idx, w / w.sum()


@dataclass(frozen=True)
class _Counts:
    """Scenario counts per district × year, scaled to the requested size."""

    enterprises: Ints
    industrial: Ints
    above_scale: Ints
    high_tech_enterprise: Ints
    innovative: Ints


def _counts(years: list[int], scale: float) -> _Counts:
    m = {k: _round_counts(sc.matrix(p, years) * scale) for k, p in sc.COUNTS.items()}
    m["industrial"] = np.minimum(m["industrial"], m["enterprises"])
    return _Counts(**m)


def _default_total(years: list[int]) -> float:
    """About how many enterprises the default scenario registers over `years`."""
    a = sc.matrix(sc.COUNTS["enterprises"], years)
    growth = np.maximum(np.diff(a, axis=1), 0).sum()
    return float(a[:, 0].sum() + growth + sc.CLOSURE_RATE * a[:, :-1].sum())


@dataclass(frozen=True)
class _History:
    district0: Ints
    unit0: Ints
    industry: Ints
    open_year: Ints
    close_year: Ints  # 0: still open
    move_year: Ints  # 0: never moved
    move_quarter: Ints  # 1..4: moved on the first day of that quarter
    move_district: Ints
    move_unit: Ints


@dataclass
class _Register:
    """Enterprise arrays, grown batch by batch while the years are simulated."""

    district: list[Ints] = field(default_factory=list)
    unit: list[Ints] = field(default_factory=list)
    industry: list[Ints] = field(default_factory=list)
    open_year: list[Ints] = field(default_factory=list)
    close_year: list[Ints] = field(default_factory=list)  # 0: still open
    moves: Ints = field(
        default_factory=lambda: np.zeros((0, 5), dtype=np.int64)
    )  # ent, year, quarter, to, unit

    def add(self, district: int, unit: Ints, industry: Ints, year: int) -> None:
        self.district.append(np.full(len(unit), district, dtype=np.int64))
        self.unit.append(unit)
        self.industry.append(industry)
        self.open_year.append(np.full(len(unit), year, dtype=np.int64))
        self.close_year.append(np.zeros(len(unit), dtype=np.int64))

    def arrays(self) -> tuple[Ints, Ints, Ints, Ints]:
        """District, industry, opening year and closing year of every enterprise so far."""
        cat = np.concatenate
        self.close_year = [cat(self.close_year)]  # one array, so that closures can write into it
        return cat(self.district), cat(self.industry), cat(self.open_year), self.close_year[0]

    def history(self) -> _History:
        district, industry, open_year, close_year = self.arrays()
        unit = np.concatenate(self.unit)
        move = [np.zeros(len(district), dtype=np.int64) for _ in range(2)]
        move_district, move_unit = district.copy(), unit.copy()
        ent = self.moves[:, 0]
        move[0][ent], move[1][ent] = self.moves[:, 1], self.moves[:, 2]
        move_district[ent], move_unit[ent] = self.moves[:, 3], self.moves[:, 4]
        return _History(
            district, unit, industry, open_year, close_year, move[0], move[1], move_district, move_unit
        )


def _simulate(
    rng: np.random.Generator,
    units: list[_Unit],
    catalog: _Catalog,
    years: list[int],
    counts: _Counts,
    total: int | None,
) -> _History:
    """Open, close and move enterprises year by year to follow the scenario counts."""
    reg = _Register()
    n_d = len(sc.DISTRICTS)
    cohort, cohort_industrial = counts.enterprises[:, 0], counts.industrial[:, 0]
    if total is not None and len(years) == 1:  # the base year alone must hold the requested size
        cohort = allocate_integers(
            cohort.astype(np.float64), np.zeros(n_d, dtype=np.int64), np.array([total])
        )
        cohort_industrial = np.minimum(cohort_industrial, cohort)
    _open(rng, reg, units, list(zip(cohort_industrial, cohort, strict=True)), years[0])
    for k, year in enumerate(years[1:], start=1):
        district, industry, open_year, close_year = reg.arrays()
        industrial = catalog.industrial[industry]
        current = district.copy()
        current[reg.moves[:, 0]] = reg.moves[:, 3]
        alive = (open_year < year) & (close_year == 0)
        _close(rng, close_year, alive, current, industrial, year)
        alive &= close_year == 0
        _move(rng, reg, units, alive, current, industrial, year)
        # Openings fill the gap to the scenario's counts.
        openings = [
            (
                max(0, int(counts.industrial[d, k] - (alive & (current == d) & industrial).sum())),
                max(0, int(counts.enterprises[d, k] - (alive & (current == d)).sum())),
            )
            for d in range(n_d)
        ]
        if total is not None and k == len(years) - 1:
            openings = _fit_total(openings, total - len(district))
        _open(rng, reg, units, openings, year)
    return reg.history()


def _open(
    rng: np.random.Generator,
    reg: _Register,
    units: list[_Unit],
    openings: Sequence[tuple[int, int]],
    year: int,
) -> None:
    """New enterprises per district: (industrial, all) counts."""
    for d, (n_industrial, n_all) in enumerate(openings):
        for flag, n in ((True, int(n_industrial)), (False, max(0, int(n_all) - int(n_industrial)))):
            unit, industry = _draw_places(rng, units, d, n, flag)
            reg.add(d, unit, industry, year)


def _close(
    rng: np.random.Generator, close_year: Ints, alive: Bools, current: Ints, industrial: Bools, year: int
) -> None:
    """Close a share of each district's enterprises (more in a slump), the small more often."""
    size_w = 1 / (1 + rng.random(len(close_year)))
    for d, code in enumerate(sc.DISTRICTS):
        rate = sc.SLUMP_CLOSURE_RATE.get((code, year), sc.CLOSURE_RATE)
        for flag in (True, False):
            cand = np.flatnonzero(alive & (current == d) & (industrial == flag))
            close_year[_weighted_sample(rng, cand, round(rate * len(cand)), size_w[cand])] = year


def _move(
    rng: np.random.Generator,
    reg: _Register,
    units: list[_Unit],
    alive: Bools,
    current: Ints,
    industrial: Bools,
    year: int,
) -> None:
    """Move a few enterprises (each at most once), mostly out of the city districts into 兰州新区."""
    n_d = len(sc.DISTRICTS)
    movable = np.flatnonzero(alive & ~np.isin(np.arange(len(alive)), reg.moves[:, 0]))
    movers = rng.choice(movable, size=min(len(movable), round(sc.MOVE_RATE * alive.sum())), replace=False)
    dest = np.empty(len(movers), dtype=np.int64)
    for d in range(n_d):
        at = np.flatnonzero(current[movers] == d)
        others = [o for o in range(n_d) if o != d]
        w = np.array([sc.MOVE_DESTINATION[sc.DISTRICTS[o]] for o in others])
        dest[at] = np.array(others)[rng.choice(len(others), size=len(at), p=w / w.sum())]
    new_units = np.empty(len(movers), dtype=np.int64)
    for d in range(n_d):
        for flag in (True, False):
            at = np.flatnonzero((dest == d) & (industrial[movers] == flag))
            new_units[at], _ = _draw_places(rng, units, d, len(at), flag)
    quarter = rng.integers(1, 5, size=len(movers))
    step = np.column_stack([movers, np.full(len(movers), year), quarter, dest, new_units])
    reg.moves = np.vstack([reg.moves, step])
    current[movers] = dest


def _fit_total(plan_open: list[tuple[int, int]], wanted: int) -> list[tuple[int, int]]:
    """Resize the last year's openings so that the register holds exactly the requested size."""
    wanted = max(wanted, 0)
    alls = np.array([a for _, a in plan_open], dtype=np.float64)
    if alls.sum() == 0:
        alls = np.ones(len(plan_open))
    new_all = allocate_integers(alls, np.zeros(len(alls), dtype=np.int64), np.array([wanted]))
    return [(min(i, int(a)), int(a)) for (i, _), a in zip(plan_open, new_all, strict=True)]


# --- names and codes --------------------------------------------------------------------


def _credit_codes(rng: np.random.Generator, district: Ints) -> pl.Series:
    """Valid, unique 统一社会信用代码: 91 + 行政区划 + 9 random characters + check character."""
    n = len(district)
    alphabet = np.array(list(ALPHABET))
    weights = np.array(WEIGHTS, dtype=np.int64)
    digits = {ch: k for k, ch in enumerate(ALPHABET)}
    area_table = [ind.AREA_CODES.get(code, ind.DEFAULT_AREA_CODES) for code in sc.DISTRICTS]
    head = np.zeros((n, 8), dtype=np.int64)
    head[:, 0], head[:, 1] = digits["9"], digits["1"]
    for d, areas in enumerate(area_table):
        at = np.flatnonzero(district == d)
        area = np.array([[digits[c] for c in a] for a in areas], dtype=np.int64)
        head[at, 2:] = area[rng.integers(0, len(areas), size=len(at))]
    body = rng.integers(0, len(ALPHABET), size=(n, 9))
    while True:
        first17 = np.hstack([head, body])
        check = (31 - (first17 @ weights) % 31) % 31
        chars = alphabet[np.hstack([first17, check[:, None]])]
        codes = pl.Series(np.ascontiguousarray(chars).view("<U18").ravel(), dtype=pl.String)
        dup = ~codes.is_first_distinct().to_numpy()
        if not dup.any():
            return codes
        body[dup] = rng.integers(0, len(ALPHABET), size=(int(dup.sum()), 9))


def _labels(index: Ints, labels: Sequence[str | None]) -> pl.Series:
    """labels[index] as a string Series (vectorised; None stays null)."""
    return pl.Series(index, dtype=pl.Int64).replace_strict(
        list(range(len(labels))), list(labels), return_dtype=pl.String
    )


def _names(rng: np.random.Generator, district: Ints, sector: Ints, big: Bools) -> pl.Series:
    """Unique names: place + made-up 字号 + industry word + legal form."""
    n = len(district)
    pool = list(dict.fromkeys(ind.ZIHAO_CHARS))
    prefixes = sorted(
        {p for options in ind.NAME_PREFIXES.values() for p, _ in options} | {ind.NEW_DISTRICT_PREFIX}
    )
    prefix = np.zeros(n, dtype=np.int64)
    for d, code in enumerate(sc.DISTRICTS):
        options = list(ind.NAME_PREFIXES[sc.DISTRICT_CITY[code]])
        if code == "lzxq":
            options.append((ind.NEW_DISTRICT_PREFIX, 0.3))
        at = np.flatnonzero(district == d)
        weights = np.array([w for _, w in options])
        chosen = rng.choice(len(options), size=len(at), p=weights / weights.sum())
        prefix[at] = np.array([prefixes.index(p) for p, _ in options])[chosen]
    words = [w for spec in ind.SECTORS for w in spec.words]
    offsets = np.cumsum([0, *(len(spec.words) for spec in ind.SECTORS)])
    counts = np.array([len(spec.words) for spec in ind.SECTORS])
    word = offsets[sector] + (rng.random(n) * counts[sector]).astype(np.int64)
    p_share = np.where(big, 0.45, 0.04)  # large enterprises are more often 股份有限公司
    u = rng.random(n)
    form = np.where(u < p_share, 2, np.where(u < p_share + 0.15, 1, 0))
    zihao = rng.integers(0, len(pool), size=(n, 3))
    zihao[:, 2] = len(pool)  # index of "": a two-character 字号
    chars = [*pool, ""]
    parts = pl.DataFrame(
        {
            "prefix": _labels(prefix, prefixes),
            "z1": _labels(zihao[:, 0], chars),
            "z2": _labels(zihao[:, 1], chars),
            "word": _labels(word, words),
            "form": _labels(form, ind.LEGAL_FORMS),
        }
    )
    while True:
        names = parts.with_columns(z3=_labels(zihao[:, 2], chars)).select(
            pl.concat_str("prefix", "z1", "z2", "z3", "word", "form").alias("name")
        )["name"]
        dup = ~names.is_first_distinct().to_numpy()
        if not dup.any():
            return names
        zihao[dup, 2] = rng.integers(0, len(pool), int(dup.sum()))  # clashes get a three-character 字号


# --- the panel (one row per enterprise and year) ------------------------------------------


@dataclass(frozen=True)
class _Panel:
    ent: Ints
    year: Ints
    yi: Ints  # year index
    district: Ints
    unit: Ints
    group: Ints  # district × year
    first: Bools  # first row of its enterprise


def _panel(h: _History, years: list[int]) -> _Panel:
    y0, y1 = years[0], years[-1]
    first_year = np.maximum(h.open_year, y0)
    last_year = np.where(h.close_year > 0, h.close_year - 1, y1)
    n_years = last_year - first_year + 1
    ent = np.repeat(np.arange(len(n_years)), n_years)
    starts = np.cumsum(n_years) - n_years
    offset = np.arange(len(ent)) - np.repeat(starts, n_years)
    year = first_year[ent] + offset
    moved = (h.move_year[ent] > 0) & (year >= h.move_year[ent])
    district = np.where(moved, h.move_district[ent], h.district0[ent])
    unit = np.where(moved, h.move_unit[ent], h.unit0[ent])
    yi = year - y0
    first = offset == 0
    return _Panel(ent, year, yi, district, unit, district * len(years) + yi, first)


def _cumulative(values: Floats, first: Bools) -> Floats:
    """Cumulative sums restarting at each enterprise's first row."""
    steps = np.where(first, 0.0, values)
    total = np.cumsum(steps)
    starts = np.flatnonzero(first)
    lengths = np.diff(np.r_[starts, len(values)])
    result: Floats = total - np.repeat(total[starts], lengths)
    return result


# --- targets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Targets:
    """District × year targets, flattened to the panel's group index."""

    gdp: Floats  # 万元
    deflator: Floats
    values: dict[str, Floats]
    zone: dict[str, float]  # base-year zone figures (专栏1)

    def __getitem__(self, key: str) -> Floats:
        return self.values[key]


def _targets(rng: np.random.Generator, years: list[int], zone: Mapping[str, float]) -> _Targets:
    """Scenario paths with a little noise, scaled so that the zone's base year matches `zone`."""

    def path(paths: sc.Paths, noise: float = 0.01) -> Floats:
        m = sc.matrix(paths, years)
        jitter = np.exp(rng.normal(0, noise, size=m.shape))
        jitter[:, 0] = 1.0  # the base year is exact
        return m * jitter

    v = {k: path(p) for k, p in sc.HEADLINE.items()}
    s = {k: path(p, 0.005) for k, p in sc.STRUCTURE.items()}
    defl = sc.deflator(years)
    gdp = v["gdp"] * (zone["gdp"] / v["gdp"][:, 0].sum()) * 1e4  # 亿元 → 万元
    g0 = gdp[:, 0]
    industrial = s["industrial_share"] * gdp

    def fit_ratio(key: str, den: Floats) -> Floats:
        """Scale a district ratio so that Σ ratio·den / Σ den hits the zone's base-year value."""
        fitted: Floats = v[key] * zone[key] / ((v[key][:, 0] * den).sum() / den.sum())
        return fitted

    ht = fit_ratio("high_tech_va_share", industrial[:, 0])
    hti_va = ht / 100 * industrial
    htlp = v["high_tech_labour_productivity"]
    htlp = (
        htlp * zone["high_tech_labour_productivity"] * (hti_va[:, 0] / htlp[:, 0]).sum() / hti_va[:, 0].sum()
    )
    fiscal = s["fiscal_ratio"] * gdp * np.exp(rng.normal(0, 0.02, size=gdp.shape))
    out = {
        "industrial_va": industrial,
        "services_va": s["services_share"] * gdp,
        "hti_va": hti_va,
        "se_va": fit_ratio("strategic_emerging_va_share", g0) / 100 * gdp,
        "htlp": htlp,
        "rd_total": fit_ratio("rd_intensity", g0) / 100 * gdp,
        "fiscal": fiscal,
        "fiscal_st": fit_ratio("fiscal_st_share", fiscal[:, 0]) / 100 * fiscal,
        "rdp_ratio": v["rd_personnel_per_10k"],
        "patent_ratio": v["invention_patents_per_10k"],
        "contracts": v["tech_contract_turnover"]
        * zone["tech_contract_turnover"]
        / v["tech_contract_turnover"][:, 0].sum()
        * 1e4,
        "energy_ratio": fit_ratio("energy_per_gdp", g0),
        **{k: s[k] for k in sc.STRUCTURE},
    }
    flat = {k: np.asarray(x, dtype=np.float64).ravel() for k, x in out.items()}
    return _Targets(gdp.ravel(), defl.ravel(), flat, dict(zone))


def _zone_figures(plan: Plan) -> dict[str, float]:
    """专栏1 base-year values: from the plan's headline indicators, else the built-in ones."""
    figures = dict(sc.ZONE_2014)
    for indicator in plan.indicators:
        if indicator.code in figures and indicator.baseline and indicator.baseline.year == sc.BASE_YEAR:
            figures[indicator.code] = indicator.baseline.value
    return figures


# --- the generator ----------------------------------------------------------------------


def generate_zone(
    plan: Plan,
    forms: Mapping[str, ReportForm] | Sequence[ReportForm],
    *,
    seed: int = 2015,
    enterprises: int | None = None,
    years: Sequence[int] = DEFAULT_YEARS,
) -> DemoZone:
    """Generate the demo zone of `plan` for `years` (consecutive, starting in 2014).

    `enterprises`: the size of the register (every enterprise registered over the
    years); None gives the scenario's own size, whose 2014 register is the plan's
    exactly. Zone totals do not depend on the size (amounts per enterprise shrink
    as the register grows), so indicators stay calibrated; only far above the
    plan's size the floor of one employee per enterprise lowers the high-tech
    labour productivity (about -5% at 200,000). Deterministic for a given seed.
    """
    years = list(years)
    if not years or years[0] != sc.BASE_YEAR or years != list(range(years[0], years[0] + len(years))):
        raise ValueError(f"years must be consecutive and start in {sc.BASE_YEAR}, got {years}")
    if enterprises is not None and enterprises < 1:
        raise ValueError("enterprises must be positive")
    form_map = dict(forms) if isinstance(forms, Mapping) else {f.code: f for f in forms}
    rng = np.random.default_rng(seed)
    catalog = _Catalog.build()
    units = _units(plan, catalog)
    scale = 1.0 if enterprises is None else enterprises / _default_total(years)
    counts = _counts(years, scale)
    history = _simulate(rng, units, catalog, years, counts, enterprises)
    panel = _panel(history, years)
    targets = _targets(rng, years, _zone_figures(plan))
    attrs = _attributes(rng, history, catalog)
    annual, population = _annual(rng, panel, attrs, targets, counts, years)
    dates = _dates(history, attrs, rng)
    register = _register(rng, plan, history, catalog, units, attrs, annual, panel, dates)
    keys = ("enterprise", "org", "park", "year", "quarter", "period", *ENTERPRISE_FLAGS)
    return DemoZone(
        seed=seed,
        years=tuple(years),
        enterprises=register,
        placements=_placements(history, units, dates),
        kj101=_conform(_annual_frame(panel, attrs, annual, units), form_map.get("KJ101"), keys),
        kj102=_conform(_quarterly(rng, panel, history, attrs, annual, units), form_map.get("KJ102"), keys),
        kj201=_conform(
            _district_annual(rng, panel, annual, population, targets, years), form_map.get("KJ201"), keys
        ),
    )


@dataclass(frozen=True)
class _Attributes:
    """Per-enterprise latent traits (index = enterprise)."""

    sector: Ints
    industrial: Bools
    hti: Bools
    se: Bools
    innovation: Floats
    doer: Bools  # does R&D at all
    log_size: Floats
    trend: Floats
    productivity: Floats
    va_rate: Floats
    energy: Floats
    rd_rate: Floats
    rd_staff: Floats
    fte_ratio: Floats
    round_u: Floats
    exporter: Floats  # export share of revenue (0 for non-exporters)
    margin: Floats
    tax_rate: Floats
    skilled: Floats
    seller: Bools
    extra_open: Ints  # day of the year the enterprise opened


SELLER_SECTORS = ("rd_services", "software")  # sell technology contracts as a business
EXPORT_SECTORS = ("electronics", "nonferrous", "equipment", "petrochem")  # export more often


def _sector_numbers(codes: Sequence[str]) -> list[int]:
    return [k for k, s in enumerate(ind.SECTORS) if s.code in codes]


def _attributes(rng: np.random.Generator, h: _History, catalog: _Catalog) -> _Attributes:
    """Latent traits: innovativeness drives R&D, patents, contracts and 高企 status; size is lognormal."""
    n = len(h.industry)
    sector = catalog.sector[h.industry]
    industrial = catalog.industrial[h.industry]
    hti = np.array([bool(c) for c in catalog.high_tech])[h.industry]
    se = rng.random(n) < catalog.se_share[h.industry]
    innovation = rng.normal(0, 1, n) + catalog.sector_param("innovation")[h.industry] + 0.4 * hti
    doer = innovation + rng.normal(0, 0.6, n) > 0.3
    entrant = h.open_year > sc.BASE_YEAR
    log_size = rng.normal(catalog.sector_param("size")[h.industry] + 0.8 * industrial - 0.8 * entrant, 1.25)
    seller_sector = np.isin(sector, _sector_numbers(SELLER_SECTORS))
    export_p = np.where(np.isin(sector, _sector_numbers(EXPORT_SECTORS)), 0.25, 0.07)
    return _Attributes(
        sector=sector,
        industrial=industrial,
        hti=hti,
        se=se,
        innovation=innovation,
        doer=doer,
        log_size=log_size,
        trend=rng.normal(0.03, 0.05, n) + 0.12 * entrant,
        productivity=catalog.sector_param("productivity")[h.industry] * np.exp(rng.normal(0, 0.3, n)),
        va_rate=np.clip(
            catalog.sector_param("va_rate")[h.industry] * np.exp(rng.normal(0, 0.15, n)), 0.05, 0.85
        ),
        energy=catalog.sector_param("energy")[h.industry] * np.exp(rng.normal(0, 0.4, n)),
        rd_rate=np.where(doer, 0.02 * np.exp(0.6 * innovation), 0.0),
        rd_staff=np.where(doer, np.clip(0.03 * np.exp(0.6 * innovation), 0, 0.6), 0.0),
        fte_ratio=rng.uniform(0.45, 0.95, n),
        round_u=rng.random(n),
        exporter=np.where(rng.random(n) < export_p, rng.uniform(0.05, 0.45, n), 0.0),
        margin=rng.normal(0.05, 0.05, n),
        tax_rate=rng.uniform(0.015, 0.07, n),
        skilled=np.where(industrial, rng.uniform(0.3, 0.6, n), rng.uniform(0.02, 0.2, n)),
        seller=doer & ((innovation + rng.normal(0, 0.5, n) > 1.0) | seller_sector),
        extra_open=rng.integers(0, 365, n),
    )


Columns = dict[str, npt.NDArray[np.generic]]


def _annual(
    rng: np.random.Generator, p: _Panel, a: _Attributes, t: _Targets, counts: _Counts, years: list[int]
) -> tuple[Columns, Floats]:
    """KJ101 values per panel row, calibrated to the district × year targets; and the population."""
    e, rows = p.ent, len(p.ent)
    n_groups = len(sc.DISTRICTS) * len(years)
    growth = a.trend[e] + rng.normal(0, 0.10, rows)
    va = np.exp(a.log_size[e] + _cumulative(growth, p.first))
    va = _calibrate_value_added(va, p.group, t, a.hti[e], a.se[e], a.industrial[e], n_groups)
    employees = _employees(p, a, t, va, n_groups)
    revenue = np.round(va / a.va_rate[e] * np.exp(rng.normal(0, 0.05, rows)), 2)
    gross = np.where(a.industrial[e], np.round(revenue * rng.uniform(0.88, 1.08, rows), 2), np.nan)

    # Enterprises' R&D expenditure: their share of the district's R&D total.
    rd = va * a.rd_rate[e] * np.exp(rng.normal(0, 0.1, rows))
    _scale_to(rd, p.group, t["rd_total"] * t["enterprise_rd_share"], rd > 0)
    rd = np.round(rd, 2)
    rd_personnel, rd_fte = _rd_people(p, a, t, employees, n_groups)
    population, patents = _population_and_patents(p, a, t, va, rd_fte, n_groups, len(years))

    # Energy and technology contracts: the enterprises' share of the district's figure.
    energy = va * a.energy[e]
    energy_total = t["energy_ratio"] * t.gdp / t.deflator
    _scale_to(energy, p.group, energy_total * t["enterprise_energy_share"], np.ones(rows, dtype=bool))
    contracts = np.where(
        a.seller[e], np.exp(a.innovation[e]) * np.sqrt(va) * rng.uniform(0.5, 1.5, rows), 0.0
    )
    _scale_to(contracts, p.group, t["contracts"] * t["enterprise_contract_share"], contracts > 0)

    skilled = np.minimum(employees, np.rint(employees * a.skilled[e])).astype(np.int64)
    tech_share = np.clip(t["technician_share"][p.group] * np.exp(rng.normal(0, 0.3, rows)), 0, 1)
    new_products = np.where(a.doer[e], np.clip(0.08 + 0.08 * a.innovation[e], 0, 0.7), 0.0)
    columns: Columns = {
        "employees": employees,
        "revenue": revenue,
        "gross_output": gross,
        "value_added": va,
        "net_profit": np.round(revenue * (a.margin[e] + rng.normal(0, 0.02, rows)), 2),
        "taxes_paid": np.round(revenue * a.tax_rate[e], 2),
        "exports": np.round(revenue * a.exporter[e], 2),
        "rd_personnel": rd_personnel,
        "rd_personnel_fte": rd_fte,
        "rd_expenditure": rd,
        "invention_patents_valid": patents,
        "new_product_sales": np.round(revenue * new_products, 2),
        "tech_contract_turnover": np.round(contracts, 2),
        "energy_consumption": np.round(energy, 2),
        "skilled_workers": skilled,
        "technicians": np.minimum(skilled, np.rint(skilled * tech_share)).astype(np.int64),
        **_status(rng, p, a, t, counts, revenue, rd, rd_personnel, n_groups),
    }
    return columns, population


def _employees(p: _Panel, a: _Attributes, t: _Targets, va: Floats, n_groups: int) -> Ints:
    """Head counts from productivity; high-tech ones sum exactly to high-tech VA / the productivity target."""
    productivity = a.productivity[p.ent] * 1.06**p.yi
    employees = np.maximum(1, np.rint(va / productivity)).astype(np.int64)
    hti = np.flatnonzero(a.hti[p.ent])
    hti_total = np.rint(_group_sum(p.group[hti], va[hti], n_groups) / t["htlp"]).astype(np.int64)
    employees[hti] = allocate_integers(va[hti] / productivity[hti], p.group[hti], hti_total, 1)
    return employees


def _rd_people(p: _Panel, a: _Attributes, t: _Targets, employees: Ints, n_groups: int) -> tuple[Ints, Floats]:
    """R&D headcount near the scenario's level (≤ employees) and its full-time equivalent (≤ headcount)."""
    e = p.ent
    raw = _group_sum(p.group, employees * a.rd_staff[e] * a.fte_ratio[e], n_groups)
    lift = np.divide(t["rdp_ratio"] * t["population"], raw, out=np.ones(n_groups), where=raw > 0)
    headcount = np.floor(employees * np.minimum(a.rd_staff[e] * lift[p.group], 0.9) + a.round_u[e])
    rd_personnel = np.minimum(employees, headcount).astype(np.int64)
    return rd_personnel, np.round(rd_personnel * a.fte_ratio[e], 1)


def _population_and_patents(
    p: _Panel, a: _Attributes, t: _Targets, va: Floats, rd_fte: Floats, n_groups: int, n_years: int
) -> tuple[Floats, Ints]:
    """Population follows from R&D FTE so that R&D personnel per 10k is the calibrated ratio;
    the patent stock is then allocated to hit patents per 10k."""
    fte = _group_sum(p.group, rd_fte, n_groups)
    base = np.arange(n_groups) % n_years == 0  # the base-year groups
    ratio = t["rdp_ratio"]
    fit = t.zone["rd_personnel_per_10k"] * (fte[base] / ratio[base]).sum() / fte[base].sum()
    population = np.round(fte / (fit * ratio), 4)
    per_10k = t["patent_ratio"]
    fit = (
        t.zone["invention_patents_per_10k"]
        * population[base].sum()
        / (per_10k[base] * population[base]).sum()
    )
    totals = np.rint(fit * per_10k * population).astype(np.int64)
    weights = np.where(a.doer[p.ent], np.exp(1.2 * a.innovation[p.ent]) * va**0.3, 0.0)
    return population, allocate_integers(weights, p.group, totals)


def _status(
    rng: np.random.Generator,
    p: _Panel,
    a: _Attributes,
    t: _Targets,
    counts: _Counts,
    revenue: Floats,
    rd: Floats,
    rd_personnel: Ints,
    n_groups: int,
) -> Columns:
    """Status flags: the scenario's counts per district and year exactly, given by rank."""
    e, rows = p.ent, len(p.ent)
    established = ~p.first | (p.yi == 0)  # not in its opening year
    above = (
        _rank_within(p.group, revenue, a.industrial[e] & established) < counts.above_scale.ravel()[p.group]
    )
    hte_key = a.innovation[e] + rng.normal(0, 0.15, rows)
    hte = _rank_within(p.group, hte_key, rd > 0) < counts.high_tech_enterprise.ravel()[p.group]
    innovative = _rank_within(p.group, a.innovation[e], hte) < counts.innovative.ravel()[p.group]
    n_inst = np.rint(t["rd_institution_share"] * np.bincount(p.group, minlength=n_groups)).astype(np.int64)
    inst_key = a.innovation[e] + rng.normal(0, 0.3, rows)
    return {
        "has_rd_institution": _rank_within(p.group, inst_key, rd_personnel > 0) < n_inst[p.group],
        "is_above_scale": above,
        "is_high_tech_enterprise": hte,
        "is_innovative_enterprise": innovative,
    }


def _calibrate_value_added(
    va: Floats, group: Ints, t: _Targets, hti: Bools, se: Bools, industrial: Bools, n_groups: int
) -> Floats:
    """Scale value added to the district targets: high-tech, then the rest of 战略性新兴, then the rest.

    Classes overlap (a high-tech enterprise is industrial and often 战略性新兴), so
    they are scaled in an order where each step only touches rows no earlier
    step fixed.
    """
    _scale_to(va, group, t["hti_va"], hti)
    hti_se = _group_sum(group, va, n_groups, hti & se)
    rest_se = np.maximum(t["se_va"] - hti_se, 0.01 * t["se_va"])
    ise_mask, sse_mask = industrial & ~hti & se, ~industrial & se
    ise_raw, sse_raw = _group_sum(group, va, n_groups, ise_mask), _group_sum(group, va, n_groups, sse_mask)
    both = ise_raw + sse_raw
    share = np.divide(ise_raw, both, out=np.full(n_groups, 0.5), where=both > 0)
    # Industrial 战新 may take at most 60% of the non-high-tech industry, services take the rest.
    ise_target = np.minimum(rest_se * share, 0.6 * (t["industrial_va"] - t["hti_va"]))
    ise_target = np.where(sse_raw > 0, ise_target, rest_se)
    _scale_to(va, group, ise_target, ise_mask)
    _scale_to(va, group, rest_se - ise_target, sse_mask)
    _scale_to(
        va, group, np.maximum(t["industrial_va"] - t["hti_va"] - ise_target, 0), industrial & ~hti & ~se
    )
    _scale_to(va, group, np.maximum(t["services_va"] - (rest_se - ise_target), 0), ~industrial & ~se)
    return np.round(va, 2)


NO_DATE = np.iinfo(np.int64).min  # "no date" in day arrays


def _dates(h: _History, a: _Attributes, rng: np.random.Generator) -> tuple[Ints, Ints, Ints]:
    """Opening, closing and moving days (days since 1970-01-01; NO_DATE for none)."""
    n = len(h.open_year)
    base = h.open_year <= sc.BASE_YEAR
    age = np.clip(np.exp(rng.normal(np.log(9), 0.8, n)).astype(np.int64), 0, 60)
    founded = np.where(base, sc.BASE_YEAR - age, h.open_year)
    opened = _year_start(founded) + np.minimum(a.extra_open, 364)
    closed = np.where(h.close_year > 0, _year_start(h.close_year) + 1 + rng.integers(0, 88, n), NO_DATE)
    month = 3 * (h.move_quarter - 1)
    moved = np.where(h.move_year > 0, _month_start(h.move_year, month), NO_DATE)
    return opened, closed, moved


def _year_start(year: Ints) -> Ints:
    """Days since 1970-01-01 of 1 January of each year."""
    return (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def _month_start(year: Ints, month0: Ints) -> Ints:
    """Days since 1970-01-01 of the first day of month0 (0-based) of each year."""
    months = (year - 1970) * 12 + np.maximum(month0, 0)
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _as_dates(days: Ints) -> pl.Series:
    values = pl.Series(days, dtype=pl.Int64)
    return pl.select(pl.when(values != NO_DATE).then(values).cast(pl.Date)).to_series()


def _unit_parks(units: list[_Unit]) -> list[str | None]:
    return [u.park for u in units]


def _register(
    rng: np.random.Generator,
    plan: Plan,
    h: _History,
    catalog: _Catalog,
    units: list[_Unit],
    a: _Attributes,
    annual: Columns,
    p: _Panel,
    dates: tuple[Ints, Ints, Ints],
) -> pl.DataFrame:
    """The register: codes, names, classification, chain, dates; status flags as of the last report."""
    n = len(h.industry)
    last = np.r_[np.flatnonzero(p.first)[1:], len(p.ent)] - 1  # last panel row of each enterprise
    big = a.log_size > np.quantile(a.log_size, 0.9)
    chains = [c for row in _chain_table(plan) for c in row]  # [district × sector]
    se_field = np.where(a.se, h.industry, len(catalog.codes))  # index of "" when not 战新
    opened, closed, _ = dates
    return pl.DataFrame(
        {
            "enterprise": np.arange(n),
            "credit_code": _credit_codes(rng, h.district0),
            "name": _names(rng, h.district0, a.sector, big),
            "industry_code": _labels(h.industry, catalog.codes),
            "is_industrial": a.industrial,
            "is_above_scale": np.asarray(annual["is_above_scale"])[last],
            "is_high_tech_enterprise": np.asarray(annual["is_high_tech_enterprise"])[last],
            "high_tech_industry": _labels(h.industry, catalog.high_tech),
            "strategic_emerging": _labels(se_field, [*catalog.se_field, ""]),
            "industry_chain": _labels(h.district0 * len(ind.SECTORS) + a.sector, chains),
            "opened_on": _as_dates(opened),
            "closed_on": _as_dates(closed),
            "district": _labels(h.district0, sc.DISTRICTS),
            "park": _labels(h.unit0, _unit_parks(units)),
        }
    )


def _placements(h: _History, units: list[_Unit], dates: tuple[Ints, Ints, Ints]) -> pl.DataFrame:
    """One placement per enterprise, two for those that moved; valid_to is exclusive."""
    opened, closed, moved = dates
    parks = _unit_parks(units)
    n = len(opened)
    movers = np.flatnonzero(h.move_year > 0)
    first = pl.DataFrame(
        {
            "enterprise": np.arange(n),
            "district": _labels(h.district0, sc.DISTRICTS),
            "park": _labels(h.unit0, parks),
            "valid_from": _as_dates(opened),
            "valid_to": _as_dates(np.where(h.move_year > 0, moved, closed)),
        }
    )
    second = pl.DataFrame(
        {
            "enterprise": movers,
            "district": _labels(h.move_district[movers], sc.DISTRICTS),
            "park": _labels(h.move_unit[movers], parks),
            "valid_from": _as_dates(moved[movers]),
            "valid_to": _as_dates(closed[movers]),
        },
        schema_overrides={"park": pl.String, "enterprise": pl.Int64},
    )
    return pl.concat([first, second.cast(first.schema)]).sort("enterprise", "valid_from")


def _flags(p: _Panel, a: _Attributes, annual: Columns) -> dict[str, Bools]:
    e = p.ent
    return {
        "industrial": a.industrial[e],
        "above_scale": np.asarray(annual["is_above_scale"], dtype=bool),
        "high_tech_enterprise": np.asarray(annual["is_high_tech_enterprise"], dtype=bool),
        "high_tech_industry": a.hti[e],
        "strategic_emerging": a.se[e],
    }


def _annual_frame(p: _Panel, a: _Attributes, annual: Columns, units: list[_Unit]) -> pl.DataFrame:
    head = {
        "enterprise": p.ent,
        "org": _labels(p.district, sc.DISTRICTS),
        "park": _labels(p.unit, _unit_parks(units)),
        "year": p.year,
        "period": pl.Series(p.year).cast(pl.String),
    }
    frame = pl.DataFrame({**head, **_flags(p, a, annual), **annual})
    return frame.with_columns(pl.col("gross_output").fill_nan(None))


# Seasonal patterns of year-to-date shares: production, taxes, R&D (back-loaded).
SEASONS = {
    "production": (0.22, 0.24, 0.25, 0.29),
    "taxes": (0.25, 0.25, 0.25, 0.25),
    "rd": (0.15, 0.20, 0.25, 0.40),
}
QUARTER_FIELDS = {
    "revenue": "production",
    "gross_output": "production",
    "value_added": "production",
    "exports": "production",
    "taxes_paid": "taxes",
    "rd_expenditure": "rd",
}


def _quarterly(
    rng: np.random.Generator, p: _Panel, h: _History, a: _Attributes, annual: Columns, units: list[_Unit]
) -> pl.DataFrame:
    """KJ102: year-to-date figures of 规模以上工业 for each quarter; Q4 equals the annual figure."""
    rows = np.flatnonzero(np.asarray(annual["is_above_scale"], dtype=bool))
    n = len(rows)
    r4 = np.repeat(rows, 4)
    quarter = np.tile(np.arange(1, 5), n)
    e, year = p.ent[r4], p.year[r4]
    moved = (h.move_year[e] > 0) & (
        (year > h.move_year[e]) | ((year == h.move_year[e]) & (quarter >= h.move_quarter[e]))
    )
    district = np.where(moved, h.move_district[e], h.district0[e])
    unit = np.where(moved, h.move_unit[e], h.unit0[e])
    columns: dict[str, npt.NDArray[np.generic]] = {}
    shares = {}
    for name, base in SEASONS.items():
        w = np.asarray(base) * np.exp(rng.normal(0, 0.08, size=(n, 4)))
        cum = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
        cum[:, 3] = 1.0
        shares[name] = cum.ravel()
    for name, season in QUARTER_FIELDS.items():
        annual_value = np.asarray(annual[name], dtype=np.float64)[r4]
        ytd = np.round(annual_value * shares[season], 2)
        columns[name] = np.where(quarter == 4, annual_value, ytd)
    # 期末从业人员: from last year's level to this year's, quarter by quarter.
    employees = np.asarray(annual["employees"], dtype=np.int64)
    previous = np.where(p.first, employees, np.r_[employees[:1], employees[:-1]])
    prev4, cur4 = previous[r4], employees[r4]
    columns["employees"] = np.rint(prev4 + (cur4 - prev4) * quarter / 4).astype(np.int64)
    flags = {k: v[r4] for k, v in _flags(p, a, annual).items()}
    head = {
        "enterprise": e,
        "org": _labels(district, sc.DISTRICTS),
        "park": _labels(unit, _unit_parks(units)),
        "year": year,
        "quarter": quarter,
    }
    return pl.DataFrame({**head, **flags, **columns}).with_columns(
        pl.format("{}Q{}", "year", "quarter").alias("period"), pl.col("gross_output").fill_nan(None)
    )


NEW_JOBS_PER_YEAR = 13_500  # zone


def _district_annual(
    rng: np.random.Generator, p: _Panel, annual: Columns, population: Floats, t: _Targets, years: list[int]
) -> pl.DataFrame:
    """KJ201: the district figures, consistent with the enterprises' own."""
    n_groups = len(sc.DISTRICTS) * len(years)
    group = np.arange(n_groups)
    ent_rd = _group_sum(p.group, np.asarray(annual["rd_expenditure"], dtype=np.float64), n_groups)
    employees = _group_sum(p.group, np.asarray(annual["employees"], dtype=np.float64), n_groups)
    first_year = group % len(years) == 0
    previous = np.where(first_year, employees * 0.92, np.r_[employees[:1], employees[:-1]])
    raw_jobs = np.maximum(employees - previous, 0) + 0.03 * employees * rng.uniform(0.8, 1.2, n_groups)
    # Scaled to about the plan's pace (六: 8万 new jobs over 2015—2020, about 1.35万 a year).
    new_jobs = np.rint(raw_jobs * NEW_JOBS_PER_YEAR * len(years) / raw_jobs.sum())
    gdp = np.round(t.gdp, 2)
    gdp_constant = np.where(first_year, gdp, np.round(gdp / t.deflator, 2))
    fiscal = np.round(t["fiscal"], 2)
    return pl.DataFrame(
        {
            "org": _labels(group // len(years), sc.DISTRICTS),
            "year": np.array(years * len(sc.DISTRICTS)),
            "period": np.array([str(y) for y in years] * len(sc.DISTRICTS)),
            "gdp": gdp,
            "gdp_constant": gdp_constant,
            "fiscal_expenditure": fiscal,
            "fiscal_st_expenditure": np.round(t["fiscal_st"], 2),
            "resident_population": population,
            "urban_population": np.round(population * t["urbanisation"], 4),
            "energy_consumption": np.round(t["energy_ratio"] * gdp_constant, 2),
            "tech_contract_turnover": np.round(t["contracts"], 2),
            "rd_expenditure_other": np.round(t["rd_total"] - ent_rd, 2),
            "new_jobs": new_jobs.astype(np.int64),
            "fixed_asset_investment": np.round(
                t["investment_ratio"] * gdp * rng.uniform(0.95, 1.05, n_groups), 2
            ),
        }
    )


POLARS_TYPES = {"decimal": pl.Float64, "integer": pl.Int64, "boolean": pl.Boolean, "text": pl.String}


def _conform(frame: pl.DataFrame, form: ReportForm | None, key_columns: Sequence[str]) -> pl.DataFrame:
    """Order and type the columns as the form declares them. A required field the generator does
    not produce is an error; an optional one (required: false) is left empty, as a respondent
    may leave it, so a form can gain optional fields without the generator knowing them."""
    if form is None:
        return frame
    missing = [f.code for f in form.fields if f.code not in frame.columns and f.required]
    if missing:
        raise ValueError(
            f"the demo generator does not produce required field(s) {', '.join(missing)} of form {form.code}"
        )
    fields = [
        pl.col(f.code).cast(POLARS_TYPES[f.type])
        if f.code in frame.columns
        else pl.lit(None, dtype=POLARS_TYPES[f.type]).alias(f.code)
        for f in form.fields
    ]
    keys = [c for c in key_columns if c in frame.columns]
    return frame.select(*keys, *fields)
