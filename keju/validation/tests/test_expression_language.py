"""The check language accepts its grammar only, type-checks against the form, and evaluates with Kleene logic."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keju.validation.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Call,
    Compare,
    Env,
    ExprError,
    Logical,
    Name,
    Number,
    Unary,
    compile_text,
    parse,
)

ENV = Env(
    kinds={"employees": "num", "rd_personnel": "num", "revenue": "num", "flag": "bool", "remark": "text"},
    units={"employees": "人", "rd_personnel": "人", "revenue": "万元", "flag": None, "remark": None},
    labels={
        "employees": "年末从业人员",
        "rd_personnel": "R&D人员",
        "revenue": "营业收入",
        "flag": "是否",
        "remark": "备注",
    },
    constants={"limit": 0.5},
)


class Frame:
    """A minimal Frame over columns given as lists with None for missing."""

    def __init__(self, columns, context=None):
        self.n = len(next(iter(columns.values())))
        self.columns = columns
        self.contexts = context or {}

    @staticmethod
    def _vec(values):
        known = np.array([v is not None for v in values])
        if (
            values
            and all(isinstance(v, bool) or v is None for v in values)
            and any(isinstance(v, bool) for v in values)
        ):
            return np.array([bool(v) for v in values]), known
        return np.array([np.nan if v is None else float(v) for v in values]), known

    def field(self, code):
        return self._vec(self.columns[code])

    def context(self, func, code):
        return self._vec(self.contexts.get((func, code), [None] * self.n))


def holds(text, columns, context=None):
    """Per row: True (holds), False (fires) or None (unknown: does not fire)."""
    compiled = compile_text(text, ENV)
    value, known = compiled.evaluate(Frame(columns, context))
    return [bool(v) if k else None for v, k in zip(value, known, strict=True)]


def value_of(text, columns, context=None):
    compiled = compile_text(text, ENV, want=None)
    value, known = compiled.evaluate(Frame(columns, context))
    return [float(v) if k else None for v, k in zip(value, known, strict=True)]


def test_precedence_and_tree():
    tree = parse("a + b * c <= d or not e and f")
    assert isinstance(tree, Logical) and tree.op == "or"
    left, right = tree.operands
    assert isinstance(left, Compare) and left.op == "<="
    assert isinstance(left.left, Binary) and left.left.op == "+"
    assert isinstance(left.left.right, Binary) and left.left.right.op == "*"
    assert isinstance(right, Logical) and right.op == "and"
    assert isinstance(right.operands[0], Unary) and right.operands[0].op == "not"
    call = parse("max(a, -1.5e3)")
    assert isinstance(call, Call) and call.func == "max"
    assert isinstance(call.args[0], Name) and isinstance(call.args[1], Unary)
    assert isinstance(call.args[1].operand, Number) and call.args[1].operand.value == 1500


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("employees.__class__", "不支持属性访问"),
        ("employees.real > 0", "不支持属性访问"),
        ("employees[0] > 1", "不支持下标"),
        ("__import__('os')", "不允许的名称"),
        ("__import__", "不允许的名称"),
        ("open(employees)", "未知函数“open”"),
        ("eval(employees)", "未知函数“eval”"),
        ("'a' == 'a'", "不支持字符串"),
        ('"x"', "不支持字符串"),
        ("employees = 1", "“==”"),
        ("employees ** 2 > 1", "乘方"),
        ("employees % 2 == 0", "取模"),
        ("employees > 1 && flag", "and"),
        ("employees > 1; revenue > 0", "只能写一个表达式"),
        ("lambda: 1", "不支持“:”"),
        ("lambda > 1", "未知字段或阈值“lambda”"),
        ("employees <= ", "不完整"),
        ("(employees <= 1", "缺少“)”"),
        ("employees <= 1)", "此处应为运算符或表达式结尾"),
        ("1 < employees < 3", "不能连写"),
        ("", "为空"),
        ("   ", "为空"),
        ("12abc > 1", "数字后不能紧跟名称"),
        ("年末从业人员 > 1", "不允许的字符"),
        ("and", "前缺少表达式"),
    ],
)
def test_outside_the_grammar_is_refused_in_chinese(text, fragment):
    with pytest.raises(ExprError) as info:
        compile_text(text, ENV)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("staff <= employees", "未知字段或阈值“staff”"),
        ("_ > 0", "只能用在带 each 的检查中"),
        ("employees", "结果应为 是/否"),
        ("employees + flag > 1", "需要数值"),
        ("not employees", "需要是/否"),
        ("flag < true", "只能用“==”或“!=”"),
        ("flag == 1", "不能比较"),
        ("remark == 1", "文字字段"),
        ("prev(employees + 1) > 0", "应为一个字段代码"),
        ("prev(limit) > 0", "是阈值"),
        ("peer_z(flag) < 3", "需要数值字段"),
        ("abs(employees, revenue) > 0", "需要1 个参数"),
        ("max() > 0", "至少 1 个"),
        ("round(revenue, employees) > 0", "0~10 的整数"),
        ("coalesce(revenue, flag) > 0", "同一类型"),
    ],
)
def test_type_and_name_errors(text, fragment):
    with pytest.raises(ExprError) as info:
        compile_text(text, ENV)
    assert fragment in str(info.value)


def test_errors_give_the_position():
    with pytest.raises(ExprError) as info:
        compile_text("employees <= staff", ENV)
    assert info.value.position == 13
    assert "第 14 个字符处" in str(info.value)


def test_huge_and_deep_inputs_are_refused_quickly():
    with pytest.raises(ExprError, match="过长"):
        parse("employees + " * 1000 + "1")
    with pytest.raises(ExprError, match="嵌套过深"):
        parse("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(ExprError, match="嵌套过深"):
        parse("-" * (MAX_DEPTH + 1) + "1")
    with pytest.raises(ExprError, match="嵌套过深"):
        parse("not " * (MAX_DEPTH + 1) + "true")
    with pytest.raises(ExprError, match="过长"):
        parse("1" * (MAX_LENGTH + 1))
    with pytest.raises(ExprError, match="复杂"):
        parse("+".join(["1"] * 400)[:MAX_LENGTH])


@given(st.text(max_size=200))
def test_arbitrary_text_either_parses_or_raises_expr_error(text):
    try:
        parse(text)
    except ExprError as exc:
        assert exc.message


def test_arithmetic_and_comparisons():
    cols = {"employees": [100, 100, 100], "rd_personnel": [99, 100, 101]}
    assert holds("rd_personnel <= employees", cols) == [True, True, False]
    assert holds("rd_personnel < employees", cols) == [True, False, False]
    assert holds("rd_personnel == employees", cols) == [False, True, False]
    assert holds("rd_personnel != employees", cols) == [True, False, True]
    assert holds("rd_personnel * 2 - employees >= 99", cols) == [False, True, True]
    assert value_of("(rd_personnel - employees) / 2", cols) == [-0.5, 0, 0.5]


def test_float_noise_does_not_fire():
    cols = {"revenue": [0.3], "employees": [0.1], "rd_personnel": [0.2]}
    assert holds("employees + rd_personnel <= revenue", cols) == [True]
    assert holds("employees + rd_personnel == revenue", cols) == [True]


def test_missing_inputs_make_a_check_unknown():
    cols = {"employees": [100, None, None], "rd_personnel": [None, 5, None]}
    assert holds("rd_personnel <= employees", cols) == [None, None, None]


def test_kleene_logic():
    cols = {"employees": [None, None, 1, 1], "revenue": [1, -1, None, None]}
    assert holds("employees > 0 or revenue > 0", cols) == [True, None, True, True]
    assert holds("employees > 0 and revenue > 0", cols) == [None, False, None, None]
    assert holds("not (employees > 0)", cols) == [None, None, False, False]


def test_division_by_zero_is_unknown():
    cols = {"revenue": [10, 10], "employees": [0, 5]}
    assert holds("revenue / employees < 1", cols) == [None, False]


def test_functions():
    cols = {"revenue": [-3.0, None, 2.5], "employees": [1, 2, None]}
    assert value_of("abs(revenue)", cols) == [3, None, 2.5]
    assert value_of("min(revenue, employees)", cols) == [-3, None, None]
    assert value_of("max(revenue, employees)", cols) == [1, None, None]
    assert value_of("sum(revenue, employees, 1)", cols) == [-1, None, None]
    assert value_of("sum(coalesce(revenue, 0), coalesce(employees, 0))", cols) == [-2, 2, 2.5]
    assert value_of("round(revenue)", cols) == [-3, None, 2]
    assert value_of("round(revenue + 0.126, 2)", cols) == [-2.87, None, 2.63]
    assert value_of("ln(revenue)", cols)[0] is None
    assert value_of("ln(revenue)", cols)[2] == pytest.approx(np.log(2.5))
    assert holds("present(revenue)", cols) == [True, False, True]
    assert holds("not present(employees)", cols) == [False, False, True]


def test_is_multiple():
    cols = {"revenue": [5000, 5000.01, 0, -300, 250]}
    assert holds("is_multiple(revenue, 100)", cols) == [True, False, False, True, False]


def test_thresholds_are_names():
    cols = {"revenue": [0.4, 0.6]}
    assert holds("revenue <= limit", cols) == [True, False]


def test_each_name_stands_for_the_field():
    env = Env(ENV.kinds, ENV.units, ENV.labels, ENV.constants, each="revenue")
    compiled = compile_text("_ >= prev(_)", env)
    assert compiled.fields == ("revenue",)
    frame = Frame({"revenue": [5, 5, 4]}, {("prev", "revenue"): [4, None, 5]})
    value, known = compiled.evaluate(frame)
    assert [bool(v) if k else None for v, k in zip(value, known, strict=True)] == [True, None, False]


def test_context_functions():
    cols = {"revenue": [150, 100, 100, 10]}
    context = {
        ("last_year", "revenue"): [100, 100, 0, None],
        ("peer_median", "revenue"): [100, 100, 100, 100],
        ("peer_mad", "revenue"): [10, 0, 10, 10],
    }
    assert value_of("yoy(revenue)", cols, context) == [0.5, 0, None, None]
    z = value_of("peer_z(revenue)", cols, context)
    assert z[0] == pytest.approx(0.6745 * 50 / 10)
    assert z[1] is None  # MAD of 0: undefined, the check stays quiet


def test_units_of_results():
    assert compile_text("revenue", ENV, want=None).unit == "万元"
    assert compile_text("last_year(revenue)", ENV, want=None).unit == "万元"
    assert compile_text("abs(revenue - prev(revenue))", ENV, want=None).unit == "万元"
    assert compile_text("revenue / employees", ENV, want=None).unit is None
    assert compile_text("yoy(revenue)", ENV, want=None).unit is None


def test_fields_in_order_of_appearance():
    compiled = compile_text("rd_personnel <= employees and prev(revenue) >= 0 and rd_personnel > 0", ENV)
    assert compiled.fields == ("rd_personnel", "employees", "revenue")
