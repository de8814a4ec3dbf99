"""Indicator computation over form data (pure: Polars and NumPy, no Django).

keju.metrics.engine.compute / lineage / count_objects are the engine's entry points.
"""

from keju.metrics.formula import (
    FLAGS,
    Expression,
    Filter,
    FormulaError,
    Term,
    evaluate,
    evaluate_many,
    evaluate_rollup,
    parse,
)

__all__ = [
    "FLAGS",
    "Expression",
    "Filter",
    "FormulaError",
    "Term",
    "evaluate",
    "evaluate_many",
    "evaluate_rollup",
    "parse",
]
