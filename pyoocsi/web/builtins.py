"""Clients the web side runs on the bus: ``echo``, ``heyOOCSIClient``,
``http-web-request`` and the two generators.

- ``echo``: a direct message to ``echo`` comes back to its sender from
  ``echo`` with the same data (channels never echo to their sender).
- ``heyOOCSIClient``: the device registry (:mod:`pyoocsi.web.heyoocsi`).
- ``http-web-request``: HTTP requests for others (:mod:`pyoocsi.web.webrequest`),
  unless turned off.
- Generators publish on a timer, and only while their channel exists (has a
  subscriber); nothing is sent to an absent channel:

  | channel | sender | period | data |
  |---|---|---|---|
  | ``timechannel`` | ``OOCSI/tools/timechannel-gen`` | 1 s | the local time |
  | ``testchannel`` | ``OOCSI/tools/testchannel-gen`` | 333 ms | two waves |

  Month 1-12 and day of week 1 (Sunday) to 7, as the reference sends them.
  The test waves are ``color`` = 90 + round(70 sin(n/7)) and ``position`` =
  90 + round(70 cos(n/8)), integers 20-160, where n counts the messages sent.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyoocsi.core.hub import Channel, Hub
from pyoocsi.core.message import Message
from pyoocsi.web.heyoocsi import HeyOOCSIClient, Registry
from pyoocsi.web.local import LocalPeer, answer_data
from pyoocsi.web.settings import WebSettings
from pyoocsi.web.webrequest import WebRequestClient

__all__ = ["GENERATORS", "Builtins", "EchoClient", "time_data", "wave_data"]

logger = logging.getLogger("pyoocsi.web")


class EchoClient(LocalPeer):
    def __init__(self, hub: Hub) -> None:
        super().__init__(hub, "echo", "built-in client", builtin=True)

    def received(self, message: Message) -> None:
        if self.asked(message):
            self.hub.publish(self.name, message.sender, answer_data(message.data))


def time_data(now: datetime, epoch_ms: int) -> dict[str, Any]:
    """The ``timechannel`` data for the local time ``now``."""
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


def _time_now(n: int) -> dict[str, Any]:
    # the time is the message: the count n plays no part
    epoch_ms = time.time_ns() // 1_000_000
    return time_data(datetime.fromtimestamp(epoch_ms / 1000), epoch_ms)


def wave_data(n: int) -> dict[str, Any]:
    """The data of the ``n``-th ``testchannel`` message, counted from 0."""
    return {
        "color": 90 + round(70 * math.sin(n / 7)),
        "position": 90 + round(70 * math.cos(n / 8)),
    }


@dataclass(frozen=True)
class Generator:
    channel: str
    sender: str
    period: float  # seconds
    data: Callable[[int], dict[str, Any]]


GENERATORS = (
    Generator("timechannel", "OOCSI/tools/timechannel-gen", 1.0, _time_now),
    Generator("testchannel", "OOCSI/tools/testchannel-gen", 0.333, wave_data),
)


class _Running:
    """One generator on the loop: a timer and the count of messages sent."""

    def __init__(self, hub: Hub, generator: Generator) -> None:
        self.hub = hub
        self.generator = generator
        self.sent = 0
        self.timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(self.generator.period, self._tick)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _tick(self) -> None:
        self.start()
        generator = self.generator
        if isinstance(self.hub.names.get(generator.channel), Channel):
            data = generator.data(self.sent)
            self.sent += 1
            self.hub.publish(generator.sender, generator.channel, data)


class Builtins:
    """Starts and stops the built-in clients and generators."""

    def __init__(self, hub: Hub, devices: Registry, settings: WebSettings) -> None:
        self.hub = hub
        self.echo = EchoClient(hub)
        self.heyoocsi = HeyOOCSIClient(hub, devices)
        self.web_request: WebRequestClient | None = None
        if settings.web_requests:
            self.web_request = WebRequestClient(
                hub, settings.web_request_hosts, limits=settings.web_request_limits
            )
        self._running = [_Running(hub, g) for g in GENERATORS]

    def start(self) -> None:
        self.echo.join()
        self.heyoocsi.start()
        if self.web_request is not None:
            self.web_request.join()
        for running in self._running:
            # a client holding the name would silence the generator's channel
            self.hub.reserved.add(running.generator.channel)
            running.start()

    def stop(self) -> None:
        for running in self._running:
            running.stop()
        self.heyoocsi.stop()
        if self.web_request is not None:
            self.web_request.stop()
        self.echo.leave()

    async def closed(self) -> None:
        """Wait for what :meth:`stop` cancelled to end."""
        if self.web_request is not None:
            await self.web_request.closed()
