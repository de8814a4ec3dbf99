"""Leaf sums of one form: one grouped pass per column over a dense key.

A row's key is leaf × periods + period, where the leaf is the park (or the
district outside its parks) the report names for its period and the period is
the year (annual forms) or year × 4 + quarter − 1 (quarterly forms). The engine
rolls the small leaf × period arrays up the tree afterwards.

Summing a column is one of two passes, chosen once per frame ("summation"):
- "runs": when rows of one key mostly sit together (the monitoring source gives
  the frames ordered by district, park and period), each run of equal keys is
  summed with `np.add.reduceat` (a sequential read, as fast as a plain sum, and
  it releases the GIL, so columns are summed on every core), then the few run
  sums are added per key;
- "scatter": otherwise one `np.bincount(key, weights=column)` (a random write
  per row, several times slower).
Both give the same sums up to rounding; one frame always uses one of them, and
the cube of an incremental update sums like the cube it patches, over the same
runs (a run also ends where the update's rows were not neighbours in the whole
frame), so an approval gives the full recompute's sums to the last bit.

Quarterly year-to-date (本年累计) fields: the year is the fourth quarter's
figure and a quarter's own flow is ytd(q) − ytd(q − 1) of the same respondent,
counted where the respondent was in quarter q. Computed per leaf as
YTD(q) − YTD(q − 1) plus corrections from the few rows whose respondent moved
between leaves, or whose previous / next quarter is missing, so the cost per
column stays one pass. A leaf's own flow smaller than 1e-12 of the figures it
is the difference of is 0 (an unchanged year-to-date figure, not a rounding
residue that would publish a huge share when it is a denominator).

Rows ordered by place also make the row work cheap: leaf and period are found
once per stretch of rows naming one district, park and period; repeated
periods of a respondent are ruled out with one pass into a per-respondent array
(`_may_repeat`); and own-quarter neighbours are paired run against run, only
the few unpaired rows (movers, gaps) being looked up by respondent and period.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from keju.metrics.formula import Filter, FormulaError
from keju.metrics.tree import TreeIndex
from keju.plan.forms import ReportForm
from keju.plan.schema import FieldKinds

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# A column used under up to this many filters is summed in one pass over 2^bits classes.
_MAX_CLASS_BITS = 3
# "auto" sums over runs when a frame has at least this many rows and this many rows per run.
_RUNS_MIN_ROWS = 4096
_RUNS_MIN_LENGTH = 4
_RUNS_SAMPLE = 65536  # rows looked at before finding the runs of a whole frame
_MAX_THREADS = 8  # summing is bound by memory bandwidth: more threads than this gain nothing
SUMMATIONS = ("auto", "runs", "scatter")
# An own-quarter flow this small against the figures it is the difference of is a zero flow:
# far above summation rounding (about 1e-16 per row added, so up to ~10,000 rows per leaf and
# quarter), far below any reported amount (a cent against 10^10 万元).
_CANCELLED = 1e-12


def order_by_place(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame`'s rows ordered by district, park and period, then enterprise and report.

    The order in which a cube sums fastest (over runs, see above); the monitoring source
    gives its frames so. Enterprises in the same order every quarter let own-quarter flows
    pair rows run against run. Any order gives the same values, up to rounding.
    """
    district = "district" if "district" in frame.columns else "org"
    period = "quarter" if "quarter" in frame.columns else "period"
    cols = [c for c in (district, "park", "year", period, "enterprise", "report_id") if c in frame.columns]
    return frame.sort(cols, nulls_last=True) if cols else frame


@dataclass
class _Placed:
    """Stretches of rows naming one district, park and period, placed once each."""

    starts: Ints
    lengths: Ints
    values: dict[str, Ints]  # leaf, pidx, quarter of each stretch
    valid: Bools
    keys: Ints  # the key of each stretch


@dataclass
class _Runs:
    """Maximal stretches of rows with one key (and, in an update's cube, neighbours in the whole frame)."""

    starts: Ints  # first row of each run
    keys: Ints  # the key of each run (the dropped bin for invalid rows)
    lengths: Floats  # rows per run


@dataclass
class Families:
    """Sums per leaf for each kind of period: years, own quarters, year-to-date quarters."""

    year: Floats  # (leaves, years)
    quarter: Floats | None = None  # (leaves, years × 4)
    ytd: Floats | None = None  # (leaves, years × 4)


@dataclass
class AtomSums:
    sums: Families
    missing: Families  # reports lacking a required value (or the previous quarter for own flows)


@dataclass
class _Matching:
    """Rows whose quarter-to-quarter difference does not cancel within one leaf."""

    src: Ints  # rows whose value is added
    keys: Ints  # at these keys
    signs: Floats
    orphan_keys: Ints  # rows with no previous quarter: own flow unknown


