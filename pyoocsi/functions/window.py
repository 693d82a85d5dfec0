"""Window functions ``sum mean stdev emin emax(value, windowLength)``.

Rules, as the reference server computes them:
- Each call site keeps one window per subscription. The first call fixes the
  window length (the integer part of ``windowLength``, at most
  :data:`WINDOW_CAP`); later calls ignore their ``windowLength``.
- A call first drops the oldest value if the window is full, then adds its
  value, then returns the statistic over the values held.
- ``mean`` and ``stdev`` divide by the window length, not by the number of
  values held, even while the window is still filling: the first value 1 in a
  window of 3 has mean 1/3. Both are computed in doubles, value by value, in
  the reference's order; ``sum``, ``emin`` and ``emax`` stay exact decimals.
- A window length below 1 is an error (the reference server hangs on it).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from decimal import Decimal

from pyoocsi.functions.errors import ExpressionError
from pyoocsi.functions.numbers import CONTEXT, ZERO, Value, exact_double, number

__all__ = ["WINDOW_CAP", "WINDOW_STATISTICS", "Statistic", "Window"]

WINDOW_CAP = 50


class Window:
    """The values one window function call site has seen, newest last."""

    __slots__ = ("length", "values")

    def __init__(self) -> None:
        self.length: int | None = None
        self.values: deque[Decimal] = deque()

    def push(self, value: Decimal, length: Value) -> None:
        """Add a value; the first push fixes the window length from ``length``."""
        if self.length is None:
            self.length = _window_length(number(length))
            self.values = deque(maxlen=self.length)
        self.values.append(value)


def _window_length(requested: Decimal) -> int:
    if requested >= WINDOW_CAP:
        return WINDOW_CAP
    length = int(requested)
    if length < 1:
        raise ExpressionError(f"window length {requested} is below 1")
    return length


Statistic = Callable[[Window], Decimal]


def _sum(window: Window) -> Decimal:
    total = ZERO
    for value in window.values:
        total = CONTEXT.add(total, value)
    return total


def _double_mean(window: Window) -> float:
    assert window.length is not None
    mean = 0.0
    for value in window.values:
        mean += float(value) / window.length
    return mean


def _mean(window: Window) -> Decimal:
    return exact_double(_double_mean(window))


def _stdev(window: Window) -> Decimal:
    assert window.length is not None
    mean = _double_mean(window)
    squares = 0.0
    for value in window.values:
        deviation = float(value) - mean
        squares += deviation * deviation
    return exact_double(math.sqrt(squares / window.length))


def _minimum(window: Window) -> Decimal:
    return min(window.values)


def _maximum(window: Window) -> Decimal:
    return max(window.values)


# Keyed by folded name: window function names are case-insensitive.
WINDOW_STATISTICS: dict[str, Statistic] = {
    "sum": _sum,
    "mean": _mean,
    "stdev": _stdev,
    "emin": _minimum,
    "emax": _maximum,
}
