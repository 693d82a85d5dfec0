"""Property tests: nothing but ExpressionError escapes, and arithmetic is right.

The reference results are computed here independently, with exact fractions and
a 32-bit rounding of their own, from the same random expression trees that are
rendered to text for the engine.
"""

from __future__ import annotations

import contextlib
import math
import struct
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pyoocsi.core.message import Message
from pyoocsi.functions import Expression, ExpressionError, FunctionSpec
from pyoocsi.functions.numbers import result_float32

FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# -- nothing but ExpressionError ----------------------------------------------

_WORDS = """
0 1 2 3.5 .5 1e3 2E-2 0x1F 99999999999999999999 1e999999999 x y z X TRUE false PI e
NULL ABS( CEILING( FLOOR( ROUND( SQRT( MIN( MAX( IF( NOT( FACT( LOG( SIN( ASIN(
ATAN2( AVERAGE( sum( mean( stdev( emin( emax( foo( + - * / % ^ = == != <> < <= > >=
&& || ! ( ) , ; [ ] " . ? :
"""
_VOCABULARY = [*_WORDS.split(), " "]
_MESSAGE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["7", " 2.5 ", "1e39", "-0", "NaN", "1f", "0x10"]),
    st.lists(st.integers(), max_size=2),
)
_DATA = st.dictionaries(st.sampled_from(["x", "y", "z", "X"]), _MESSAGE_VALUES)
_SOUP = st.lists(st.sampled_from(_VOCABULARY), max_size=30).map("".join)


def _evaluate_or_fail(text: str, data: dict[str, Any]) -> None:
    try:
        expression = Expression(text)
    except ExpressionError:
        return
    windows = expression.new_windows()
    for missing_as_zero in (False, True, True):
        try:
            value = expression.evaluate(
                data, missing_as_zero=missing_as_zero, windows=windows
            )
        except ExpressionError:
            continue
        assert value is None or isinstance(value, bool | Decimal)
        with contextlib.suppress(ExpressionError):
            result_float32(value)


@FAST
@given(_SOUP, _DATA)
def test_token_soup_raises_only_expression_errors(
    text: str, data: dict[str, Any]
) -> None:
    _evaluate_or_fail(text, data)


@FAST
@given(st.text(max_size=60), _DATA)
def test_random_text_raises_only_expression_errors(
    text: str, data: dict[str, Any]
) -> None:
    _evaluate_or_fail(text, data)


@FAST
@given(st.text(alphabet="c[]();,:filtransomxy>1+ ", max_size=40), _DATA)
def test_random_specs_raise_only_expression_errors(
    text: str, data: dict[str, Any]
) -> None:
    try:
        spec = FunctionSpec.parse(text)
    except ExpressionError:
        return
    if spec is not None:
        view = spec.new_view()
        for _ in range(2):
            copy = view(Message("s", spec.channel, 1, data))
            assert copy is None or copy.recipient == text


# -- arithmetic against exact fractions ---------------------------------------

_PRECEDENCE = {"+": 20, "-": 20, "*": 30, "/": 30, "%": 30, "^": 40}
_LEAF = 100
# EvalEx rounds every step to 68 significant digits: at most half a unit in the
# 68th digit, taken generously here.
_ROUNDING = Fraction(1, 10**66)
_VARIABLES = {"x": 7, "y": -3}


@dataclass(frozen=True)
class _Tree:
    """An expression's text and its exact value, with a bound on EvalEx's error.

    Division only ever takes an exactly computed divisor, and ``%`` only exact
    operands, so the exact value says when EvalEx must divide by zero.
    """

    text: str
    precedence: int
    exact: Fraction | None  # None: division by zero somewhere
    error: Fraction
    divides: bool
    largest: Fraction = Fraction(0)  # the largest magnitude on the way


def _leaf(value: int | str) -> _Tree:
    number = _VARIABLES[value] if isinstance(value, str) else value
    return _Tree(str(value), _LEAF, Fraction(number), Fraction(0), False)


def _wrap(tree: _Tree, needed: bool) -> str:
    return f"({tree.text})" if needed else tree.text


