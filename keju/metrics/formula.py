"""Safe parsing and evaluation of indicator formulas declared in a plan file.

A formula (`keju.plan.schema.Formula`) has a numerator, an optional denominator,
a factor and a unit. Each expression is a sum of terms joined by `+` / `-`:

    sum(KJ101.rd_expenditure) + sum(KJ201.rd_expenditure_other)
    sum(KJ101.value_added[high_tech_industry])          enterprises with a flag
    sum(KJ101.value_added[industrial, !above_scale])     several conditions (and), negation
    sum(KJ101.revenue[chain=nonferrous_chain])           one industry chain
    count(KJ101[high_tech_enterprise])                   number of reports (respondents)
    ind(gdp)                                             another (additive) indicator

A filter names an enterprise flag (keju.plan.schema.ENTERPRISE_FLAGS), a boolean
field of the form, or `chain=<industry chain code>`. Nothing else is accepted: no
eval, no arithmetic inside terms. Errors are FormulaError with a Chinese message.

Evaluation sums numerator and denominator per group FIRST and divides after:
a zone ratio is a ratio of sums, never an average of district ratios. The full
engine (keju.metrics.engine) uses the same parser; `evaluate` here is the simple
Polars path, kept for one-off sums (the demo summary).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import polars as pl

from keju.plan.schema import ENTERPRISE_FLAGS

if TYPE_CHECKING:
    from keju.plan.schema import Formula

# Enterprise flags a term may filter on (the plan schema's list); frames carry them as boolean columns.
FLAGS: tuple[str, ...] = tuple(ENTERPRISE_FLAGS)
CHAIN_COLUMN = "chain"  # industry chain code of the enterprise in enterprise-form frames

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[+\-().\[\],!=]))")
TermKind = Literal["sum", "count", "indicator"]


class FormulaError(ValueError):
    """A formula that cannot be parsed, resolved or evaluated (Chinese message)."""


@dataclass(frozen=True)
class Filter:
    """One condition on the rows of a form: a flag / boolean field, or `chain=<code>`."""

    name: str
    negate: bool = False
    value: str | None = None

    def __str__(self) -> str:
        if self.value is not None:
            return f"{'!' if self.negate else ''}{self.name}={self.value}"
        return f"{'!' if self.negate else ''}{self.name}"


@dataclass(frozen=True)
class Term:
    """`sum(FORM.field[filters])`, `count(FORM[filters])` or `ind(code)` with a sign.

    For `ind(code)` the referenced indicator's code is in `field` and `form` is empty.
    """

    sign: int  # +1 or -1
    form: str
    field: str | None
    filters: tuple[Filter, ...] = ()
    kind: TermKind = "sum"

    @property
    def indicator(self) -> str | None:
        return self.field if self.kind == "indicator" else None

    @property
    def flag(self) -> str | None:
        """The first plain (non-negated) flag filter, for callers that know only one flag."""
        return next((f.name for f in self.filters if not f.negate and f.value is None), None)

    def __str__(self) -> str:
        if self.kind == "indicator":
            return f"ind({self.field})"
        where = f"[{', '.join(str(f) for f in self.filters)}]" if self.filters else ""
        if self.kind == "count":
            return f"count({self.form}{where})"
        return f"sum({self.form}.{self.field}{where})"


@dataclass(frozen=True)
class Expression:
    terms: tuple[Term, ...]

    @property
    def forms(self) -> frozenset[str]:
        return frozenset(t.form for t in self.terms if t.kind != "indicator")

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
            raise FormulaError(f"公式“{text}”第 {at + 1} 个字符“{text[at]}”无法识别(格式错误)")
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
                f"公式“{self.text}”格式错误:第 {tok.pos + 1} 个字符处应为{expected},实际为“{tok.text}”"
            )
        return FormulaError(f"公式“{self.text}”格式错误:结尾处缺少{expected}")

    def _peek(self, text: str) -> bool:
        return self.i < len(self.tokens) and self.tokens[self.i].text == text

    def _take(self, kind: str, text: str | None = None, expected: str = "") -> str:
        if self.i < len(self.tokens):
            tok = self.tokens[self.i]
            if tok.kind == kind and (text is None or tok.text == text):
                self.i += 1
                return tok.text
        raise self._fail(expected or f"“{text}”")

    def expression(self) -> Expression:
        if not self.tokens:
            raise FormulaError("公式为空(格式错误)")
        terms = [self._term(+1)]
        while self.i < len(self.tokens):
            if not (self._peek("+") or self._peek("-")):
                raise self._fail("“+”或“-”")
            op = self.tokens[self.i].text
            self.i += 1
            terms.append(self._term(+1 if op == "+" else -1))
        return Expression(tuple(terms))

    def _term(self, sign: int) -> Term:
        if self.i < len(self.tokens) and self.tokens[self.i].text in ("sum", "count", "ind"):
            fn = self.tokens[self.i].text
            self.i += 1
        else:
            raise self._fail("“sum(”“count(”或“ind(”")
        self._take("punct", "(")
        if fn == "ind":
            code = self._take("name", expected="指标编码")
            self._take("punct", ")")
            return Term(sign, "", code, (), "indicator")
        form = self._take("name", expected="报表编码")
        field: str | None = None
        if fn == "sum":
            self._take("punct", ".")
            field = self._take("name", expected="字段编码")
        filters: tuple[Filter, ...] = ()
        if self._peek("["):
            self.i += 1
            filters = self._filters()
            self._take("punct", "]")
        self._take("punct", ")")
        return Term(sign, form, field, filters, "sum" if fn == "sum" else "count")

    def _filters(self) -> tuple[Filter, ...]:
        out = [self._condition()]
        while self._peek(","):
            self.i += 1
            out.append(self._condition())
        return tuple(out)

    def _condition(self) -> Filter:
        negate = False
        if self._peek("!"):
            self.i += 1
            negate = True
        name = self._take("name", expected="筛选条件(企业标志或 chain=产业链编码)")
        if self._peek("="):
            self.i += 1
            value = self._take("name", expected="产业链编码")
            if name != CHAIN_COLUMN:
                raise FormulaError(
                    f"公式“{self.text}”格式错误:只有 chain 可以写成“名称=取值”,不能写 {name}=…"
                )
            return Filter(name, negate, value)
        return Filter(name, negate)


def parse(text: str) -> Expression:
    """Parse `sum(FORM.field[filters]) ± count(FORM[filters]) ± ind(code) …`; FormulaError otherwise."""
    return _Parser(text).expression()


# --- the simple Polars evaluation (no indicator references) ------------------------------


def filter_expr(filters: Sequence[Filter]) -> pl.Expr:
    """Row condition of `filters` over a frame's boolean / chain columns (null counts as false)."""
    cond = pl.lit(True)
    for f in filters:
        if f.value is not None:
            c = (pl.col(f.name) == f.value).fill_null(False)
        else:
            c = pl.col(f.name).cast(pl.Boolean).fill_null(False)
        cond = cond & (~c if f.negate else c)
    return cond


def _term_sums(term: Term, frames: Mapping[str, pl.DataFrame], by: Sequence[str], part: str) -> pl.LazyFrame:
    if term.kind == "indicator":
        raise FormulaError(f"{term}:简单求值不支持引用其他指标,请使用 keju.metrics.engine.compute")
    frame = frames.get(term.form)
    if frame is None:
        raise FormulaError(f"没有报表 {term.form} 的数据({term} 需要)")
    needed = [*by, *([term.field] if term.field else []), *[f.name for f in term.filters]]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise FormulaError(f"报表 {term.form} 的数据没有列 {', '.join(missing)}({term} 需要)")
    lf = frame.lazy()
    if term.filters:
        lf = lf.filter(filter_expr(term.filters))
    value = pl.len().cast(pl.Float64) if term.field is None else pl.col(term.field).cast(pl.Float64).sum()
    return (
        lf.group_by(list(by)).agg((value * term.sign).alias("_v")).with_columns(pl.lit(part).alias("_part"))
    )


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
