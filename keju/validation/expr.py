"""The safe expression language of edit checks: tokenizer, parser, type checker, evaluator.

An expression states what must hold for a report, e.g.

    rd_personnel <= employees
    revenue >= prev(revenue)
    peer_count(_) < min_peers or abs(peer_log_z(_)) <= peer_z_limit

Grammar (lowest precedence first; no chained comparisons):

    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | atom
    atom    := NUMBER | "true" | "false" | NAME | NAME "(" args ")" | "(" or ")"

Names are the form's field codes, its `thresholds`, and `_` (the field of an `each`
rule); calls name one of FUNCTIONS. Nothing else exists: no attribute access, no
indexing, no strings, no Python names. Length, token count and nesting are bounded.
The parser never calls `eval` or `compile`; evaluation walks the typed tree.

Missing values follow three-valued (Kleene) logic: an arithmetic result with a
missing input is unknown; `true or unknown` is true, `false and unknown` is false;
a check whose result is unknown does not fire (required-ness is its own check).
Division by zero, a log of a non-positive number and overflow give unknown too.

Evaluation is vectorised: every node computes a NumPy array over all reports of a
bulk upload at once, with a parallel boolean array saying which entries are known.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

MAX_LENGTH = 1000  # characters
MAX_TOKENS = 300
MAX_DEPTH = 24  # nesting of parentheses, calls and operators

KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
EACH_NAME = "_"

Kind = Literal["num", "bool", "text"]
KIND_NAMES: dict[str, str] = {"num": "数值", "bool": "是/否", "text": "文字"}

Array = npt.NDArray[Any]
Known = npt.NDArray[np.bool_]
Vec = tuple[Array, Known]

# Robust z-score (Iglewicz & Hoaglin): 0.6745 (x - median) / MAD.
MAD_SCALE = 0.6745


class ExprError(ValueError):
    """An expression outside the language; `message` is Chinese, `position` 0-based (or None)."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        where = f"(第 {position + 1} 个字符处)" if position is not None else ""
        super().__init__(f"{message}{where}")


# --- tokens ----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\)|,)"
)
_REFUSED = {
    ".": "不支持属性访问(“.”)",
    "[": "不支持下标(“[”)",
    "]": "不支持下标(“]”)",
    "'": "不支持字符串",
    '"': "不支持字符串",
    "=": "比较相等请用“==”",
    "%": "不支持取模运算“%”",
    "*": "不支持乘方“**”",
    "&": "逻辑与请用“and”",
    "|": "逻辑或请用“or”",
    "!": "逻辑非请用“not”",
    "{": "不支持花括号",
    "}": "不支持花括号",
    ";": "一个检查只能写一个表达式",
    ":": "不支持“:”",
    "@": "不支持“@”",
    "\\": "不支持“\\”",
}


@dataclass(frozen=True)
class Token:
    kind: Literal["number", "name", "op", "end"]
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExprError(f"表达式过长({len(text)} 个字符),最多 {MAX_LENGTH} 个")
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            ch = text[pos]
            reason = _REFUSED.get(ch, f"不允许的字符“{ch}”")
            raise ExprError(f"表达式有误: {reason}", pos)
        kind = match.lastgroup
        if kind == "name" and match.group().startswith("__"):
            raise ExprError(f"不允许的名称“{match.group()}”", pos)
        if kind == "op" and text.startswith("**", pos):
            raise ExprError(_REFUSED["*"], pos)
        if kind != "space":
            assert kind in ("number", "name", "op")
            tokens.append(Token(kind, match.group(), pos))  # type: ignore[arg-type]
            if len(tokens) > MAX_TOKENS:
                raise ExprError(f"表达式过于复杂(超过 {MAX_TOKENS} 个记号)")
        pos = match.end()
        if kind == "number" and pos < len(text) and (text[pos].isalpha() or text[pos] == "_"):
            raise ExprError(f"数字后不能紧跟名称“{text[pos]}”", pos)
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- syntax tree -----------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: float
    pos: int


