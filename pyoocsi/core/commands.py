"""Lines a registered client sends, read into commands.

The reference matches commands by prefix on the trimmed line, first match wins,
in the order of ``_TABLE`` below; a line that matches nothing is ignored (but
still counts as activity). ``sendraw``/``send`` split on single spaces into at
most three parts, so the payload keeps its own spaces. PD clients write ``'``
where JSON needs ``,`` and end lines with ``;``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Command", "Kind", "parse_command", "trim"]


class Kind(enum.Enum):
    QUIT = "quit"
    CHANNELS = "channels"
    MEMBERS = "channels X"
    CLIENTS = "clients"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SENDRAW = "sendraw"
    SEND = "send"
    PING = "ping"
    PONG = "pong"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class Command:
    kind: Kind
    target: str = ""
    payload: str = ""


def trim(text: str) -> str:
    """Java's ``String.trim``: strip every character up to and including space."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def _parse_members(line: str) -> Command:
    parts = line.split(" ")
    return Command(Kind.MEMBERS, parts[1] if len(parts) > 1 else "")


def _parse_spec(kind: Kind) -> Callable[[str], Command]:
    def parse(line: str) -> Command:
        return Command(kind, line.partition(" ")[2])

    return parse


def _parse_send(kind: Kind) -> Callable[[str], Command]:
    def parse(line: str) -> Command:
        parts = line.split(" ", 2)
        if len(parts) < 3 or not parts[1] or not parts[2]:
            return Command(Kind.IGNORED)
        return Command(kind, parts[1], parts[2])

    return parse


# (matches, parser) in the reference's order of evaluation.
_TABLE: tuple[tuple[Callable[[str], bool], Callable[[str], Command]], ...] = (
    (lambda s: s == "quit", lambda s: Command(Kind.QUIT)),
    (lambda s: s == "channels", lambda s: Command(Kind.CHANNELS)),
    (lambda s: s.startswith("channels") and " " in s, _parse_members),
    (lambda s: s == "clients", lambda s: Command(Kind.CLIENTS)),
    (lambda s: s.startswith("subscribe") and " " in s, _parse_spec(Kind.SUBSCRIBE)),
    (
        lambda s: s.startswith("unsubscribe") and " " in s,
        _parse_spec(Kind.UNSUBSCRIBE),
    ),
    (lambda s: s.startswith("sendraw"), _parse_send(Kind.SENDRAW)),
    (lambda s: s.startswith("send"), _parse_send(Kind.SEND)),
    (lambda s: s == "ping", lambda s: Command(Kind.PING)),
    (lambda s: s.startswith("."), lambda s: Command(Kind.PONG)),
)


def parse_command(line: str, pd: bool = False) -> Command:
    """Read one trimmed line into a command (PD lines are rewritten first)."""
    if pd:
        line = trim(line.replace("'", ",").replace(";", ""))
    for matches, parse in _TABLE:
        if matches(line):
            return parse(line)
    return Command(Kind.IGNORED)
