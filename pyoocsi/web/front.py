"""The HTTP port: each connection is a websocket of ours, or aiohttp's.

Rules:
- Every connection starts with a :class:`Front`, and its first bytes decide
  (:func:`pyoocsi.web.upgrade.claims`). A request for ``/ws`` is answered here
  once its head is read: accepted, the transport is switched to a
  :class:`~pyoocsi.web.websocket.WebSocketConnection`; refused, the refusal is
  written and the connection closed.
- Anything else is handed to aiohttp's protocol at once, with the bytes read so
  far, so every other route is served by aiohttp as if it had accepted the
  connection itself (and its shutdown closes it). A ``/ws`` head longer than
  ``MAX_HEAD`` bytes is handed over too: aiohttp refuses long lines.
- A connection that has not told within ``HEAD_TIMEOUT`` seconds is closed, as
  is one still undecided when the port closes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from aiohttp import web

from pyoocsi.web.keys import SOCKETS
from pyoocsi.web.upgrade import (
    MAX_HEAD,
    answer,
    answer_request,
    claims,
    head_end,
    header_table,
)
from pyoocsi.web.websocket import WebSocketConnection, WebSockets

__all__ = ["Entrance", "Front", "late_upgrade"]

logger = logging.getLogger("pyoocsi.web")

HEAD_TIMEOUT = 30.0  # seconds a new connection has to send its request head


class Entrance:
    """The listening socket, in front of an aiohttp runner that is set up."""

    def __init__(self, runner: web.AppRunner, sockets: WebSockets) -> None:
        assert runner.server is not None
        self.http = runner.server
        self.runner = runner
        self.sockets = sockets
        self.waiting: set[Front] = set()  # connections not yet passed on
        self._server: asyncio.Server | None = None

    async def open(self, host: str | None, port: int) -> int:
        """Listen on ``host`` (every interface when None) and ``port``; the port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Front(self), host, port, reuse_address=True
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self, timeout: float) -> None:
        """Stop listening, close every websocket, then aiohttp's connections."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for front in list(self.waiting):
            front.close()
        await self.sockets.close_all(timeout)
        await self.runner.cleanup()


class Front(asyncio.Protocol):
    """Reads a connection's first bytes and passes the connection on."""

    __slots__ = ("_buffer", "_entrance", "_timer", "_transport")

    def __init__(self, entrance: Entrance) -> None:
        self._entrance = entrance
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio's.
        self._transport = cast(asyncio.Transport, transport)
        self._entrance.waiting.add(self)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(HEAD_TIMEOUT, self.close)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        ours = claims(buffer)
        if ours is None:
            self._buffer = buffer
        elif not ours:
            self._hand_over(buffer)
        elif 0 < (end := head_end(buffer)) <= MAX_HEAD:
            self._websocket(buffer[: end - 4], buffer[end:])
        elif len(buffer) >= MAX_HEAD:
            self._hand_over(buffer)
        else:
            self._buffer = buffer

    def eof_received(self) -> bool | None:
        if not self._buffer:
            return False
        return self._hand_over(self._buffer).eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._passed_on()

    def close(self) -> None:
        """Close a connection that has not told what it is."""
        self._passed_on()
        if self._transport is not None:
            self._transport.close()

    def _passed_on(self) -> None:
        self._entrance.waiting.discard(self)
        self._buffer = b""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _hand_over(self, data: bytes) -> asyncio.Protocol:
        """Make the connection aiohttp's, as if it had accepted it."""
        self._passed_on()
        transport = self._transport
        assert transport is not None
        protocol = self._entrance.http()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        protocol.data_received(data)
        return protocol

    def _websocket(self, head: bytes, rest: bytes) -> None:
        self._passed_on()
        transport = self._transport
        assert transport is not None
        reply = answer(head)
        transport.write(reply.response)
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else "?"
        if not reply.accepted:
            logger.warning("websocket from %s refused: %s", address, reply.reason)
            transport.close()
            return
        WebSocketConnection.take_over(self._entrance.sockets, transport, address, rest)


async def late_upgrade(request: web.Request) -> web.StreamResponse:
    """``GET /ws`` that reached aiohttp: a websocket asked for on a connection
    that carried HTTP requests before (clients such as aiohttp's reuse one).

    Accepted, the connection leaves aiohttp as the front would have passed it
    on: aiohttp is told it is lost (after giving up its transport, so it does
    not close it) and its answer to this request is never written.
    """
    version = f"HTTP/{request.version.major}.{request.version.minor}"
    headers = header_table(request.headers.items())
    reply = answer_request(request.method, version, headers)
    if not reply.accepted:
        logger.warning("websocket from %s refused: %s", request.remote, reply.reason)
        extra = {"Sec-WebSocket-Version": "13"} if reply.status == 426 else None
        return web.Response(status=reply.status, text=reply.reason, headers=extra)
    transport = request.transport
    protocol = request.protocol
    if transport is None or protocol.transport is None:
        return web.Response()  # the client is gone
    transport.write(reply.response)
    # What the client sent after the request head (frames that did not wait
    # for the 101): aiohttp keeps it for the upgrade's new reader.
    rest: bytes = getattr(protocol, "_message_tail", b"")
    protocol.transport = None
    protocol.connection_lost(None)
    sockets = request.app[SOCKETS]
    WebSocketConnection.take_over(sockets, transport, request.remote or "?", rest)
    return web.Response()
