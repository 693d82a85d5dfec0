"""Received messages and presence events, as read-only typed objects.

A :class:`Message` is a mapping over the payload only: the envelope
(``sender``, ``recipient``, ``timestamp``) is kept in attributes, and no
payload key is ever removed, ``data`` included.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["PRESENCE_EVENTS", "Message", "PresenceEvent"]

CALL_HANDLE = "_MESSAGE_HANDLE"
CALL_ID = "_MESSAGE_ID"
PRESENCE_EVENTS = ("join", "leave", "timeout", "created", "closed", "refresh")


def _to_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


@dataclass(frozen=True)
class Message(Mapping[str, Any]):
    """One message: who sent it, to which recipient, when, and its data.

    ``msg["key"]`` reads the payload. The typed getters convert loosely, as the
    Java client does: ``"3"`` reads as the int 3, and a value that cannot be
    converted gives the default.
    """

    sender: str
    recipient: str
    timestamp_ms: int
    data: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def channel(self) -> str:
        """The recipient: a channel, or this client's own handle."""
        return self.recipient

    @property
    def timestamp(self) -> datetime:
        """The server's timestamp as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)

    @property
    def is_call(self) -> bool:
        """True when the message is a request (it names a call handle)."""
        return CALL_HANDLE in self.data and CALL_ID in self.data

    @property
    def call_id(self) -> str | None:
        value = self.data.get(CALL_ID)
        return value if isinstance(value, str) else None

    @property
    def call_name(self) -> str | None:
        value = self.data.get(CALL_HANDLE)
        return value if isinstance(value, str) else None

    def has(self, key: str) -> bool:
        return key in self.data

    def get_float(self, key: str, default: float = 0.0) -> float:
        """The value as a float, or ``default`` when missing or not a number."""
        value = _to_float(self.data.get(key))
        return default if value is None or not math.isfinite(value) else value

    def get_int(self, key: str, default: int = 0) -> int:
        """The value as an int (fractions are cut), or ``default``."""
        value = self.data.get(key)
        if isinstance(value, int):
            return int(value)
        number = _to_float(value)
        if number is None or not math.isfinite(number):
            return default
        return int(number)

    def get_bool(self, key: str, default: bool = False) -> bool:
        """The value as a bool (``"true"``, non-zero numbers), or ``default``."""
        value = _to_bool(self.data.get(key))
        return default if value is None else value

    def get_str(self, key: str, default: str = "") -> str:
        """The value as a string (numbers are written out), or ``default``."""
        value = self.data.get(key)
        if value is None or isinstance(value, dict | list):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def get_list(self, key: str, default: list[Any] | None = None) -> list[Any]:
        value = self.data.get(key)
        return list(value) if isinstance(value, list) else list(default or [])

    def get_dict(
        self, key: str, default: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        value = self.data.get(key)
        return dict(value) if isinstance(value, dict) else dict(default or {})

    # Names of the Java and Processing clients, for readers coming from there.
    getInt = get_int  # noqa: N815
    getFloat = get_float  # noqa: N815
    getBoolean = get_bool  # noqa: N815
    getString = get_str  # noqa: N815

    def getSender(self) -> str:  # noqa: N802
        return self.sender

    def getRecipient(self) -> str:  # noqa: N802
        return self.recipient

    def getTimestamp(self) -> int:  # noqa: N802
        return self.timestamp_ms

    def to_dict(self) -> dict[str, Any]:
        """The message as one JSON-ready dict, envelope and data apart."""
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "timestamp": self.timestamp_ms,
            "data": dict(self.data),
        }


@dataclass(frozen=True)
class PresenceEvent:
    """One presence notice about a channel or a client named ``target``.

    ``event`` is one of :data:`PRESENCE_EVENTS`; ``member`` is the client the
    event is about (empty for ``created``/``closed``); ``members`` is set when
    a server sends a member list (the reference's ``refresh``).
    """

    target: str
    kind: Literal["client", "channel"]
    event: str
    member: str
    members: list[str] | None
    message: Message

    @classmethod
    def from_message(cls, message: Message) -> PresenceEvent | None:
        """Read a presence notice; None when the message is not one."""
        kind: Literal["client", "channel"] = (
            "client" if "client" in message.data else "channel"
        )
        target = message.data.get(kind)
        if not isinstance(target, str):
            target = message.sender
        for event in PRESENCE_EVENTS:
            if event in message.data:
                value = message.data[event]
                members = [str(v) for v in value] if isinstance(value, list) else None
                member = value if isinstance(value, str) else ""
                return cls(target, kind, event, member, members, message)
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary, for the command line."""
        out: dict[str, Any] = {
            "target": self.target,
            "kind": self.kind,
            "event": self.event,
            "member": self.member,
            "timestamp": self.message.timestamp_ms,
        }
        if self.members is not None:
            out["members"] = self.members
        return out
