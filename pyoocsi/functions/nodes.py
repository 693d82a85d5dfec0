"""The expression tree and its evaluation.

Rules:
- Evaluation runs left to right and depth first, as EvalEx evaluates its tree:
  both operands of an operator, every argument of a function, then the
  operator or function itself.
- Three constructs are lazy: ``&&`` and ``||`` stop at the first operand that
  decides the result, and ``IF`` evaluates only the branch it returns. A window
  function that is not evaluated does not see the message.
- A chain of left-associative operators of one precedence (``a+b-c``) is one
  node holding all its operands, so a long sum costs no recursion depth.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pyoocsi.functions.errors import ExpressionError
from pyoocsi.functions.numbers import Value, number, truth
from pyoocsi.functions.operators import BinaryOperator, PrefixOperator
from pyoocsi.functions.window import Statistic, Window

__all__ = [
    "Call",
    "Chain",
    "Conditional",
    "Literal",
    "Logical",
    "Node",
    "Prefix",
    "Scope",
    "Variable",
    "WindowCall",
]


@dataclass(frozen=True, slots=True)
class Scope:
    """What an evaluation reads: variable values by folded name, and windows."""

    variables: Mapping[str, Value]
    windows: Sequence[Window]


class Node(ABC):
    """A node of the expression tree."""

    __slots__ = ()

    @abstractmethod
    def evaluate(self, scope: Scope) -> Value:
        """Compute this node's value."""


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A number or a constant (``TRUE``, ``PI``, ``NULL``)."""

    value: Value

    def evaluate(self, scope: Scope) -> Value:
        return self.value


@dataclass(frozen=True, slots=True)
class Variable(Node):
    """A message key, looked up by its folded name."""

    key: str
    name: str

    def evaluate(self, scope: Scope) -> Value:
        try:
            return scope.variables[self.key]
        except KeyError:
            raise ExpressionError(f"variable {self.name!r} is not set") from None


@dataclass(frozen=True, slots=True)
class Prefix(Node):
    """A unary ``+``, ``-`` or ``!``."""

    operator: PrefixOperator
    operand: Node

    def evaluate(self, scope: Scope) -> Value:
        return self.operator(self.operand.evaluate(scope))


@dataclass(frozen=True, slots=True)
class Chain(Node):
    """``first op1 operand1 op2 operand2 …``, evaluated from the left."""

    first: Node
    steps: tuple[tuple[BinaryOperator, Node], ...]

    def evaluate(self, scope: Scope) -> Value:
        value = self.first.evaluate(scope)
        for operator, operand in self.steps:
            value = operator(value, operand.evaluate(scope))
        return value


@dataclass(frozen=True, slots=True)
class Logical(Node):
    """A chain of ``&&`` (``conjunction``) or of ``||``, short-circuited."""

    conjunction: bool
    operands: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Value:
        for operand in self.operands:
            if truth(operand.evaluate(scope)) is not self.conjunction:
                return not self.conjunction
        return self.conjunction


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A built-in function applied to its evaluated arguments."""

    name: str
    compute: Callable[[Sequence[Value]], Value]
    arguments: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Value:
        values = [argument.evaluate(scope) for argument in self.arguments]
        return self.compute(values)


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    """``IF(condition, when_true, when_false)``: only one branch is evaluated."""

    condition: Node
    when_true: Node
    when_false: Node

    def evaluate(self, scope: Scope) -> Value:
        if truth(self.condition.evaluate(scope)):
            return self.when_true.evaluate(scope)
        return self.when_false.evaluate(scope)


@dataclass(frozen=True, slots=True)
class WindowCall(Node):
    """A window function call; ``site`` numbers its window in the expression."""

    name: str
    statistic: Statistic
    site: int
    value: Node
    length: Node

    def evaluate(self, scope: Scope) -> Value:
        value = self.value.evaluate(scope)
        length = self.length.evaluate(scope)
        window = scope.windows[self.site]
        window.push(number(value), length)
        return self.statistic(window)
