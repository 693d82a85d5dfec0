"""The expression language: a table of expressions and their exact results."""

from __future__ import annotations

from typing import Any

import pytest

from pyoocsi.core.encoding import java_float
from pyoocsi.functions import Expression, ExpressionError
from pyoocsi.functions.numbers import result_float32

# (expression, message data, the result as the reference renders a transform)
RESULTS: list[tuple[str, dict[str, Any], str]] = [
    ("1+2", {}, "3.0"),
    ("7 - 10", {}, "-3.0"),
    ("2 * 3.5", {}, "7.0"),
    ("10 / 4", {}, "2.5"),
    ("1/3", {}, "0.33333334"),
    ("2/3", {}, "0.6666667"),
    ("7 % 3", {}, "1.0"),
    ("-7 % 3", {}, "-1.0"),
    ("2^10", {}, "1024.0"),
    ("2^-2", {}, "0.25"),
    ("2^0.5", {}, "1.4142135"),
    ("-2^2", {}, "4.0"),
    ("2^3^2", {}, "512.0"),
    ("1 + 2 * 3", {}, "7.0"),
    ("(1 + 2) * 3", {}, "9.0"),
    ("10 - 2 - 3", {}, "5.0"),
    ("100 / 10 / 5", {}, "2.0"),
    ("2(3+1)", {}, "8.0"),
    ("2x", {"x": 4}, "8.0"),
    ("1e3 + .5", {}, "1000.5"),
    ("0x1F", {}, "31.0"),
    ("1 = 1", {}, "1.0"),
    ("1 == 2", {}, "0.0"),
    ("1 != 2", {}, "1.0"),
    ("1 <> 1", {}, "0.0"),
    ("3 >= 3 && 2 < 1", {}, "0.0"),
    ("3 > 4 || 2 <= 2", {}, "1.0"),
    ("!(1 > 2)", {}, "1.0"),
    ("!0", {}, "1.0"),
    ("TRUE && true", {}, "1.0"),
    ("ABS(-2.5)", {}, "2.5"),
    ("abs(x)", {"x": -0.1}, "0.1"),
    ("CEILING(1.2)", {}, "2.0"),
    ("Ceiling(-1.2)", {}, "-1.0"),
    ("FLOOR(-1.5)", {}, "-2.0"),
    ("ROUND(2.345, 2)", {}, "2.34"),
    ("ROUND(2.355, 2)", {}, "2.36"),
    ("ROUND(1250, -2)", {}, "1200.0"),
    ("SQRT(16)", {}, "4.0"),
    ("SQRT(2)", {}, "1.4142135"),
    ("MIN(3, 1, 2)", {}, "1.0"),
    ("MAX(3, x, 2)", {"x": 9}, "9.0"),
    ("AVERAGE(1, 2, 4)", {}, "2.3333333"),
    ("IF(x > 1, 10, 20)", {"x": 2}, "10.0"),
    ("IF(x > 1, 1/0, 20)", {"x": 0}, "20.0"),
    ("NOT(x)", {"x": 0}, "1.0"),
    ("FACT(5)", {}, "120.0"),
    ("LOG10(1000)", {}, "3.0"),
    ("SIN(90)", {}, "1.0"),
    ("PI", {}, "3.1415927"),
    ("x * 2", {"x": "7"}, "14.0"),
    ("x * 2", {"x": " 2.5e1 "}, "50.0"),
    ("x", {"x": 0.1}, "0.1"),
    ("x + y", {"x": 1, "y": 2.25}, "3.25"),
    ("X + 1", {"X": 1}, "2.0"),
    ("x * 3", {"x": 16777217}, "5.033165E7"),
    ("1e30 * 1e8", {}, "1.0E38"),
    ("0.000001", {}, "1.0E-6"),
]


@pytest.mark.parametrize(("text", "data", "expected"), RESULTS)
def test_result(text: str, data: dict[str, Any], expected: str) -> None:
    value = Expression(text).evaluate(data)
    assert java_float(result_float32(value)) == expected


TRUTHS: list[tuple[str, dict[str, Any], bool]] = [
    ("x > 3", {"x": 5}, True),
    ("x > 3", {"x": "7"}, True),
    ("x > 3", {"x": 3}, False),
    ("x = 4.5", {"x": 4.5}, True),
    ("x == 0.1", {"x": 0.1}, False),  # the message value is a 32-bit float
    ("x > 1 && y < 1", {"x": 2, "y": 0}, True),
    ("x > 1 && y < 1", {"x": 0}, False),  # short-circuit: y is never read
    ("TRUE = 1", {}, False),  # a boolean never equals a number
    ("TRUE > 0", {}, True),
]


@pytest.mark.parametrize(("text", "data", "expected"), TRUTHS)
def test_truth(text: str, data: dict[str, Any], expected: bool) -> None:
    assert Expression(text).evaluate(data) is expected


FAILURES: list[tuple[str, dict[str, Any]]] = [
    ("1/0", {}),
    ("5 % 0", {}),
    ("0^-1", {}),
    ("SQRT(-1)", {}),
    ("LOG(0)", {}),
    ("ASIN(2)", {}),
    ("x + 1", {}),
    ("x + 1", {"x": None}),
    ("x + 1", {"x": True}),
    ("x + 1", {"x": "abc"}),
    ("x + 1", {"x": "NaN"}),
    ("x + 1", {"x": [1, 2]}),
    ("x + 1", {"x": {"a": 1}}),
    ("x + 1", {"x": 10**40}),
    ("x + 1", {"x": "1e39"}),
    ("IF(1 > 0, 1, 2) + y", {"y": "no"}),
    ("TRUE + 1", {}),
    ("NULL * 2", {}),
    ("FACT(1001)", {}),
    ("mean(x, 0)", {"x": 1}),
    ("10^1000000000000", {}),
]


@pytest.mark.parametrize(("text", "data"), FAILURES)
def test_evaluation_error(text: str, data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError):
        Expression(text).evaluate(data)


def test_missing_as_zero() -> None:
    assert Expression("w + 1").evaluate({}, missing_as_zero=True) == 1
    with pytest.raises(ExpressionError):
        Expression("w + 1").evaluate({"w": "abc"}, missing_as_zero=True)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1 +",
        "(1",
        "1)",
        "1 2",
        "x y",
        "foo(1)",
        "ABS()",
        "ABS(1, 2)",
        "IF(1, 2)",
        "ROUND(1)",
        "sum(x)",
        "1 ? 2 : 3",
        '"text"',
        "a.b",
        "[1]",
        "1..2",
        "1e",
        "0x",
        "1,2",
        "&& 1",
        "(" * 60 + "1" + ")" * 60,
        "-" * 60 + "1",
        "1+" * 600 + "1",
    ],
)
def test_parse_error(text: str) -> None:
    with pytest.raises(ExpressionError):
        Expression(text)


def test_variables_in_order_of_first_use() -> None:
    expression = Expression("b + a * B + IF(c, a, d)")
    assert expression.variables == ("b", "a", "c", "d")


def test_long_flat_sum_is_no_recursion_problem() -> None:
    text = "+".join(["x"] * 400)
    assert Expression(text).evaluate({"x": 1}) == 400
