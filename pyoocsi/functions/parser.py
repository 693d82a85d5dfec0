"""Parse EvalEx 3 expressions into a tree (precedence climbing).

Rules (EvalEx 3's default precedences, lowest first):

    ||  2      &&  4      = == != <>  7      < <= > >=  10
    + -  20    * / %  30      ^  40 (right-associative)
    prefix + - !  60: bind tighter than ^, so -2^2 is (-2)^2 = 4

- Every binary operator but ``^`` is left-associative.
- Names are case-insensitive. ``TRUE FALSE PI E NULL`` are constants and win
  over message keys of the same name. Any other name is a message variable;
  all spellings of one name read the key spelled as the first one in the text.
- Function arity is checked here; an unknown function is a parse error.
- Nesting is bounded by :data:`MAX_DEPTH`, which also bounds the tree's height,
  so neither parsing nor evaluation can exhaust Python's stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pyoocsi.functions.errors import ExpressionError
from pyoocsi.functions.library import BUILTINS
from pyoocsi.functions.nodes import (
    Call,
    Chain,
    Conditional,
    Literal,
    Logical,
    Node,
    Prefix,
    Variable,
    WindowCall,
)
from pyoocsi.functions.numbers import CONTEXT, Value, java_fold
from pyoocsi.functions.operators import BINARY, PREFIX
from pyoocsi.functions.tokens import Kind, Token, tokenize
from pyoocsi.functions.window import WINDOW_STATISTICS

__all__ = ["MAX_DEPTH", "ParsedExpression", "parse"]

MAX_DEPTH = 50

_PRECEDENCE = {
    "||": 2,
    "&&": 4,
    **dict.fromkeys(("=", "==", "!=", "<>"), 7),
    **dict.fromkeys(("<", "<=", ">", ">="), 10),
    **dict.fromkeys("+-", 20),
    **dict.fromkeys("*/%", 30),
    "^": 40,
}
_POWER = 40

_PI = (
    "3.14159265358979323846264338327950288419716939937510"
    "58209749445923078164062862089986280348253421170679"
)
_CONSTANTS: dict[str, Value] = {
    "true": True,
    "false": False,
    "pi": CONTEXT.create_decimal(_PI),
    "e": CONTEXT.exp(Decimal(1)),
    "null": None,
}


@dataclass
class ParsedExpression:
    """A parsed expression: its tree, its variables and its window count."""

    root: Node
    # Folded name -> the spelling used to look the key up in a message.
    variables: dict[str, str] = field(default_factory=dict)
    window_sites: int = 0


def parse(text: str) -> ParsedExpression:
    """Parse an expression, or raise :class:`ExpressionError` saying why."""
    parser = _Parser(tokenize(text))
    root = parser.expression(0)
    parser.expect(Kind.END, "end of expression")
    return ParsedExpression(root, parser.variables, parser.window_sites)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0
        self.variables: dict[str, str] = {}
        self.window_sites = 0

    # -- token access -------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, kind: Kind, what: str) -> Token:
        token = self.peek()
        if token.kind is not kind:
            raise _unexpected(token, what)
        return self.advance()

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH}")

    # -- grammar ------------------------------------------------------------

    def expression(self, min_precedence: int) -> Node:
        self.deeper()
        left = self.unary()
        while (precedence := self.binary_precedence()) >= min_precedence:
            if precedence == _POWER:
                self.advance()
                left = Chain(left, ((BINARY["^"], self.expression(_POWER)),))
            else:
                left = self.chain(left, precedence)
        self.depth -= 1
        return left

    def binary_precedence(self) -> int:
        token = self.peek()
        if token.kind is not Kind.OPERATOR:
            return -1
        return _PRECEDENCE.get(token.text, -1)

    def chain(self, first: Node, precedence: int) -> Node:
        operators: list[str] = []
        operands: list[Node] = []
        while self.binary_precedence() == precedence:
            operators.append(self.advance().text)
            operands.append(self.expression(precedence + 1))
        if operators[0] in ("&&", "||"):
            return Logical(operators[0] == "&&", (first, *operands))
        steps = tuple(
            (BINARY[op], node) for op, node in zip(operators, operands, strict=True)
        )
        return Chain(first, steps)

    def unary(self) -> Node:
        token = self.peek()
        if token.kind is Kind.OPERATOR and token.text in PREFIX:
            self.advance()
            self.deeper()
            operand = self.unary()
            self.depth -= 1
            return Prefix(PREFIX[token.text], operand)
        return self.primary()

    def primary(self) -> Node:
        token = self.advance()
        if token.kind is Kind.NUMBER:
            return Literal(_number(token.text))
        if token.kind is Kind.NAME:
            return self.name(token.text)
        if token.kind is Kind.FUNCTION:
            return self.call(token)
        if token.kind is Kind.OPEN:
            inner = self.expression(0)
            self.expect(Kind.CLOSE, "')'")
            return inner
        raise _unexpected(token, "a number, a name or '('")

    def name(self, text: str) -> Node:
        key = java_fold(text)
        if key in _CONSTANTS:
            return Literal(_CONSTANTS[key])
        self.variables.setdefault(key, text)
        return Variable(key, text)

    def call(self, token: Token) -> Node:
        self.expect(Kind.OPEN, "'('")
        arguments = self.arguments()
        key = java_fold(token.text)
        if key in WINDOW_STATISTICS:
            _check_arity(token, arguments, 2, 2)
            self.window_sites += 1
            value, length = arguments
            statistic = WINDOW_STATISTICS[key]
            site = self.window_sites - 1
            return WindowCall(token.text, statistic, site, value, length)
        if key == "if":
            _check_arity(token, arguments, 3, 3)
            return Conditional(*arguments)
        builtin = BUILTINS.get(key)
        if builtin is None:
            raise ExpressionError(f"unknown function {token.text!r}")
        _check_arity(token, arguments, builtin.min_arguments, builtin.max_arguments)
        return Call(token.text, builtin.compute, tuple(arguments))

    def arguments(self) -> list[Node]:
        arguments: list[Node] = []
        if self.peek().kind is Kind.CLOSE:
            self.advance()
            return arguments
        while True:
            arguments.append(self.expression(0))
            if self.advance_if(Kind.CLOSE):
                return arguments
            self.expect(Kind.COMMA, "',' or ')'")

    def advance_if(self, kind: Kind) -> bool:
        if self.peek().kind is kind:
            self.advance()
            return True
        return False


def _number(text: str) -> Decimal:
    try:
        if text[:2] in ("0x", "0X"):
            return CONTEXT.create_decimal(int(text[2:], 16))
        return CONTEXT.create_decimal(text)
    except ArithmeticError:
        raise ExpressionError(f"number {text!r} is out of range") from None


def _check_arity(
    token: Token, arguments: list[Node], least: int, most: int | None
) -> None:
    count = len(arguments)
    if count < least or (most is not None and count > most):
        expected = _describe_arity(least, most)
        raise ExpressionError(
            f"{token.text}() takes {expected}, not {count} (column {token.column + 1})"
        )


def _describe_arity(least: int, most: int | None) -> str:
    if most is None:
        return f"at least {least} argument{'s' if least != 1 else ''}"
    if least == most:
        return f"{least} argument{'s' if least != 1 else ''}"
    return f"{least} to {most} arguments"


def _unexpected(token: Token, wanted: str) -> ExpressionError:
    found = "the end" if token.kind is Kind.END else repr(token.text)
    return ExpressionError(
        f"expected {wanted} at column {token.column + 1}, got {found}"
    )
