"""The vectorised evaluator agrees with a plain scalar reading of the language, missing values included."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from keju.validation.expr import Env, compile_text

FIELDS = ("a", "b", "c")
ENV = Env(
    kinds={"a": "num", "b": "num", "c": "num", "p": "bool"},
    units={"a": "万元", "b": "万元", "c": "人", "p": None},
    labels={"a": "甲", "b": "乙", "c": "丙", "p": "丁"},
    constants={"k": 2.0},
)

numbers = st.recursive(
    st.one_of(
        st.sampled_from(FIELDS),
        st.sampled_from(["0", "1", "2.5", "k", "100"]),
    ),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        inner.map(lambda x: f"abs({x})"),
        inner.map(lambda x: f"-{x}"),
        st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
    ),
    max_leaves=6,
)
comparisons = st.tuples(numbers, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), numbers).map(
    lambda t: f"{t[0]} {t[1]} {t[2]}"
)
booleans = st.recursive(
    st.one_of(comparisons, st.just("p"), st.sampled_from(FIELDS).map(lambda f: f"present({f})")),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda x: f"not ({x})"),
    ),
    max_leaves=5,
)
values = st.one_of(st.none(), st.sampled_from([0.0, 1.0, -1.0, 2.5, 100.0, 1e-12]))
rows = st.lists(
    st.fixed_dictionaries({"a": values, "b": values, "c": values, "p": st.one_of(st.none(), st.booleans())}),
    min_size=1,
    max_size=6,
)


class Frame:
    def __init__(self, rows):
        import numpy as np

        self.n = len(rows)
        self.rows = rows
        self.np = np

    def field(self, code):
        np = self.np
        vals = [r[code] for r in self.rows]
        known = np.array([v is not None for v in vals])
        if code == "p":
            return np.array([bool(v) for v in vals]), known
        return np.array([math.nan if v is None else v for v in vals]), known

    def context(self, func, code):
        raise AssertionError("no context in these expressions")


# --- a scalar reference: None is unknown ------------------------------------------------------


def _tok(text):
    import re

    return re.findall(r"\d+\.?\d*(?:e-?\d+)?|[A-Za-z_]+|<=|>=|==|!=|[-+*/(),<>]", text)


class Ref:
    def __init__(self, text, row):
        self.t = _tok(text)
        self.i = 0
        self.row = row

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self):
        self.i += 1
        return self.t[self.i - 1]

    def or_(self):
        vals = [self.and_()]
        while self.peek() == "or":
            self.take()
            vals.append(self.and_())
        if len(vals) == 1:
            return vals[0]
        if any(v is True for v in vals):
            return True
        return None if any(v is None for v in vals) else False

    def and_(self):
        vals = [self.not_()]
        while self.peek() == "and":
            self.take()
            vals.append(self.not_())
        if len(vals) == 1:
            return vals[0]
        if any(v is False for v in vals):
            return False
        return None if any(v is None for v in vals) else True

    def not_(self):
        if self.peek() == "not":
            self.take()
            v = self.not_()
            return None if v is None else not v
        return self.cmp()

    def cmp(self):
        a = self.sum_()
        if self.peek() in ("<", "<=", ">", ">=", "==", "!="):
            op = self.take()
            b = self.sum_()
            if a is None or b is None:
                return None
            tol = 1e-9 * max(1.0, abs(a), abs(b))
            return {
                "<": a < b - tol,
                "<=": a <= b + tol,
                ">": a > b + tol,
                ">=": a >= b - tol,
                "==": abs(a - b) <= tol,
                "!=": abs(a - b) > tol,
            }[op]
        return a

    def sum_(self):
        a = self.prod()
        while self.peek() in ("+", "-"):
            op = self.take()
            b = self.prod()
            a = None if a is None or b is None else (a + b if op == "+" else a - b)
        return a

    def prod(self):
        a = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            b = self.unary()
            if a is None or b is None:
                a = None
            elif op == "*":
                a = a * b
            else:
                a = None if b == 0 else a / b
            if a is not None and not math.isfinite(a):
                a = None
        return a

    def unary(self):
        if self.peek() == "-":
            self.take()
            v = self.unary()
            return None if v is None else -v
        return self.atom()

    def atom(self):
        tok = self.take()
        if tok == "(":
            v = self.or_()
            self.take()
            return v
        if tok in ("abs", "min", "coalesce", "present"):
            self.take()
            args = [self.or_()]
            while self.peek() == ",":
                self.take()
                args.append(self.or_())
            self.take()
            if tok == "present":
                return args[0] is not None
            if tok == "coalesce":
                return next((x for x in args if x is not None), None)
            if any(x is None for x in args):
                return None
            return abs(args[0]) if tok == "abs" else min(args)
        if tok == "k":
            return 2.0
        if tok in self.row:
            return self.row[tok]
        return float(tok)


@settings(max_examples=300, deadline=None)
@given(booleans, rows)
def test_vectorised_evaluation_matches_the_scalar_reference(text, data):
    compiled = compile_text(text, ENV)
    value, known = compiled.evaluate(Frame(data))
    got = [bool(v) if k else None for v, k in zip(value, known, strict=True)]
    expected = [Ref(text, row).or_() for row in data]
    assert got == expected, text
    one_by_one = [compiled.run1(OneRow(row)) for row in data]
    assert one_by_one == expected, text


class OneRow:
    def __init__(self, row):
        self.row = row

    def value(self, code):
        return self.row[code]

    def context_value(self, func, code):
        raise AssertionError("no context in these expressions")
