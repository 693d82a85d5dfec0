"""Split an expression into tokens, the way EvalEx 3's tokenizer reads it.

Rules:
- Blanks between tokens are skipped.
- A number starts with a digit, or a ``.`` before a digit; it runs on over
  digits, ``.`` and ``e``/``E`` (and a sign right after the ``e``), then must be
  a well-formed decimal (``1``, ``1.``, ``.5``, ``2.5e-3``). ``0x1F`` is hex.
- A name starts with a letter or ``_`` and runs on over letters, digits and
  ``_``. A name followed by ``(`` (blanks allowed between) is a function.
- Operators are read longest first: ``&& || == != <> <= >=`` before the single
  characters ``+ - * / % ^ = < > !``.
- Implicit multiplication, as EvalEx allows it: ``2x``, ``2(x+1)`` and
  ``(a)(b)`` get a ``*`` between the two tokens.
- Strings, arrays and structures (``"…"``, ``[…]``, ``a.b``) are not supported:
  message variables are always numbers.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from pyoocsi.functions.errors import ExpressionError

__all__ = ["MAX_EXPRESSION_LENGTH", "Kind", "Token", "tokenize"]

MAX_EXPRESSION_LENGTH = 1000


class Kind(enum.Enum):
    """What a token is."""

    NUMBER = "number"
    NAME = "name"
    FUNCTION = "function"
    OPERATOR = "operator"
    OPEN = "("
    CLOSE = ")"
    COMMA = ","
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token and the column where it starts."""

    kind: Kind
    text: str
    column: int


_OPERATORS = ("&&", "||", "==", "!=", "<>", "<=", ">=", *"+-*/%^=<>!")
_DECIMAL = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_PUNCTUATION = {"(": Kind.OPEN, ")": Kind.CLOSE, ",": Kind.COMMA}
_UNSUPPORTED = {
    '"': "text strings are not supported",
    "[": "arrays are not supported",
    "]": "arrays are not supported",
    ".": "structures are not supported",
}


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, ending with a :attr:`Kind.END` token."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression longer than {MAX_EXPRESSION_LENGTH} characters"
        )
    tokens: list[Token] = []
    column = _skip_blanks(text, 0)
    while column < len(text):
        token, column = _read_token(text, column)
        if tokens and _implicit_multiplication(tokens[-1], token):
            tokens.append(Token(Kind.OPERATOR, "*", token.column))
        tokens.append(token)
        column = _skip_blanks(text, column)
    tokens.append(Token(Kind.END, "", len(text)))
    return tokens


def _skip_blanks(text: str, column: int) -> int:
    while column < len(text) and text[column].isspace():
        column += 1
    return column


def _implicit_multiplication(previous: Token, current: Token) -> bool:
    if previous.kind is Kind.NUMBER:
        return current.kind in (Kind.NAME, Kind.OPEN)
    return previous.kind is Kind.CLOSE and current.kind is Kind.OPEN


def _read_token(text: str, column: int) -> tuple[Token, int]:
    char = text[column]
    if char in _PUNCTUATION:
        return Token(_PUNCTUATION[char], char, column), column + 1
    if _is_number_start(text, column):
        return _read_number(text, column)
    if char.isalpha() or char == "_":
        return _read_name(text, column)
    if char in _UNSUPPORTED:
        raise ExpressionError(f"{_UNSUPPORTED[char]} (column {column + 1})")
    for operator in _OPERATORS:
        if text.startswith(operator, column):
            return Token(Kind.OPERATOR, operator, column), column + len(operator)
    raise ExpressionError(f"unexpected character {char!r} at column {column + 1}")


def _is_number_start(text: str, column: int) -> bool:
    if _is_digit(text[column]):
        return True
    following = text[column + 1 : column + 2]
    return text[column] == "." and _is_digit(following)


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _read_number(text: str, column: int) -> tuple[Token, int]:
    if text.startswith(("0x", "0X"), column):
        end = column + 2
        while end < len(text) and text[end] in _HEX_DIGITS:
            end += 1
        literal, pattern = text[column:end], _HEX
    else:
        end = column + 1
        while end < len(text) and _is_number_char(text[end], text[end - 1]):
            end += 1
        literal, pattern = text[column:end], _DECIMAL
    if not pattern.fullmatch(literal):
        raise ExpressionError(f"malformed number {literal!r} at column {column + 1}")
    return Token(Kind.NUMBER, literal, column), end


def _is_number_char(char: str, previous: str) -> bool:
    if previous in "eE":
        return _is_digit(char) or char in "+-"
    return _is_digit(char) or char in ".eE"


def _is_name_char(char: str) -> bool:
    return char.isalpha() or char.isdecimal() or char == "_"


def _read_name(text: str, column: int) -> tuple[Token, int]:
    end = column
    while end < len(text) and _is_name_char(text[end]):
        end += 1
    name = text[column:end]
    after = _skip_blanks(text, end)
    kind = Kind.FUNCTION if text[after : after + 1] == "(" else Kind.NAME
    return Token(kind, name, column), end
