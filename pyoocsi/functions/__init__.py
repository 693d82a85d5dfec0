"""Function channels: filter and transform a channel's messages per subscriber.

``subscribe chan[filter(x > 3);transform(y, x * 2)]`` delivers only messages
whose ``x`` is above 3, each with ``y`` added. Expressions use the EvalEx 3.4
language of the reference server, parsed and evaluated here (never with
Python's ``eval``); see ``docs/function-channels.md``.
"""

from pyoocsi.functions.errors import ExpressionError, SpecError
from pyoocsi.functions.expression import Expression
from pyoocsi.functions.subscription import (
    MAX_FUNCTIONS,
    FunctionSpec,
    FunctionView,
    Transform,
)

__all__ = [
    "MAX_FUNCTIONS",
    "Expression",
    "ExpressionError",
    "FunctionSpec",
    "FunctionView",
    "SpecError",
    "Transform",
]