def _combine(operator: str, left: _Tree, right: _Tree) -> _Tree:
    precedence = _PRECEDENCE[operator]
    if operator == "^":
        left_text = _wrap(left, left.precedence <= precedence)
        right_text = right.text
    else:
        left_text = _wrap(left, left.precedence < precedence)
        right_text = _wrap(right, right.precedence <= precedence)
    text = f"{left_text} {operator} {right_text}"
    divides = left.divides or right.divides or operator == "/"
    a, b = left.exact, right.exact
    if a is None or b is None or (operator in "/%" and b == 0):
        return _Tree(text, precedence, None, Fraction(0), divides)
    exact, error = _exact(operator, a, b, left.error, right.error)
    error += abs(exact) * _ROUNDING
    largest = max(left.largest, right.largest, abs(exact), abs(a), abs(b))
    return _Tree(text, precedence, exact, error, divides, largest)


def _exact(
    operator: str, a: Fraction, b: Fraction, ea: Fraction, eb: Fraction
) -> tuple[Fraction, Fraction]:
    """The exact result, and how far EvalEx's inputs may move it."""
    if operator in "+-":
        return (a + b if operator == "+" else a - b), ea + eb
    if operator == "*":
        return a * b, abs(a) * eb + abs(b) * ea + ea * eb
    if operator == "/":
        return a / b, ea / abs(b)
    if operator == "%":  # BigDecimal.remainder: the quotient truncated to zero
        return a - b * math.trunc(a / b), Fraction(0)
    power = int(b)
    spread = (abs(a) + ea) ** power - abs(a) ** power
    return a**power, spread + abs(a) ** power * _ROUNDING * power


_LEAVES = st.one_of(
    st.integers(-1000, 1000).map(_leaf), st.sampled_from(["x", "y"]).map(_leaf)
)
_POWERS = st.integers(0, 3).map(_leaf)


def _extend_exact(children: st.SearchStrategy[_Tree]) -> st.SearchStrategy[_Tree]:
    return st.one_of(
        st.builds(_combine, st.sampled_from(["+", "-", "*"]), children, children),
        st.builds(_combine, st.just("^"), children, _POWERS),
    )


_EXACT_TREES = st.recursive(_LEAVES, _extend_exact, max_leaves=4)


def _extend(children: st.SearchStrategy[_Tree]) -> st.SearchStrategy[_Tree]:
    return st.one_of(
        _extend_exact(children),
        st.builds(_combine, st.just("/"), children, _EXACT_TREES),
        st.builds(_combine, st.just("%"), _EXACT_TREES, _EXACT_TREES),
    )


_TREES = st.recursive(_LEAVES, _extend, max_leaves=10)


def _float32(value: Fraction) -> float:
    """The 32-bit float nearest to an exact fraction, ties to even."""
    if value == 0:
        return 0.0
    magnitude = abs(value)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if Fraction(2) ** exponent > magnitude:
        exponent -= 1
    exponent = max(exponent, -126)
    step = Fraction(2) ** (exponent - 23)
    single = round(magnitude / step) * step
    if single > Fraction(struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]):
        return math.copysign(math.inf, value)
    return math.copysign(float(single), value)


@FAST
@given(_TREES)
def test_arithmetic_agrees_with_exact_fractions(tree: _Tree) -> None:
    # Past 68 digits EvalEx itself refuses some steps (a remainder whose
    # quotient has too many digits); those trees prove nothing here.
    assume(tree.largest < 10**60)
    expression = Expression(tree.text)
    if tree.exact is None:
        try:
            expression.evaluate(_VARIABLES)
        except ExpressionError:
            return
        raise AssertionError(f"{tree.text} should divide by zero")
    value = expression.evaluate(_VARIABLES)
    assert isinstance(value, Decimal)
    exact = tree.exact
    assert abs(Fraction(value) - exact) <= tree.error, tree.text
    if not tree.divides and abs(exact) < 10**60:
        assert Fraction(value) == exact, tree.text
        assert float(result_float32(value)) == _float32(exact), tree.text


@FAST
@given(_TREES, _TREES, st.sampled_from(["<", "<=", ">", ">=", "=", "!=", "<>"]))
def test_comparisons_agree_with_exact_fractions(
    left: _Tree, right: _Tree, operator: str
) -> None:
    if left.divides or right.divides or left.exact is None or right.exact is None:
        return
    a, b = left.exact, right.exact
    expected = {
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
        "=": a == b,
        "!=": a != b,
        "<>": a != b,
    }[operator]
    text = f"{left.text} {operator} {right.text}"
    assert Expression(text).evaluate(_VARIABLES) is expected, text
