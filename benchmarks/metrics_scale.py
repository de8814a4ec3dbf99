"""Indicator engine benchmarks (issue 4, Performance).

(a) Lanbai scale: the demo zone (≈6,600 enterprises, 2014—2020, annual and quarterly forms):
    full recompute of every indicator for every org unit and period, and the incremental
    update after one approval.
(b) National scale: 200,000 enterprises × 28 quarters × 40 year-to-date fields (synthetic),
    over a tree of 1 zone, 30 cities, 300 districts and 1,200 parks, rows ordered by place and
    period as the monitoring source gives them (and, for comparison, enterprise after enterprise:
    "engine_unordered"). Time and peak memory of
    keju.metrics.engine.compute (the lazy result, and with the long frame laid out) against
    (1) one plain NumPy pass summing every value column once (the memory-scan floor) and (2) a
    straightforward pandas implementation doing the same work (same 50 indicators, 4 levels,
    every period: own quarters from per-enterprise differences, year-to-date, years,
    cumulative spans, report counts, ratios of sums), grouping at every level. Before timing,
    both are run on 2,000 enterprises and every value is compared (check_same_work). Each method runs in its own subprocess so that peak memory
    (ru_maxrss) is its own.

    .venv/bin/python benchmarks/metrics_scale.py            # both
    .venv/bin/python benchmarks/metrics_scale.py lanbai     # (a) only
    .venv/bin/python benchmarks/metrics_scale.py national [ENTERPRISES]
    .venv/bin/python benchmarks/metrics_scale.py approval [PER_FORM]   # (c), on a demo database
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
    from keju.metrics.cube import order_by_place
    from keju.metrics.engine import Engine, compute
    from keju.metrics.inputs import input_from_frames
    from keju.plan import load_forms, load_plan

    path = ROOT / "keju" / "plans" / "lanbai-2015-2020.yaml"
    plan = load_plan(path)
    forms = load_forms(plan, path)
    zone = generate_zone(plan, forms)
    # Rows ordered by place and period, as the monitoring source gives them.
    data = input_from_frames(plan, forms, {c: order_by_place(f) for c, f in zone.frames().items()})
    rows = sum(f.height for f in data.frames.values())
    assert compute(data).values.height  # warm-up
    full, full_cpu = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        result = compute(data)
        assert result.values.height  # laid out, as monitoring stores it
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


def national_frame(n_ent: int, ordered: bool = True) -> pl.DataFrame:
    """n_ent enterprises × 28 quarters; YTD fields; 2% of enterprises move district once; 1/4 outside parks.

    `ordered`: rows by place and period, as the monitoring source gives them
    (keju.metrics.cube.order_by_place); otherwise enterprise after enterprise.
    """
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
    # Ordered: the row order keju.metrics.cube.order_by_place gives (district, park with the rows
    # outside parks last, year, quarter, enterprise), taken before the columns are built so that
    # no column is ever copied twice (the peak memory is the engine's, not the generator's).
    n = len(ent)
    park_key = np.where(in_park[ent], park_i, len(parks))
    order = np.lexsort((np.arange(n), qi, park_key, district_i)) if ordered else np.arange(n)
    ent, qi, park_i, district_i = ent[order], qi[order], park_i[order], district_i[order]
    park_code = np.where(park_key[order] < len(parks), parks[np.minimum(park_i, len(parks) - 1)], None)
    year = np.asarray(YEARS)[qi // 4]
    quarter = qi % 4 + 1
    cols: dict[str, object] = {
        "report_id": order.astype(np.int64),  # numbered enterprise after enterprise
        "version": np.ones(n, dtype=np.int64),
        "enterprise": ent.astype(np.int64),
        "district": pl.Series(districts[district_i]).cast(pl.Categorical),
        "park": pl.Series(park_code, dtype=pl.String).cast(pl.Categorical),
        "year": year.astype(np.int64),
        "quarter": quarter.astype(np.int64),
        "period": pl.Series(year.astype(str)).cast(pl.Categorical),
        "high_tech_industry": (rng.random(n) < 0.2)[order],
    }
    del ent, qi, moved, park_i, district_i, park_code, park_key
    # YTD within the year: quarter shares growing to the annual figure (drawn in enterprise order,
    # so the ordered and unordered frames hold the same rows).
    share = (np.arange(n) % n_q % 4 + 1) / 4.0
    for k in range(N_FIELDS):
        cols[f"f{k:02d}"] = np.round(rng.lognormal(3.0, 1.0, n) * share, 2)[order]
    return pl.DataFrame(cols)


def national_input(n_ent: int, ordered: bool = True):  # type: ignore[no-untyped-def]
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
    frame = national_frame(n_ent, ordered)
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
    data, fields = national_input(n_ent, ordered=method != "engine_unordered")
    method = "engine" if method == "engine_unordered" else method
    frame = data.frames["NQ"]
    df = None
    extra: dict[str, float] = {}
    if method == "pandas":  # the pandas implementation gets its data as a pandas frame, untimed
        df = pandas_frame(frame, fields)
        del data
        data = None
        frame = None  # type: ignore[assignment]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    walls: list[float] = []
    cpus: list[float] = []
    extras: list[dict[str, float]] = []
    for _ in range(REPEATS):
        t, c = time.perf_counter(), time.process_time()
        extras.append(one_run(method, data if df is None else None, fields, df))
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    extra = {k: statistics.median(e[k] for e in extras) for k in extras[0]}
    if method == "engine":  # how the frame was summed (asked after timing)
        from keju.metrics.engine import Engine

        extra["over_runs"] = float(Engine(data, indicators=[]).cube("NQ").summed_over == "runs")
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
    """One timed run of a method; the engine also says how much laying out the long frame adds."""
    if method == "floor":
        frame = data.frames["NQ"]
        total = 0.0
        for f in fields:
            total += float(np.sum(frame[f].to_numpy()))
        return {}
    if method == "engine":
        from keju.metrics.engine import compute

        # compute() returns the per-indicator (units × periods) arrays; the long frame is laid out
        # when `values` is first read. Both are timed: the lazy result and the long frame on top.
        t, c = time.perf_counter(), time.process_time()
        result = compute(data)
        arrays_wall, arrays_cpu = time.perf_counter() - t, time.process_time() - c
        assert not result.errors, result.errors
        assert not result.materialised
        t, c = time.perf_counter(), time.process_time()
        values = result.values
        return {
            "arrays_seconds": arrays_wall,
            "arrays_cpu_seconds": arrays_cpu,
            "frame_seconds": time.perf_counter() - t,
            "frame_cpu_seconds": time.process_time() - c,
            "values_rows": float(values.height),
        }
    if method == "pandas":
        pandas_indicators(df, fields)
        return {}
    raise SystemExit(f"unknown method {method}")


SPANS = [(2015, 2020)]  # the plan period: the engine's cumulative periods 2015-2016 … 2015-2020


def pandas_indicators(df, fields: list[str]):  # type: ignore[no-untyped-def]
    """The engine's work done the straightforward pandas way: the same 50 indicators, 4 levels, periods.

    Own quarters of the year-to-date fields are per-enterprise differences (a quarter whose
    previous quarter is missing has no own flow and is counted as missing); then every level
    is grouped from the rows again; the year is the fourth quarter's year-to-date, Q1-Q2 and
    Q1-Q3 the second and third quarters', cumulative periods sum the years; reports are counted
    per period; the shares divide summed numerators by summed denominators (null on a zero
    denominator). Returns {level: frame indexed by (unit, period) with a value, numerator and
    denominator column per indicator and `reported`, `missing`}.
    """
    import pandas as pd

    d = df.sort_values(["enterprise", "year", "quarter"], kind="stable")
    ytd = d[fields]
    same = (
        (d["enterprise"].shift() == d["enterprise"])
        & (d["year"].shift() == d["year"])
        & (d["quarter"].shift() == d["quarter"] - 1)
    )
    first = (d["quarter"] == 1).to_numpy()
    before = ytd.shift().where(same, np.nan)
    before[first] = 0.0
    own = ytd - before
    ht = d["high_tech_industry"].to_numpy().astype(np.float64)
    shares = fields[: 10 + 1]
    # A filtered atom is filtered row by row first; its own quarter is then the difference of the
    # filtered year-to-date figures (as the engine defines it; the flag can change between quarters).
    ytd_h = ytd[fields[:10]].mul(ht, axis=0)
    before_h = ytd_h.shift().where(same, np.nan)
    before_h[first] = 0.0
    wide = pd.concat(
        [
            ytd.add_prefix("y_"),
            own.add_prefix("o_"),
            ytd_h.add_prefix("yh_"),
            (ytd_h - before_h).add_prefix("oh_"),
        ],
        axis=1,
    )
    wide["n"] = 1
    wide["orphan"] = (~same.to_numpy() & ~first).astype(np.int64)
    for col in ("park", "district", "city", "zone", "year", "quarter"):
        wide[col] = d[col].to_numpy() if col not in ("park", "district", "city") else d[col].values
    out = {}
    for level in ("park", "district", "city", "zone"):
        g = wide.groupby([level, "year", "quarter"], observed=True).sum(numeric_only=True)
        g = g.drop(columns=[c for c in ("year", "quarter") if c in g.columns], errors="ignore")
        periods = []
        for y in YEARS:
            at = {q: g.xs((y, q), level=("year", "quarter")) for q in range(1, 5)}
            periods.append((str(y), at[4], "y"))
            for q in range(1, 5):
                periods.append((f"{y}Q{q}", at[q], "o"))
            for q in (2, 3):
                periods.append((f"{y}Q1-Q{q}", at[q], "y"))
        years = {label: frame for label, frame, kind in periods if len(label) == 4}
        for start, end in SPANS:
            total = None
            for y in range(start, end + 1):
                total = years[str(y)] if total is None else total.add(years[str(y)], fill_value=0)
                if y > start:
                    periods.append((f"{start}-{y}", total, "y"))
        rows = []
        for label, frame, kind in periods:
            prefix, hprefix = ("y_", "yh_") if kind == "y" else ("o_", "oh_")
            cols = {}
            for f in fields:
                num = frame[prefix + f]
                cols[f"sum_{f}"] = num * 0.0001
                cols[f"sum_{f}:num"] = num
            for k in range(10):
                num, den = frame[hprefix + shares[k]], frame[prefix + shares[k + 1]]
                cols[f"share_{k}"] = (num / den * 100).where(den != 0)
                cols[f"share_{k}:num"] = num
                cols[f"share_{k}:den"] = den
            cols["reported"] = frame["n"]
            cols["missing"] = frame["orphan"] if kind == "o" else frame["orphan"] * 0
            part = pd.DataFrame(cols)
            part["period"] = label
            rows.append(part)
        out[level] = pd.concat(rows).set_index("period", append=True)
    return out


def pandas_frame(frame: pl.DataFrame, fields: list[str]):  # type: ignore[no-untyped-def]
    """The benchmark frame as pandas (codes as categoricals), given to the pandas method untimed."""
    import pandas as pd

    tree, *_ = national_tree()
    parent = dict(zip(tree["code"], tree["parent"], strict=True))
    # Straight from NumPy columns (pyarrow is not installed).
    df = pd.DataFrame(
        {c: frame[c].to_numpy() for c in ("enterprise", "year", "quarter", "high_tech_industry", *fields)}
    )
    df["district"] = pd.Categorical(frame["district"].cast(pl.String).to_numpy())
    df["park"] = pd.Categorical(frame["park"].cast(pl.String).to_numpy())
    df["city"] = pd.Categorical(df["district"].astype(str).map(parent))
    df["zone"] = "zone"
    return df


def check_same_work(n_ent: int) -> None:
    """The pandas implementation and the engine give the same values (all indicators, levels, periods),
    with the engine summing over runs and by scatter."""
    from keju.metrics.engine import compute

    data, fields = national_input(n_ent)
    theirs = pandas_indicators(pandas_frame(data.frames["NQ"], fields), fields)
    by_level = {level: frame for level, frame in theirs.items()}
    for summation in ("runs", "scatter"):
        checked = _compare(compute(data, summation=summation), by_level)
        print(
            f"    same work: pandas equals the engine ({summation}) on all {checked:,} values"
            f" ({n_ent} enterprises)"
        )


def _compare(result, by_level) -> int:  # type: ignore[no-untyped-def]
    import pandas as pd

    checked = 0
    for code in result.codes:
        block = result.block(code)
        for level in ("park", "district", "city", "zone"):
            rows = [i for i, lvl in enumerate(block.levels) if lvl == level]
            if not rows:
                continue
            units = [block.org_units[i] for i in rows]
            index = pd.MultiIndex.from_product([units, list(block.periods)])
            frame = by_level[level].reindex(index)
            mine = block.value[rows].reshape(-1)
            other = frame[code].to_numpy(dtype=float)
            if f"{code}:den" in frame.columns:
                # A difference that is 0 in one summation order can be 4e-16 in another: the engine
                # then says zero_denominator (null) where pandas divides by the rounding residue.
                den = frame[f"{code}:den"].to_numpy(dtype=float)
                assert np.allclose(block.denominator[rows].reshape(-1), np.nan_to_num(den), atol=1e-6)
                tiny = (np.abs(den) < 1e-6) | (np.abs(block.denominator[rows].reshape(-1)) < 1e-6)
                other, mine = np.where(tiny, np.nan, other), np.where(tiny, np.nan, mine)
            assert np.allclose(mine, other, rtol=1e-9, atol=1e-9, equal_nan=True), (code, level)
            # No rows in pandas: 0 reports and no value (the engine flags it no_data).
            reported = np.nan_to_num(frame["reported"].to_numpy(dtype=float))
            assert np.array_equal(block.reported[rows].reshape(-1), reported), (code, level)
            checked += mine.size
    return checked


def national(n_ent: int) -> None:
    print(
        f"(b) national scale: {n_ent} enterprises × {len(YEARS) * 4} quarters × {N_FIELDS} fields"
        f" = {n_ent * len(YEARS) * 4:,} rows; median of {REPEATS} runs per method"
    )
    check_same_work(2_000)
    print(f"    load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    figures = {}
    for method in ("floor", "engine", "engine_unordered", "pandas"):
        out = subprocess.run(
            [sys.executable, __file__, "_method", method, str(n_ent)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures[method] = json.loads(out.stdout.strip().splitlines()[-1])
        f = figures[method]
        print(
            f"    {method:16s} wall {f['seconds']:6.2f} s (first run {f['first_seconds']:.2f} s)"
            f"   CPU {f['cpu_seconds']:6.2f} s (first run {f['first_cpu_seconds']:.2f} s)"
            f"   peak RSS {f['peak_gb']:.2f} GB (data alone {f['data_gb']:.2f} GB)"
        )
    print(f"    load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    floor, eng, pd_ = figures["floor"], figures["engine"], figures["pandas"]
    unordered = figures["engine_unordered"]
    assert eng["over_runs"] and not unordered["over_runs"]
    print(
        f"    rows ordered by place and period: summed over runs; rows enterprise after enterprise:"
        f" scattered, compute() {unordered['arrays_seconds']:.2f} s"
        f" = {unordered['arrays_seconds'] / floor['seconds']:.1f}× the floor (wall)"
    )
    print(
        f"    engine: compute() (leaf pass, roll-up, ratios, coverage, flags; lazy result)"
        f" {eng['arrays_seconds']:.2f} s (CPU {eng['arrays_cpu_seconds']:.2f} s); then laying out the long"
        f" frame of {eng['values_rows']:,.0f} rows {eng['frame_seconds']:.2f} s (CPU {eng['frame_cpu_seconds']:.2f} s)"
    )
    for label, key in (("wall", "seconds"), ("CPU", "cpu_seconds")):
        arrays = eng[f"arrays_{key}"]
        print(
            f"    {label}: engine (lazy result) / floor = {arrays / floor[key]:.1f}×;"
            f" with the long frame {eng[key] / floor[key]:.1f}× (goal ≤ 5×);"
            f" pandas / engine = {pd_[key] / arrays:.1f}× lazy, {pd_[key] / eng[key]:.1f}× with the frame (goal ≥ 5×)"
        )
    print(
        f"    peak memory: engine {eng['peak_gb']:.2f} GB (goal < 8 GB), pandas {pd_['peak_gb']:.2f} GB,"
        f" floor {floor['peak_gb']:.2f} GB; engine over its data {eng['peak_gb'] - eng['data_gb']:.2f} GB"
    )


# --- the Django side: one approval on a demo database ------------------------------------------


def approval(per_form: int = 5) -> None:
    """update_for_report after one approval on the demo zone, without and with the decoded-report cache.

    Needs a database holding `keju demo` (DATABASE_URL or KEJU_DATA_DIR as for `keju`). Each
    approval revises one approved 2018 report (a new version, one figure × 1.001) inside a
    transaction that is rolled back afterwards, so the database is left as it was; "without
    cache" forgets the decoded reports first (every report read and decoded, as before the
    cache), "with cache" starts from the kept ones; "derive all" is "with cache" deriving every
    derived table again (as before the incremental derivation: no keju.monitoring.derive.Changes).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keju.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from keju.monitoring import services, sources
    from keju.monitoring.services import update_for_report
    from keju.planning.models import Plan
    from keju.reporting.models import Report, ReportStatus

    plan = Plan.objects.order_by("id").first()
    if plan is None:
        raise SystemExit("数据库中没有规划:请先运行 keju demo")
    print(
        f"(c) one approval on the demo zone ({connection.vendor}), {per_form} approvals per form and mode;"
        f" load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )

    class Rollback(Exception):
        pass

    for form in ("KJ201", "KJ101", "KJ102"):
        reports = list(
            Report.objects.filter(
                plan=plan, form_code=form, year=2018, status=ReportStatus.APPROVED
            ).order_by("id")[:per_form]
        )
        field = "gdp" if form == "KJ201" else ("value_added" if form == "KJ101" else "revenue")
        for mode in ("without cache", "derive all", "with cache"):
            totals: list[float] = []
            laps: dict[str, list[float]] = {}
            sources.frames_from_db(plan, sources.plan_spec(plan)[1])  # warm: keeps every decoded report
            for report in reports:
                if mode == "without cache":
                    sources.clear_decoded_cache()
                incremental = services._changes
                if mode != "with cache":
                    services._changes = lambda *args: None  # type: ignore[assignment]
                try:
                    with transaction.atomic():
                        report.refresh_from_db()
                        report.values = {**report.values, field: (report.values.get(field) or 0) * 1.001 + 1}
                        report.version += 1
                        report.save()
                        t = time.perf_counter()
                        run = update_for_report(report)
                        totals.append(time.perf_counter() - t)
                        assert run.status != "failed", run.errors
                        for name in (
                            "read",
                            "compute",
                            "write values",
                            "read values",
                            "derive",
                            "write derived",
                        ):
                            laps.setdefault(name, []).append(run.timings.get(name, 0.0))
                        raise Rollback
                except Rollback:
                    pass
                finally:
                    services._changes = incremental
                # Back in step with the rolled-back database before the next approval (untimed).
                sources.frames_from_db(plan, sources.plan_spec(plan)[1], cached=True, changed=[report.pk])
            steps = ", ".join(f"{k} {statistics.median(v):.0f}" for k, v in laps.items())
            print(
                f"    {form} {mode:13s}: median {statistics.median(totals) * 1000:5.0f} ms"
                f" (min {min(totals) * 1000:.0f}, max {max(totals) * 1000:.0f}); steps in ms: {steps}"
            )


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["_method"]:
        print(json.dumps(run_method(args[1], int(args[2]))))
    elif args[:1] == ["lanbai"]:
        lanbai()
    elif args[:1] == ["approval"]:
        approval(int(args[1]) if len(args) > 1 else 5)
    elif args[:1] == ["national"]:
        national(int(args[1]) if len(args) > 1 else 200_000)
    else:
        lanbai()
        national(200_000)
