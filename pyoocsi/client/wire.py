"""What the client writes and how it reads what servers send, without I/O.

Rules:
- Two dialects. TCP: the handshake is ``<handle>(JSON)``, messages go out as
  ``sendraw <recipient> <json>`` and arrive with the data keys at top level.
  Websocket: the handshake is the bare handle, messages go out as
  ``sendjson <recipient> <json>`` and arrive with the data under ``data``.
- Payloads are compact JSON objects, ASCII-escaped, in the caller's key order;
  NaN and infinities are refused (they are not JSON).
- A handle is 1 to 200 ASCII characters without whitespace; ``#`` is left for
  the server to replace, and the real name is read back from the welcome.
- Incoming lines are classified by :func:`classify`: a message, ``ping``,
  ``.`` (a pong), an ``error`` line, a JSON notice, or plain text (the answer
  to ``clients`` or ``channels``).
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pyoocsi.client.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    HandleInUse,
    InvalidHandle,
)
from pyoocsi.client.message import Message

__all__ = [
    "MAX_HANDLE",
    "MAX_MESSAGE_SIZE",
    "Dialect",
    "Line",
    "classify",
    "default_handle",
    "encode_payload",
    "handshake",
    "parse_list",
    "parse_welcome",
    "send_line",
    "time_keys",
    "validate_handle",
    "websocket_url",
]

MAX_HANDLE = 200
MAX_MESSAGE_SIZE = 4 * 1024 * 1024  # the server's default line limit, in bytes


class Dialect(enum.Enum):
    TCP = "tcp"
    WEBSOCKET = "websocket"


class Line(enum.Enum):
    """What an incoming line is."""

    MESSAGE = "message"
    PING = "ping"
    PONG = "pong"
    ERROR = "error"
    NOTICE = "notice"  # a JSON object that is not a message (a welcome, say)
    TEXT = "text"


def default_handle() -> str:
    """A random name in the shape the ``oocsi`` package uses."""
    return "OOCSIClient_" + uuid.uuid4().hex[:15]


def validate_handle(handle: str) -> str:
    """The trimmed handle, or :class:`InvalidHandle` saying what is wrong."""
    text = handle.strip()
    if not text:
        raise InvalidHandle("the handle is empty")
    if len(text) > MAX_HANDLE:
        raise InvalidHandle(f"the handle is longer than {MAX_HANDLE} characters")
    if not text.isascii():
        raise InvalidHandle(f"the handle must be ASCII: {text!r}")
    if any(ch.isspace() for ch in text):
        raise InvalidHandle(f"the handle cannot contain spaces: {text!r}")
    return text


def handshake(handle: str, dialect: Dialect) -> str:
    """The first line (or frame) a client sends."""
    return f"{handle}(JSON)" if dialect is Dialect.TCP else handle


def _refusal(reason: str) -> ConnectionFailed:
    lowered = reason.lower()
    if "already" in lowered or "exists" in lowered:
        return HandleInUse(reason)
    if "password" in lowered:
        return AuthenticationFailed(reason)
    if "name" in lowered or "handshake" in lowered or "ascii" in lowered:
        return InvalidHandle(reason)
    return ConnectionFailed(reason)


def parse_welcome(line: str) -> str:
    """The confirmed name from a welcome line or frame; raises on a refusal.

    Accepts the TCP welcome ``{'message' : "welcome NAME"}`` (not valid JSON),
    the websocket one, and plain ``welcome NAME``.
    """
    text = line.strip()
    if text.startswith("error"):
        reason = text[len("error") :].strip().removeprefix("(").removesuffix(")")
        raise _refusal(reason or text)
    marker = text.find("ERROR")
    if marker >= 0:
        reason = text[marker + len("ERROR") :].lstrip(": ").rstrip("\"'} ")
        raise _refusal(reason)
    marker = text.find("welcome ")
    if marker < 0:
        raise ConnectionFailed(f"unexpected reply to the handshake: {text[:80]!r}")
    return text[marker + len("welcome ") :].strip().rstrip("}").strip().strip("\"'")


def encode_payload(data: Mapping[str, Any]) -> str:
    """Compact, ASCII-only JSON; raises ValueError for NaN or infinities."""
    return json.dumps(
        dict(data), separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def _check_recipient(recipient: str) -> None:
    if not recipient or any(ch.isspace() for ch in recipient):
        raise ValueError(f"a recipient needs a name without spaces: {recipient!r}")


def send_line(recipient: str, data: Mapping[str, Any], dialect: Dialect) -> str:
    """The line that sends ``data`` to a client or channel."""
    _check_recipient(recipient)
    command = "sendraw" if dialect is Dialect.TCP else "sendjson"
    return f"{command} {recipient} {encode_payload(data)}"


def check_size(line: str, limit: int) -> None:
    """Refuse a line the server would drop for being longer than ``limit`` bytes."""
    size = len(line.encode())
    if size > limit:
        raise ValueError(
            f"message of {size} bytes exceeds the limit of {limit} bytes"
            " (max_message_size; the server's default line limit is 4 MiB)"
        )


def websocket_url(url: str) -> str:
    """``http://h:p/`` as ``ws://h:p/ws``: the scheme swapped, ``/ws`` if no path."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    scheme = {"http": "ws", "https": "wss"}.get(scheme.lower(), scheme)
    host, slash, path = rest.partition("/")
    if not path:
        return f"{scheme}://{host}/ws"
    return f"{scheme}://{host}{slash}{path}"


