"""The one error the function channel engine raises, and its spec-shaped variant."""

from __future__ import annotations

__all__ = ["ExpressionError", "SpecError"]


class ExpressionError(ValueError):
    """An expression that does not parse, or that cannot be evaluated for a message.

    Parse errors are raised when an expression is compiled; evaluation errors
    (division by zero, a missing or non-numeric variable, a value out of a
    function's domain) when it is evaluated.
    """


class SpecError(ExpressionError):
    """A subscription with a ``[`` that is not a valid function spec.

    It is an :class:`ExpressionError`, so one ``except ExpressionError`` catches
    both a spec of the wrong shape and an expression in it that does not parse.
    """
