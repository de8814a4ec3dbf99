"""The org tree as dense arrays: leaves (a park, or a district outside its parks) and roll-up.

Sums are taken once per leaf (one grouped pass over the report rows); every org
unit's sum is then a small matrix product of a 0/1 membership matrix with the
leaf sums. A district's leaves are its parks plus its own "outside any park"
leaf, so district = Σ parks + rest, city = Σ districts, zone = Σ cities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

LEVEL_ORDER = ("zone", "city", "district", "park")


@dataclass(frozen=True)
class TreeIndex:
    units: tuple[str, ...]  # every org unit, zone first, then cities, districts, parks
    levels: tuple[str, ...]
    parents: tuple[str | None, ...]
    leaf_district: npt.NDArray[np.int64]  # leaf -> index of its district in `units`
    leaf_unit: npt.NDArray[np.int64]  # leaf -> index of the unit it stands for (park or district)
    membership: npt.NDArray[np.float64]  # (units, leaves): 1 where the leaf lies under (or is) the unit
    district_leaf: dict[str, int]  # district code -> its own (outside-parks) leaf
    park_leaf: dict[str, int]
    # Roll-up steps, deepest level first: (child units sorted by parent, where each parent's
    # children start, those parents); a unit's sums are its own leaf's plus its children's.
    steps: tuple[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]], ...]

    @property
    def n_leaves(self) -> int:
        return len(self.leaf_unit)

    def rollup(self, leaf_sums: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """(units, …) sums of (leaves, …) sums: every unit adds the leaves under it.

        Level by level from the parks up, each level adding the sums of the one below (parks
        into districts, districts into cities, cities into the zone): every unit's row is read
        once, not once per ancestor of each leaf.
        """
        out = np.zeros((len(self.units), *leaf_sums.shape[1:]), dtype=np.float64)
        if len(self.leaf_unit):
            out[self.leaf_unit] = leaf_sums
        for children, starts, parents in self.steps:
            out[parents] += np.add.reduceat(out[children], starts, axis=0)
        return out

    def index(self, code: str) -> int:
        return self.units.index(code)

    def descendant_leaves(self, code: str) -> npt.NDArray[np.int64]:
        return np.flatnonzero(self.membership[self.index(code)] > 0).astype(np.int64)

    def ancestors(self, code: str) -> list[str]:
        """`code` and every unit above it."""
        out = [code]
        parent = self.parents[self.index(code)]
        while parent is not None and parent in self.units and parent not in out:
            out.append(parent)
            parent = self.parents[self.index(parent)]
        return out

    def leaves_of(
        self, district: pl.Series, park: pl.Series | None, weights: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.int64], int]:
        """Leaf of each row from its district and park codes (-1 when the district is unknown).

        A park that does not belong to the row's district is ignored (the row counts in the
        district, outside its parks); the second value is how many rows had such a park (each
        row counting `weights` rows when given).
        Computed through a small (district, park) → leaf table, so each row costs two code
        lookups and one gather.
        """
        districts = list(self.district_leaf)
        d_idx = _codes_to_index(district, {c: i for i, c in enumerate(districts)})
        parks = list(self.park_leaf) if park is not None else []
        n_p = len(parks) + 1
        # (district, park) → leaf: the park's leaf when the park lies in that district, else the
        # district's own leaf (row 0: unknown district → -1; column 0: no or unknown park).
        own = np.array([self.district_leaf[d] for d in districts], dtype=np.int64)
        table = np.full((len(districts) + 1, n_p), -1, dtype=np.int64)
        bad = np.zeros_like(table, dtype=bool)
        table[1:, :] = own[:, None]
        if parks:
            park_leaves = np.array([self.park_leaf[p] for p in parks], dtype=np.int64)
            inside = self.leaf_district[own][:, None] == self.leaf_district[park_leaves][None, :]
            table[1:, 1:] = np.where(inside, park_leaves[None, :], own[:, None])
            bad[1:, 1:] = ~inside
        flat = d_idx + 1
        if parks and park is not None:
            flat = flat * n_p + (_codes_to_index(park, {c: i for i, c in enumerate(parks)}) + 1)
        else:
            flat = flat * n_p
        leaves = np.asarray(table.reshape(-1)[flat], dtype=np.int64)
        bad_parks = 0
        if bad.any():
            counts = np.bincount(flat, weights=weights, minlength=table.size)
            bad_parks = int(counts[bad.reshape(-1)].sum())
        return leaves, bad_parks


def _codes_to_index(series: pl.Series, codes: dict[str, int]) -> npt.NDArray[np.int64]:
    """Index of each code in `codes` (-1 for null or unknown).

    Categorical / Enum columns map through their few distinct values (an integer gather per
    row); text columns through a hash lookup per row.
    """
    if isinstance(series.dtype, pl.Categorical | pl.Enum):
        phys = series.to_physical()
        if not len(phys) or phys.null_count() == len(phys):
            return np.full(len(phys), -1, dtype=np.int64)
        top = int(phys.max())
        # Null rows read the extra last slot (-1). The distinct values are found from the
        # physical codes (a bincount and one scatter of first rows), not by hashing the
        # column: at national scale that is a third of the cost of `unique()`.
        phys_np = phys.fill_null(top + 1).to_numpy()
        present = np.flatnonzero(np.bincount(phys_np, minlength=top + 2)[: top + 1])
        first_row = np.empty(top + 2, dtype=np.int64)
        first_row[phys_np[::-1]] = np.arange(len(phys_np) - 1, -1, -1)
        names = series.gather(first_row[present]).cast(pl.String).to_list()
        lut = np.full(top + 2, -1, dtype=np.int64)
        lut[present] = [codes.get(v, -1) for v in names]
        return np.asarray(lut[phys_np], dtype=np.int64)
    mapped = series.cast(pl.String).replace_strict(codes, default=-1, return_dtype=pl.Int64)
    return np.asarray(mapped.fill_null(-1).to_numpy(), dtype=np.int64)


def build_tree_index(units: pl.DataFrame) -> TreeIndex:
    """TreeIndex of an OrgTree frame (code, parent, level)."""
    rows = units.select("code", "parent", "level").rows()
    order = {lvl: i for i, lvl in enumerate(LEVEL_ORDER)}
    rows = sorted(rows, key=lambda r: order.get(r[2], len(order)))
    codes = tuple(r[0] for r in rows)
    parents = tuple(r[1] for r in rows)
    levels = tuple(r[2] for r in rows)
    pos = {c: i for i, c in enumerate(codes)}

    def chain(code: str) -> list[int]:
        out: list[int] = []
        cur: str | None = code
        while cur is not None and cur in pos and pos[cur] not in out:
            out.append(pos[cur])
            cur = parents[pos[cur]]
        return out

    districts = [c for c, lvl in zip(codes, levels, strict=True) if lvl == "district"]
    parks = [c for c, lvl, p in zip(codes, levels, parents, strict=True) if lvl == "park" and p in districts]
    leaf_unit = [pos[d] for d in districts] + [pos[p] for p in parks]
    leaf_district = [pos[d] for d in districts] + [pos[parents[pos[p]] or ""] for p in parks]
    membership = np.zeros((len(codes), len(leaf_unit)), dtype=np.float64)
    for leaf, unit in enumerate(leaf_unit):
        membership[chain(codes[unit]), leaf] = 1.0
    depth = np.array([len(chain(c)) - 1 for c in codes], dtype=np.int64)
    parent_of = np.array([pos.get(p, -1) if p is not None else -1 for p in parents], dtype=np.int64)
    steps = []
    for d in range(int(depth.max(initial=0)), 0, -1):
        kids = np.flatnonzero((depth == d) & (parent_of >= 0))
        kids = kids[np.argsort(parent_of[kids], kind="stable")]
        ups, starts = np.unique(parent_of[kids], return_index=True)
        if len(kids):
            steps.append((kids.astype(np.int64), starts.astype(np.int64), ups.astype(np.int64)))
    return TreeIndex(
        steps=tuple(steps),
        units=codes,
        levels=levels,
        parents=parents,
        leaf_district=np.array(leaf_district, dtype=np.int64),
        leaf_unit=np.array(leaf_unit, dtype=np.int64),
        membership=membership,
        district_leaf={d: i for i, d in enumerate(districts)},
        park_leaf={p: len(districts) + i for i, p in enumerate(parks)},
    )
