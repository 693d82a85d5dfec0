"""The built-in functions of EvalEx 3.4 that function channels offer.

Rules:
- Names are case-insensitive; the table is keyed by folded (lower-case) name.
- Arguments are evaluated first, left to right, and read as numbers (booleans
  as 1 and 0). ``IF`` is the exception: the parser turns it into a conditional
  node that evaluates only the branch it returns.
- Functions computed in doubles (logarithms, trigonometry) return the double's
  ``Double.toString`` value; a NaN or infinite result is an error, as it is in
  EvalEx. Trigonometric functions take and return degrees; the ``…R`` variants
  use radians.
- ``SUM`` is not here: in a function channel ``sum`` is the window function.
  ``RANDOM`` is left out so that results are reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from pyoocsi.functions.errors import ExpressionError
from pyoocsi.functions.numbers import (
    CONTEXT,
    ONE,
    ZERO,
    Value,
    from_double,
    number,
    truth,
)

__all__ = ["BUILTINS", "MAX_FACTORIAL", "Builtin"]

# FACT(n) beyond this is refused: it costs n multiplications per call.
MAX_FACTORIAL = 1000
_MAX_SCALE = 2**31


@dataclass(frozen=True, slots=True)
class Builtin:
    """A function: how many arguments it takes and what it computes."""

    min_arguments: int
    max_arguments: int | None
    compute: Callable[[Sequence[Value]], Value]


def _numeric(function: Callable[[Decimal], Value]) -> Builtin:
    return Builtin(1, 1, lambda arguments: function(number(arguments[0])))


def _double(function: Callable[[float], float]) -> Builtin:
    def compute(arguments: Sequence[Value]) -> Value:
        return from_double(function(float(number(arguments[0]))))

    return Builtin(1, 1, compute)


def _double2(function: Callable[[float, float], float]) -> Builtin:
    def compute(arguments: Sequence[Value]) -> Value:
        first, second = (float(number(value)) for value in arguments)
        return from_double(function(first, second))

    return Builtin(2, 2, compute)


def _positive(function: Callable[[float], float]) -> Callable[[float], float]:
    def checked(value: float) -> float:
        if value <= 0:
            raise ExpressionError("the argument must be greater than zero")
        return function(value)

    return checked


def _ceiling(value: Decimal) -> Value:
    return value.to_integral_value(ROUND_CEILING, CONTEXT)


def _floor(value: Decimal) -> Value:
    return value.to_integral_value(ROUND_FLOOR, CONTEXT)


_factorials: list[Decimal] = [ONE]


def _factorial(value: Decimal) -> Value:
    if value > MAX_FACTORIAL:
        raise ExpressionError(f"FACT is limited to {MAX_FACTORIAL}")
    count = int(value) if value >= 1 else 0
    while len(_factorials) <= count:
        step = Decimal(len(_factorials))
        _factorials.append(CONTEXT.multiply(_factorials[-1], step))
    return _factorials[count]


def _round(arguments: Sequence[Value]) -> Value:
    value, scale_value = (number(argument) for argument in arguments)
    if scale_value.copy_abs() >= _MAX_SCALE:
        raise ExpressionError("ROUND scale out of range")
    scale = int(scale_value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= scale:
        return value
    if value.adjusted() < -scale - 1:
        # Less than half a unit of the last kept place rounds to zero.
        return ZERO
    return value.quantize(ONE.scaleb(-scale), ROUND_HALF_EVEN, CONTEXT)


def _sqrt(value: Decimal) -> Value:
    if value.is_signed() and not value.is_zero():
        raise ExpressionError("SQRT of a negative number")
    return CONTEXT.sqrt(value)


def _extreme(pick: Callable[[list[Decimal]], Decimal]) -> Builtin:
    return Builtin(1, None, lambda arguments: pick([number(a) for a in arguments]))


def _average(arguments: Sequence[Value]) -> Value:
    total = ZERO
    for argument in arguments:
        total = CONTEXT.add(total, number(argument))
    return CONTEXT.divide(total, Decimal(len(arguments)))


def _not(arguments: Sequence[Value]) -> Value:
    return not truth(arguments[0])


def _degrees(function: Callable[[float], float]) -> Callable[[float], float]:
    return lambda value: function(math.radians(value))


def _to_degrees(function: Callable[[float], float]) -> Callable[[float], float]:
    return lambda value: math.degrees(function(value))


def _atan2_degrees(y: float, x: float) -> float:
    return math.degrees(math.atan2(y, x))


BUILTINS: dict[str, Builtin] = {
    "abs": _numeric(CONTEXT.abs),
    "ceiling": _numeric(_ceiling),
    "floor": _numeric(_floor),
    "fact": _numeric(_factorial),
    "round": Builtin(2, 2, _round),
    "sqrt": _numeric(_sqrt),
    "max": _extreme(max),
    "min": _extreme(min),
    "average": Builtin(1, None, _average),
    "not": Builtin(1, 1, _not),
    "log": _double(_positive(math.log)),
    "log10": _double(_positive(math.log10)),
    "sin": _double(_degrees(math.sin)),
    "cos": _double(_degrees(math.cos)),
    "tan": _double(_degrees(math.tan)),
    "asin": _double(_to_degrees(math.asin)),
    "acos": _double(_to_degrees(math.acos)),
    "atan": _double(_to_degrees(math.atan)),
    "atan2": _double2(_atan2_degrees),
    "sinr": _double(math.sin),
    "cosr": _double(math.cos),
    "tanr": _double(math.tan),
    "asinr": _double(math.asin),
    "acosr": _double(math.acos),
    "atanr": _double(math.atan),
    "atan2r": _double2(math.atan2),
    "sinh": _double(math.sinh),
    "cosh": _double(math.cosh),
    "tanh": _double(math.tanh),
    "deg": _double(math.degrees),
    "rad": _double(math.radians),
}