def raw_line(recipient: str, text: str) -> str:
    """The TCP line that sends plain text (it arrives as ``{"data": text}``)."""
    _check_recipient(recipient)
    if "\n" in text or "\r" in text:
        raise ValueError("raw text cannot contain line breaks")
    return f"sendraw {recipient} {text}"


def _number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else float(seconds)


def time_keys(
    retain: float | None = None,
    delay: float | None = None,
    schedule: datetime | str | None = None,
) -> dict[str, Any]:
    """The ``_RETAIN``/``_DELAY``/``_SCHEDULE`` keys for these arguments.

    A naive ``schedule`` is written ``yyyy-MM-dd HH:mm:ss``, the server's
    local time, which every OOCSI server reads; an aware one as ISO 8601 with
    its offset, which pyoocsi's server reads.
    """
    keys: dict[str, Any] = {}
    if retain is not None:
        keys["_RETAIN"] = _number(retain)
    if delay is not None:
        keys["_DELAY"] = _number(delay)
    if isinstance(schedule, datetime):
        if schedule.tzinfo is None:
            keys["_SCHEDULE"] = schedule.strftime("%Y-%m-%d %H:%M:%S")
        else:
            keys["_SCHEDULE"] = schedule.isoformat(timespec="seconds")
    elif schedule is not None:
        keys["_SCHEDULE"] = schedule
    return keys


def _message(value: dict[str, Any], dialect: Dialect) -> Message | None:
    sender = value.get("sender")
    recipient = value.get("recipient")
    if not isinstance(sender, str) or not isinstance(recipient, str):
        return None
    timestamp = value.get("timestamp")
    stamp = timestamp if isinstance(timestamp, int) else 0
    if dialect is Dialect.WEBSOCKET:
        inner = value.get("data")
        data = inner if isinstance(inner, dict) else {}
    else:
        data = {
            k: v
            for k, v in value.items()
            if k not in ("sender", "recipient", "timestamp")
        }
    return Message(sender, recipient, stamp, data)


def classify(line: str, dialect: Dialect) -> tuple[Line, Message | str]:
    """What one incoming line (without its line break) is, and its content."""
    text = line.strip()
    if text == "ping":
        return Line.PING, text
    if text == ".":
        return Line.PONG, text
    if text.startswith("error"):
        return Line.ERROR, text
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return Line.NOTICE, text
        if isinstance(value, dict):
            message = _message(value, dialect)
            if message is not None:
                return Line.MESSAGE, message
        return Line.NOTICE, text
    return Line.TEXT, text


def parse_list(text: str) -> list[str]:
    """Names from a ``clients`` (``a,b``) or ``channels`` (``a, b``) answer."""
    return [name.strip() for name in text.split(",") if name.strip()]
