"""Which lower units drag a total (拖后腿): ratio-of-sums aware.

For a parent value V = factor · Σ numerator / Σ denominator (or factor · Σ numerator for an
additive indicator), the drag of child c is the change in V had c alone been on its required path
with its own denominator:

    counterfactual numerator of c:  n*_c = r_c · d_c / factor   (ratio: r_c is the required ratio)
                                    n*_c = r_c / factor         (additive: r_c is the required value)
    V_c* = factor · (Σ n − n_c + n*_c) / Σ d
    drag_c = direction · (V_c* − V)         (> 0: c holds the total back; < 0: c lifts it)

Because V is linear in each child's numerator, the drags add up: with every child required at the
parent's path r, Σ drag_c = direction · (r − V), the parent's own gap. So `share` (drag / parent
gap) splits the parent's shortfall between the children, with children ahead of their path
offsetting it. A child's required value defaults to the parent's required value for a ratio (the
same ratio is asked of everyone, weighted by its own denominator) and, for an additive indicator,
to its base value grown at the parent's required growth (`base` column).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl


def _num(x: float | None) -> str:
    return "—(分母为0)" if x is None else f"{x:.4g}"


def drag(
    children: pl.DataFrame,
    *,
    required: float | None = None,
    direction: str = "up",
    factor: float = 1.0,
    names: Mapping[str, str] | None = None,
    unit: str = "",
) -> pl.DataFrame:
    """Rank the children of one total by how much they hold it back.

    `children`: unit, numerator, and optionally denominator (absent or all null: additive),
    required (the child's required value on its path) and base (additive indicators: the child's
    base-period value, used when `required` is missing for the child) — both in the indicator's unit,
    like `value` (numerator and denominator are the raw sums before `factor`).
    `required` (keyword): the parent's required value now (e.g. `required_path(...)`).
    Out, largest drag first: unit, value, required, drag, share, rank (1 = drags most; null for
    children not behind their path), explanation (Chinese). Raises ValueError (Chinese) on bad input.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"方向“{direction}”无效,应为 up 或 down")
    for col in ("unit", "numerator"):
        if col not in children.columns:
            raise ValueError(f"缺少列:{col}")
    if factor == 0:
        raise ValueError("系数 factor 不能为 0")
    if children.height == 0:
        raise ValueError("没有下级单位")
    if children.get_column("unit").n_unique() != children.height:
        raise ValueError("下级单位重复")
    d = 1.0 if direction == "up" else -1.0
    names = names or {}
    ratio = (
        "denominator" in children.columns
        and children.get_column("denominator").null_count() < children.height
    )
    frame = children.with_columns(
        pl.col("numerator").cast(pl.Float64),
        (pl.col("denominator").cast(pl.Float64) if ratio else pl.lit(1.0)).alias("denominator"),
        (
            pl.col("required").cast(pl.Float64)
            if "required" in children.columns
            else pl.lit(None, dtype=pl.Float64)
        ).alias("required"),
        (
            pl.col("base").cast(pl.Float64) if "base" in children.columns else pl.lit(None, dtype=pl.Float64)
        ).alias("base"),
    )
    if frame.select(pl.col("numerator").is_null().any() | pl.col("denominator").is_null().any()).item():
        raise ValueError("分子或分母有缺失值,无法计算拖累")
    total_num = float(frame.get_column("numerator").sum())
    total_den = float(frame.get_column("denominator").sum()) if ratio else 1.0
    if total_den == 0:
        raise ValueError("分母合计为 0,无法计算上级值")
    parent = factor * total_num / total_den

    if ratio:
        default_required = pl.lit(required, dtype=pl.Float64)
        value = pl.when(pl.col("denominator") != 0).then(factor * pl.col("numerator") / pl.col("denominator"))
        cf_num = pl.col("required") * pl.col("denominator") / factor
    else:
        total_base = (
            float(frame.get_column("base").sum()) if frame.get_column("base").null_count() == 0 else None
        )
        growth = required / total_base if required is not None and total_base else None
        default_required = pl.col("base") * growth if growth is not None else pl.lit(None, dtype=pl.Float64)
        value = factor * pl.col("numerator")
        cf_num = pl.col("required") / factor

    out = frame.with_columns(
        pl.coalesce("required", default_required).alias("required"), value.alias("value")
    ).with_columns(
        (d * (factor * (total_num - pl.col("numerator") + cf_num) / total_den - parent)).alias("drag")
    )
    if out.get_column("required").null_count():
        missing = out.filter(pl.col("required").is_null()).get_column("unit").to_list()
        raise ValueError(
            "以下单位没有要求值(required),也无法从上级要求值推算:" + "、".join(map(str, missing))
        )
    gap = float(out.get_column("drag").sum())
    out = out.with_columns(
        (pl.col("drag") / gap if gap > 0 else pl.lit(None, dtype=pl.Float64)).alias("share"),
    ).sort("drag", descending=True)
    out = out.with_columns(
        pl.when(pl.col("drag") > 0)
        .then(pl.col("drag").rank("ordinal", descending=True))
        .cast(pl.Int64)
        .alias("rank")
    )
    up = direction == "up"
    explanations = []
    for r in out.iter_rows(named=True):
        who = names.get(r["unit"], r["unit"])
        cf = parent + d * r["drag"]
        text = f"{who}:现值 {_num(r['value'])}{unit},要求值 {r['required']:.4g}{unit}"
        if r["drag"] != 0:
            moved = "升至" if cf > parent else "降至"
            text += f";若达到要求值,上级值将由 {parent:.4g}{unit}{moved} {cf:.4g}{unit}"
        if r["drag"] > 0:
            share = f",占上级差距的 {r['share']:.1%}" if r["share"] is not None else ""
            text += f"(拖累 {r['drag']:.4g}{unit}{share})。"
        elif r["drag"] < 0:
            text += f"(该单位{'高于' if up else '低于'}要求,拉动上级 {-r['drag']:.4g}{unit})。"
        else:
            text += ",恰在要求路径上。"
        explanations.append(text)
    return out.with_columns(pl.Series("explanation", explanations, dtype=pl.Utf8)).select(
        "unit", "value", "required", "drag", "share", "rank", "explanation"
    )
