"""The server's meta channels: what a monitoring tool subscribes to.

Rules (messages from ``SERVER``, each only while its channel has a subscriber,
and none at all when the ``meta_channels`` setting is off):
- every second: ``OOCSI_channels`` ``{"channels": <channels reply>}``,
  ``OOCSI_clients`` ``{"clients": <clients reply>}``, ``OOCSI_metrics``
  ``{"uptime", "messagesTotal", "messages", "channels", "clients"}`` and, for a
  subscribed ``X/?`` whose X is a listed name, ``{"channels": <X's members>}``;
- ``OOCSI_events``: one event per routed message (not from ``SERVER``, not to a
  meta channel) with its sender, channel (``""`` for a direct message), public
  receivers (``["-"]`` for none) and the size and count of the values whose key
  does not start with ``_``; those values themselves never appear;
- ``OOCSI_connections``: ``{"CLIENT", "CHANNEL", "OP"}`` on connect, subscribe,
  unsubscribe, disconnect and channel creation and closing, with the reference's
  operation names.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pyoocsi.core.message import Message

if TYPE_CHECKING:
    from pyoocsi.core.hub import Hub

__all__ = ["META_CHANNELS", "MetaChannels"]

logger = logging.getLogger("pyoocsi.meta")

EVENTS = "OOCSI_events"
CONNECTIONS = "OOCSI_connections"
METRICS = "OOCSI_metrics"
CLIENTS = "OOCSI_clients"
CHANNELS = "OOCSI_channels"
META_CHANNELS = frozenset({EVENTS, CONNECTIONS, METRICS, CLIENTS, CHANNELS})

PERIOD = 1.0  # seconds between the periodic meta messages


class MetaChannels:
    """Publishes the meta channels of one hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.enabled = hub.settings.meta_channels
        self._started = hub.monotonic()
        self._next = self._started + PERIOD
        self._last_total = 0

    def _wanted(self, channel: str) -> bool:
        entry = self.hub.names.get(channel)
        return self.enabled and bool(getattr(entry, "subscribers", None))

    def _publish(self, channel: str, data: dict[str, Any]) -> None:
        self.hub.route(Message("SERVER", channel, self.hub.wall_ms(), data))

    # periodic ---------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Publish the periodic channels once per second."""
        if now < self._next:
            return
        self._next = now + PERIOD
        hub = self.hub
        total = hub.stats.messages
        metrics = {
            "uptime": round((now - self._started) * 1000),
            "messagesTotal": total,
            "messages": total - self._last_total,
            "channels": len(hub.names),
            "clients": len(hub.clients),
        }
        self._last_total = total
        if not self.enabled:
            return
        if self._wanted(CHANNELS):
            self._publish(CHANNELS, {"channels": hub.channel_list()})
        if self._wanted(CLIENTS):
            self._publish(CLIENTS, {"clients": hub.client_list()})
        if self._wanted(METRICS):
            self._publish(METRICS, metrics)
        for name in [n for n in hub.names if n.endswith("/?")]:
            base = name[:-2]
            if base in hub.names and self._wanted(name):
                self._publish(name, {"channels": hub.member_list(base)})

    # events -----------------------------------------------------------------

    def events_wanted(self, message: Message) -> bool:
        """Whether routing this message should produce an ``OOCSI_events`` event."""
        # Asked for every message: the usual answer costs one dict lookup.
        if EVENTS not in self.hub.names:
            return False
        if message.sender == "SERVER" or not self._wanted(EVENTS):
            return False
        name = message.recipient.partition(":")[0]
        return name not in META_CHANNELS and not name.endswith("/?")

    def routed(self, message: Message, channel: str, receivers: list[str]) -> None:
        """A message was routed to ``receivers`` (public names only)."""
        values = [v for k, v in message.data.items() if not k.startswith("_")]
        self._publish(
            EVENTS,
            {
                "PUB": message.sender,
                "CHANNEL": channel,
                "SUB": receivers or ["-"],
                "size": sum(len(_text(value)) for value in values),
                "count": len(values),
            },
        )

    def connection(self, client: str, channel: str, operation: str) -> None:
        """A connection event; the names follow the reference's usage."""
        if channel in META_CHANNELS or not self._wanted(CONNECTIONS):
            return
        self._publish(
            CONNECTIONS, {"CLIENT": client, "CHANNEL": channel, "OP": operation}
        )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
