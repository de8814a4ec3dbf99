"""The composite development index (发展指数): OECD/JRC pipeline, sensitivity analysis (pure).

    result = build_index(data, spec, denominators=..., groups=...)   # every stage, scores, ranks, steps
    table = sensitivity(data, spec, runs=500, seed=1)                 # median rank and rank interval

See docs/index.md for the method and every option.
"""

from keju.metrics.index.build import STEP_LABELS, IndexResult, build_index
from keju.metrics.index.coinr import spec_from_coinr
from keju.metrics.index.sensitivity import method_combinations, sensitivity
from keju.metrics.index.stages import IndexInputError, kurtosis, skewness

__all__ = [
    "STEP_LABELS",
    "IndexInputError",
    "IndexResult",
    "build_index",
    "kurtosis",
    "method_combinations",
    "sensitivity",
    "skewness",
    "spec_from_coinr",
]
