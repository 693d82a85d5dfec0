"""Clients the web side runs on the bus: ``echo`` and the ``timechannel``.

- ``echo``: a direct message to ``echo`` comes back to its sender from
  ``echo`` with the same data (channels never echo to their sender).
- ``timechannel``: once a second, while the channel has subscribers, a message
  from ``OOCSI/tools/timechannel-gen`` with the server's local time; month 1-12
  and day of week 1 (Sunday) to 7, as the reference sends them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from pyoocsi.core.hub import Channel, Hub
from pyoocsi.core.message import Message
from pyoocsi.web.local import LocalPeer

__all__ = ["Builtins", "EchoClient", "time_data"]

logger = logging.getLogger("pyoocsi.web")

TIME_CHANNEL = "timechannel"
TIME_SENDER = "OOCSI/tools/timechannel-gen"
TIME_PERIOD = 1.0


class EchoClient(LocalPeer):
    def __init__(self, hub: Hub) -> None:
        super().__init__(hub, "echo", "built-in client")

    def received(self, message: Message) -> None:
        if message.recipient == self.name and self.client is not None:
            self.hub.publish(self.name, message.sender, dict(message.data))


def time_data(now: datetime, epoch_ms: int) -> dict[str, Any]:
    """The data of one ``timechannel`` message."""
    return {
        "y": now.year,
        "M": now.month,
        "d": now.day,
        "dw": now.isoweekday() % 7 + 1,
        "h": now.hour,
        "m": now.minute,
        "s": now.second,
        "timestamp": epoch_ms,
        "datetime": now.strftime("%Y-%m-%dT%H:%M:%S"),
    }


class Builtins:
    """Starts and stops the built-in clients and generators."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.echo = EchoClient(hub)
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self.echo.join()
        self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.echo.leave()

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(TIME_PERIOD, self._tick)

    def _tick(self) -> None:
        self._schedule()
        if isinstance(self.hub.names.get(TIME_CHANNEL), Channel):
            epoch_ms = time.time_ns() // 1_000_000
            now = datetime.fromtimestamp(epoch_ms / 1000)
            self.hub.publish(TIME_SENDER, TIME_CHANNEL, time_data(now, epoch_ms))
