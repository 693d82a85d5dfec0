"""The asyncio adapter for websocket clients at ``/ws``: frames in, frames out.

Rules:
- Each connection is one asyncio Protocol, switched to by
  :mod:`pyoocsi.web.front` after the handshake: no task, no coroutine and no
  ``await`` per connection or per frame. A read is parsed into frames in one
  loop (:mod:`pyoocsi.web.wscodec`) and each text frame goes to the session.
  A read over ``READ_SLICE`` bytes is handled a slice per loop turn, with
  reading paused until the last: what one slice queued for other clients is
  written before the next, so a busy sender does not hold up their frames.
- The session hands over whole frames as bytes (see :mod:`pyoocsi.web.frames`).
  Each connection queues them, pongs included, and writes the queue to the
  socket once per event-loop turn, in one ``write``. Nothing is written after
  the close frame.
- Closing: the server's close frame goes after every queued frame; the socket
  is closed once the client's close frame arrives, or aborted after
  ``CLOSE_GRACE`` seconds. A client's close is answered with its code. A
  protocol error, invalid UTF-8 or an oversized message is answered with a
  close frame of its code (1002, 1007, 1009); the rest of the client's
  frames is read and dropped, so the client sees that close, not a reset.
- What the kernel does not take stays in the transport; a client whose backlog
  passes ``max_pending`` bytes is disconnected rather than slowing the rest.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from pyoocsi.core.hub import Hub
from pyoocsi.core.peer import Departure
from pyoocsi.web.session import State, WebSocketSession
from pyoocsi.web.wscodec import (
    PONG,
    Binary,
    CloseReceived,
    Failure,
    FrameReader,
    Ping,
    close_frame,
    server_frame,
)

if TYPE_CHECKING:
    from pyoocsi.web.keys import WebState

__all__ = ["WebSocketConnection", "WebSockets"]

logger = logging.getLogger("pyoocsi.web")

CLOSE_GRACE = 5.0  # seconds a closing client has to take its last frames
READ_SLICE = 16384  # bytes of one read handled per event-loop turn
NORMAL_CLOSE = 1000
GOING_AWAY = 1001


class WebSockets:
    """The open websocket connections of one web server."""

    def __init__(self, hub: Hub, state: WebState) -> None:
        self.hub = hub
        self.state = state
        self.connections: set[WebSocketConnection] = set()
        self._emptied: asyncio.Future[None] | None = None

    def opened(self, connection: WebSocketConnection) -> None:
        self.connections.add(connection)
        self.state.websockets += 1

    def gone(self, connection: WebSocketConnection) -> None:
        self.connections.discard(connection)
        self.state.websockets = len(self.connections)
        if not self.connections and self._emptied and not self._emptied.done():
            self._emptied.set_result(None)

    async def close_all(self, timeout: float) -> None:
        """Close every connection; abort those not closed within ``timeout``."""
        if not self.connections:
            return
        self._emptied = asyncio.get_running_loop().create_future()
        for connection in list(self.connections):
            connection.close(GOING_AWAY)
        try:
            await asyncio.wait_for(asyncio.shield(self._emptied), timeout)
        except TimeoutError:
            for connection in list(self.connections):
                connection.abort()


class WebSocketConnection(asyncio.Protocol):
    """One accepted websocket: feeds a session and writes what it queues."""

    __slots__ = (
        "_at",
        "_close_sent",
        "_closing",
        "_done",
        "_hub",
        "_queued",
        "_reader",
        "_rest",
        "_sockets",
        "_timer",
        "_transport",
        "queue",
        "session",
    )

    def __init__(
        self, sockets: WebSockets, transport: asyncio.Transport, address: str
    ) -> None:
        hub = sockets.hub
        self._sockets = sockets
        self._hub = hub
        self._transport = transport
        self._reader = FrameReader(hub.settings.max_line)
        self.queue: list[bytes] = []
        self._rest = b""  # a big read, handled from _at on in later loop turns
        self._at = 0
        self._queued = False
        self._closing = False  # asked to close: write what is queued, then close
        self._close_sent = False  # the close frame is written: nothing follows it
        self._done = False  # the socket is closed or closing
        self.session = WebSocketSession(hub, self, address)
        loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = loop.call_later(
            hub.settings.handshake_timeout, self.session.handshake_expired
        )
        sockets.opened(self)
        logger.debug("websocket connection from %s", address)

    @classmethod
    def take_over(
        cls,
        sockets: WebSockets,
        transport: asyncio.Transport,
        address: str,
        rest: bytes,
    ) -> WebSocketConnection:
        """Make an upgraded connection a websocket; ``rest`` followed its head."""
        connection = cls(sockets, transport, address)
        transport.set_protocol(connection)
        if rest:
            connection.data_received(rest)
        return connection

    # Protocol: what the transport calls ---------------------------------------

    def data_received(self, data: bytes) -> None:
        if len(data) > READ_SLICE:
            # A slice per loop turn, reading paused meanwhile (see the rules).
            self._rest, self._at = data, READ_SLICE
            self._transport.pause_reading()
            asyncio.get_running_loop().call_soon(self._next_slice)
            data = data[:READ_SLICE]
        self._handle(data)

    def _next_slice(self) -> None:
        if self._done:
            self._rest = b""
            return
        data, start = self._rest, self._at
        end = start + READ_SLICE
        if end < len(data):
            self._at = end
            asyncio.get_running_loop().call_soon(self._next_slice)
        else:
            self._rest = b""
            if not self._transport.is_closing():
                self._transport.resume_reading()
        self._handle(data[start:end])

    def _handle(self, data: bytes) -> None:
        session = self.session
        texts: list[str] = []  # a run of text frames goes to the session at once
        for event in self._reader.feed(data):
            if type(event) is str:
                texts.append(event)
                continue
            if texts:
                session.texts_received(texts)
                texts = []
            if isinstance(event, Ping):
                if not self._closing:
                    self._queue(server_frame(PONG, event.data))
            elif isinstance(event, Binary):
                if not session.closed:
                    session.binary_received()
            elif isinstance(event, CloseReceived):
                self._closed_by_client(event.code)
            elif isinstance(event, Failure):
                self._failed(event)
        if texts:
            session.texts_received(texts)
        timer = self._timer
        if timer and not self._closing and session.state is not State.HANDSHAKE:
            self._stop_timer()  # the handshake timer: the name arrived
        if self._reader.closed and self._close_sent:
            self._finish()

    def eof_received(self) -> bool:
        return False  # the transport closes; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._done = self._closing = self._close_sent = True
        self.queue.clear()
        self._stop_timer()
        self.session.connection_lost()
        self._sockets.gone(self)

    # Outlet: what the session calls -------------------------------------------

    def send(self, frame: bytes) -> None:
        if not self._closing:
            self._queue(frame)

    def close(self, code: int | None = NORMAL_CLOSE, reason: str = "") -> None:
        if self._closing:
            return
        self._closing = True
        self.queue.append(close_frame(code, reason))
        self._flush()

    def abort(self) -> None:
        self._closing = self._close_sent = self._done = True
        self.queue.clear()
        self._transport.abort()

    # writing ------------------------------------------------------------------

    def _queue(self, frame: bytes) -> None:
        self.queue.append(frame)
        self.wake()

    def wake(self) -> None:
        """Schedule the writer; the hub appends frames to ``queue`` and calls this."""
        if not self._queued:
            self._queued = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._queued = False
        out = self.queue
        transport = self._transport
        if self._close_sent or transport.is_closing():
            out.clear()
            return
        if out:
            transport.write(out[0] if len(out) == 1 else b"".join(out))
            out.clear()
        if self._closing:
            self._close_sent = True
            if self._reader.closed:
                self._finish()
            else:
                self._stop_timer()
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(CLOSE_GRACE, self.abort)
            return
        backlog = transport.get_write_buffer_size()
        if backlog > self._hub.settings.max_pending:
            self._overflow(backlog)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _finish(self) -> None:
        """Both close frames are through: close the socket (server side first)."""
        if not self._done:
            self._done = True
            self._transport.close()

    # closing ------------------------------------------------------------------

    def _closed_by_client(self, code: int | None) -> None:
        # Answered with the client's own code (none for none), after what is
        # queued; the session is closed after, so its own close adds nothing.
        self.close(code)
        self.session.connection_lost()

    def _failed(self, failure: Failure) -> None:
        logger.warning(
            "%s: websocket closed with %d: %s",
            self.session.describe(),
            failure.code,
            failure.reason,
        )
        self.close(failure.code, failure.reason)
        self.session.connection_lost()

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
