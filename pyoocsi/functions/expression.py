"""A compiled expression, evaluated against one message at a time.

Rules:
- Every variable the expression names is read from the message before
  evaluation starts, as the reference does: a value that is not a number fails
  the whole expression, even in a branch that would not be evaluated.
- A key that is missing (or null) is either left unset, so that reading it is
  an error (filters), or read as 0 (transforms).
- Whatever goes wrong raises :class:`ExpressionError`, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyoocsi.functions.errors import ExpressionError
from pyoocsi.functions.nodes import Scope
from pyoocsi.functions.numbers import ZERO, Value, message_number
from pyoocsi.functions.parser import parse
from pyoocsi.functions.window import Window

__all__ = ["Expression"]


class Expression:
    """An EvalEx 3 expression, parsed once and evaluated many times.

    Args:
        text: The expression, such as ``x > 3 && ABS(y) < 10``.

    Raises:
        ExpressionError: The expression does not parse or exceeds a limit.
    """

    __slots__ = ("_parsed", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._parsed = parse(text)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    @property
    def variables(self) -> tuple[str, ...]:
        """The message keys the expression reads, in order of first use."""
        return tuple(self._parsed.variables.values())

    @property
    def window_count(self) -> int:
        """How many window function calls the expression holds."""
        return self._parsed.window_sites

    def new_windows(self) -> list[Window]:
        """Fresh window state for one subscriber of this expression."""
        return [Window() for _ in range(self._parsed.window_sites)]

    def evaluate(
        self,
        data: Mapping[str, Any],
        *,
        missing_as_zero: bool = False,
        windows: Sequence[Window] | None = None,
    ) -> Value:
        """Evaluate against a message's data.

        Args:
            data: The message data; the expression's variables are its keys.
            missing_as_zero: Read missing keys as 0 instead of failing.
            windows: Window state from :meth:`new_windows`, kept between calls;
                without it, every window function sees only this message.

        Returns:
            A :class:`~decimal.Decimal`, a ``bool``, or ``None`` for ``NULL``.

        Raises:
            ExpressionError: A variable is missing or not a number, or the
                evaluation fails (division by zero, a domain error, …).
        """
        variables = self._bind(data, missing_as_zero)
        if windows is None:
            windows = self.new_windows()
        try:
            return self._parsed.root.evaluate(Scope(variables, windows))
        except ExpressionError:
            raise
        except (ArithmeticError, ValueError) as exc:
            raise ExpressionError(f"cannot evaluate {self.text!r}: {exc}") from None

    def _bind(self, data: Mapping[str, Any], missing_as_zero: bool) -> dict[str, Value]:
        variables: dict[str, Value] = {}
        for key, name in self._parsed.variables.items():
            raw = data.get(name)
            if raw is not None:
                variables[key] = message_number(raw)
            elif missing_as_zero:
                variables[key] = ZERO
        return variables
