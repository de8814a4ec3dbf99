"""Leaf sums of one form: one grouped pass (NumPy bincount on a dense key) per column.

A row's key is leaf × periods + period, where the leaf is the park (or the
district outside its parks) the report names for its period and the period is
the year (annual forms) or year × 4 + quarter − 1 (quarterly forms). Summing a
column is one `np.bincount(key, weights=column)`; the engine rolls the small
leaf × period arrays up the tree afterwards.

Quarterly year-to-date (本年累计) fields: the year is the fourth quarter's
figure and a quarter's own flow is ytd(q) − ytd(q − 1) of the same respondent,
counted where the respondent was in quarter q. Computed per leaf as
YTD(q) − YTD(q − 1) plus corrections from the few rows whose respondent moved
between leaves, or whose previous / next quarter is missing, so the cost per
column stays one bincount.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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

    def __post_init__(self) -> None:
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
        self._matching: _Matching | None = None
        self._non_finite: set[str] = set()
        self._stale = False
        self._keys()
        self.reported = self._bincount(self.key, None).reshape(self.n_leaves, self.n_base)
        self.expected_counts = self._expected()

    # --- keys ---------------------------------------------------------------------------

    def _fresh(self) -> None:
        if self._stale:
            self._stale = False
            self._keys()

    def _keys(self) -> None:
        f = self.frame
        district_col = "district" if "district" in f.columns else "org"
        if district_col not in f.columns:
            raise FormulaError(f"报表 {self.code} 的数据没有分区列 district")
        park = f["park"] if "park" in f.columns else None
        leaf, bad_parks = self.tree.leaves_of(f[district_col], park)
        if bad_parks:
            self.notes.append(f"报表 {self.code} 有 {bad_parks} 行所填园区不属于其分区,按分区(园区外)计入")
        year = f["year"].cast(pl.Int64).to_numpy()
        yi = self._year_index(year)
        if self.quarterly:
            quarter = self._quarter_column()
            ok_q = (quarter >= 1) & (quarter <= 4)
            pidx = yi * 4 + quarter - 1
            valid = (yi >= 0) & ok_q
        else:
            quarter = np.zeros(len(year), dtype=np.int64)
            pidx = yi
            valid = yi >= 0
        unknown = int(np.count_nonzero((leaf < 0) & (yi >= 0)))
        if unknown:
            bad = f.filter(pl.Series(leaf < 0))[district_col].unique().drop_nulls().to_list()[:5]
            self.notes.append(
                f"报表 {self.code} 有 {unknown} 行的分区不在组织树中({', '.join(map(str, bad)) or '空'}),未计入"
            )
        valid &= leaf >= 0
        self.leaf = leaf
        self.pidx = pidx
        self.quarter = quarter
        self.valid = valid
        # Invalid rows go to one extra bin that is dropped, so no column is ever copied to filter them.
        self.key = np.where(valid, leaf * self.n_base + pidx, self.size)
        self._dedupe()

    def _year_index(self, year: Ints) -> Ints:
        """Position of each year in `self.years` (-1 outside), through a lookup table."""
        if not self.years or not len(year):
            return np.full(len(year), -1, dtype=np.int64)
        lo = min(self.years)
        lut = np.full(max(self.years) - lo + 1, -1, dtype=np.int64)
        lut[np.asarray(self.years, dtype=np.int64) - lo] = np.arange(len(self.years))
        inside = (year >= lo) & (year < lo + len(lut))
        return np.where(inside, lut[np.clip(year - lo, 0, len(lut) - 1)], -1)

    def _quarter_column(self) -> Ints:
        f = self.frame
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
                return ent - lo, hi - lo + 1
            uniq, inverse = np.unique(ent, return_inverse=True)
            return inverse.astype(np.int64), len(uniq)
        district = self.tree.leaf_district[np.maximum(self.leaf, 0)]
        return district.astype(np.int64), len(self.tree.units)

    def _dedupe(self) -> None:
        """One row per respondent and period: a second row (an older version) is not counted."""
        if not len(self.key):
            self._resp = np.zeros(0, dtype=np.int64)
            self._pos = np.zeros(0, dtype=np.int64)
            self._n_resp = 0
            return
        resp, n_resp = self.respondents()
        self._resp, self._n_resp = resp, n_resp
        pos = np.where(self.valid, resp * self.n_base + self.pidx, n_resp * self.n_base)
        self._pos = pos  # respondent × period slot of each row (invalid rows: the extra slot)
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
        self.valid &= keep
        self.key = np.where(self.valid, self.key, self.size)
        self._pos = np.where(self.valid, pos, n_resp * self.n_base)
        self.notes.append(
            f"报表 {self.code} 有 {dropped} 份同一填报单位同一期间的重复报表,只计版本最高的一份"
        )

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
        m = self._match()
        flat = own.reshape(-1)
        if len(m.src):
            flat += self._bincount(m.keys, weights_at(m.src) * m.signs)
        if len(m.orphan_keys):
            flat -= self._bincount(m.orphan_keys, weights_at(self._orphan_rows))
        return Families(year=year, quarter=flat.reshape(self.n_leaves, self.n_base), ytd=base)

    def _match(self) -> _Matching:
        """Which rows need a correction when own-quarter flows are taken per leaf (once per form)."""
        self._fresh()
        if self._matching is not None:
            return self._matching
        n = len(self.key)
        empty_i = np.zeros(0, dtype=np.int64)
        if n == 0:
            self._orphan_rows = empty_i
            self._matching = _Matching(empty_i, empty_i, np.zeros(0), empty_i)
            return self._matching
        size = self._n_resp * self.n_base
        pos = self._pos  # invalid rows all point at slot `size`, reset below
        leaf_at = np.full(size + 2, -1, dtype=np.int32)
        row_at = np.full(size + 2, -1, dtype=np.int32 if n < 2**31 else np.int64)
        leaf_at[pos] = self.leaf
        row_at[pos] = np.arange(n, dtype=row_at.dtype)
        leaf_at[size] = -1
        row_at[size] = -1
        q = self.quarter
        has_prev_q = self.valid & (q > 1)
        prev_leaf = np.where(has_prev_q, leaf_at[np.maximum(pos - 1, 0)], -2)
        has_next_q = self.valid & (q < 4)
        next_leaf = np.where(has_next_q, leaf_at[np.minimum(pos + 1, size + 1)], -2)
        a_rows = np.flatnonzero(has_next_q & (next_leaf != self.leaf))  # value not subtracted in its leaf
        b_rows = np.flatnonzero(has_prev_q & (prev_leaf >= 0) & (prev_leaf != self.leaf))  # moved in
        c_rows = np.flatnonzero(has_prev_q & (prev_leaf < 0))  # orphans: own flow unknown
        b_src = row_at[pos[b_rows] - 1].astype(np.int64)
        self._orphan_rows = c_rows
        self._row_at = row_at
        self._matching = _Matching(
            src=np.concatenate([a_rows, b_src]),
            keys=np.concatenate([self.key[a_rows] + 1, self.key[b_rows]]),
            signs=np.concatenate([np.ones(len(a_rows)), -np.ones(len(b_rows))]),
            orphan_keys=self.key[c_rows],
        )
        return self._matching

    def previous_rows(self, rows: Ints) -> Ints:
        """The same respondent's row of the previous quarter for each of `rows` (-1 when none)."""
        self._fresh()
        self._match()
        if not len(rows):
            return rows
        prev = self._row_at[np.maximum(self._pos[rows] - 1, 0)].astype(np.int64)
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
        self._bases, self._filtered_keys, self._class_keys = {}, {}, {}
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
