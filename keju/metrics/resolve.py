"""Resolve the plan's indicator formulas into sums of form columns, with checks.

Each indicator becomes numerator and denominator as linear combinations of
*atoms* — one form column (or a count of reports) under a row filter, possibly
at constant prices — with coefficients that carry signs, unit conversions and
the factors of referenced indicators (`ind(code)`). Everything the engine needs
to know about a formula is checked here once, so a bad formula fails with a
Chinese message for that indicator only: unknown form, field, flag or chain, a
non-numeric field, a reference to a ratio indicator, a cycle between indicators,
incompatible units, an unknown deflator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from keju.metrics.formula import CHAIN_COLUMN, FLAGS, Filter, FormulaError, Term, parse
from keju.metrics.units import Unit, UnitError, parse_unit, ratio_unit
from keju.plan.forms import ReportForm
from keju.plan.schema import Indicator, Plan


@dataclass(frozen=True)
class Atom:
    """Sum of one form column (count of reports when `field` is None) over filtered rows."""

    form: str
    field: str | None
    filters: tuple[Filter, ...] = ()
    deflator: str | None = None

    def __str__(self) -> str:
        where = f"[{', '.join(str(f) for f in self.filters)}]" if self.filters else ""
        text = f"count({self.form}{where})" if self.field is None else f"sum({self.form}.{self.field}{where})"
        return f"{text}@{self.deflator}" if self.deflator else text


Combination = tuple[tuple[Atom, float], ...]


@dataclass(frozen=True)
class Resolved:
    """An indicator ready to compute: value = Σ c·numerator atoms / Σ c·denominator atoms × factor."""

    code: str
    numerator: Combination
    denominator: Combination | None
    factor: float
    unit: str
    convention: str | None

    @property
    def atoms(self) -> tuple[Atom, ...]:
        seen = dict.fromkeys(a for a, _ in self.numerator)
        seen.update(dict.fromkeys(a for a, _ in self.denominator or ()))
        return tuple(seen)

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(sorted({a.form for a in self.atoms}))


@dataclass(frozen=True)
class _Part:
    """An expression resolved in the unit of `unit`."""

    terms: Combination
    unit: Unit


class _Resolver:
    def __init__(self, plan: Plan, forms: Mapping[str, ReportForm] | None) -> None:
        self.plan = plan
        self.forms = forms
        self.indicators = {i.code: i for i in plan.indicators}
        self.chains = {c.code for c in plan.industry_chains}
        self.deflators = {d.code for d in plan.engine.deflators}

    def resolve(self, code: str) -> Resolved:
        ind = self.indicators.get(code)
        if ind is None:
            raise FormulaError(f"指标 {code} 不存在")
        if ind.formula is None:
            raise FormulaError(f"指标 {ind.name}({code})没有公式")
        f = ind.formula
        if f.deflator is not None and f.deflator not in self.deflators:
            raise FormulaError(f"公式引用的价格指数 {f.deflator} 不在规划的 engine.deflators 中")
        deflate_num = f.deflator if f.deflate in ("numerator", "both") else None
        deflate_den = f.deflator if f.deflate in ("denominator", "both") else None
        num = self._expression(f.numerator, (code,), deflate_num, "分子")
        den = self._expression(f.denominator, (code,), deflate_den, "分母") if f.denominator else None
        expected_text = f.unit or ind.unit
        try:
            expected = parse_unit(expected_text)
        except UnitError as exc:
            raise FormulaError(f"指标单位“{expected_text}”无法识别:{exc}") from None
        derived = ratio_unit(num.unit, den.unit if den else None, f.factor)
        # "万元GDP能耗 (吨标准煤)": without an explicit unit, a per-denominator indicator may give
        # the numerator's unit only, the denominator being in its name.
        per_denominator = f.unit is None and den is not None
        if (
            self.forms is not None
            and not derived.matches(expected)
            and not (per_denominator and ratio_unit(num.unit, None, f.factor).matches(expected))
        ):
            what = f"分子单位“{num.unit.text}”" + (f"、分母单位“{den.unit.text}”" if den else "")
            raise FormulaError(
                f"单位不一致:{what}、系数 {f.factor:g} 得到的结果不是“{expected_text}”"
                f"(请改正系数,或在公式中用 unit 写明结果单位)"
            )
        return Resolved(code, num.terms, den.terms if den else None, f.factor, expected_text, f.convention)

    def _expression(self, text: str, stack: tuple[str, ...], deflator: str | None, part: str) -> _Part:
        expr = parse(text)
        terms: list[tuple[Atom, float]] = []
        unit: Unit | None = None
        for term in expr.terms:
            sub = self._term(term, stack, deflator)
            if unit is None or self.forms is None:
                unit = sub.unit
            elif not sub.unit.same_dimension(unit):
                raise FormulaError(
                    f"单位不一致:{part}中 {term}(单位“{sub.unit.text}”)不能与单位“{unit.text}”的项相加"
                )
            scale = sub.unit.factor_to(unit) if sub.unit.same_dimension(unit) else 1.0
            terms.extend((atom, term.sign * c * scale) for atom, c in sub.terms)
        assert unit is not None  # parse() refuses an empty expression
        merged: dict[Atom, float] = {}
        for atom, c in terms:
            merged[atom] = merged.get(atom, 0.0) + c
        return _Part(tuple(merged.items()), unit)

    def _term(self, term: Term, stack: tuple[str, ...], deflator: str | None) -> _Part:
        if term.kind == "indicator":
            return self._reference(term.field or "", stack, deflator)
        form = self._form(term)
        self._check_filters(term, form)
        atom = Atom(term.form, term.field, term.filters, deflator)
        if term.kind == "count":
            return _Part(((atom, 1.0),), parse_unit("户" if self._is_enterprise(term.form, form) else "个"))
        field_unit: str | None = None
        if form is not None:
            field = next((fl for fl in form.fields if fl.code == term.field), None)
            if field is None:
                raise FormulaError(f"报表 {term.form} 没有字段 {term.field}({term})")
            if field.type not in ("decimal", "integer"):
                raise FormulaError(f"字段 {term.form}.{term.field}({field.label})不是数值字段,不能求和")
            field_unit = field.unit
        return _Part(((atom, 1.0),), parse_unit(field_unit))

    def _reference(self, code: str, stack: tuple[str, ...], deflator: str | None) -> _Part:
        if code in stack:
            chain = " → ".join([*stack[stack.index(code) :], code])
            raise FormulaError(f"指标之间存在循环引用:{chain}")
        ind = self.indicators.get(code)
        if ind is None:
            raise FormulaError(f"引用的指标 {code} 不存在")
        if ind.formula is None:
            raise FormulaError(f"引用的指标 {ind.name}({code})没有公式")
        if ind.formula.denominator:
            raise FormulaError(
                f"引用的指标 {ind.name}({code})是比值,不能作为求和项;请引用其分子、分母所用的字段"
            )
        inner = self._expression(
            ind.formula.numerator, (*stack, code), deflator or self._own_deflator(ind), "分子"
        )
        unit_text = ind.formula.unit or ind.unit
        unit = parse_unit(unit_text)
        # The referenced value is Σ c·atoms × factor, in the referenced indicator's unit.
        derived = ratio_unit(inner.unit, None, ind.formula.factor)
        if self.forms is not None and not derived.matches(unit):
            raise FormulaError(f"引用的指标 {ind.name}({code})的公式单位与其单位“{unit_text}”不一致")
        return _Part(tuple((a, c * ind.formula.factor) for a, c in inner.terms), unit)

    def _own_deflator(self, ind: Indicator) -> str | None:
        f = ind.formula
        return f.deflator if f is not None and f.deflate in ("numerator", "both") else None

    def _form(self, term: Term) -> ReportForm | None:
        if self.forms is None:
            return None
        form = self.forms.get(term.form)
        if form is None:
            raise FormulaError(f"报表 {term.form} 不存在({term})")
        return form

    def _is_enterprise(self, code: str, form: ReportForm | None) -> bool:
        return form is None or form.respondent_level == "enterprise"

    def _check_filters(self, term: Term, form: ReportForm | None) -> None:
        booleans = {f.code for f in form.fields if f.type == "boolean"} if form is not None else set()
        for flt in term.filters:
            if flt.value is not None:
                if flt.name != CHAIN_COLUMN:
                    raise FormulaError(f"未知的筛选条件 {flt}({term})")
                if flt.value not in self.chains:
                    raise FormulaError(f"产业链 {flt.value} 不在规划的 industry_chains 中({term})")
                if form is not None and form.respondent_level != "enterprise":
                    raise FormulaError(f"报表 {term.form} 不是企业报表,不能按产业链筛选({term})")
                continue
            if flt.name in FLAGS:
                if form is not None and form.respondent_level != "enterprise":
                    raise FormulaError(
                        f"报表 {term.form} 不是企业报表,不能按企业标志 [{flt.name}] 筛选({term})"
                    )
                continue
            if form is not None and flt.name not in booleans:
                raise FormulaError(
                    f"未知的企业标志或是非字段 [{flt.name}]({term});可用:{', '.join([*FLAGS, *sorted(booleans)])}"
                )
            if form is None:
                raise FormulaError(f"未知的企业标志 [{flt.name}]({term});可用:{', '.join(FLAGS)}")


def resolve_indicators(
    plan: Plan, forms: Mapping[str, ReportForm] | None, codes: Iterable[str] | None = None
) -> tuple[dict[str, Resolved], dict[str, str]]:
    """Resolved formulas of the plan's indicators (all with a formula, or `codes`) and errors by code."""
    resolver = _Resolver(plan, forms)
    wanted = list(codes) if codes is not None else [i.code for i in plan.indicators if i.formula is not None]
    resolved: dict[str, Resolved] = {}
    errors: dict[str, str] = {}
    for code in wanted:
        try:
            resolved[code] = resolver.resolve(code)
        except (FormulaError, UnitError) as exc:
            errors[code] = str(exc)
    return resolved, errors
