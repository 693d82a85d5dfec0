"""Values as EvalEx 3 sees them, and how numbers enter and leave a message.

Rules:
- A value is a :class:`~decimal.Decimal` (EvalEx's ``BigDecimal``), a ``bool``
  or ``None`` (EvalEx's ``NULL``). Booleans count as 1 and 0 wherever EvalEx
  converts them to numbers: function arguments and results.
- All arithmetic goes through :data:`CONTEXT` (68 significant digits, half-even,
  as EvalEx's default math context). Python's ``+``, ``-``, ``abs`` on decimals
  would round to the thread's context instead, so this package never uses them.
- A message value becomes a number the way the reference server reads it: its
  text is parsed as a 32-bit Java float, and that float's ``Double.toString``
  text becomes the decimal (``"0.1"`` reads as ``0.10000000149011612``).
- A result leaves as the nearest 32-bit float, correctly rounded from the exact
  decimal, like ``BigDecimal.floatValue``.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction
from typing import Any, TypeAlias

from pyoocsi.core.encoding import Float32
from pyoocsi.functions.errors import ExpressionError

__all__ = [
    "CONTEXT",
    "MAX_NUMBER_TEXT",
    "ONE",
    "PRECISION",
    "ZERO",
    "Value",
    "compare",
    "exact_double",
    "from_double",
    "java_fold",
    "kind",
    "message_number",
    "number",
    "result_float32",
    "to_float32",
    "truth",
]

Value: TypeAlias = Decimal | bool | None

PRECISION = 68
# BigDecimal's exponent is a 32-bit int; past that both sides fail with overflow.
CONTEXT = Context(
    prec=PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emin=-(2**31),
    Emax=2**31 - 1,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
ZERO = Decimal(0)
ONE = Decimal(1)

# Message text longer than this is refused rather than parsed as a number: an
# exact tie check on millions of digits would stall the hub.
MAX_NUMBER_TEXT = 400

# What Java's Float.parseFloat accepts, apart from NaN, Infinity and hex floats,
# which all end in an error on the reference server too (or are never sent).
_FLOAT_TEXT = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?"
)
# String.trim() removes every character up to and including the space.
_JAVA_BLANKS = "".join(map(chr, range(0x21)))
_FLOAT32_LIMIT = 2**128


def java_fold(name: str) -> str:
    """Fold a name the way Java's ``String.CASE_INSENSITIVE_ORDER`` compares it."""
    return "".join(_fold_char(char) for char in name)


def _fold_char(char: str) -> str:
    upper = char.upper()
    upper = upper if len(upper) == 1 else char
    lower = upper.lower()
    return lower if len(lower) == 1 else upper


def kind(value: Value) -> str:
    """The EvalEx data type of a value: ``number``, ``boolean`` or ``null``."""
    if value is None:
        return "null"
    return "boolean" if isinstance(value, bool) else "number"


def number(value: Value) -> Decimal:
    """A value as a number, as EvalEx's ``getNumberValue`` converts it."""
    if value is None:
        raise ExpressionError("NULL has no number value")
    if isinstance(value, bool):
        return ONE if value else ZERO
    return value


def truth(value: Value) -> bool:
    """A value as a boolean, as EvalEx's ``getBooleanValue``: non-zero is true."""
    if value is None:
        raise ExpressionError("NULL is neither true nor false")
    if isinstance(value, bool):
        return value
    return not value.is_zero()


def compare(left: Value, right: Value) -> int:
    """Order two values as EvalEx's ``compareTo``, led by the left value's type."""
    if left is None or right is None:
        raise ExpressionError("NULL cannot be compared")
    if isinstance(left, bool):
        other = truth(right)
        return (left > other) - (left < other)
    target = number(right)
    return (left > target) - (left < target)


def from_double(value: float) -> Decimal:
    """A double's ``Double.toString`` text as a decimal (``BigDecimal.valueOf``)."""
    if not math.isfinite(value):
        raise ExpressionError(f"{value} is not a number EvalEx can hold")
    return Decimal(repr(value))


def exact_double(value: float) -> Decimal:
    """A double's exact binary value as a decimal (``new BigDecimal(double)``)."""
    if not math.isfinite(value):
        raise ExpressionError(f"{value} is not a number EvalEx can hold")
    return Decimal(value)


def _single(value: float) -> float:
    """Round a double to the nearest 32-bit float (ties to even)."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def _step(single: float, up: bool) -> float:
    """The next 32-bit float above (or below) a non-negative 32-bit float."""
    bits = struct.unpack("<I", struct.pack("<f", single))[0]
    bits = bits + 1 if up else bits - 1
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def to_float32(value: Decimal) -> Float32:
    """The 32-bit float nearest to a decimal, correctly rounded; may be infinite."""
    if value.is_zero():
        return Float32(0.0)
    magnitude = value.copy_abs()
    approx = float(magnitude)
    single = _single(approx)
    if single != approx and math.isfinite(approx):
        # Rounding twice (decimal to double to float) goes wrong only when the
        # double lands exactly halfway between two floats: the decimal decides.
        low, high = (single, _step(single, True))
        if single > approx:
            low, high = (_step(single, False), single)
        high_edge = float(_FLOAT32_LIMIT) if math.isinf(high) else high
        if low + high_edge == 2 * approx:
            exact = Fraction(magnitude)
            if exact != Fraction(approx):
                single = high if exact > Fraction(approx) else low
    return Float32(-single if value.is_signed() else single)


def result_float32(value: Value) -> Float32:
    """A transform's result as the 32-bit float the reference stores."""
    return to_float32(number(value))


def message_number(raw: Any) -> Decimal:
    """Read a message value as a number, as the reference server does.

    The value's text must parse as a Java float (``7``, ``"7"``, ``" 2.5e3 "``,
    ``"1f"``); booleans, text such as ``"abc"``, lists, objects and values beyond
    the float range raise :class:`ExpressionError`.
    """
    text = _number_text(raw)
    try:
        exact = Decimal(text)
    except InvalidOperation:
        raise ExpressionError(f"{text!r} is out of range") from None
    single = to_float32(exact)
    if math.isinf(single):
        raise ExpressionError(f"{text!r} is too large for a 32-bit float")
    return Decimal(repr(float(single)))


def _number_text(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ExpressionError(f"{_brief(raw)} is not a number")
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ExpressionError(f"{raw} is not a finite number")
        return repr(raw)
    if isinstance(raw, int):
        if abs(raw) >= _FLOAT32_LIMIT:
            raise ExpressionError("integer too large for a 32-bit float")
        return str(raw)
    text = raw.strip(_JAVA_BLANKS)
    if len(text) > MAX_NUMBER_TEXT or not _FLOAT_TEXT.fullmatch(text):
        raise ExpressionError(f"{_brief(raw)} is not a number")
    return text.rstrip("fFdD")


def _brief(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."