@dataclass(frozen=True)
class Boolean:
    value: bool
    pos: int


@dataclass(frozen=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]
    pos: int


@dataclass(frozen=True)
class Unary:
    op: Literal["-", "not"]
    operand: Node
    pos: int


@dataclass(frozen=True)
class Binary:
    op: Literal["+", "-", "*", "/"]
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Compare:
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Logical:
    op: Literal["and", "or"]
    operands: tuple[Node, ...]
    pos: int


Node = Number | Boolean | Name | Call | Unary | Binary | Compare | Logical

_COMPARE_OPS = ("<", "<=", ">", ">=", "==", "!=")


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _at(self, kind: str, text: str | None = None) -> bool:
        tok = self.tok
        return tok.kind == kind and (text is None or tok.text == text)

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"表达式嵌套过深(最多 {MAX_DEPTH} 层)", self.tok.pos)

    def _unexpected(self, expected: str) -> ExprError:
        tok = self.tok
        if tok.kind == "end":
            return ExprError(f"表达式不完整,缺少{expected}", tok.pos)
        return ExprError(f"此处应为{expected},而不是“{tok.text}”", tok.pos)

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExprError("表达式为空")
        node = self.or_()
        rest = self.tokens[self.i]
        if rest.kind != "end":
            if rest.text in _COMPARE_OPS:
                raise ExprError("比较不能连写(如 a < b < c),请用 and 连接", rest.pos)
            raise self._unexpected("运算符或表达式结尾")
        return node

    def or_(self) -> Node:
        return self._logical("or", self.and_)

    def and_(self) -> Node:
        return self._logical("and", self.not_)

    def _logical(self, op: Literal["and", "or"], sub: Callable[[], Node]) -> Node:
        first = sub()
        operands = [first]
        while self._at("name", op):
            self._advance()
            operands.append(sub())
        return first if len(operands) == 1 else Logical(op, tuple(operands), _pos(first))

    def not_(self) -> Node:
        if self._at("name", "not"):
            pos = self._advance().pos
            self._enter()
            operand = self.not_()
            self.depth -= 1
            return Unary("not", operand, pos)
        return self.compare()

    def compare(self) -> Node:
        left = self.sum_()
        if self.tok.kind == "op" and self.tok.text in _COMPARE_OPS:
            tok = self._advance()
            right = self.sum_()
            return Compare(tok.text, left, right, tok.pos)  # type: ignore[arg-type]
        return left

    def sum_(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self._advance()
            node = Binary(tok.text, node, self.product(), tok.pos)  # type: ignore[arg-type]
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            tok = self._advance()
            node = Binary(tok.text, node, self.unary(), tok.pos)  # type: ignore[arg-type]
        return node

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text in ("-", "+"):
            tok = self._advance()
            self._enter()
            operand = self.unary()
            self.depth -= 1
            return operand if tok.text == "+" else Unary("-", operand, tok.pos)
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "number":
            self._advance()
            value = float(tok.text)
            if not math.isfinite(value):
                raise ExprError(f"数字“{tok.text}”超出范围", tok.pos)
            return Number(value, tok.pos)
        if tok.kind == "name":
            self._advance()
            if tok.text in ("true", "false"):
                return Boolean(tok.text == "true", tok.pos)
            if tok.text in KEYWORDS:
                raise ExprError(f"“{tok.text}”前缺少表达式", tok.pos)
            if tok.text.startswith("__"):
                raise ExprError(f"不允许的名称“{tok.text}”", tok.pos)
            if self._at("op", "("):
                return self._call(tok)
            return Name(tok.text, tok.pos)
        if tok.kind == "op" and tok.text == "(":
            self._advance()
            self._enter()
            node = self.or_()
            self.depth -= 1
            if not self._at("op", ")"):
                raise self._unexpected("“)”")
            self._advance()
            return node
        raise self._unexpected("数字、字段或“(”")

    def _call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            raise ExprError(f"未知函数“{name.text}”,可用的函数: {', '.join(sorted(FUNCTIONS))}", name.pos)
        self._advance()  # "("
        self._enter()
        args: list[Node] = []
        if not self._at("op", ")"):
            args.append(self.or_())
            while self._at("op", ","):
                self._advance()
                args.append(self.or_())
        if not self._at("op", ")"):
            raise self._unexpected("“,”或“)”")
        self._advance()
        self.depth -= 1
        return Call(name.text, tuple(args), name.pos)


def _pos(node: Node) -> int:
    return node.pos


def parse(text: str) -> Node:
    """The syntax tree of `text`; ExprError (Chinese, with position) if outside the grammar."""
    if not isinstance(text, str):
        raise ExprError("表达式应为文本")
    return _Parser(text).parse()


# --- functions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Function:
    min_args: int
    max_args: int | None  # None: any number
    doc: str  # Chinese, for the catalogue and docs/edit-checks.md
    field_arg: bool = False  # the argument must name a field (the function reads the report's context)
    unit_preserving: bool = False  # the result has the unit of its (first) argument


FUNCTIONS: dict[str, Function] = {
    "abs": Function(1, 1, "绝对值", unit_preserving=True),
    "min": Function(1, None, "最小值(任一参数缺失则结果缺失)", unit_preserving=True),
    "max": Function(1, None, "最大值(任一参数缺失则结果缺失)", unit_preserving=True),
    "sum": Function(1, None, "求和(任一参数缺失则结果缺失;可配合 coalesce 把缺失当 0)", unit_preserving=True),
    "round": Function(1, 2, "四舍五入到 n 位小数(银行家舍入),n 默认为 0", unit_preserving=True),
    "coalesce": Function(1, None, "第一个已填的参数", unit_preserving=True),
    "present": Function(1, 1, "参数已填(是/否,本身从不缺失)"),
    "ln": Function(1, 1, "自然对数(参数 ≤ 0 时结果缺失)"),
    "is_multiple": Function(2, 2, "x 是 step 的非零整数倍(用于可疑整数)"),
    "prev": Function(1, 1, "同一年内上一期的值(季报累计值)", field_arg=True, unit_preserving=True),
    "last_year": Function(1, 1, "上年同期的值", field_arg=True, unit_preserving=True),
    "last": Function(1, 1, "最近一期(历史中最后一期)的值", field_arg=True, unit_preserving=True),
    "history_count": Function(1, 1, "历史各期中已填该字段的期数", field_arg=True),
    "changed_share": Function(1, 1, "历史相邻两期中数值有变化的比例(0~1)", field_arg=True),
    "yoy": Function(1, 1, "同比增速:本期 / 上年同期 − 1", field_arg=True),
    "peer_count": Function(1, 1, "同行业同期可比单位数", field_arg=True),
    "peer_median": Function(1, 1, "同行业同期的中位数", field_arg=True, unit_preserving=True),
    "peer_mad": Function(1, 1, "同行业同期的中位数绝对偏差 MAD", field_arg=True, unit_preserving=True),
    "peer_z": Function(1, 1, "稳健 z 值:0.6745 ×(x − 中位数)/ MAD", field_arg=True),
    "peer_log_z": Function(1, 1, "对数尺度的稳健 z 值(只用正数;适合规模类指标)", field_arg=True),
}

# Context lookups a Frame must answer for field functions (the others are computed from these).
CONTEXT_FUNCTIONS = frozenset(
    {
        "prev",
        "last_year",
        "last",
        "history_count",
        "changed_share",
        "peer_count",
        "peer_median",
        "peer_mad",
        "peer_log_median",
        "peer_log_mad",
    }
)


Scalar = float | bool | None  # one report's value; None when unknown


class Frame(Protocol):
    """The data an expression is evaluated over: `n` reports, their fields and their context."""

    n: int

    def field(self, code: str) -> Vec: ...

    def context(self, func: str, code: str) -> Vec: ...


class ScalarFrame(Protocol):
    """One report: its fields and its context, None when unknown."""

    def value(self, code: str) -> Scalar: ...

    def context_value(self, func: str, code: str) -> Scalar: ...


# --- type checking and compilation -------------------------------------------------------


@dataclass(frozen=True)
class Env:
    """What names mean in one form: field kinds, units and labels; thresholds; the `each` field."""

    kinds: Mapping[str, Kind]
    units: Mapping[str, str | None]
    labels: Mapping[str, str]
    constants: Mapping[str, float]
    each: str | None = None

    def resolve(self, name: Name) -> str:
        """The field code or constant a name stands for."""
        if name.name == EACH_NAME:
            if self.each is None:
                raise ExprError("“_”只能用在带 each 的检查中", name.pos)
            return self.each
        if name.name in self.kinds or name.name in self.constants:
            return name.name
        raise ExprError(f"未知字段或阈值“{name.name}”(表中没有这个字段代码,thresholds 中也没有)", name.pos)


@dataclass(frozen=True)
class Op:
    """One operation, evaluated over many reports (`vec`) or over one (`one`)."""

    vec: Callable[[Frame], Vec]
    one: Callable[[ScalarFrame], Scalar]


@dataclass(frozen=True)
class Compiled:
    """A type-checked expression ready to evaluate over a Frame (many reports) or a ScalarFrame (one)."""

    kind: Kind
    fields: tuple[str, ...]  # field codes it reads, in order of appearance
    unit: str | None  # the unit of its value, when it has one field's unit
    op: Op

    def run(self, frame: Frame) -> Vec:
        """(values, known); call inside `np.errstate(all="ignore")` (NaN and division by zero are expected)."""
        return self.op.vec(frame)

    def run1(self, frame: ScalarFrame) -> Scalar:
        """The value for one report, None when unknown."""
        return self.op.one(frame)

    def evaluate(self, frame: Frame) -> Vec:
        """(values, known) over the frame's reports."""
        with np.errstate(all="ignore"):
            return self.run(frame)


def compile_expr(node: Node, env: Env) -> Compiled:
    """Type-check `node` against `env` and build its evaluator; ExprError on misuse."""
    fields: list[str] = []
    kind, unit, run = _compile(node, env, fields)
    return Compiled(kind, tuple(dict.fromkeys(fields)), unit, run)


def compile_text(text: str, env: Env, *, want: Kind | None = "bool") -> Compiled:
    """Parse and compile `text`; with `want`, its result must be of that kind."""
    compiled = compile_expr(parse(text), env)
    if want is not None and compiled.kind != want:
        if want == "bool":
            raise ExprError(f"检查表达式的结果应为 是/否(例如 a <= b),而这里是{KIND_NAMES[compiled.kind]}")
        raise ExprError(f"表达式的结果应为{KIND_NAMES[want]},而这里是{KIND_NAMES[compiled.kind]}")
    return compiled


Part = tuple[Kind, str | None, Op]


def _expect(kind: Kind, want: Kind, node: Node, what: str) -> None:
    if kind != want:
        raise ExprError(f"{what}需要{KIND_NAMES[want]},这里是{KIND_NAMES[kind]}", _pos(node))


def _compile(node: Node, env: Env, fields: list[str]) -> Part:
    if isinstance(node, Number):
        return "num", None, _const(node.value)
    if isinstance(node, Boolean):
        return "bool", None, _const(node.value)
    if isinstance(node, Name):
        target = env.resolve(node)
        if target in env.kinds:
            fields.append(target)
            kind = env.kinds[target]
            if kind == "text":
                raise ExprError(f"“{env.labels.get(target, target)}”是文字字段,只能用于 present()", node.pos)
            return kind, env.units.get(target), _field(target)
        return "num", None, _const(env.constants[target])
    if isinstance(node, Unary):
        if node.op == "not":
            kind, _, run = _compile(node.operand, env, fields)
            _expect(kind, "bool", node.operand, "not ")
            return "bool", None, _not(run)
        kind, unit, run = _compile(node.operand, env, fields)
        _expect(kind, "num", node.operand, "负号")
        return "num", unit, _neg(run)
    if isinstance(node, Binary):
        lk, lu, lrun = _compile(node.left, env, fields)
        rk, ru, rrun = _compile(node.right, env, fields)
        _expect(lk, "num", node.left, f"“{node.op}”")
        _expect(rk, "num", node.right, f"“{node.op}”")
        unit = lu if node.op in ("+", "-") and (lu == ru or ru is None) else None
        return "num", unit, _arith(node.op, lrun, rrun)
    if isinstance(node, Compare):
        lk, _, lrun = _compile(node.left, env, fields)
        rk, _, rrun = _compile(node.right, env, fields)
        if lk != rk:
            raise ExprError(f"不能比较{KIND_NAMES[lk]}和{KIND_NAMES[rk]}", node.pos)
        if lk == "bool" and node.op not in ("==", "!="):
            raise ExprError("是/否只能用“==”或“!=”比较", node.pos)
        return "bool", None, _compare(node.op, lrun, rrun)
    if isinstance(node, Logical):
        runs = []
        for operand in node.operands:
            kind, _, run = _compile(operand, env, fields)
            _expect(kind, "bool", operand, f"“{node.op}”")
            runs.append(run)
        return "bool", None, _logical(node.op, tuple(runs))
    return _compile_call(node, env, fields)


def _compile_call(node: Call, env: Env, fields: list[str]) -> Part:
    spec = FUNCTIONS[node.func]
    n = len(node.args)
    if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
        if spec.max_args == spec.min_args:
            count = f"{spec.min_args} 个"
        elif spec.max_args is None:
            count = f"至少 {spec.min_args} 个"
        else:
            count = f"{spec.min_args}~{spec.max_args} 个"
        raise ExprError(f"函数 {node.func}() 需要{count}参数,这里有 {n} 个", node.pos)
    if spec.field_arg:
        return _compile_field_function(node, env, fields)
    if node.func == "present":
        arg = node.args[0]
        if isinstance(arg, Name) and env.resolve(arg) in env.kinds:
            code = env.resolve(arg)
            fields.append(code)
            return "bool", None, _present(_field(code))
        _, _, run = _compile(arg, env, fields)
        return "bool", None, _present(run)
    parts = [_compile(arg, env, fields) for arg in node.args]
    if node.func == "coalesce":
        kinds = {p[0] for p in parts}
        if len(kinds) > 1:
            raise ExprError("coalesce() 的参数应为同一类型", node.pos)
        units = {p[1] for p in parts}
        return parts[0][0], parts[0][1] if len(units) == 1 else None, _coalesce(tuple(p[2] for p in parts))
    for arg, part in zip(node.args, parts, strict=True):
        _expect(part[0], "num", arg, f"{node.func}()")
    runs = tuple(p[2] for p in parts)
    unit = parts[0][1] if spec.unit_preserving and len({p[1] for p in parts}) == 1 else None
    if node.func == "round":
        digits = 0
        if n == 2:
            second = node.args[1]
            if (
                not isinstance(second, Number)
                or second.value != int(second.value)
                or not 0 <= second.value <= 10
            ):
                raise ExprError("round() 的第二个参数应为 0~10 的整数", _pos(second))
            digits = int(second.value)
        return "num", unit, _round(runs[0], digits)
    if node.func == "is_multiple":
        return "bool", None, _is_multiple(runs[0], runs[1])
    if node.func == "ln":
        return "num", None, _ln(runs[0])
    return "num", unit, _NUMERIC[node.func](runs)


def _compile_field_function(node: Call, env: Env, fields: list[str]) -> Part:
    arg = node.args[0]
    if not isinstance(arg, Name):
        raise ExprError(f"函数 {node.func}() 的参数应为一个字段代码", _pos(arg))
    code = env.resolve(arg)
    if code not in env.kinds:
        raise ExprError(f"函数 {node.func}() 的参数应为字段,“{code}”是阈值", _pos(arg))
    kind = env.kinds[code]
    fields.append(code)
    unit = env.units.get(code)
    func = node.func
    if kind == "text":
        raise ExprError(f"“{env.labels.get(code, code)}”是文字字段,不能用于 {func}()", _pos(arg))
    if func in ("prev", "last_year", "last"):
        return kind, unit, _context(func, code)
    if func in ("history_count", "changed_share", "peer_count"):
        return "num", None, _context(func, code)
    if kind != "num":
        raise ExprError(f"函数 {func}() 需要数值字段,“{env.labels.get(code, code)}”是 是/否", _pos(arg))
    if func in ("peer_median", "peer_mad"):
        return "num", unit, _context(func, code)
    if func == "yoy":
        return "num", None, _arith("-", _arith("/", _field(code), _context("last_year", code)), _const(1.0))
    if func == "peer_z":
        deviation = _arith("-", _field(code), _context("peer_median", code))
        return "num", None, _arith("/", _arith("*", _const(MAD_SCALE), deviation), _context("peer_mad", code))
    assert func == "peer_log_z"
    deviation = _arith("-", _ln(_field(code)), _context("peer_log_median", code))
    return "num", None, _arith("/", _arith("*", _const(MAD_SCALE), deviation), _context("peer_log_mad", code))


# --- evaluators ----------------------------------------------------------------------------
# Each operation is built twice: vectorised over a Frame of many reports (NumPy arrays, unknown
# entries carry NaN or False and only `known` counts), and scalar over one report (Python values,
# None for unknown) because NumPy's per-call overhead dominates for a single report. Both follow
# the same rules (tolerance, Kleene logic, unknown on division by zero or overflow); the tests
# compare them. Vectorised evaluators run inside one np.errstate(all="ignore") (Compiled.evaluate,
# check_many): entering it per operation would cost more than the operation.


def _const(value: float | bool) -> Op:
    dtype = np.bool_ if isinstance(value, bool) else np.float64

    def vec(frame: Frame) -> Vec:
        return np.full(frame.n, value, dtype=dtype), np.ones(frame.n, dtype=np.bool_)

    def one(frame: ScalarFrame) -> Scalar:
        return value

    return Op(vec, one)


def _field(code: str) -> Op:
    def vec(frame: Frame) -> Vec:
        return frame.field(code)

    def one(frame: ScalarFrame) -> Scalar:
        return frame.value(code)

    return Op(vec, one)


def _context(func: str, code: str) -> Op:
    def vec(frame: Frame) -> Vec:
        return frame.context(func, code)

    def one(frame: ScalarFrame) -> Scalar:
        return frame.context_value(func, code)

    return Op(vec, one)


def _present(sub: Op) -> Op:
    def vec(frame: Frame) -> Vec:
        _, known = sub.vec(frame)
        return known.copy(), np.ones(frame.n, dtype=np.bool_)

    def one(frame: ScalarFrame) -> Scalar:
        return sub.one(frame) is not None

    return Op(vec, one)


def _not(sub: Op) -> Op:
    def vec(frame: Frame) -> Vec:
        value, known = sub.vec(frame)
        return ~value & known, known

    def one(frame: ScalarFrame) -> Scalar:
        v = sub.one(frame)
        return None if v is None else not v

    return Op(vec, one)


def _neg(sub: Op) -> Op:
    def vec(frame: Frame) -> Vec:
        value, known = sub.vec(frame)
        return -value, known

    def one(frame: ScalarFrame) -> Scalar:
        v = sub.one(frame)
        return None if v is None else -v

    return Op(vec, one)


def _finite(value: Array, known: Known) -> Vec:
    known = known & np.isfinite(value)
    return np.where(known, value, np.nan), known


def _finite1(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _arith(op: str, left: Op, right: Op) -> Op:
    def vec(frame: Frame) -> Vec:
        a, ka = left.vec(frame)
        b, kb = right.vec(frame)
        if op == "+":
            value = a + b
        elif op == "-":
            value = a - b
        elif op == "*":
            value = a * b
        else:
            value = a / b
        return _finite(value, ka & kb)

    def one(frame: ScalarFrame) -> Scalar:
        a = left.one(frame)
        if a is None:
            return None
        b = right.one(frame)
        if b is None:
            return None
        x, y = float(a), float(b)
        if op == "+":
            return _finite1(x + y)
        if op == "-":
            return _finite1(x - y)
        if op == "*":
            return _finite1(x * y)
        return None if y == 0 else _finite1(x / y)

    return Op(vec, one)


def _tolerance(a: Array, b: Array) -> Array:
    # Values are stored with a few decimals; 1e-9 relative keeps 0.1 + 0.2 <= 0.3 true.
    return 1e-9 * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))


