"""What the hub tells a persistent store, so held messages survive a restart.

The hub calls a store synchronously, before it acknowledges the change to
anyone: a pending message is written before it counts as accepted, and a
retained message before the channel serves it. A store that cannot write
raises, and the hub treats the message as refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pyoocsi.core.message import Message

__all__ = ["Retained", "Store"]


@dataclass(frozen=True, slots=True)
class Retained:
    """A channel's retained message and when it expires (epoch ms)."""

    channel: str
    password: str | None
    message: Message
    until: int


class Store(Protocol):
    """Durable copies of pending and retained messages."""

    def pending_added(self, ident: int, message: Message) -> None:
        """A delayed or scheduled message is held; due at ``message.timestamp``."""
        ...

    def pending_done(self, idents: list[int]) -> None:
        """These pending messages were delivered (or found no recipient)."""
        ...

    def retained_set(self, retained: Retained) -> None:
        """A channel retains this message, replacing any earlier one."""
        ...

    def retained_cleared(self, channel: str) -> None:
        """A channel no longer retains a message."""
        ...
