"""The asyncio adapter for the TCP line protocol.

Each connection queues its output and the :class:`Flusher` writes every
connection's queue once per event-loop turn, so a burst of messages costs one
``write`` per receiver, not one per message. The kernel decides how much it
accepts; what it does not is kept by the transport, and a client whose backlog
passes ``max_pending`` bytes is disconnected rather than slowing anyone else.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from pyoocsi.core.hub import Hub
from pyoocsi.core.peer import Departure
from pyoocsi.core.session import LineSession, State

__all__ = ["Flusher", "TcpConnection"]

logger = logging.getLogger("pyoocsi.tcp")

# How long a closing connection may take to drain its output before it is cut.
CLOSE_GRACE = 5.0


class Flusher:
    """Writes the queued output of every connection once per loop turn."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._dirty: list[TcpConnection] = []
        self._scheduled = False

    def mark(self, connection: TcpConnection) -> None:
        self._dirty.append(connection)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.run)

    def run(self) -> None:
        self._scheduled = False
        dirty, self._dirty = self._dirty, []
        for connection in dirty:
            connection.flush()


class TcpConnection(asyncio.Protocol):
    """One accepted socket: feeds a :class:`LineSession` and writes its output."""

    def __init__(self, hub: Hub, flusher: Flusher, live: set[TcpConnection]) -> None:
        self._hub = hub
        self._flusher = flusher
        self._live = live
        self.queue: list[bytes] = []
        self._queued = False
        self._closing = False
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.session: LineSession | None = None

    # asyncio.Protocol -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._live.add(self)
        peer = transport.get_extra_info("peername")
        address = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        logger.debug("connection from %s", address)
        self.session = LineSession(self._hub, self, address)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(
            self._hub.settings.handshake_timeout, self.session.handshake_expired
        )

    def data_received(self, data: bytes) -> None:
        assert self.session is not None
        self.session.data_received(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._live.discard(self)
        if self._timer is not None:
            self._timer.cancel()
        self.queue.clear()
        self._closing = True
        if self.session is not None:
            self.session.connection_lost()

    # Transport for the session ----------------------------------------------

    def write(self, data: bytes) -> None:
        # A flag, not a transport call: a transport that closed under us is
        # noticed by flush(), which drops the queue. The hub appends messages
        # to the queue itself and calls wake() (see pyoocsi.core.hub.Sink).
        if self._closing:
            return
        self.queue.append(data)
        self.wake()

    def wake(self) -> None:
        if not self._queued:
            self._queued = True
            self._flusher.mark(self)

    def flush(self) -> None:
        self._queued = False
        transport = self._transport
        if transport is None or transport.is_closing():
            self.queue.clear()
            return
        if self.queue:
            out = self.queue
            transport.write(out[0] if len(out) == 1 else b"".join(out))
            out.clear()
        if self._closing:
            self._finish_close(transport)
            return
        backlog = transport.get_write_buffer_size()
        if backlog > self._hub.settings.max_pending:
            self._overflow(backlog)

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self.flush()

    def abort(self) -> None:
        self._closing = True
        self.queue.clear()
        if self._transport is not None:
            self._transport.abort()

    # helpers ----------------------------------------------------------------

    def _finish_close(self, transport: asyncio.Transport) -> None:
        transport.close()
        # A peer that never reads would keep a closing socket open forever.
        asyncio.get_running_loop().call_later(CLOSE_GRACE, transport.abort)

    def _overflow(self, backlog: int) -> None:
        session = self.session
        assert session is not None
        limit = self._hub.settings.max_pending
        logger.warning(
            "%s (%s) disconnected: %d bytes of output pending, limit %d",
            session.client.name if session.client else "unregistered client",
            session.describe(),
            backlog,
            limit,
        )
        if session.client is not None and session.state is State.OPEN:
            self._hub.depart(session.client.name, Departure.OVERFLOW)
        else:
            self.abort()