@dataclass
class FormCube:
    """Key arrays and leaf sums of one form's frame."""

    code: str
    form: ReportForm | None
    frame: pl.DataFrame
    tree: TreeIndex
    years: Sequence[int]
    kinds: FieldKinds
    expected: pl.DataFrame | None  # this form's rows of EngineInput.expected
    notes: list[str] = field(default_factory=list)
    summation: str = "auto"  # see the module docstring
    positions: Ints | None = None  # an update's rows: their row numbers in the whole frame

    def __post_init__(self) -> None:
        if self.summation not in SUMMATIONS:
            raise ValueError(f"summation must be one of {SUMMATIONS}")
        self.quarterly = (self.form is not None and self.form.period_type == "quarterly") or (
            self.form is None and "quarter" in self.frame.columns
        )
        self.enterprise_level = self.form is None or self.form.respondent_level == "enterprise"
        self.per_year = 4 if self.quarterly else 1
        self.n_years = len(self.years)
        self.n_base = self.n_years * self.per_year
        self.n_leaves = self.tree.n_leaves
        self.size = self.n_leaves * self.n_base
        self._values: dict[str, tuple[Floats, Bools | None]] = {}
        self._masks: dict[tuple[Filter, ...], Bools | None] = {}
        self._atoms: dict[tuple[str | None, tuple[Filter, ...]], AtomSums] = {}
        self._wanted: dict[str | None, set[tuple[Filter, ...]]] = {}
        self._bases: dict[tuple[str | None, tuple[Filter, ...]], Floats] = {}
        self._filtered_keys: dict[tuple[Filter, ...], Ints] = {}
        self._class_keys: dict[tuple[tuple[Filter, ...], ...], Ints] = {}
        self._kept: dict[tuple[Filter, ...], tuple[Ints, Ints, Ints]] = {}
        self._matching: _Matching | None = None
        self._non_finite: set[str] = set()
        self._stale = False
        self._runs: _Runs | None = None
        self._keys()
        self.reported = self._sum_rows(None).reshape(self.n_leaves, self.n_base)
        self.expected_counts = self._expected()

    # --- keys ---------------------------------------------------------------------------

    def _fresh(self) -> None:
        if self._stale:
            self._stale = False
            self._keys()

    def _keys(self) -> None:
        self._row_at: Ints | npt.NDArray[np.int32] | None = None
        self._kept = {}  # rows kept by each filter, per run: depends on the runs
        f = self.frame
        district_col = "district" if "district" in f.columns else "org"
        if district_col not in f.columns:
            raise FormulaError(f"报表 {self.code} 的数据没有分区列 district")
        period_col = "quarter" if "quarter" in f.columns else "period"
        place = [c for c in (district_col, "park", "year", period_col) if c in f.columns]
        lengths = self._place_runs(place)
        # Invalid rows go to one extra bin that is dropped, so no column is ever copied to filter them.
        if lengths is None:  # every row placed on its own
            leaf, pidx, quarter, valid = self._place(f, district_col, None)
            self._placed = None
            self._per_row = {"leaf": leaf, "pidx": pidx, "quarter": quarter}
            self.valid = valid
            self.key = np.where(valid, leaf * self.n_base + pidx, self.size)
        else:  # placed once per stretch of one district, park and period; rows repeat the stretch's
            starts = np.cumsum(lengths) - lengths
            leaf, pidx, quarter, valid = self._place(f[place][starts], district_col, lengths)
            keys = np.where(valid, leaf * self.n_base + pidx, self.size)
            values = {"leaf": leaf, "pidx": pidx, "quarter": quarter}
            self._placed = _Placed(starts, lengths, values, valid, keys)
            self._per_row = {}
            self.valid = np.repeat(valid, lengths)
            self.key = np.repeat(keys, lengths)
        self._dedupe()
        self._runs = self._find_runs()
        self._summed_over = "scatter" if self._runs is None else "runs"

    @property
    def leaf(self) -> Ints:
        """The leaf of each row (-1: outside the tree)."""
        return self._row_array("leaf")

    @property
    def pidx(self) -> Ints:
        """The period index of each row (year, or year × 4 + quarter − 1)."""
        return self._row_array("pidx")

    @property
    def quarter(self) -> Ints:
        """The quarter of each row (0 for annual forms)."""
        return self._row_array("quarter")

    def _row_array(self, name: str) -> Ints:
        """A per-row array, repeated from the stretches of one place and period the first time asked."""
        self._fresh()
        arr = self._per_row.get(name)
        if arr is None:
            assert self._placed is not None
            arr = self._per_row[name] = np.repeat(self._placed.values[name], self._placed.lengths)
        return arr

    def _at(self, name: str, rows: Ints) -> Ints:
        """A per-row array at a few `rows` only (without repeating it for every row)."""
        arr = self._per_row.get(name)
        if arr is not None or self._placed is None:
            return self._row_array(name)[rows]
        stretch = np.searchsorted(self._placed.starts, rows, side="right") - 1
        return self._placed.values[name][stretch]

    def _place_runs(self, place: list[str]) -> Ints | None:
        """Lengths of the stretches of rows naming one district, park and period (None: too many)."""
        f = self.frame
        n = f.height
        if self.summation == "scatter" or n < (_RUNS_MIN_ROWS if self.summation == "auto" else 1):
            return None
        stretch = pl.struct(place).rle_id()
        if self.summation == "auto" and self.positions is None:  # a glance at the first rows first
            head = f.head(_RUNS_SAMPLE)
            if (int(head.select(stretch.max()).item() or 0) + 1) * _RUNS_MIN_LENGTH > head.height:
                return None
        runs = f.select(pl.struct(place).rle().struct.field("len")).to_series()
        lengths: Ints = np.asarray(runs.to_numpy(), dtype=np.int64)
        if self.positions is not None:  # an update's rows: a stretch also ends where they jump
            bounds = np.union1d(np.cumsum(lengths)[:-1], np.flatnonzero(np.diff(self.positions) != 1) + 1)
            lengths = np.diff(np.concatenate([[0], bounds, [n]])).astype(np.int64)
        if self.summation == "auto" and len(lengths) * _RUNS_MIN_LENGTH > n:
            return None
        return lengths

    def _place(
        self, f: pl.DataFrame, district_col: str, weights: Ints | None
    ) -> tuple[Ints, Ints, Ints, Bools]:
        """Leaf, period index, quarter and validity of each row of `f` (rows standing for `weights` rows)."""
        park = f["park"] if "park" in f.columns else None
        leaf, bad_parks = self.tree.leaves_of(f[district_col], park, weights)
        if bad_parks:
            self.notes.append(f"报表 {self.code} 有 {bad_parks} 行所填园区不属于其分区,按分区(园区外)计入")
        year = f["year"].cast(pl.Int64).to_numpy()
        yi = self._year_index(year)
        if self.quarterly:
            quarter = self._quarter_column(f)
            ok_q = (quarter >= 1) & (quarter <= 4)
            pidx = yi * 4 + quarter - 1
            valid = (yi >= 0) & ok_q
        else:
            quarter = np.zeros(len(year), dtype=np.int64)
            pidx = yi
            valid = yi >= 0
        outside = (leaf < 0) & (yi >= 0)
        unknown = int(outside.sum() if weights is None else weights[outside].sum())
        if unknown:
            bad = f.filter(pl.Series(leaf < 0))[district_col].unique().drop_nulls().to_list()[:5]
            self.notes.append(
                f"报表 {self.code} 有 {unknown} 行的分区不在组织树中({', '.join(map(str, bad)) or '空'}),未计入"
            )
        valid &= leaf >= 0
        return leaf, pidx, quarter, valid

    def _find_runs(self) -> _Runs | None:
        """The runs of equal keys, when this frame sums over runs (None: it scatters)."""
        key = self.key
        n = len(key)
        if self.summation == "scatter" or n == 0:
            return None
        placed = self._placed
        if placed is not None and not self._repeats_dropped:
            # Key changes happen only where a stretch of one place and period ends: merge the
            # stretches of equal key, except where an update's rows jump.
            merge = placed.keys[1:] == placed.keys[:-1]
            if self.positions is not None:
                merge &= np.diff(self.positions)[placed.starts[1:] - 1] == 1
            starts = placed.starts[np.concatenate([[True], ~merge])]
        else:
            change = key[1:] != key[:-1]
            if self.positions is not None:
                change |= np.diff(self.positions) != 1
            starts = np.concatenate([np.zeros(1, dtype=np.int64), np.flatnonzero(change) + 1])
        if self.summation == "auto" and (n < _RUNS_MIN_ROWS or len(starts) * _RUNS_MIN_LENGTH > n):
            return None
        lengths = np.diff(np.append(starts, n)).astype(np.float64)
        return _Runs(starts, key[starts], lengths)

    @property
    def summed_over(self) -> str:
        """How this frame's columns are summed: "runs" or "scatter" (an update's cube does the same).

        Decided when the keys were last built, so asking never rebuilds the keys of a frame an
        update has just replaced.
        """
        return self._summed_over

    def _sum_rows(self, weights: Floats | None) -> Floats:
        """Flat leaf × period sums of per-row `weights` (None: count rows) over the valid rows."""
        runs = self._runs
        if runs is None:
            return self._bincount(self.key, weights)
        per_run = runs.lengths if weights is None else np.add.reduceat(weights, runs.starts)
        return self._bincount(runs.keys, per_run)

    def _year_index(self, year: Ints) -> Ints:
        """Position of each year in `self.years` (-1 outside), through a lookup table."""
        if not self.years or not len(year):
            return np.full(len(year), -1, dtype=np.int64)
        lo = min(self.years)
        lut = np.full(max(self.years) - lo + 1, -1, dtype=np.int64)
        lut[np.asarray(self.years, dtype=np.int64) - lo] = np.arange(len(self.years))
        inside = (year >= lo) & (year < lo + len(lut))
        return np.where(inside, lut[np.clip(year - lo, 0, len(lut) - 1)], -1)

    @staticmethod
    def _quarter_column(f: pl.DataFrame) -> Ints:
        if "quarter" in f.columns:
            return np.asarray(f["quarter"].cast(pl.Int64).fill_null(0).to_numpy(), dtype=np.int64)
        q = f["period"].str.extract(r"Q([1-4])$").cast(pl.Int64).fill_null(0)
        return np.asarray(q.to_numpy(), dtype=np.int64)

    def respondents(self) -> tuple[Ints, int]:
        """A dense respondent number per row (enterprise id, or the district for district forms)."""
        self._fresh()
        f = self.frame
        if self.enterprise_level and "enterprise" in f.columns:
            ent = f["enterprise"].cast(pl.Int64).fill_null(-1).to_numpy()
            lo, hi = (int(ent.min()), int(ent.max())) if len(ent) else (0, 0)
            if lo >= 0 and hi - lo < 4 * len(ent) + 1024:
                return (ent if lo == 0 else ent - lo), hi - lo + 1
            uniq, inverse = np.unique(ent, return_inverse=True)
            return inverse.astype(np.int64), len(uniq)
        district = self.tree.leaf_district[np.maximum(self.leaf, 0)]
        return district.astype(np.int64), len(self.tree.units)

    def _dedupe(self) -> None:
        """One row per respondent and period: a second row (an older version) is not counted."""
        self._pos_cache: Ints | None = None
        self._repeats_dropped = False
        if not len(self.key):
            self._resp = np.zeros(0, dtype=np.int64)
            self._pos_cache = np.zeros(0, dtype=np.int64)
            self._n_resp = 0
            return
        resp, n_resp = self.respondents()
        self._resp, self._n_resp = resp, n_resp
        if not self._may_repeat():
            return
        pos = self._positions_of_rows()
        counts = np.bincount(pos, minlength=n_resp * self.n_base + 1)[:-1]
        if counts.max(initial=0) <= 1:
            return
        version = (
            self.frame["version"].cast(pl.Int64).fill_null(0).to_numpy()
            if "version" in self.frame.columns
            else np.zeros(len(pos), dtype=np.int64)
        )
        order = np.lexsort((-version, pos))
        first = np.ones(len(pos), dtype=bool)
        sorted_pos = pos[order]
        first[1:] = sorted_pos[1:] != sorted_pos[:-1]
        keep = np.zeros(len(pos), dtype=bool)
        keep[order] = first
        dropped = int(np.count_nonzero(~keep & self.valid))
        self._repeats_dropped = True
        self.valid &= keep
        self.key = np.where(self.valid, self.key, self.size)
        self._pos_cache = np.where(self.valid, pos, n_resp * self.n_base)
        self.notes.append(
            f"报表 {self.code} 有 {dropped} 份同一填报单位同一期间的重复报表,只计版本最高的一份"
        )

    def _may_repeat(self) -> bool:
        """Whether some respondent may have two rows for one period (False: certainly not).

        Per respondent, the sum of 2^period over its rows has as many one bits as it has rows
        exactly when no period repeats (two equal powers carry into fewer bits), so the one
        bits of all respondents add up to the rows exactly when nothing repeats. The sums are
        exact in float64 up to 48 periods; this costs one pass into a small per-respondent
        array, not a write per row into a respondent × period array (random access when the
        rows come ordered by place).
        """
        if self.n_base > 48:
            return True
        power = np.ldexp(1.0, np.arange(self.n_base + 1))
        power[-1] = 0.0  # invalid rows weigh nothing
        placed = self._placed
        if placed is not None:  # one value per stretch, repeated
            bits = np.repeat(
                power[np.where(placed.valid, placed.values["pidx"], self.n_base)], placed.lengths
            )
        else:
            bits = power[np.where(self.valid, self.pidx, self.n_base)]
        total = np.bincount(self._resp, weights=bits, minlength=self._n_resp)
        # Without a repeat every sum is below 2^periods, and exact (all terms are positive).
        if total.max(initial=0.0) >= 2.0**self.n_base:
            return True
        ones = int(np.bitwise_count(total.astype(np.int64)).sum(dtype=np.int64))
        return ones != int(np.count_nonzero(self.valid))

    def _positions_of_rows(self) -> Ints:
        """The respondent × period slot of each row (invalid rows: the extra last slot), cached."""
        if self._pos_cache is None:
            extra = self._n_resp * self.n_base
            self._pos_cache = np.where(self.valid, self._resp * self.n_base + self.pidx, extra)
        return self._pos_cache

    def _bincount(self, key: Ints, weights: Floats | None) -> Floats:
        out = np.bincount(key, weights=weights, minlength=self.size + 1)
        return out[: self.size].astype(np.float64, copy=False)

    def _expected(self) -> Floats | None:
        e = self.expected
        if e is None or e.height == 0:
            return None
        district = e["district"]
        park = e["park"] if "park" in e.columns else None
        leaf, _ = self.tree.leaves_of(district, park)
        year = e["period"].str.slice(0, 4).cast(pl.Int64, strict=False).fill_null(-1).to_numpy()
        quarter = e["period"].str.extract(r"Q([1-4])$").cast(pl.Int64).fill_null(0).to_numpy()
        yi = self._year_index(year)
        pidx = yi * 4 + quarter - 1 if self.quarterly else yi
        ok = (leaf >= 0) & (yi >= 0) & ((quarter >= 1) if self.quarterly else True)
        key = np.where(ok, leaf * self.n_base + pidx, self.size)
        return self._bincount(key, None).reshape(self.n_leaves, self.n_base)

    # --- columns ------------------------------------------------------------------------

    def has_column(self, name: str) -> bool:
        return name in self.frame.columns

    def values(self, name: str) -> tuple[Floats, Bools | None]:
        """Column as float64 with nulls as 0, and the null mask (None when there are none)."""
        self._fresh()
        cached = self._values.get(name)
        if cached is not None:
            return cached
        if name not in self.frame.columns:
            raise FormulaError(f"报表 {self.code} 的数据没有字段 {name}")
        col = self.frame[name]
        if col.dtype == pl.String:
            raise FormulaError(f"报表 {self.code} 的字段 {name} 是文字,不能求和")
        nulls = col.null_count()
        if col.dtype != pl.Float64:
            col = col.cast(pl.Float64)
        null_mask = col.is_null().to_numpy() if nulls else None
        arr = col.fill_null(0.0).to_numpy() if nulls else col.to_numpy()
        self._values[name] = (arr, null_mask)
        return arr, null_mask

    def _drop_non_finite(self, name: str) -> None:
        """A NaN or infinity that slipped into the data counts as missing, never as a number."""
        arr, null_mask = self._values[name]
        self._non_finite.add(name)
        bad = ~np.isfinite(arr)
        null_mask = bad if null_mask is None else (null_mask | bad)
        self._values[name] = (np.where(bad, 0.0, arr), null_mask)

    def mask(self, filters: tuple[Filter, ...]) -> Bools | None:
        self._fresh()
        if not filters:
            return None
        if filters in self._masks:
            return self._masks[filters]
        out: Bools | None = None
        for flt in filters:
            if flt.name not in self.frame.columns:
                raise FormulaError(f"报表 {self.code} 的数据没有筛选所需的列 {flt.name}")
            col = self.frame[flt.name]
            if flt.value is not None:
                m = (col == flt.value).fill_null(False).to_numpy()
            else:
                m = col.cast(pl.Boolean).fill_null(False).to_numpy()
            m = ~m if flt.negate else m
            out = m if out is None else (out & m)
        self._masks[filters] = out
        return out

    def kind(self, name: str | None) -> str:
        """ "stock", "ytd" or "flow" (report counts behave as stocks)."""
        if name is None or name in self.kinds.stock:
            return "stock"
        if self.quarterly and name in self.kinds.ytd:
            return "ytd"
        return "flow"

    def required(self, name: str) -> bool:
        if self.form is None:
            return True
        fld = next((f for f in self.form.fields if f.code == name), None)
        return fld is None or fld.required

    # --- sums ---------------------------------------------------------------------------

    def want(self, field_name: str | None, filters: tuple[Filter, ...]) -> None:
        """Announce an atom the engine will ask for, so that one pass serves every filter of a column."""
        self._wanted.setdefault(field_name, set()).add(filters)

    def wanted(self) -> dict[str | None, set[tuple[Filter, ...]]]:
        return {k: set(v) for k, v in self._wanted.items()}

    def _filtered_key(self, filters: tuple[Filter, ...]) -> Ints:
        """The key with the rows a filter excludes sent to the dropped bin (once per filter)."""
        mask = self.mask(filters)
        if mask is None:
            return self.key
        cached = self._filtered_keys.get(filters)
        if cached is None:
            cached = np.where(mask, self.key, self.size)
            self._filtered_keys[filters] = cached
        return cached

    def _class_key(self, sets: tuple[tuple[Filter, ...], ...]) -> Ints:
        """Key over leaf × period × class, the class a row's bits for each filtered set in `sets`.

        One weighted bincount over it gives a column's sums under every filter at once: the
        sums of a filter are those of the classes that have its bit.
        """
        cached = self._class_keys.get(sets)
        if cached is None:
            cls = np.zeros(len(self.key), dtype=np.int64)
            for i, flt in enumerate(sets):
                mask = self.mask(flt)
                assert mask is not None
                cls |= mask.astype(np.int64) << i
            cls *= self.size
            cls += self.key
            cached = np.where(self.valid, cls, self.size << len(sets))
            self._class_keys[sets] = cached
        return cached

    def _base(self, field_name: str | None, filters: tuple[Filter, ...]) -> Floats:
        """Flat leaf × period sums of a column (or report count) under `filters`.

        A column wanted under up to three filters is summed in one pass over a class key;
        any other in one pass over its filtered key. Nothing multiplies a column by a mask.
        """
        self._fresh()
        cached = self._bases.get((field_name, filters))
        if cached is not None:
            return cached
        values = None if field_name is None else self.values(field_name)[0]
        if self._runs is not None:
            self._bases[(field_name, filters)] = self._sum_over_runs(values, filters)
            return self._bases[(field_name, filters)]
        wanted = self._wanted.get(field_name, set()) | {filters}
        filtered = tuple(sorted((f for f in wanted if f), key=str))
        if 1 <= len(filtered) <= _MAX_CLASS_BITS and len(wanted) > 1:
            n_cls = 1 << len(filtered)
            key = self._class_key(filtered)
            sums = np.bincount(key, weights=values, minlength=n_cls * self.size + 1)
            by_class = sums[: n_cls * self.size].astype(np.float64, copy=False).reshape(n_cls, self.size)
            self._bases[(field_name, ())] = by_class.sum(axis=0)
            for i, flt in enumerate(filtered):
                self._bases[(field_name, flt)] = by_class[[c for c in range(n_cls) if c >> i & 1]].sum(axis=0)
            if () not in wanted:
                del self._bases[(field_name, ())]
        else:
            self._bases[(field_name, filters)] = self._bincount(self._filtered_key(filters), values)
        return self._bases[(field_name, filters)]

    def _sum_over_runs(self, values: Floats | None, filters: tuple[Filter, ...]) -> Floats:
        """Leaf × period sums over runs of a column (None: row counts) under `filters`.

        A filtered column is summed over the rows the filter keeps, run by run: the kept rows
        of each run are taken out (one gather) and summed with one reduceat, never the whole
        column multiplied by a mask.
        """
        kept = self._kept_runs(filters)
        if kept is None:
            return self._sum_rows(values)
        rows, starts, keys = kept
        if not len(rows):
            return np.zeros(self.size)
        if values is None:
            per_run = np.diff(np.append(starts, len(rows))).astype(np.float64)
        else:
            per_run = np.add.reduceat(values[rows], starts)
        return self._bincount(keys, per_run)

    def _kept_runs(self, filters: tuple[Filter, ...]) -> tuple[Ints, Ints, Ints] | None:
        """The rows a filter keeps, where each run's kept rows start among them, and those runs' keys."""
        mask = self.mask(filters)
        runs = self._runs
        if mask is None or runs is None:
            return None
        cached = self._kept.get(filters)
        if cached is None:
            rows = np.flatnonzero(mask)
            run_of = np.searchsorted(runs.starts, rows, side="right") - 1
            first = np.ones(len(rows), dtype=bool)
            first[1:] = run_of[1:] != run_of[:-1]
            starts = np.flatnonzero(first)
            cached = self._kept[filters] = (rows, starts, runs.keys[run_of[starts]])
        return cached

    def prefetch(self) -> None:
        """Sum every wanted column and filter at once, on every core (frames summed over runs).

        `np.add.reduceat` and the gathers of filtered rows release the GIL, so the columns of a
        large frame are summed in parallel; what is computed is what `_base` computes one by one.
        """
        self._fresh()
        if self._runs is None:
            return
        todo = [
            (name, filters)
            for name, sets in self._wanted.items()
            for filters in sets
            if (name, filters) not in self._bases and (name is None or self.has_column(name))
        ]
        if len(todo) < 2:
            return
        workers = min(len(todo), os.cpu_count() or 1, _MAX_THREADS)
        if workers < 2:
            return
        for _name, filters in todo:  # the shared inputs, made before the threads read them
            self._kept_runs(filters)
        jobs = [(key, None if key[0] is None else self.values(key[0])[0]) for key in todo]
        with ThreadPoolExecutor(workers) as pool:
            sums = list(pool.map(lambda job: self._sum_over_runs(job[1], job[0][1]), jobs))
        for (key, _v), total in zip(jobs, sums, strict=True):
            self._bases[key] = total

    def _row_weights_at(self, field_name: str | None, filters: tuple[Filter, ...], rows: Ints) -> Floats:
        """An atom's per-row weights at a few rows (the corrections of own-quarter flows)."""
        w = np.ones(len(rows)) if field_name is None else self.values(field_name)[0][rows]
        mask = self.mask(filters)
        return w if mask is None else w * mask[rows]

    def atom(self, field_name: str | None, filters: tuple[Filter, ...]) -> AtomSums:
        cache_key = (field_name, filters)
        if cache_key in self._atoms:
            return self._atoms[cache_key]
        mask = self.mask(filters)
        miss = None
        base = self._base(field_name, filters)
        if field_name is not None:
            if not np.isfinite(base).all():  # seen on the small sums, so clean data pay nothing
                self._drop_non_finite(field_name)
                self._bases = {k: v for k, v in self._bases.items() if k[0] != field_name}
                base = self._base(field_name, filters)
            nulls = self.values(field_name)[1]
            if nulls is not None and (self.required(field_name) or field_name in self._non_finite):
                miss = nulls if mask is None else (nulls & mask)
        missing = (
            self._bincount(self.key[miss], None) if miss is not None and miss.any() else np.zeros(self.size)
        )
        kind = self.kind(field_name)
        sums = self._families(base, kind, lambda rows: self._row_weights_at(field_name, filters, rows))
        missing_f = self._families(missing, "stock", None)
        if kind == "ytd" and sums.quarter is not None:
            orphans = self._match().orphan_keys
            if len(orphans):
                extra = self._bincount(orphans, None).reshape(self.n_leaves, self.n_base)
                assert missing_f.quarter is not None
                missing_f.quarter = missing_f.quarter + extra
        result = AtomSums(sums, missing_f)
        self._atoms[cache_key] = result
        return result

    def _families(
        self, base_flat: Floats, kind: str, weights_at: Callable[[Ints], Floats] | None
    ) -> Families:
        base = base_flat.reshape(self.n_leaves, self.n_base)
        if not self.quarterly:
            return Families(year=base)
        cube = base.reshape(self.n_leaves, self.n_years, 4)
        if kind == "flow":
            ytd = np.cumsum(cube, axis=2)
            return Families(year=ytd[:, :, 3].copy(), quarter=base, ytd=ytd.reshape(self.n_leaves, -1))
        year = cube[:, :, 3].copy()
        if kind == "stock":
            return Families(year=year, quarter=base, ytd=base)
        assert weights_at is not None
        own = cube.copy()
        own[:, :, 1:] -= cube[:, :, :-1]
        scale = np.abs(cube)  # the size of what was subtracted, to tell a zero flow from rounding
        scale[:, :, 1:] += np.abs(cube[:, :, :-1])
        m = self._match()
        flat = own.reshape(-1)
        flat_scale = scale.reshape(-1)
        corrections = (
            (m.keys, m.src, m.signs),  # movers and missing next quarters
            (m.orphan_keys, self._orphan_rows, -1.0),  # no previous quarter: taken out again
        )
        for keys, rows, signs in corrections:
            if len(keys):
                fix = self._bincount(keys, weights_at(rows) * signs)
                flat += fix
                flat_scale += np.abs(fix)
        # A quarter whose year-to-date figure did not change has an own flow of exactly 0, not the
        # rounding residue of a difference (7e-15 as a denominator would publish a huge share).
        flat[np.abs(flat) <= _CANCELLED * flat_scale] = 0.0
        return Families(year=year, quarter=flat.reshape(self.n_leaves, self.n_base), ytd=base)

    def _match(self) -> _Matching:
        """Which rows need a correction when own-quarter flows are taken per leaf (once per form)."""
        self._fresh()
        if self._matching is not None:
            return self._matching
        empty_i = np.zeros(0, dtype=np.int64)
        if not len(self.key):
            self._orphan_rows = empty_i
            self._matching = _Matching(empty_i, empty_i, np.zeros(0), empty_i)
            return self._matching
        a_rows, b_rows, b_src, c_rows = (
            self._neighbours_by_slot() if self._runs is None else self._neighbours_by_runs(self._runs)
        )
        self._orphan_rows = c_rows
        self._matching = _Matching(
            src=np.concatenate([a_rows, b_src]),
            keys=np.concatenate([self.key[a_rows] + 1, self.key[b_rows]]),
            signs=np.concatenate([np.ones(len(a_rows)), -np.ones(len(b_rows))]),
            orphan_keys=self.key[c_rows],
        )
        return self._matching

    def _neighbours_by_slot(self) -> tuple[Ints, Ints, Ints, Ints]:
        """Rows whose next quarter is missing or elsewhere (a), that moved in (b, from b_src), orphans (c).

        Through a respondent × period table of leaves and rows: a write and two reads per row.
        """
        size = self._n_resp * self.n_base
        pos = self._positions_of_rows()  # invalid rows all point at slot `size`, reset below
        leaf_at = np.full(size + 2, -1, dtype=np.int32)
        leaf_at[pos] = self.leaf
        leaf_at[size] = -1
        row_at = self._row_lookup()
        q = self.quarter
        has_prev_q = self.valid & (q > 1)
        prev_leaf = np.where(has_prev_q, leaf_at[np.maximum(pos - 1, 0)], -2)
        has_next_q = self.valid & (q < 4)
        next_leaf = np.where(has_next_q, leaf_at[np.minimum(pos + 1, size + 1)], -2)
        a_rows = np.flatnonzero(has_next_q & (next_leaf != self.leaf))  # value not subtracted in its leaf
        b_rows = np.flatnonzero(has_prev_q & (prev_leaf >= 0) & (prev_leaf != self.leaf))  # moved in
        c_rows = np.flatnonzero(has_prev_q & (prev_leaf < 0))  # orphans: own flow unknown
        b_src = row_at[pos[b_rows] - 1].astype(np.int64)
        return a_rows, b_rows, b_src, c_rows

    def _neighbours_by_runs(self, runs: _Runs) -> tuple[Ints, Ints, Ints, Ints]:
        """The same rows as `_neighbours_by_slot`, for frames ordered by place and period.

        A row is first paired with the row at the same offset (then one or two rows either
        side) in the run before its own: when that run is its leaf's previous quarter and the
        row there is the same respondent (the usual case: the same enterprises report every
        quarter, in the same order), its previous quarter is in its own leaf and needs nothing.
        Only the rows left unpaired (movers, gaps, entrants and leavers beyond the shifts) are
        looked up, among themselves, by respondent and period.
        """
        key, resp = self.key, self._resp
        n = len(key)
        lengths = runs.lengths.astype(np.int64)
        run_q = self._at("quarter", runs.starts)
        run_valid = runs.keys < self.size
        prev_key = np.concatenate([[-1], runs.keys[:-1]])
        needs_prev = run_valid & (run_q > 1)
        after_prev = needs_prev & (prev_key == runs.keys - 1)  # the run before is the previous quarter
        before = np.concatenate([np.zeros(1, dtype=np.int64), lengths[:-1]])
        # Rows of a run that does not follow its previous quarter are paired with themselves,
        # which never matches (resp differs from nothing; see `linked` below).
        cand = np.arange(n, dtype=np.int64)
        cand -= np.repeat(np.where(after_prev, before, 0), lengths)
        linked = resp[cand] == resp
        linked &= np.repeat(after_prev, lengths)
        open_rows = np.flatnonzero(np.repeat(after_prev, lengths) & ~linked)
        for shift in (-1, 1, -2, 2):  # a few entrants or leavers before the row
            if not len(open_rows):
                break
            c = np.clip(cand[open_rows] + shift, 0, n - 1)
            hit = (key[c] == key[open_rows] - 1) & (resp[c] == resp[open_rows])
            cand[open_rows[hit]] = c[hit]
            linked[open_rows[hit]] = True
            open_rows = open_rows[~hit]
        next_linked = np.zeros(n, dtype=bool)
        next_linked[cand[linked]] = True
        prev_open = np.flatnonzero(np.repeat(needs_prev, lengths) & ~linked)  # previous quarter not found
        needs_next = np.repeat(run_valid & (run_q < 4), lengths)
        next_open = np.flatnonzero(needs_next & ~next_linked)  # next quarter not found yet
        # Each open row's previous quarter, if any, is an open row too (slots are unique).
        slot_next = resp[next_open] * self.n_base + self._at("pidx", next_open)
        wanted = resp[prev_open] * self.n_base + self._at("pidx", prev_open) - 1
        order = np.argsort(slot_next, kind="stable")
        sorted_slots = slot_next[order]
        prev_row = np.full(len(prev_open), -1, dtype=np.int64)
        if len(sorted_slots):
            at = np.minimum(np.searchsorted(sorted_slots, wanted), len(sorted_slots) - 1)
            found = sorted_slots[at] == wanted
            prev_row[found] = next_open[order[at[found]]]
        has_prev = prev_row >= 0
        moved_in = has_prev & (self._at("leaf", np.maximum(prev_row, 0)) != self._at("leaf", prev_open))
        b_rows = prev_open[moved_in]
        b_src = prev_row[moved_in]
        c_rows = prev_open[~has_prev]
        # Rows whose next quarter stays in their leaf need nothing; the other open ones do.
        stays = np.zeros(n, dtype=bool)
        stays[prev_row[has_prev & ~moved_in]] = True
        a_rows = next_open[~stays[next_open]]
        return a_rows, b_rows, b_src, c_rows

    def _row_lookup(self) -> Ints | npt.NDArray[np.int32]:
        """Row number at each respondent × period slot (-1 where none), cached."""
        if self._row_at is None:
            n = len(self.key)
            size = self._n_resp * self.n_base
            dtype = np.int32 if n < 2**31 else np.int64
            table: Any = np.full(size + 2, -1, dtype=dtype)
            table[self._positions_of_rows()] = np.arange(n, dtype=dtype)
            table[size] = -1
            self._row_at = table
        return self._row_at

    def previous_rows(self, rows: Ints) -> Ints:
        """The same respondent's row of the previous quarter for each of `rows` (-1 when none)."""
        self._fresh()
        if not len(rows):
            return rows
        prev = self._row_lookup()[np.maximum(self._positions_of_rows()[rows] - 1, 0)].astype(np.int64)
        return np.where(self.quarter[rows] > 1, prev, -1)

    def row_weights(self, field_name: str | None, filters: tuple[Filter, ...]) -> Floats:
        """Per-row contribution of an atom before coefficients (0 for rows the filter excludes)."""
        self._fresh()
        mask = self.mask(filters)
        w = np.ones(len(self.key)) if field_name is None else self.values(field_name)[0]
        return w if mask is None else w * mask

    def patch(self, frame: pl.DataFrame, sub: FormCube, leaves: Ints, year_index: Sequence[int]) -> None:
        """Take `frame` as the new data and copy the sums of `leaves` × `year_index` from `sub`.

        `sub` is a cube over the rows that can affect those leaves and years (same tree and
        years); every other leaf and year keeps its sums, so an approval costs work in
        proportion to one district and year, not to the zone.
        """
        self.frame = frame
        self._values, self._masks, self._matching = {}, {}, None
        self._bases, self._filtered_keys, self._class_keys, self._kept = {}, {}, {}, {}
        # The row keys of the whole frame are rebuilt only when something asks for rows again
        # (a new atom, lineage); an approval itself touches only `sub`.
        self._stale = True
        cols = np.concatenate([np.arange(y * self.per_year, (y + 1) * self.per_year) for y in year_index])
        ycols = np.asarray(year_index, dtype=np.int64)
        grid = np.ix_(leaves, cols)
        self.reported[grid] = sub.reported[grid]
        for key, sums in self._atoms.items():
            fresh = sub.atom(*key)
            for mine, theirs in ((sums.sums, fresh.sums), (sums.missing, fresh.missing)):
                mine.year[np.ix_(leaves, ycols)] = theirs.year[np.ix_(leaves, ycols)]
                for name in ("quarter", "ytd"):
                    a, b = getattr(mine, name), getattr(theirs, name)
                    if a is not None and b is not None:
                        a[grid] = b[grid]

    def coverage_counts(self) -> tuple[Families, Families | None]:
        """Reported and expected respondents per leaf and period (quarters as stocks: the period's own)."""
        rep = self._families(self.reported.reshape(-1), "stock", None)
        if self.expected_counts is None:
            return rep, None
        return rep, self._families(self.expected_counts.reshape(-1), "stock", None)