def _compare(op: str, left: Op, right: Op) -> Op:
    def vec(frame: Frame) -> Vec:
        a, ka = left.vec(frame)
        b, kb = right.vec(frame)
        known = ka & kb
        if a.dtype == np.bool_:
            value = (a == b) if op == "==" else (a != b)
            return value & known, known
        tol = _tolerance(a, b)
        if op == "<":
            value = a < b - tol
        elif op == "<=":
            value = a <= b + tol
        elif op == ">":
            value = a > b + tol
        elif op == ">=":
            value = a >= b - tol
        elif op == "==":
            value = np.abs(a - b) <= tol
        else:
            value = np.abs(a - b) > tol
        return value & known, known

    def one(frame: ScalarFrame) -> Scalar:
        a = left.one(frame)
        if a is None:
            return None
        b = right.one(frame)
        if b is None:
            return None
        if isinstance(a, bool):
            return (a == b) if op == "==" else (a != b)
        x, y = float(a), float(b)
        tol = 1e-9 * max(1.0, abs(x), abs(y))
        if op == "<":
            return x < y - tol
        if op == "<=":
            return x <= y + tol
        if op == ">":
            return x > y + tol
        if op == ">=":
            return x >= y - tol
        if op == "==":
            return abs(x - y) <= tol
        return abs(x - y) > tol

    return Op(vec, one)


