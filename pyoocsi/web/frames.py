"""Websocket frames of the reference web protocol: their text, and their bytes.

Rules:
- The first frame from a client is its name. It is trimmed; a name that is
  empty, longer than 200 characters, not ASCII or holding whitespace or a
  control character is replaced by ``webclient_####`` (as the reference does),
  then one leading and one trailing ``/`` are dropped. ``name:password`` asks
  for a private client and is checked like a TCP handshake.
- Later frames are read by prefix, first match wins (``_TABLE``): ``sendjson``,
  ``subscribe``, ``unsubscribe``; any other frame is a pong.
- A message frame is ``{"recipient","timestamp","sender","data"}`` in that
  order; the data is written exactly as on the TCP side (keys sorted, Java
  number notation), cut out of the message's cached JSON line.
- The session hands its adapter whole frames as bytes on the wire (:func:`wire`):
  final, unmasked text frames as a server sends them (RFC 6455, section 5.2),
  never compressed. A message's frame is the same for every subscriber, so it is
  built once per fan-out (:func:`message_wire` through ``Message.rendered``).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from pyoocsi.core.commands import trim
from pyoocsi.core.handshake import MAX_HANDSHAKE, Dialect, Handshake, has_control
from pyoocsi.core.message import Message

__all__ = [
    "FALLBACK_NAME",
    "Frame",
    "Kind",
    "data_json",
    "error_frame",
    "message_wire",
    "name_handshake",
    "parse_frame",
    "welcome_frame",
    "wire",
]

FALLBACK_NAME = "webclient_####"


class Kind(enum.Enum):
    SENDJSON = "sendjson"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    PONG = "pong"


@dataclass(frozen=True, slots=True)
class Frame:
    kind: Kind
    target: str = ""
    payload: str = ""


def _sendjson(text: str) -> Frame:
    parts = text.split(" ", 2)
    if len(parts) < 3 or not parts[1]:
        return Frame(Kind.PONG)
    return Frame(Kind.SENDJSON, parts[1], parts[2])


def _spec(kind: Kind) -> Callable[[str], Frame]:
    def parse(text: str) -> Frame:
        return Frame(kind, text.partition(" ")[2].strip())

    return parse


_TABLE: tuple[tuple[str, Callable[[str], Frame]], ...] = (
    ("sendjson ", _sendjson),
    ("subscribe ", _spec(Kind.SUBSCRIBE)),
    ("unsubscribe ", _spec(Kind.UNSUBSCRIBE)),
)


def parse_frame(text: str) -> Frame:
    """Read one frame from an admitted client."""
    for prefix, parse in _TABLE:
        if text.startswith(prefix):
            return parse(text)
    return Frame(Kind.PONG)


def name_handshake(frame: str) -> Handshake:
    """The handshake for a client's first frame (see the rules above)."""
    name = trim(frame)
    if (
        not name
        or len(name) > MAX_HANDSHAKE
        or not name.isascii()
        or any(ch.isspace() for ch in name)
        or has_control(name)
    ):
        name = FALLBACK_NAME
    token = name.removeprefix("/").removesuffix("/")
    base, sep, password = token.partition(":")
    if not base or (sep and not password):
        token = base = FALLBACK_NAME
        sep = ""
    return Handshake(Dialect.JSON, base, password if sep else None, token)


def _message_text(text: str) -> str:
    # Hand-built like the reference's (spaces around the colon).
    return '{"message" : ' + orjson.dumps(text).decode() + "}"


def welcome_frame(name: str) -> str:
    return _message_text(f"welcome {name}")


def error_frame(reason: str) -> str:
    return _message_text(f"ERROR: {reason}")


def data_json(message: Message) -> str:
    """The message data alone, as the TCP line writes it."""
    return message.data_json().decode()


def _message_payload(message: Message) -> bytes:
    # The envelope first, then the data as the TCP line writes it (the data
    # text is cached on the message, shared with the TCP line).
    return b'{"recipient":%b,"timestamp":%d,"sender":%b,"data":%b}' % (
        orjson.dumps(message.recipient),
        message.timestamp,
        orjson.dumps(message.sender),
        message.data_json(),
    )


_FIN_TEXT = 0x81  # final fragment, opcode 1 (text); no mask bit from a server
_LENGTH_16 = struct.Struct("!BBH").pack
_LENGTH_64 = struct.Struct("!BBQ").pack


def wire(text: str | bytes) -> bytes:
    """One text frame as it goes on the wire: header, then the UTF-8 payload."""
    payload = text.encode() if isinstance(text, str) else text
    size = len(payload)
    if size < 126:
        return bytes((_FIN_TEXT, size)) + payload
    if size < 65536:
        return _LENGTH_16(_FIN_TEXT, 126, size) + payload
    return _LENGTH_64(_FIN_TEXT, 127, size) + payload


def message_wire(message: Message) -> bytes:
    """A message's frame on the wire; pass it to ``Message.rendered``."""
    return wire(_message_payload(message))
