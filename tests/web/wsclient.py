"""Websocket and HTTP clients for the web tests: real sockets, exact frames.

Tests are plain functions that run one coroutine with :func:`run`; waits are
multiples of ``TICK`` from :mod:`tests.wire`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
import orjson

from pyoocsi.core.hub import Hub
from pyoocsi.core.settings import Settings
from pyoocsi.server.app import wall_ms
from pyoocsi.server.testing import RunningServer
from pyoocsi.web import WebSettings, build_app
from pyoocsi.web.server import open_port
from tests.wire import TICK, LineClient

T = TypeVar("T")


@contextlib.asynccontextmanager
async def web_only(
    settings: WebSettings, server_settings: Settings | None = None
) -> AsyncIterator[int]:
    """The web application alone on a free loopback port, with its own hub and
    web settings (``running_server`` starts the web side with the defaults)."""
    hub = Hub(server_settings or Settings(), time.monotonic, wall_ms)
    app = build_app(hub, settings)
    entrance, port = await open_port(app, "127.0.0.1", 0, shutdown_timeout=TICK)
    ticker = asyncio.create_task(_tick(hub))
    try:
        yield port
    finally:
        ticker.cancel()
        hub.shutdown()
        await entrance.close(TICK)


async def _tick(hub: Hub) -> None:
    while True:
        await asyncio.sleep(TICK)
        hub.tick()


def tcp_client(server: RunningServer, handshake: str) -> LineClient:
    """A line-protocol client of ``server`` past its welcome."""
    client = LineClient(server.host, server.port)
    client.send(handshake + "\n")
    assert "welcome" in client.text()
    return client


def get_json(port: int, path: str) -> Any:
    """``GET path`` on the HTTP port, which must answer JSON; the parsed body."""
    url = f"http://127.0.0.1:{port}{path}"
    with urllib.request.urlopen(url, timeout=20 * TICK) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        return json.load(response)


def run(coro: Awaitable[T]) -> T:
    """Run a test coroutine to its end, within a generous limit."""

    async def limited() -> T:
        return await asyncio.wait_for(coro, 60 * TICK)

    return asyncio.run(limited())


class WsClient:
    """A websocket client of ``/ws`` that reads whole text frames.

    Like the browser client it answers each ``ping`` frame with ``.`` as soon as
    it arrives (unless ``answer_pings`` is False, when pings are frames too).
    """

    def __init__(
        self, port: int, host: str = "127.0.0.1", answer_pings: bool = True
    ) -> None:
        self.url = f"http://{host}:{port}/ws"
        self.answer_pings = answer_pings
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.close_code: int | None = None
        self._frames: asyncio.Queue[str | None] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> WsClient:
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(self.url, autoping=True)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader
        if self.session is not None:
            await self.session.close()

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            if self.answer_pings and msg.data == "ping":
                await self.ws.send_str(".")
            else:
                self._frames.put_nowait(msg.data)
        self.close_code = self.ws.close_code
        self._frames.put_nowait(None)

    async def send(self, text: str) -> None:
        assert self.ws is not None
        await self.ws.send_str(text)

    async def frame(self, timeout: float = 10 * TICK) -> str:
        """The next text frame; fails on timeout or close."""
        text = await asyncio.wait_for(self._frames.get(), timeout)
        if text is None:
            self._frames.put_nowait(None)
            raise AssertionError(f"closed with code {self.close_code}")
        return text

    async def message(self, timeout: float = 10 * TICK) -> dict[str, Any]:
        """The next frame, parsed as a message."""
        value = orjson.loads(await self.frame(timeout))
        assert isinstance(value, dict)
        return value

    async def login(self, name: str) -> str:
        """Send the name and return the welcome frame."""
        await self.send(name)
        return await self.frame()

    async def silent(self, seconds: float = TICK) -> None:
        """Assert that no frame arrives for ``seconds``."""
        try:
            text = await asyncio.wait_for(self._frames.get(), seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame {text!r}")

    async def drain(self, seconds: float) -> None:
        """Wait ``seconds``, then drop every frame received so far."""
        await asyncio.sleep(seconds)
        while not self._frames.empty():
            if self._frames.get_nowait() is None:
                self._frames.put_nowait(None)
                return

    async def closed(self, timeout: float = 10 * TICK) -> int | None:
        """Wait for the server to close (after any frames); the close code."""
        while True:
            text = await asyncio.wait_for(self._frames.get(), timeout)
            if text is None:
                self._frames.put_nowait(None)
                return self.close_code


async def subscribed(port: int, channel: str) -> None:
    """Wait until someone subscribed to ``channel`` (or tracks a presence)."""
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            if channel.startswith("presence("):
                url = f"http://127.0.0.1:{port}/api/presence/{channel[9:-1]}"
                async with http.get(url) as r:
                    if (await r.json())["trackers"]:
                        return
            else:
                url = f"http://127.0.0.1:{port}/api/channels/{channel}"
                async with http.get(url) as r:
                    if r.status == 200 and (await r.json())["subscribers"]:
                        return
            await asyncio.sleep(TICK / 5)
    raise AssertionError(f"nobody subscribed to {channel}")
