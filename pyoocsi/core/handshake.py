"""The first line of a TCP connection: checks, normalisation and replies.

Rules, in the order they are applied:
1. The trimmed line must be 1 to 200 characters, ASCII, without whitespace
   inside, and must not be an SSH banner. Each failure is a refusal with a
   reason (the reference stays silent and keeps the socket open).
2. The dialect is PD when the line holds ``;``, else JSON when it holds
   ``(JSON)``, else the legacy plain dialect.
3. The markers are removed, then one leading and one trailing ``/``.
4. ``name:password`` asks for a private client; the welcome repeats the token
   as sent so the Java client recognises it.
5. Every ``#`` becomes a random digit; 20 draws are tried to find a free name.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "MAX_HANDSHAKE",
    "Dialect",
    "Handshake",
    "HandshakeRefusedError",
    "error_line",
    "has_control",
    "parse_handshake",
    "resolve_placeholders",
    "welcome_line",
]

MAX_HANDSHAKE = 200
PLACEHOLDER_TRIES = 20


class Dialect(enum.Enum):
    """How a client speaks: what it receives and how its lines are read."""

    JSON = "json"
    PD = "pd"
    PLAIN = "plain"


# Welcome lines per dialect; the JSON one is the reference's, not valid JSON.
_WELCOME = {
    Dialect.JSON: "{{'message' : \"welcome {}\"}}",
    Dialect.PD: "welcome {}",
    Dialect.PLAIN: "welcome {}",
}


class HandshakeRefusedError(Exception):
    """The handshake cannot be accepted; ``reason`` goes into the error line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Handshake:
    """An accepted handshake line, before the name is checked against the hub."""

    dialect: Dialect
    name: str
    password: str | None
    token: str  # name[:password] as the client sent it, for the welcome


def has_control(text: str) -> bool:
    """Whether text holds an ASCII control character (``\\x00``-``\\x1f``, DEL).

    No name may: it would split or garble the line replies that list names.
    """
    return any(ch < " " or ch == "\x7f" for ch in text)


def parse_handshake(line: str) -> Handshake:
    """Check and normalise a trimmed handshake line, or raise HandshakeRefusedError."""
    if not line:
        raise HandshakeRefusedError("empty handshake")
    if len(line) > MAX_HANDSHAKE:
        raise HandshakeRefusedError(f"handshake longer than {MAX_HANDSHAKE} characters")
    if not line.isascii():
        raise HandshakeRefusedError("name must be ASCII")
    if "OpenSSH" in line or "libssh" in line:
        raise HandshakeRefusedError("not an OOCSI client")
    if any(ch.isspace() for ch in line):
        raise HandshakeRefusedError("name cannot contain spaces")
    if ";" in line:
        dialect = Dialect.PD
    elif "(JSON)" in line:
        dialect = Dialect.JSON
    else:
        dialect = Dialect.PLAIN
    token = line.replace(";", "").replace("(JSON)", "").strip()
    token = token.removeprefix("/").removesuffix("/")
    name, sep, password = token.partition(":")
    if not name:
        raise HandshakeRefusedError("empty name")
    if has_control(token):
        raise HandshakeRefusedError("name cannot contain control characters")
    # Such names could never be addressed: brackets make a function
    # subscription, and presence(X) is a presence subscription.
    if "[" in name or "]" in name or name.startswith("presence("):
        raise HandshakeRefusedError(f"name cannot be a subscription: {name}")
    if sep and not password:
        raise HandshakeRefusedError(f"empty password for name: {name}")
    return Handshake(dialect, name, password if sep else None, token)


def resolve_placeholders(
    handshake: Handshake,
    is_taken: Callable[[str], bool],
    rng: random.Random | None = None,
) -> Handshake:
    """Replace each ``#`` in the name by a random digit, avoiding taken names."""
    if "#" not in handshake.name:
        return handshake
    draw = rng or random
    candidate = handshake.name
    for _ in range(PLACEHOLDER_TRIES):
        candidate = "".join(
            str(draw.randrange(10)) if ch == "#" else ch for ch in handshake.name
        )
        if not is_taken(candidate):
            break
    token = candidate
    if handshake.password is not None:
        token = f"{candidate}:{handshake.password}"
    return Handshake(handshake.dialect, candidate, handshake.password, token)


def _finish(text: str, dialect: Dialect) -> bytes:
    suffix = ";\n" if dialect is Dialect.PD else "\n"
    return (text + suffix).encode()


def welcome_line(handshake: Handshake) -> bytes:
    """The welcome line for an accepted handshake."""
    return _finish(
        _WELCOME[handshake.dialect].format(handshake.token), handshake.dialect
    )


def error_line(reason: str, dialect: Dialect = Dialect.JSON) -> bytes:
    """An ``error (...)`` line; PD clients get their ``;``."""
    return _finish(f"error ({reason})", dialect)
