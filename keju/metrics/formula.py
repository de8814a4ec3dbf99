"""Safe parsing and evaluation of indicator formulas declared in a plan file.

A formula (`keju.plan.schema.Formula`) has a numerator, an optional denominator
and a factor. Each expression is a sum of terms joined by `+` / `-`:

    sum(KJ101.rd_expenditure) + sum(KJ201.rd_expenditure_other)
    sum(KJ101.value_added[high_tech_industry])

A term names a form, a field of that form and optionally a flag that filters
the enterprises. Nothing else is accepted (no eval, no arithmetic inside terms).

Evaluation sums numerator and denominator per group FIRST and divides after:
a zone ratio is a ratio of sums, never an average of district ratios.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from keju.plan.schema import ENTERPRISE_FLAGS, Formula

# Enterprise flags a term may filter on (the plan schema's list); frames carry them as boolean columns.
FLAGS: tuple[str, ...] = tuple(ENTERPRISE_FLAGS)

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[+\-().\[\]]))")


class FormulaError(ValueError):
    """A formula that cannot be parsed or evaluated."""


@dataclass(frozen=True)
class Term:
    sign: int  # +1 or -1
    form: str
    field: str
    flag: str | None = None

    def __str__(self) -> str:
        flag = f"[{self.flag}]" if self.flag else ""
        return f"sum({self.form}.{self.field}{flag})"


@dataclass(frozen=True)
class Expression:
    terms: tuple[Term, ...]

    @property
    def forms(self) -> frozenset[str]:
        return frozenset(t.form for t in self.terms)

    def __str__(self) -> str:
        parts = [("-" if t.sign < 0 else "+") + " " + str(t) for t in self.terms]
        text = " ".join(parts)
        return text[2:] if text.startswith("+ ") else text


@dataclass(frozen=True)
class _Token:
    kind: str  # "name" or "punct"
    text: str
    pos: int


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    stripped_end = len(text.rstrip())
    while pos < stripped_end:
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            at = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise FormulaError(f"unexpected character {text[at]!r} at position {at} in {text!r}")
        kind = "name" if match.group("name") else "punct"
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenise(text)
        self.i = 0

    def _fail(self, expected: str) -> FormulaError:
        if self.i < len(self.tokens):
            tok = self.tokens[self.i]
            return FormulaError(
                f"expected {expected} at position {tok.pos}, found {tok.text!r} in {self.text!r}"
            )
        return FormulaError(f"expected {expected} at end of {self.text!r}")

    def _take(self, kind: str, text: str | None = None, expected: str = "") -> str:
        if self.i < len(self.tokens):
            tok = self.tokens[self.i]
            if tok.kind == kind and (text is None or tok.text == text):
                self.i += 1
                return tok.text
        raise self._fail(expected or repr(text))

    def expression(self) -> Expression:
        if not self.tokens:
            raise FormulaError("empty formula expression")
        terms = [self._term(+1)]
        while self.i < len(self.tokens):
            op = self._take("punct", None, "'+' or '-'")
            if op not in "+-":
                self.i -= 1
                raise self._fail("'+' or '-'")
            terms.append(self._term(+1 if op == "+" else -1))
        return Expression(tuple(terms))

    def _term(self, sign: int) -> Term:
        self._take("name", "sum", "'sum('")
        self._take("punct", "(")
        form = self._take("name", expected="a form code")
        self._take("punct", ".")
        field = self._take("name", expected="a field code")
        flag: str | None = None
        if self.i < len(self.tokens) and self.tokens[self.i].text == "[":
            self.i += 1
            flag = self._take("name", expected="a flag")
            if flag not in FLAGS:
                raise FormulaError(f"unknown flag {flag!r} in {self.text!r}; allowed: {', '.join(FLAGS)}")
            self._take("punct", "]")
        self._take("punct", ")")
        return Term(sign, form, field, flag)


def parse(text: str) -> Expression:
    """Parse `sum(FORM.field[flag]) ± …`; raise FormulaError on anything else."""
    return _Parser(text).expression()


def _term_sums(term: Term, frames: Mapping[str, pl.DataFrame], by: Sequence[str], part: str) -> pl.LazyFrame:
    frame = frames.get(term.form)
    if frame is None:
        raise FormulaError(f"no data for form {term.form} (needed by {term})")
    needed = [*by, term.field, *([term.flag] if term.flag else [])]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise FormulaError(f"form {term.form} has no column(s) {', '.join(missing)} (needed by {term})")
    lf = frame.lazy()
    if term.flag:
        lf = lf.filter(pl.col(term.flag).fill_null(False))
    value = pl.col(term.field).cast(pl.Float64).sum() * term.sign
    return lf.group_by(list(by)).agg(value.alias("_v")).with_columns(pl.lit(part).alias("_part"))


def _sums(
    expr: Expression, frames: Mapping[str, pl.DataFrame], by: Sequence[str], part: str
) -> list[pl.LazyFrame]:
    return [_term_sums(t, frames, by, part) for t in expr.terms]


def evaluate(formula: Formula, frames: Mapping[str, pl.DataFrame], by: Sequence[str]) -> pl.DataFrame:
    """Numerator, denominator and value of `formula` per group of `by` columns.

    `frames` maps form codes to frames holding the `by` columns, the field
    columns and (for enterprise forms) the boolean FLAGS columns. Missing
    numerator sums count as 0; a zero or missing denominator gives a null value.
    """
    numerator = parse(formula.numerator)
    denominator = parse(formula.denominator) if formula.denominator else None
    keys = list(by) or ["_all"]
    if not by:
        frames = {code: f.with_columns(pl.lit(0).alias("_all")) for code, f in frames.items()}
    parts = _sums(numerator, frames, keys, "num")
    if denominator is not None:
        parts += _sums(denominator, frames, keys, "den")
    long = pl.concat(parts, how="vertical_relaxed")
    wide = long.group_by(keys).agg(
        pl.col("_v").filter(pl.col("_part") == "num").sum().alias("numerator"),
        pl.col("_v").filter(pl.col("_part") == "den").sum().alias("denominator")
        if denominator is not None
        else pl.lit(None, dtype=pl.Float64).alias("denominator"),
    )
    if denominator is not None:
        den = pl.col("denominator")
        value = pl.when(den != 0).then(pl.col("numerator") / den * formula.factor)
    else:
        value = pl.col("numerator") * formula.factor
    result = wide.with_columns(value.cast(pl.Float64).alias("value")).sort(keys).collect()
    return result.drop("_all") if not by else result


def evaluate_rollup(
    formula: Formula,
    frames: Mapping[str, pl.DataFrame],
    *,
    group: str = "org",
    keys: Sequence[str] = ("year",),
    total: str = "zone",
) -> pl.DataFrame:
    """Values per `group` (e.g. district) and for all groups together (`group` = `total`).

    The total row sums numerators and denominators over every group before dividing.
    """
    parts = evaluate(formula, frames, [group, *keys])
    whole = evaluate(formula, frames, list(keys)).with_columns(pl.lit(total).alias(group))
    return pl.concat([parts, whole.select(parts.columns)], how="vertical_relaxed")


def evaluate_many(
    formulas: Mapping[str, Formula],
    frames: Mapping[str, pl.DataFrame],
    by: Sequence[str],
) -> pl.DataFrame:
    """Long table `indicator, *by, numerator, denominator, value` for several formulas."""
    tables = [
        evaluate(f, frames, by).with_columns(pl.lit(code).alias("indicator")) for code, f in formulas.items()
    ]
    if not tables:
        return pl.DataFrame()
    columns = ["indicator", *by, "numerator", "denominator", "value"]
    return pl.concat([t.select(columns) for t in tables], how="vertical_relaxed")
