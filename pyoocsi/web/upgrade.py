"""The websocket opening handshake at ``/ws`` (RFC 6455, section 4), without I/O.

Rules:
- A connection whose request line starts ``GET /ws `` or ``GET /ws?`` is
  answered here (:func:`claims` tells from its first bytes); any other request
  is left to aiohttp. The head ends with an empty line within ``MAX_HEAD``
  bytes; a longer head is left to aiohttp too, which refuses long lines.
- Accepted (101, with ``Sec-WebSocket-Accept``): ``GET`` over HTTP/1.1, an
  ``Upgrade`` naming ``websocket``, a ``Connection`` naming ``upgrade``, a
  ``Sec-WebSocket-Key`` of 16 bytes in base64 and ``Sec-WebSocket-Version`` 13
  (or 8 and 7, the drafts with the same frames, as aiohttp accepted).
- Refused with a plain-text reason, then closed: 400, or 426 naming version 13
  for another version. The ``Origin`` is not checked (``allowed_origins``
  applies to POST requests); no subprotocol and no extension is agreed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "MAX_HEAD",
    "Answer",
    "answer",
    "answer_request",
    "claims",
    "head_end",
    "header_table",
]

MAX_HEAD = 16384  # bytes of a websocket request's head, the empty line included
_PREFIXES = (b"GET /ws ", b"GET /ws?")
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
_VERSIONS = ("13", "8", "7")


@dataclass(frozen=True, slots=True)
class Answer:
    """What to write back: 101 when the connection is now a websocket, else a
    refusal whose ``reason`` says why."""

    status: int
    response: bytes
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == 101


def claims(start: bytes) -> bool | None:
    """Whether a connection opening with ``start`` asks for ``/ws``; None: too
    few bytes to tell."""
    for prefix in _PREFIXES:
        if start.startswith(prefix):
            return True
    if len(start) < len(_PREFIXES[0]) and _PREFIXES[0].startswith(start):
        return None
    return False


def head_end(buffer: bytes) -> int:
    """Where the body starts (after the empty line), or -1 when not yet read."""
    end = buffer.find(b"\r\n\r\n")
    return -1 if end < 0 else end + 4


def answer(head: bytes) -> Answer:
    """The answer to a request head (request line and headers) for ``/ws``."""
    lines = head.decode("latin-1").split("\r\n")
    request = lines[0].split(" ")
    if len(request) != 3:
        return _refused(400, "malformed request line")
    fields = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            return _refused(400, "malformed header line")
        fields.append((name, value.strip()))
    return answer_request(request[0], request[2], header_table(fields))


def header_table(fields: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header values by lower-case name; a repeated header's joined by commas."""
    headers: dict[str, str] = {}
    for name, value in fields:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def answer_request(method: str, version: str, headers: dict[str, str]) -> Answer:
    """The answer to a request for ``/ws``; ``headers`` as :func:`header_table`
    makes them."""
    if method != "GET" or version != "HTTP/1.1":
        return _refused(400, "a websocket opens with GET over HTTP/1.1")
    if "websocket" not in _tokens(headers.get("upgrade", "")):
        return _refused(400, "/ws is a websocket: Upgrade: websocket expected")
    if "upgrade" not in _tokens(headers.get("connection", "")):
        return _refused(400, "/ws is a websocket: Connection: upgrade expected")
    version = headers.get("sec-websocket-version", "")
    if version not in _VERSIONS:
        return _refused(426, f"unsupported websocket version {version[:20]!r}")
    key = headers.get("sec-websocket-key", "")
    try:
        valid = len(base64.b64decode(key.encode("ascii"), validate=True)) == 16
    except (UnicodeEncodeError, binascii.Error):
        valid = False  # not ASCII, or not base64
    if not valid:
        return _refused(400, f"invalid Sec-WebSocket-Key {key[:40]!r}")
    accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest())
    response = (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    return Answer(101, response)


def _tokens(value: str) -> list[str]:
    return [token.strip().lower() for token in value.split(",")]


_REASONS = {400: "Bad Request", 426: "Upgrade Required"}


def _refused(status: int, reason: str) -> Answer:
    body = reason.encode()
    extra = "Sec-WebSocket-Version: 13\r\n" if status == 426 else ""
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return Answer(status, head.encode() + body, reason)
