"""The index over several years with goalposts that never move.

Goalposts come from the spec (for a plan: the base-year baseline and the plan-end target).
Indicators without them get the reference year's range: the worst and the best compared unit
in `spec.reference_year`, after denomination, imputation and treatment. Both are fixed, so
adding a year never changes the scores of earlier years — unlike min-max over all years,
which shifts every past score with each new edition.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from keju.metrics.index.build import IndexResult, build_index
from keju.metrics.index.stages import IndexInputError
from keju.plan.index_spec import Goalposts, IndexGroup, IndexIndicator, IndexSpec


def _year_slice(frame: pl.DataFrame | None, year: int) -> pl.DataFrame | None:
    if frame is None or "year" not in frame.columns:
        return frame
    return frame.filter(pl.col("year") == year).drop("year")


def reference_goalposts(
    data: pl.DataFrame,
    spec: IndexSpec,
    *,
    denominators: pl.DataFrame | None = None,
    groups: pl.DataFrame | None = None,
    unranked: Sequence[str] = (),
) -> IndexSpec:
    """`spec` with goalposts for every indicator that has none, from one year's data (the reference year).

    base = the worst compared unit, target = the best (by direction). An indicator with no
    spread that year cannot get goalposts: IndexInputError names it.
    """
    leaves = spec.leaves()
    if all(leaf.goalposts is not None for leaf in leaves):
        return spec
    probe = spec.model_copy(
        update={
            "methods": spec.methods.model_copy(
                update={"normalise": spec.methods.normalise.model_copy(update={"method": "minmax"})}
            )
        }
    )
    ref = build_index(data, probe, denominators=denominators, groups=groups, unranked=unranked)
    treated = ref.treated.filter(~pl.col("unit").is_in(list(unranked)))
    year = spec.reference_year
    posts: dict[str, Goalposts] = {}
    for leaf in leaves:
        if leaf.goalposts is not None:
            continue
        values = treated.filter(pl.col("indicator") == leaf.indicator)["value"].drop_nulls().to_numpy()
        if values.size == 0 or np.nanmax(values) == np.nanmin(values):
            raise IndexInputError(
                f"指标“{leaf.indicator}”在参照年份{year or ''}没有数据或各单元没有差异,无法确定固定基准;请在 goalposts 中给出"
            )
        worst, best = (
            (values.min(), values.max()) if leaf.direction != "down" else (values.max(), values.min())
        )
        posts[leaf.indicator] = Goalposts(
            base=float(worst), target=float(best), source=f"{year or '参照'}年比较单元的最差值与最好值"
        )

    def fill_leaf(item: IndexIndicator) -> IndexIndicator:
        post = posts.get(item.indicator)
        return item.model_copy(update={"goalposts": post}) if post is not None else item

    def fill_group(item: IndexGroup) -> IndexGroup:
        return item.model_copy(
            update={
                "indicators": [fill_leaf(x) for x in item.indicators],
                "groups": [fill_group(g) for g in item.groups],
            }
        )

    return spec.model_copy(update={"groups": [fill_group(g) for g in spec.groups]})


def build_index_panel(
    data: pl.DataFrame,
    spec: IndexSpec,
    *,
    denominators: pl.DataFrame | None = None,
    groups: pl.DataFrame | None = None,
    unranked: Sequence[str] = (),
    years: Sequence[int] | None = None,
) -> dict[int, IndexResult]:
    """build_index for every year of `data` (column `year`), with fixed goalposts when the method uses them.

    `denominators` may carry a `year` column too (else the same denominators serve every year).
    """
    if "year" not in data.columns:
        raise IndexInputError("多年指数的数据需要 year 列")
    all_years = sorted({int(y) for y in data["year"].drop_nulls().to_list()})
    wanted = sorted(set(years)) if years is not None else all_years
    if spec.methods.normalise.method == "goalposts" and any(leaf.goalposts is None for leaf in spec.leaves()):
        ref_year = spec.reference_year
        if ref_year is None:
            lacking = [leaf.indicator for leaf in spec.leaves() if leaf.goalposts is None]
            raise IndexInputError(
                f"固定基准标准化缺少基准值和目标值:{', '.join(lacking)}(可设置 reference_year)"
            )
        if ref_year not in all_years:
            raise IndexInputError(f"参照年份 {ref_year} 没有数据,无法确定固定基准")
        spec = reference_goalposts(
            _year_slice(data, ref_year),
            spec,
            denominators=_year_slice(denominators, ref_year),
            groups=groups,
            unranked=unranked,
        )
    results: dict[int, IndexResult] = {}
    for year in wanted:
        if year not in all_years:
            continue
        results[year] = build_index(
            _year_slice(data, year),
            spec,
            denominators=_year_slice(denominators, year),
            groups=groups,
            unranked=unranked,
        )
    return results
