"""The aiohttp adapter for websocket clients at ``/ws``.

Rules:
- The session hands over whole frames as bytes (see :mod:`pyoocsi.web.frames`).
  Each connection queues them and writes the queue to the socket once per
  event-loop turn, in one ``write``: no ``await`` and no aiohttp call per frame.
- aiohttp writes its own control frames (pong, close) to the same transport,
  each in one synchronous write, so frames never interleave. Once aiohttp has
  begun a close nothing more is written.
- Permessage-deflate is not offered: a message's frame is built once and sent
  as is to every subscriber, which a per-connection compressor would undo.
- What the kernel does not take stays in the transport; a client whose backlog
  passes ``max_pending`` bytes is disconnected rather than slowing the rest.
"""

from __future__ import annotations

import asyncio
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
    """One accepted websocket: feeds a session and writes what it queues."""

    def __init__(
        self, hub: Hub, ws: web.WebSocketResponse, request: web.Request
    ) -> None:
        self._hub = hub
        self._ws = ws
        self._transport = request.transport
        self._loop = asyncio.get_running_loop()
        self._out: list[bytes] = []
        self._queued = False
        self._closing = False  # asked to close: write what is queued, then close
        self._done = False  # nothing more is written
        self._closer: asyncio.Task[None] | None = None
        self.session = WebSocketSession(hub, self, request.remote or "?")

    # Outlet -------------------------------------------------------------------

    def send(self, frame: bytes) -> None:
        if self._closing:
            return
        self._out.append(frame)
        if not self._queued:
            self._queued = True
            self._loop.call_soon(self._flush)

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._flush()

    def abort(self) -> None:
        self._closing = self._done = True
        self._out.clear()
        if self._transport is not None:
            self._transport.abort()

    # writing ------------------------------------------------------------------

    def _flush(self) -> None:
        self._queued = False
        if self._done:
            return
        out = self._out
        transport = self._transport
        if self._ws.closed or transport is None or transport.is_closing():
            self._done = True
            out.clear()
            return
        if out:
            transport.write(out[0] if len(out) == 1 else b"".join(out))
            out.clear()
        if self._closing:
            self._done = True
            self._closer = self._loop.create_task(self._close())
            return
        backlog = transport.get_write_buffer_size()
        if backlog > self._hub.settings.max_pending:
            self._overflow(backlog)

    async def _close(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
            await asyncio.wait_for(self._ws.close(), CLOSE_GRACE)

    async def closed(self) -> None:
        """Close (after the queued frames) and wait until that is done."""
        self.close()
        if self._closer is not None:
            await self._closer

    def _overflow(self, backlog: int) -> None:
        session = self.session
        limit = self._hub.settings.max_pending
        logger.warning(
            "%s (%s) disconnected: %d bytes of output pending, limit %d",
            session.name or "unregistered client",
            session.describe(),
            backlog,
            limit,
        )
        if session.client is not None and session.state is State.OPEN:
            self._hub.depart(session.client.name, Departure.OVERFLOW)
        self.abort()

    # reading ------------------------------------------------------------------

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
                    session.binary_received()
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
    ws = web.WebSocketResponse(
        max_msg_size=hub.settings.max_line, autoping=True, compress=False
    )
    await ws.prepare(request)
    connection = WebSocketConnection(hub, ws, request)
    logger.debug("websocket connection from %s", request.remote)
    state = request.app[STATE]
    state.websockets += 1
    try:
        await connection.read_loop()
    finally:
        state.websockets -= 1
        connection.session.connection_lost()
        with contextlib.suppress(asyncio.CancelledError):
            await connection.closed()
    return ws
