"""Indicator engine benchmarks (issue 4, Performance).

(a) Lanbai scale: the demo zone (≈6,600 enterprises, 2014—2020, annual and quarterly forms):
    full recompute of every indicator for every org unit and period, and the incremental
    update after one approval.
(b) National scale: 200,000 enterprises × 28 quarters × 40 year-to-date fields (synthetic),
    over a tree of 1 zone, 30 cities, 300 districts and 1,200 parks. Time and peak memory of
    keju.metrics.engine.compute against (1) one plain NumPy pass summing every value column
    once (the memory-scan floor) and (2) a straightforward pandas implementation that groups
    by every level of the tree. Each method runs in its own subprocess so that peak memory
    (ru_maxrss) is its own.

    .venv/bin/python benchmarks/metrics_scale.py            # both
    .venv/bin/python benchmarks/metrics_scale.py lanbai     # (a) only
    .venv/bin/python benchmarks/metrics_scale.py national [ENTERPRISES]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_FIELDS = 40
REPEATS = 3  # timed runs per method, in one process after its data are built; the median is reported
YEARS = list(range(2014, 2021))  # 7 years × 4 quarters = 28 quarters


def lanbai() -> None:
    from keju.demo.generate import generate_zone
    from keju.metrics.engine import Engine, compute
    from keju.metrics.inputs import input_from_frames
    from keju.plan import load_forms, load_plan

    path = ROOT / "keju" / "plans" / "lanbai-2015-2020.yaml"
    plan = load_plan(path)
    forms = load_forms(plan, path)
    zone = generate_zone(plan, forms)
    data = input_from_frames(plan, forms, zone.frames())
    rows = sum(f.height for f in data.frames.values())
    compute(data)  # warm-up
    full, full_cpu = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        result = compute(data)
        full.append(time.perf_counter() - t)
        full_cpu.append(time.process_time() - c)
    print(
        f"(a) Lanbai scale: {zone.enterprises.height} enterprises, {rows} report rows, "
        f"{result.values.height} values, {result.values['indicator'].n_unique()} indicators;"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"    full recompute: median {statistics.median(full) * 1000:.0f} ms"
        f" (CPU {statistics.median(full_cpu) * 1000:.0f} ms; goal < 1000 ms)"
    )
    eng = Engine(data)
    eng.result()
    inc: dict[str, list[float]] = {}
    inc_cpu: dict[str, list[float]] = {}
    for form in ("KJ101", "KJ102", "KJ201"):
        frame = eng.data.frames[form]
        for i in range(10):
            year = frame.filter(pl.col("year") == 2018)
            row = year.slice((i * 7) % year.height, 1)
            row = row.with_columns(
                pl.col("version") + 1,
                (pl.col("value_added" if "value_added" in row.columns else "gdp") * 1.01),
            )
            t, c = time.perf_counter(), time.process_time()
            eng.update(form, row)
            inc.setdefault(form, []).append(time.perf_counter() - t)
            inc_cpu.setdefault(form, []).append(time.process_time() - c)
    for form, times in inc.items():
        cpu = inc_cpu[form]
        print(
            f"    incremental after one approval ({form}): median {statistics.median(times) * 1000:.1f} ms,"
            f" max {max(times) * 1000:.1f} ms (CPU median {statistics.median(cpu) * 1000:.1f} ms,"
            f" max {max(cpu) * 1000:.1f} ms; goal < 100 ms)"
        )


# --- national scale -----------------------------------------------------------------------


def national_tree() -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    cities = [f"c{i:02d}" for i in range(30)]
    districts = [f"d{i:03d}" for i in range(300)]
    parks = [f"p{i:04d}" for i in range(1200)]
    units = (
        [("zone", None, "zone")]
        + [(c, "zone", "city") for c in cities]
        + [(d, cities[i // 10], "district") for i, d in enumerate(districts)]
        + [(p, districts[i // 4], "park") for i, p in enumerate(parks)]
    )
    frame = pl.DataFrame(
        units, schema={"code": pl.String, "parent": pl.String, "level": pl.String}, orient="row"
    )
    return frame, np.array(cities), np.array(districts), np.array(parks)


def national_frame(n_ent: int) -> pl.DataFrame:
    """n_ent enterprises × 28 quarters; YTD fields; 2% of enterprises move district once; 1/4 outside parks."""
    rng = np.random.default_rng(7)
    _, _, districts, parks = national_tree()
    n_q = len(YEARS) * 4
    park0 = rng.integers(0, len(parks), n_ent)
    in_park = rng.random(n_ent) > 0.25
    district0 = park0 // 4
    ent = np.repeat(np.arange(n_ent), n_q)
    qi = np.tile(np.arange(n_q), n_ent)
    movers = rng.random(n_ent) < 0.02
    move_at = rng.integers(1, n_q, n_ent)
    park1 = rng.integers(0, len(parks), n_ent)
    moved = movers[ent] & (qi >= move_at[ent])
    park_i = np.where(moved, park1[ent], park0[ent])
    district_i = np.where(moved, park1[ent] // 4, district0[ent])
    park_code = np.where(in_park[ent], parks[park_i], None)
    year = np.asarray(YEARS)[qi // 4]
    quarter = qi % 4 + 1
    cols: dict[str, object] = {
        "report_id": np.arange(len(ent), dtype=np.int64),
        "version": np.ones(len(ent), dtype=np.int64),
        "enterprise": ent.astype(np.int64),
        "district": pl.Series(districts[district_i]).cast(pl.Categorical),
        "park": pl.Series(park_code, dtype=pl.String).cast(pl.Categorical),
        "year": year.astype(np.int64),
        "quarter": quarter.astype(np.int64),
        "period": pl.Series(year.astype(str)).cast(pl.Categorical),
        "high_tech_industry": rng.random(len(ent)) < 0.2,
    }
    del ent, qi, moved, park_i, district_i, park_code
    # YTD within the year: quarter shares growing to the annual figure.
    share = quarter / 4.0
    for k in range(N_FIELDS):
        cols[f"f{k:02d}"] = np.round(rng.lognormal(3.0, 1.0, len(year)) * share, 2)
    return pl.DataFrame(cols)


def national_input(n_ent: int):  # type: ignore[no-untyped-def]
    from keju.metrics.engine import EngineInput, OrgTree
    from keju.plan import load_plan
    from keju.plan.forms import FormField, ReportForm
    from keju.plan.schema import EngineSettings, FieldKinds, Formula, Indicator

    fields = [f"f{k:02d}" for k in range(N_FIELDS)]
    form = ReportForm(
        code="NQ",
        name="全国季报",
        period_type="quarterly",
        respondent_level="enterprise",
        fields=[FormField(code=f, label=f, unit="万元") for f in fields],
    )
    indicators = [
        Indicator(
            code=f"sum_{f}",
            name=f,
            unit="亿元",
            source="bench",
            formula=Formula(numerator=f"sum(NQ.{f})", factor=0.0001),
        )
        for f in fields
    ] + [
        Indicator(
            code=f"share_{k}",
            name=f"share {k}",
            unit="%",
            source="bench",
            formula=Formula(
                numerator=f"sum(NQ.{fields[k]}[high_tech_industry])",
                denominator=f"sum(NQ.{fields[k + 1]})",
                factor=100,
            ),
        )
        for k in range(0, 10)
    ]
    base = load_plan(ROOT / "keju" / "plans" / "lanbai-2015-2020.yaml")
    plan = base.model_copy(
        update={
            "indicators": indicators,
            "targets": [],
            "baselines": [],
            "engine": EngineSettings(fields={"NQ": FieldKinds(ytd=fields)}),
        }
    )
    tree, *_ = national_tree()
    frame = national_frame(n_ent)
    expected = pl.DataFrame(
        schema={
            "form": pl.String,
            "period": pl.String,
            "respondent": pl.String,
            "district": pl.String,
            "park": pl.String,
        }
    )
    return EngineInput(plan, {"NQ": form}, {"NQ": frame}, expected, OrgTree(tree)), fields


def run_method(method: str, n_ent: int) -> dict[str, float]:
    data, fields = national_input(n_ent)
    frame = data.frames["NQ"]
    df = None
    extra: dict[str, float] = {}
    if method == "pandas":  # the pandas implementation gets its data as a pandas frame, untimed
        import pandas as pd

        tree, *_ = national_tree()
        parent = dict(zip(tree["code"], tree["parent"], strict=True))
        # Straight from NumPy columns (pyarrow is not installed); codes as pandas categoricals.
        df = pd.DataFrame(
            {c: frame[c].to_numpy() for c in ("year", "quarter", "high_tech_industry", *fields)}
        )
        df["district"] = pd.Categorical(frame["district"].cast(pl.String).to_numpy())
        df["park"] = pd.Categorical(frame["park"].cast(pl.String).to_numpy())
        df["city"] = pd.Categorical(df["district"].astype(str).map(parent))
        df["zone"] = "zone"
        del data
        data = None
        frame = None  # type: ignore[assignment]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(REPEATS):
        t, c = time.perf_counter(), time.process_time()
        extra = one_run(method, data if df is None else None, fields, df)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": statistics.median(walls),
        "cpu_seconds": statistics.median(cpus),
        "first_seconds": walls[0],
        "first_cpu_seconds": cpus[0],
        "peak_gb": peak / 1024**2,
        "data_gb": before / 1024**2,
        **extra,
    }


def one_run(method: str, data, fields: list[str], df) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One timed run of a method; the engine also says how much of it the long result frame took."""
    if method == "floor":
        frame = data.frames["NQ"]
        total = 0.0
        for f in fields:
            total += float(np.sum(frame[f].to_numpy()))
        return {}
    if method == "engine":
        from keju.metrics.engine import Engine

        # compute(data) is exactly these steps; timed apart to show what the long result frame costs.
        t, c = time.perf_counter(), time.process_time()
        eng = Engine(data)
        raw = [eng.indicator_frame(code) for code in eng.prepared]
        arrays_wall, arrays_cpu = time.perf_counter() - t, time.process_time() - c
        values = eng.publish(raw)
        assert not eng.errors, eng.errors
        return {
            "arrays_seconds": arrays_wall,
            "arrays_cpu_seconds": arrays_cpu,
            "values_rows": float(values.height),
        }
    if method == "pandas":
        # Straightforward: every level of the tree grouped from the rows again (as the issue says).
        out = []
        for level in ("park", "district", "city", "zone"):
            g = df.groupby([level, "year", "quarter"], observed=True)[fields].sum()
            masked = (
                df[df["high_tech_industry"]]
                .groupby([level, "year", "quarter"], observed=True)[fields[:10]]
                .sum()
            )
            out.append((g, masked))
        return {}
    raise SystemExit(f"unknown method {method}")


