"""Indicator computation over form data (pure: Polars, no Django)."""

from keju.metrics.formula import (
    FLAGS,
    Expression,
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
    "FormulaError",
    "Term",
    "evaluate",
    "evaluate_many",
    "evaluate_rollup",
    "parse",
]