def _logical(op: str, subs: tuple[Op, ...]) -> Op:
    def vec(frame: Frame) -> Vec:
        results = [sub.vec(frame) for sub in subs]
        if op == "and":
            all_true = np.logical_and.reduce([v & k for v, k in results])
            any_false = np.logical_or.reduce([~v & k for v, k in results])
            return all_true, all_true | any_false
        any_true = np.logical_or.reduce([v & k for v, k in results])
        all_false = np.logical_and.reduce([~v & k for v, k in results])
        return any_true, any_true | all_false

    # Kleene logic: `and` is false as soon as one operand is false, `or` true as soon as one is true.
    decisive = op == "or"

    def one(frame: ScalarFrame) -> Scalar:
        unknown = False
        for sub in subs:
            v = sub.one(frame)
            if v is None:
                unknown = True
            elif bool(v) is decisive:
                return decisive
        return None if unknown else not decisive

    return Op(vec, one)


def _coalesce(subs: tuple[Op, ...]) -> Op:
    def vec(frame: Frame) -> Vec:
        value, known = subs[0].vec(frame)
        value, known = value.copy(), known.copy()
        for sub in subs[1:]:
            missing = ~known
            if not missing.any():
                break
            v, k = sub.vec(frame)
            take = missing & k
            value[take] = v[take]
            known |= take
        return value, known

    def one(frame: ScalarFrame) -> Scalar:
        for sub in subs:
            v = sub.one(frame)
            if v is not None:
                return v
        return None

    return Op(vec, one)


