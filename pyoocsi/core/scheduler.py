"""Messages held for later (``_DELAY``, ``_SCHEDULE``), without any timer of its own.

Rules:
- Every pending message is kept, any number per sender and recipient, up to
  the limits: a count and a byte budget per sender and for the whole server.
  A message past a limit is refused with :class:`SchedulerFullError`; nothing
  already pending is ever dropped to make room.
- Messages come out in due order, and in the order they were added when due
  at the same millisecond. The adapter asks :meth:`next_due` and sets one timer.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from pyoocsi.core.message import Message

__all__ = ["Pending", "Scheduler", "SchedulerFullError"]


class SchedulerFullError(Exception):
    """A limit on pending messages would be passed."""


@dataclass(frozen=True, slots=True)
class Pending:
    """A held message; ``message.timestamp`` is its due time in epoch ms."""

    ident: int
    message: Message
    size: int


@dataclass(frozen=True, slots=True)
class Limits:
    per_client: int
    per_client_bytes: int
    total: int
    total_bytes: int


class Scheduler:
    """A heap of pending messages with per-sender and total limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._heap: list[tuple[int, int, Pending]] = []
        self._ids = itertools.count(1)
        self._count: dict[str, int] = {}
        self._bytes: dict[str, int] = {}
        self.total = 0
        self.total_bytes = 0

    def __len__(self) -> int:
        return len(self._heap)

    def _check(self, sender: str, size: int) -> None:
        limits = self.limits
        if self._count.get(sender, 0) + 1 > limits.per_client:
            raise SchedulerFullError(
                f"{sender} has {limits.per_client} messages pending already"
            )
        if self._bytes.get(sender, 0) + size > limits.per_client_bytes:
            raise SchedulerFullError(
                f"{sender} has {limits.per_client_bytes} bytes pending already"
            )
        if (
            self.total + 1 > limits.total
            or self.total_bytes + size > limits.total_bytes
        ):
            raise SchedulerFullError(
                "the server holds as many pending messages as it may"
            )

    def add(self, message: Message, ident: int | None = None) -> Pending:
        """Hold a message until ``message.timestamp``; raises SchedulerFullError.

        A message restored from a store passes its old ``ident`` and is taken
        whatever the limits: it was accepted before the restart.
        """
        size = len(message.json_line())
        sender = message.sender
        if ident is None:
            self._check(sender, size)
            ident = next(self._ids)
        else:
            # Restored messages keep their ids; new ones must not reuse them.
            self._ids = itertools.count(max(ident + 1, next(self._ids)))
        pending = Pending(ident, message, size)
        heapq.heappush(self._heap, (message.timestamp, ident, pending))
        self._count[sender] = self._count.get(sender, 0) + 1
        self._bytes[sender] = self._bytes.get(sender, 0) + size
        self.total += 1
        self.total_bytes += size
        return pending

    def next_due(self) -> int | None:
        """The earliest due time in epoch ms, or None when nothing is pending."""
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now_ms: int) -> list[Pending]:
        """Take out every message due at or before ``now_ms``, in due order."""
        due: list[Pending] = []
        while self._heap and self._heap[0][0] <= now_ms:
            pending = heapq.heappop(self._heap)[2]
            sender = pending.message.sender
            self._count[sender] -= 1
            self._bytes[sender] -= pending.size
            if not self._count[sender]:
                del self._count[sender], self._bytes[sender]
            self.total -= 1
            self.total_bytes -= pending.size
            due.append(pending)
        return due
