"""The aiohttp adapter for websocket clients at ``/ws``.

Each connection has an outbox of frames and one writer task that sends them in
order. aiohttp accepts frames until its transport buffer is full and then makes
the writer wait, so the outbox holds what the client has not yet taken; past
``max_pending`` bytes the client is disconnected rather than slowing the rest.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging

from aiohttp import WSMsgType, web

from pyoocsi.core.hub import Hub
from pyoocsi.core.peer import Departure
from pyoocsi.web.keys import HUB, STATE
from pyoocsi.web.session import State, WebSocketSession

__all__ = ["WebSocketConnection", "websocket_handler"]

logger = logging.getLogger("pyoocsi.web")

CLOSE_GRACE = 5.0  # seconds a closing client has to take its last frames


class WebSocketConnection:
    """One accepted websocket: feeds a session and sends what it queues."""

    def __init__(
        self, hub: Hub, ws: web.WebSocketResponse, request: web.Request
    ) -> None:
        self._hub = hub
        self._ws = ws
        self._request = request
        self._out: collections.deque[str] = collections.deque()
        self._pending = 0
        self._wake = asyncio.Event()
        self._closing = False
        self._aborted = False
        self.session = WebSocketSession(hub, self, request.remote or "?")

    # Outlet -------------------------------------------------------------------

    def send(self, text: str) -> None:
        if self._closing:
            return
        self._out.append(text)
        self._pending += len(text)
        self._wake.set()
        limit = self._hub.settings.max_pending
        if self._pending > limit and not self._closing:
            # Not now: the hub may be in the middle of a fan-out.
            self._closing = True
            asyncio.get_running_loop().call_soon(self._overflow, limit)

    def close(self) -> None:
        self._closing = True
        self._wake.set()

    def abort(self) -> None:
        self._closing = True
        self._aborted = True
        self._out.clear()
        self._wake.set()
        transport = self._request.transport
        if transport is not None:
            transport.abort()

    def _overflow(self, limit: int) -> None:
        session = self.session
        logger.warning(
            "%s (%s) disconnected: %d bytes of output pending, limit %d",
            session.name or "unregistered client",
            session.describe(),
            self._pending,
            limit,
        )
        if session.client is not None and session.state is State.OPEN:
            self._hub.depart(session.client.name, Departure.OVERFLOW)
        self.abort()

    # tasks --------------------------------------------------------------------

    async def write_loop(self) -> None:
        """Send queued frames in order until the session is closed."""
        ws = self._ws
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._out and not self._aborted:
                text = self._out.popleft()
                self._pending -= len(text)
                try:
                    await ws.send_str(text)
                except (ConnectionError, RuntimeError):
                    self._out.clear()
                    return
            if self._closing:
                if not self._aborted:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await asyncio.wait_for(ws.close(), CLOSE_GRACE)
                return

    async def read_loop(self) -> None:
        """Feed received frames to the session until the socket closes."""
        ws = self._ws
        session = self.session
        loop = asyncio.get_running_loop()
        timer = loop.call_later(
            self._hub.settings.handshake_timeout, session.handshake_expired
        )
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    session.text_received(msg.data)
                elif msg.type is WSMsgType.BINARY:
                    logger.warning("%s sent a binary frame", session.describe())
                elif msg.type is WSMsgType.ERROR:
                    logger.warning(
                        "%s: websocket error: %s", session.describe(), ws.exception()
                    )
                if session.closed:
                    break
        finally:
            timer.cancel()


async def websocket_handler(request: web.Request) -> web.StreamResponse:
    """``GET /ws``: the reference web server's websocket protocol."""
    hub = request.app[HUB]
    ws = web.WebSocketResponse(max_msg_size=hub.settings.max_line, autoping=True)
    await ws.prepare(request)
    connection = WebSocketConnection(hub, ws, request)
    logger.debug("websocket connection from %s", request.remote)
    state = request.app[STATE]
    state.websockets += 1
    writer = asyncio.create_task(connection.write_loop())
    try:
        await connection.read_loop()
    finally:
        state.websockets -= 1
        connection.session.connection_lost()
        connection.close()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    return ws
