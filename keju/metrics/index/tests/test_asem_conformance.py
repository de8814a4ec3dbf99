"""The ASEM example (COINr) is reproduced at every stage: within 1e-9, ranks and treatment flags exactly.

The data live outside the package, in shared/conformance/asem next to the project (or where
KEJU_CONFORMANCE_DIR points). The method is read from the files' own metadata: Input_IndMeta
(directions, weights, denominators, structure), Input_AggMeta (aggregate weights), and the
README's description (group-mean imputation by Group_EurAsia, COINr6 treatment with winmax 6,
min-max to [0, 100], arithmetic means, ranks of the published 2-decimal scores).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import keju
from keju.metrics.index import IndexResult, build_index, spec_from_coinr
from keju.plan.index_spec import Aggregation, Imputation, IndexMethods, Normalisation, Treatment

TOLERANCE = 1e-9


def conformance_dir() -> Path:
    configured = os.environ.get("KEJU_CONFORMANCE_DIR")
    if configured:
        candidates = [Path(configured)]
    else:
        # ../shared/conformance beside the project; a clone elsewhere on the machine (as CI makes)
        # finds it beside an ancestor folder or at the workplace's /work/shared.
        project = Path(keju.__file__).resolve().parents[1]
        candidates = [parent / "shared" / "conformance" for parent in project.parents]
        candidates.append(Path("/work/shared/conformance"))
    found = [c / "asem" if (c / "asem").is_dir() else c for c in candidates]
    path = next((p for p in found if (p / "Input_IndMeta.csv").is_file()), found[0])
    if not (path / "Input_IndMeta.csv").is_file():
        pytest.fail(
            f"ASEM conformance data not found at {path} (expected Input_IndMeta.csv, Data_*.csv …). "
            "Put the shared conformance folder next to the project or set KEJU_CONFORMANCE_DIR."
        )
    return path


@pytest.fixture(scope="module")
def asem() -> tuple[Path, IndexResult]:
    d = conformance_dir()
    methods = IndexMethods(
        impute=Imputation(method="group_mean", by="Group_EurAsia"),
        treat=Treatment(method="skew_kurtosis", winmax=6, skew_threshold=2.0, kurtosis_threshold=3.5),
        normalise=Normalisation(method="minmax", low=0, high=100),
        aggregate=Aggregation(method="arithmetic"),
    )
    spec = spec_from_coinr(
        pl.read_csv(d / "Input_IndMeta.csv", infer_schema_length=0),
        pl.read_csv(d / "Input_AggMeta.csv"),
        methods,
    )
    raw = pl.read_csv(d / "Data_Raw.csv")
    data = raw.select(pl.col("UnitCode").alias("unit"), *spec.indicator_codes()).unpivot(
        index="unit", variable_name="indicator", value_name="value"
    )
    denominators = pl.read_csv(d / "Input_Denominators.csv").select(
        pl.col("UnitCode").alias("unit"), pl.col("^Den_.*$")
    )
    groups = raw.select(pl.col("UnitCode").alias("unit"), "Group_EurAsia")
    return d, build_index(data, spec, denominators=denominators, groups=groups)


def _compare(expected: pl.DataFrame, got: pl.DataFrame, stage: str) -> None:
    cols = [c for c in got.columns if c != "unit"]
    missing = [c for c in cols if c not in expected.columns]
    assert not missing, f"{stage}: columns not in the reference: {missing}"
    exp = expected.sort("UnitCode")
    assert exp["UnitCode"].to_list() == got.sort("unit")["unit"].to_list(), f"{stage}: units differ"
    e = exp.select(cols).to_numpy().astype(float)
    g = got.sort("unit").select(cols).to_numpy().astype(float)
    nan_diff = np.isnan(e) != np.isnan(g)
    assert not nan_diff.any(), f"{stage}: missing cells differ at {np.argwhere(nan_diff)[:5].tolist()}"
    diff = np.abs(np.where(np.isnan(e), 0.0, e - g))
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    assert diff.max() <= TOLERANCE, (
        f"{stage}: {cols[worst[1]]} of {exp['UnitCode'][int(worst[0])]} is {g[worst]}, reference {e[worst]}"
    )


@pytest.mark.parametrize(
    ("stage", "filename"),
    [
        ("raw", "Data_Raw.csv"),
        ("denominated", "Data_Denominated.csv"),
        ("imputed", "Data_Imputed.csv"),
        ("treated", "Data_Treated.csv"),
        ("normalised", "Data_Normalised.csv"),
        ("aggregated", "Data_Aggregated.csv"),
    ],
)
def test_every_stage_matches_the_reference_within_1e_9(
    asem: tuple[Path, IndexResult], stage: str, filename: str
) -> None:
    d, result = asem
    _compare(pl.read_csv(d / filename), result.wide(stage), stage)


def test_the_aggregated_stage_holds_every_pillar_sub_index_and_the_index(
    asem: tuple[Path, IndexResult],
) -> None:
    d, result = asem
    reference = pl.read_csv(d / "Data_Aggregated.csv")
    for code in (
        "ConEcFin",
        "Instit",
        "P2P",
        "Physical",
        "Political",
        "Environ",
        "Social",
        "SusEcFin",
        "Conn",
        "Sust",
        "Index",
    ):
        assert code in result.wide("aggregated").columns
        assert code in reference.columns


def test_ranks_of_every_aggregate_match_exactly(asem: tuple[Path, IndexResult]) -> None:
    d, result = asem
    reference = pl.read_csv(d / "Results_AggregatesRank.csv").sort("UnitCode")
    ranks = result.scores.pivot(on="code", index="unit", values="rank").sort("unit")
    cols = [c for c in reference.columns if c not in ("UnitCode", "UnitName")]
    assert reference.select(cols).to_numpy().tolist() == ranks.select(cols).to_numpy().tolist()


def test_published_scores_are_the_rounded_aggregates(asem: tuple[Path, IndexResult]) -> None:
    d, result = asem
    reference = pl.read_csv(d / "Results_AggregatesScore.csv").sort("UnitCode")
    scores = result.scores.pivot(on="code", index="unit", values="score").sort("unit")
    cols = [c for c in reference.columns if c not in ("UnitCode", "UnitName", "Rank")]
    assert (
        np.abs(reference.select(cols).to_numpy() - np.round(scores.select(cols).to_numpy(), 2)).max() < 1e-9
    )
    assert (
        reference["Rank"].cast(pl.Int64).to_list()
        == scores.join(result.index.rename({"rank": "Rank"}).select("unit", "Rank"), on="unit")[
            "Rank"
        ].to_list()
    )


def test_treatment_flags_match_cell_by_cell(asem: tuple[Path, IndexResult]) -> None:
    d, result = asem
    flags = pl.read_csv(d / "Analysis_Treated_TreatFlags.csv").unpivot(
        index="UnitCode", variable_name="indicator", value_name="flag"
    )
    expected = {
        (r["UnitCode"], r["indicator"], {"WHigh": "winsorised_high", "WLow": "winsorised_low"}[r["flag"]])
        for r in flags.filter(pl.col("flag") != "No").iter_rows(named=True)
    }
    treated_steps = result.steps.filter(
        pl.col("step").is_in(["winsorised_high", "winsorised_low", "log_transformed"])
    )
    got = {(r["unit"], r["indicator"], r["step"]) for r in treated_steps.iter_rows(named=True)}
    assert got == expected
    assert len(expected) == 35  # 34 winsorised at the top, 1 at the bottom


def test_treatment_summary_matches(asem: tuple[Path, IndexResult]) -> None:
    d, result = asem
    summary = pl.read_csv(d / "Analysis_Treated_TreatSummary.csv")
    ours = {r["indicator"]: r for r in result.treatment.iter_rows(named=True)}
    for row in summary.iter_rows(named=True):
        mine = ours[row["IndCode"]]
        assert (mine["winsorised_low"], mine["winsorised_high"]) == (int(row["Low"]), int(row["High"])), row[
            "IndCode"
        ]
        n = mine["winsorised_low"] + mine["winsorised_high"]
        assert row["Treatment"] == (f"Winsorised {n} points" if n else "None")
        assert mine["log"] is None  # the README: no indicator reaches the log branch on this data


def test_the_65_missing_cells_are_recorded_as_imputed(asem: tuple[Path, IndexResult]) -> None:
    _, result = asem
    imputed = result.steps.filter(pl.col("step") == "imputed")
    assert imputed.height == 65
    # two of them are missing because the denominator is missing, and the step log says so
    assert result.steps.filter(pl.col("step") == "missing_denominator").height == 2
