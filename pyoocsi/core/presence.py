"""Channel presence: who tracks which name, and which events they are told.

Rules of the documented style (the default), for a tracked name X:
- channel X: ``created`` on its first subscriber, then ``join``; ``leave`` when a
  member unsubscribes or disconnects (``timeout`` when it was timed out), then
  ``closed`` when that was the last member.
- client X: ``join`` when X connects, ``leave``/``timeout`` when it goes; the
  client's own event comes before those of its channels, in subscription order.
- ``refresh`` when X (or a member of X) sends ``ping`` or answers one, at most
  once every 10 s per (X, member).
The reference style reproduces the reference server instead: ``created`` and
``closed`` on presence(client) for each of its subscriptions, ``join`` on
connect, ``leave`` on unsubscribe and disconnect (never ``timeout``), no channel
lifecycle, and every 5 s a ``refresh`` with the member list to every tracker.
Every event is a message from X to ``presence(X)`` whose data holds
``"client"`` (X is a connected client) or ``"channel"`` and one event key; a
tracker never receives events about itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["REFERENCE_REFRESH", "REFRESH_INTERVAL", "Presence", "presence_target"]

logger = logging.getLogger("pyoocsi.presence")

REFRESH_INTERVAL = 10.0  # seconds between refresh events per (X, member)
REFERENCE_REFRESH = 5.0  # seconds between member lists in the reference style

# emit(target, data): deliver one presence event about ``target``.
Emit = Callable[[str, dict[str, Any]], None]


def presence_target(spec: str) -> str | None:
    """The tracked name of a ``presence(X)`` subscription, or None."""
    if spec.startswith("presence(") and spec.endswith(")") and len(spec) > 10:
        return spec[9:-1]
    return None


class Presence:
    """Trackers and event rules: the hub reports what happens, this says who hears."""

    def __init__(
        self,
        emit: Emit,
        is_client: Callable[[str], bool],
        members: Callable[[str], list[str]],
        style: str = "documented",
    ) -> None:
        if style not in ("documented", "reference"):
            raise ValueError(f"unknown presence style: {style!r}")
        self.style = style
        self._emit = emit
        self._is_client = is_client
        self._members = members
        # tracked name -> subscribers, in the order they subscribed
        self.trackers: dict[str, dict[str, None]] = {}
        self._last_refresh: dict[tuple[str, str], float] = {}
        self._next_list = 0.0

    @property
    def reference(self) -> bool:
        return self.style == "reference"

    # trackers ---------------------------------------------------------------

    def track(self, subscriber: str, target: str) -> None:
        self.trackers.setdefault(target, {})[subscriber] = None

    def untrack(self, subscriber: str, target: str) -> None:
        subscribers = self.trackers.get(target)
        if subscribers is not None:
            subscribers.pop(subscriber, None)
            if not subscribers:
                del self.trackers[target]

    def forget(self, subscriber: str, targets: Iterable[str]) -> None:
        """Release every tracker of a departing subscriber."""
        for target in targets:
            self.untrack(subscriber, target)

    def subscribers(self, target: str) -> Iterable[str]:
        return self.trackers.get(target, {}).keys()

    # events -----------------------------------------------------------------

    def _event(
        self, target: str, key: str, value: Any, kind: str | None = None
    ) -> None:
        if target not in self.trackers:
            return
        if kind is None:
            kind = "client" if self._is_client(target) else "channel"
        logger.debug("presence(%s) %s=%r", target, key, value)
        self._emit(target, {kind: target, key: value})

    def connected(self, client: str) -> None:
        self._event(client, "join", client, "client")

    def subscribed(self, client: str, channel: str, created: bool) -> None:
        if self.reference:
            self._event(channel, "join", client)
            self._event(client, "created", "", "client")
            return
        if created:
            self._event(channel, "created", "", "channel")
        self._event(channel, "join", client, "channel")

    def unsubscribed(self, client: str, channel: str, closed: bool, event: str) -> None:
        if self.reference:
            self._event(channel, "leave", client)
            return
        self._event(channel, event, client, "channel")
        if closed:
            self._event(channel, "closed", "", "channel")

    def departed(
        self, client: str, channels: list[tuple[str, bool]], timed_out: bool
    ) -> None:
        """A client left; ``channels`` lists (channel, closed) in subscription order."""
        event = "timeout" if timed_out and not self.reference else "leave"
        self._event(client, event, client, "client")
        for channel, closed in channels:
            self.unsubscribed(client, channel, closed, event)
        if self.reference:
            for _channel, _closed in channels:
                self._event(client, "closed", "", "client")
        for key in [k for k in self._last_refresh if client in k]:
            del self._last_refresh[key]

    def left_channel(self, client: str, channel: str, closed: bool) -> None:
        """A client unsubscribed from one channel."""
        self.unsubscribed(client, channel, closed, "leave")
        if self.reference:
            self._event(client, "closed", "", "client")

    def refreshed(self, client: str, channels: Iterable[str], now: float) -> None:
        """A client sent ``ping`` or answered one (documented style only)."""
        if self.reference or not self.trackers:
            return
        for target in (client, *channels):
            if target not in self.trackers:
                continue
            last = self._last_refresh.get((target, client))
            if last is not None and now - last < REFRESH_INTERVAL:
                continue
            self._last_refresh[(target, client)] = now
            self._event(
                target, "refresh", client, None if target != client else "client"
            )

    def tick(self, now: float) -> None:
        """Periodic work: the reference style's member lists every 5 s."""
        if not self.reference or now < self._next_list:
            return
        self._next_list = now + REFERENCE_REFRESH
        for target in list(self.trackers):
            self._event(target, "refresh", self._members(target))
