"""Function subscriptions: ``chan[filter(EXPR);transform(KEY,EXPR);…]``.

Rules:
- The text before the first ``[`` names the channel (``name`` or
  ``name:password``, trimmed); the functions run from there to the last ``]``,
  after which only blanks may follow. They are separated by ``;``; empty ones
  are skipped, at most :data:`MAX_FUNCTIONS` are allowed.
- ``filter(EXPR)``: EXPR is everything inside the outer parentheses.
  ``transform(KEY,EXPR)``: KEY is the text before the first comma, kept verbatim
  (blanks too), EXPR the rest. Any other function, or an expression that does
  not parse, makes the whole spec invalid: :meth:`FunctionSpec.parse` raises.
- Per message, the filters run first, in order; the first one that is false or
  fails (missing key, non-numeric value, division by zero, …) drops the message
  and the filters after it do not run. Then the transforms run, in order, on the
  original data (a transform never sees another's result); a missing key reads
  as 0, and a transform that fails leaves its key out of the copy.
- The copy is addressed to the exact subscription text; each transform result is
  a :class:`~pyoocsi.core.encoding.Float32` under its KEY, replacing any value.
- Window state belongs to one view (one subscriber), one window per call site.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from pyoocsi.core.encoding import Float32
from pyoocsi.core.message import Message
from pyoocsi.functions.errors import ExpressionError, SpecError
from pyoocsi.functions.expression import Expression
from pyoocsi.functions.numbers import result_float32, truth
from pyoocsi.functions.window import Window

__all__ = ["MAX_FUNCTIONS", "FunctionSpec", "FunctionView", "Transform"]

logger = logging.getLogger(__name__)

# Each function is evaluated for every message on the channel, so a single
# subscription may not ask for an unbounded amount of work.
MAX_FUNCTIONS = 16

_FILTER = "filter("
_TRANSFORM = "transform("


@dataclass(frozen=True, slots=True)
class Transform:
    """``transform(KEY,EXPR)``: store EXPR's result under KEY."""

    key: str
    expression: Expression


class FunctionSpec:
    """A parsed function subscription; one spec may serve many subscribers.

    Attributes:
        channel: The channel name, before any ``:password``, trimmed.
        password: The text after the first ``:`` before ``[``, or ``None``.
        text: The subscription text as given to :meth:`parse`; delivered copies
            carry it as their recipient.
        filters: The ``filter`` expressions, in order.
        transforms: The ``transform`` functions, in order.
    """

    __slots__ = ("channel", "filters", "password", "text", "transforms")

    def __init__(
        self,
        text: str,
        channel: str,
        password: str | None,
        filters: tuple[Expression, ...],
        transforms: tuple[Transform, ...],
    ) -> None:
        self.text = text
        self.channel = channel
        self.password = password
        self.filters = filters
        self.transforms = transforms

    def __repr__(self) -> str:
        return f"FunctionSpec({self.text!r})"

    @classmethod
    def parse(cls, text: str) -> FunctionSpec | None:
        """Parse a subscription text.

        Returns:
            ``None`` when the text has no ``[`` (not a function subscription),
            otherwise the spec.

        Raises:
            SpecError: The text has a ``[`` but is not a valid function spec
                (unclosed bracket, no channel name, unknown function, an
                expression that does not parse, too many functions). The
                subscription should then be ignored.
        """
        opening = text.find("[")
        if opening < 0:
            return None
        closing = text.rfind("]")
        if closing < opening:
            raise SpecError("the '[' of the function spec is not closed")
        if text[closing + 1 :].strip():
            raise SpecError("text after the closing ']' of the function spec")
        name, colon, password = text[:opening].strip().partition(":")
        channel = name.strip()
        if not channel:
            raise SpecError("a function spec needs a channel name before '['")
        filters: list[Expression] = []
        transforms: list[Transform] = []
        for part in _split(text[opening + 1 : closing]):
            if part.startswith(_FILTER) and part.endswith(")"):
                filters.append(_compile(part[len(_FILTER) : -1], part))
            elif part.startswith(_TRANSFORM) and part.endswith(")"):
                transforms.append(_transform(part))
            else:
                raise SpecError(f"not filter(…) or transform(…): {_brief(part)}")
        return cls(
            text,
            channel,
            password if colon else None,
            tuple(filters),
            tuple(transforms),
        )

    def new_view(self) -> FunctionView:
        """A fresh view, with its own windows, for one subscriber."""
        return FunctionView(self)


class FunctionView:
    """One subscriber's view of a channel through a :class:`FunctionSpec`.

    Calling it with a message returns ``None`` when a filter drops the message,
    otherwise a copy addressed to the subscription text with transformed data.
    """

    __slots__ = ("_filters", "_transforms", "spec")

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self._filters = [(e, e.new_windows()) for e in spec.filters]
        self._transforms = [
            (t.key, t.expression, t.expression.new_windows()) for t in spec.transforms
        ]

    def __call__(self, message: Message) -> Message | None:
        data = message.data
        for expression, windows in self._filters:
            if not _passes(expression, data, windows):
                return None
        if not self._transforms:
            return message.readdressed(self.spec.text)
        copy = dict(data)
        for key, expression, windows in self._transforms:
            result = _transformed(expression, data, windows)
            if result is not None:
                copy[key] = result
        return message.readdressed(self.spec.text, copy)


def _split(functions: str) -> list[str]:
    parts = [part.strip() for part in functions.split(";")]
    parts = [part for part in parts if part]
    if len(parts) > MAX_FUNCTIONS:
        raise SpecError(f"more than {MAX_FUNCTIONS} functions in one spec")
    return parts


def _compile(expression: str, part: str) -> Expression:
    try:
        return Expression(expression)
    except ExpressionError as exc:
        raise SpecError(f"{_brief(part)}: {exc}") from None


def _transform(part: str) -> Transform:
    key, comma, expression = part[len(_TRANSFORM) : -1].partition(",")
    if not comma or not key:
        raise SpecError(f"transform needs a key and an expression: {_brief(part)}")
    return Transform(key, _compile(expression, part))


def _passes(
    expression: Expression, data: dict[str, Any], windows: list[Window]
) -> bool:
    try:
        return truth(expression.evaluate(data, windows=windows))
    except ExpressionError as exc:
        logger.debug("filter %r dropped a message: %s", expression.text, exc)
        return False


def _transformed(
    expression: Expression, data: dict[str, Any], windows: list[Window]
) -> Float32 | None:
    try:
        result = result_float32(
            expression.evaluate(data, missing_as_zero=True, windows=windows)
        )
    except ExpressionError as exc:
        logger.debug("transform %r left out: %s", expression.text, exc)
        return None
    if not math.isfinite(result):
        logger.debug("transform %r left out: beyond a 32-bit float", expression.text)
        return None
    return result


def _brief(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
