"""The operators of EvalEx 3, as functions of values.

Rules:
- Arithmetic (``+ - * / % ^`` and unary ``+ -``) needs numbers: a boolean or
  NULL operand is an error. (EvalEx would concatenate text for ``+``, which can
  never become a usable number here.)
- ``= == != <>`` compare type and value: a boolean never equals a number.
- ``< <= > >=`` order by the left operand's type (see :func:`compare`).
- ``!``, ``&&`` and ``||`` read any number as a boolean (non-zero is true);
  ``&&`` and ``||`` short-circuit, which the expression tree does itself.
- Power follows EvalEx: the integer part of the exponent is an exact decimal
  power, the fractional part a double ``Math.pow``; a negative exponent takes
  the reciprocal rounded half-up to 68 decimal places.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from pyoocsi.functions.errors import ExpressionError
from pyoocsi.functions.numbers import (
    CONTEXT,
    ONE,
    PRECISION,
    ZERO,
    Value,
    compare,
    from_double,
    kind,
    truth,
)

__all__ = ["BINARY", "PREFIX", "BinaryOperator", "PrefixOperator"]

BinaryOperator = Callable[[Value, Value], Value]
PrefixOperator = Callable[[Value], Value]

# BigDecimal.pow accepts integer exponents up to this magnitude.
_MAX_INTEGER_EXPONENT = 999_999_999
_RECIPROCAL_PLACES = Decimal(1).scaleb(-PRECISION)
_RECIPROCAL_HALF = Decimal(5).scaleb(-PRECISION - 1)


def _operand(value: Value, operator: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise ExpressionError(f"'{operator}' needs numbers, not a {kind(value)}")
    return value


def _add(left: Value, right: Value) -> Value:
    return CONTEXT.add(_operand(left, "+"), _operand(right, "+"))


def _subtract(left: Value, right: Value) -> Value:
    return CONTEXT.subtract(_operand(left, "-"), _operand(right, "-"))


def _multiply(left: Value, right: Value) -> Value:
    return CONTEXT.multiply(_operand(left, "*"), _operand(right, "*"))


def _divide(left: Value, right: Value) -> Value:
    divisor = _operand(right, "/")
    if divisor.is_zero():
        raise ExpressionError("division by zero")
    return CONTEXT.divide(_operand(left, "/"), divisor)


def _remainder(left: Value, right: Value) -> Value:
    divisor = _operand(right, "%")
    if divisor.is_zero():
        raise ExpressionError("division by zero")
    return CONTEXT.remainder(_operand(left, "%"), divisor)


def _power(left: Value, right: Value) -> Value:
    base = _operand(left, "^")
    exponent = _operand(right, "^")
    negative = exponent.is_signed() and not exponent.is_zero()
    exponent = exponent.copy_abs()
    fraction = CONTEXT.remainder(exponent, ONE)
    whole = CONTEXT.subtract(exponent, fraction)
    if whole > _MAX_INTEGER_EXPONENT:
        raise ExpressionError("exponent too large")
    whole_power = CONTEXT.power(base, int(whole)) if whole else ONE
    fraction_power = from_double(math.pow(float(base), float(fraction)))
    result = CONTEXT.multiply(whole_power, fraction_power)
    return _reciprocal(result) if negative else result


def _reciprocal(value: Decimal) -> Decimal:
    if value.is_zero():
        raise ExpressionError("division by zero")
    quotient = CONTEXT.divide(ONE, value)
    if quotient.copy_abs() < _RECIPROCAL_HALF:
        return ZERO
    if quotient.adjusted() < 0:
        # Below 1, 68 decimal places hold fewer digits than the quotient has.
        return quotient.quantize(_RECIPROCAL_PLACES, ROUND_HALF_UP, CONTEXT)
    return quotient


def _equal(left: Value, right: Value) -> Value:
    if kind(left) != kind(right):
        return False
    return left is None or compare(left, right) == 0


def _not_equal(left: Value, right: Value) -> Value:
    return not _equal(left, right)


def _less(left: Value, right: Value) -> Value:
    return compare(left, right) < 0


def _less_equal(left: Value, right: Value) -> Value:
    return compare(left, right) <= 0


def _greater(left: Value, right: Value) -> Value:
    return compare(left, right) > 0


def _greater_equal(left: Value, right: Value) -> Value:
    return compare(left, right) >= 0


def _negate(value: Value) -> Value:
    return CONTEXT.minus(_operand(value, "-"))


def _identity(value: Value) -> Value:
    return CONTEXT.plus(_operand(value, "+"))


def _not(value: Value) -> Value:
    return not truth(value)


BINARY: dict[str, BinaryOperator] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "/": _divide,
    "%": _remainder,
    "^": _power,
    "=": _equal,
    "==": _equal,
    "!=": _not_equal,
    "<>": _not_equal,
    "<": _less,
    "<=": _less_equal,
    ">": _greater,
    ">=": _greater_equal,
}

PREFIX: dict[str, PrefixOperator] = {"-": _negate, "+": _identity, "!": _not}