def _reduce(
    ufunc: Callable[[Array, Array], Array], scalar: Callable[[list[float]], float]
) -> Callable[[tuple[Op, ...]], Op]:
    def build(subs: tuple[Op, ...]) -> Op:
        def vec(frame: Frame) -> Vec:
            results = [sub.vec(frame) for sub in subs]
            value = results[0][0]
            known = results[0][1]
            for v, k in results[1:]:
                value = ufunc(value, v)
                known = known & k
            return _finite(value, known)

        def one(frame: ScalarFrame) -> Scalar:
            args: list[float] = []
            for sub in subs:
                v = sub.one(frame)
                if v is None:
                    return None
                args.append(float(v))
            return _finite1(scalar(args))

        return Op(vec, one)

    return build


def _abs(subs: tuple[Op, ...]) -> Op:
    sub = subs[0]

    def vec(frame: Frame) -> Vec:
        value, known = sub.vec(frame)
        return np.abs(value), known

    def one(frame: ScalarFrame) -> Scalar:
        v = sub.one(frame)
        return None if v is None else abs(float(v))

    return Op(vec, one)


_NUMERIC: dict[str, Callable[[tuple[Op, ...]], Op]] = {
    "abs": _abs,
    "min": _reduce(np.fmin, min),
    "max": _reduce(np.fmax, max),
    "sum": _reduce(np.add, lambda args: functools.reduce(operator.add, args)),  # left to right, as NumPy
}