def national(n_ent: int) -> None:
    print(
        f"(b) national scale: {n_ent} enterprises × {len(YEARS) * 4} quarters × {N_FIELDS} fields"
        f" = {n_ent * len(YEARS) * 4:,} rows; median of {REPEATS} runs per method"
    )
    print(f"    load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    figures = {}
    for method in ("floor", "engine", "pandas"):
        out = subprocess.run(
            [sys.executable, __file__, "_method", method, str(n_ent)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures[method] = json.loads(out.stdout.strip().splitlines()[-1])
        f = figures[method]
        print(
            f"    {method:7s} wall {f['seconds']:6.2f} s (first run {f['first_seconds']:.2f} s)"
            f"   CPU {f['cpu_seconds']:6.2f} s (first run {f['first_cpu_seconds']:.2f} s)"
            f"   peak RSS {f['peak_gb']:.2f} GB (data alone {f['data_gb']:.2f} GB)"
        )
    print(f"    load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    floor, eng, pd_ = figures["floor"], figures["engine"], figures["pandas"]
    print(
        f"    engine: leaf pass, roll-up, ratios, coverage and flags {eng['arrays_seconds']:.2f} s"
        f" (CPU {eng['arrays_cpu_seconds']:.2f} s); long result frame of {eng['values_rows']:,.0f} rows"
        f" {eng['seconds'] - eng['arrays_seconds']:.2f} s"
    )
    for label, key, first in (
        ("wall", "seconds", "first_seconds"),
        ("CPU", "cpu_seconds", "first_cpu_seconds"),
    ):
        print(
            f"    {label}: engine / floor = {eng[key] / floor[key]:.1f}× (first runs {eng[first] / floor[first]:.1f}×;"
            f" goal ≤ 5×); pandas / engine = {pd_[key] / eng[key]:.1f}× (goal ≥ 5×)"
        )
    print(
        f"    engine peak {eng['peak_gb']:.2f} GB (goal < 8 GB); over its data: "
        f"{eng['peak_gb'] - eng['data_gb']:.2f} GB"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["_method"]:
        print(json.dumps(run_method(args[1], int(args[2]))))
    elif args[:1] == ["lanbai"]:
        lanbai()
    elif args[:1] == ["national"]:
        national(int(args[1]) if len(args) > 1 else 200_000)
    else:
        lanbai()
        national(200_000)