def _round(sub: Op, digits: int) -> Op:
    def vec(frame: Frame) -> Vec:
        value, known = sub.vec(frame)
        return np.round(value, digits), known

    def one(frame: ScalarFrame) -> Scalar:
        v = sub.one(frame)
        # NumPy's rounding (not Python's), so that one report and a bulk upload agree to the last digit
        return None if v is None else float(np.round(float(v), digits))

    return Op(vec, one)


def _ln(sub: Op) -> Op:
    def vec(frame: Frame) -> Vec:
        value, known = sub.vec(frame)
        positive = known & (value > 0)
        result = np.log(np.where(positive, value, 1.0))
        return np.where(positive, result, np.nan), positive

    def one(frame: ScalarFrame) -> Scalar:
        v = sub.one(frame)
        return None if v is None or v <= 0 else float(np.log(float(v)))

    return Op(vec, one)


def _whole(ratio: float) -> bool:
    return abs(ratio - round(ratio)) <= 1e-9 * max(1.0, abs(ratio))


def _is_multiple(sub: Op, step: Op) -> Op:
    def vec(frame: Frame) -> Vec:
        value, kv = sub.vec(frame)
        size, ks = step.vec(frame)
        known = kv & ks & (size > 0)
        ratio = value / np.where(known, size, 1.0)
        whole = np.abs(ratio - np.round(ratio)) <= 1e-9 * np.maximum(1.0, np.abs(ratio))
        return whole & (value != 0) & known, known

    def one(frame: ScalarFrame) -> Scalar:
        v = sub.one(frame)
        size = step.one(frame)
        if v is None or size is None or size <= 0:
            return None
        ratio = float(v) / float(size)
        return math.isfinite(ratio) and _whole(ratio) and v != 0

    return Op(vec, one)


def names_in(node: Node) -> list[str]:
    """Every name in `node` (fields, thresholds, `_`), in order of appearance."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Name):
            out.append(n.name)
        elif isinstance(n, Call):
            for a in n.args:
                walk(a)
        elif isinstance(n, Unary):
            walk(n.operand)
        elif isinstance(n, Binary | Compare):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, Logical):
            for o in n.operands:
                walk(o)

    walk(node)
    return out
