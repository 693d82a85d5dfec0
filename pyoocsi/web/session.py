"""One websocket client, without any I/O: text frames in, whole frames out.

Rules:
- The first frame is the name (see :mod:`pyoocsi.web.frames`); until the hub
  admits the client, later frames are held, and dropped if it is refused.
- A refused name gets one ``{"message" : "ERROR: ..."}`` frame, then the
  socket is closed; a taken name gets the reference's exact text.
- Every frame after the welcome is activity; ``sendjson`` publishes through
  the hub like a TCP ``sendraw``, so retained, delayed and scheduled messages
  work the same on both transports. Any frame that is not a command is a pong.
- A ``sendjson`` payload is read as a TCP ``sendraw`` payload: one starting
  with ``{`` must be a JSON object (else it is refused, logged, counted and
  answered with an ``error (...)`` frame), any other text arrives as
  ``{"data": text}``.
- A binary frame is not part of the protocol: as the first frame it is refused
  like a bad name, later it is answered with an ``error (...)`` frame.
"""

from __future__ import annotations

import logging
from typing import Protocol

from pyoocsi.core import fastline
from pyoocsi.core.handshake import Handshake
from pyoocsi.core.hub import NAME_TAKEN, Client, Hub
from pyoocsi.core.message import Message
from pyoocsi.core.peer import Departure
from pyoocsi.core.session import State
from pyoocsi.web.frames import (
    FALLBACK_NAME,
    Kind,
    error_frame,
    message_wire,
    name_handshake,
    parse_frame,
    welcome_frame,
    wire,
)

__all__ = ["Outlet", "State", "WebSocketSession"]

logger = logging.getLogger("pyoocsi.web")

MAX_HELD = 100  # frames a client may send before its welcome
_PING = wire("ping")


class Outlet(Protocol):
    """The I/O side of a websocket session, supplied by the adapter.

    ``send`` appends to ``queue``; the hub may append whole frames to it
    directly and call ``wake`` when it was empty (see
    :data:`pyoocsi.core.hub.Sink`).
    """

    queue: list[bytes]

    def send(self, frame: bytes) -> None:
        """Queue a whole frame, as on the wire; the adapter sends them in order."""
        ...

    def wake(self) -> None:
        """Schedule the writer of ``queue`` (never write at once)."""
        ...

    def close(self) -> None:
        """Close after every queued frame has been sent."""
        ...

    def abort(self) -> None:
        """Close now, discarding what is queued."""
        ...


class WebSocketSession:
    """A client of the reference web server's websocket protocol."""

    def __init__(self, hub: Hub, outlet: Outlet, address: str) -> None:
        self.hub = hub
        self.outlet = outlet
        self.address = address
        self.state = State.HANDSHAKE
        self.client: Client | None = None
        self._asked_for = ""
        self._held: list[str] = []

    @property
    def closed(self) -> bool:
        return self.state is State.CLOSED

    @property
    def name(self) -> str | None:
        return self.client.name if self.client is not None else None

    # input ------------------------------------------------------------------

    def text_received(self, text: str) -> None:
        """Feed one text frame."""
        self.texts_received([text])

    def texts_received(self, texts: list[str]) -> None:
        """Feed the text frames of one read, in order.

        As on the TCP side, a run of ``sendjson`` frames skips the command
        table and goes to the hub in one call, and the client is seen once for
        the read.
        """
        client = self.client if self.state is State.OPEN else None
        if client is not None:
            self.hub.seen(client)
        sends: list[tuple[str, str]] = []
        for text in texts:
            if client is not None and text.startswith("sendjson "):
                parts = text.split(" ", 2)
                if len(parts) == 3 and parts[1]:
                    sends.append((parts[1], parts[2].strip()))
                    continue
            if sends:
                self._publish(sends)
                sends = []
            if self.closed:
                return
            self._text(text)
            client = self.client if self.state is State.OPEN else None
        self._publish(sends)

    def _text(self, text: str) -> None:
        if self.state is State.OPEN:
            assert self.client is not None
            self._execute(self.client, text)
        elif self.state is State.HANDSHAKE:
            handshake = name_handshake(text)
            if handshake.token == FALLBACK_NAME != text.strip():
                logger.warning(
                    "%s sent an unusable name %r; it becomes %s",
                    self.describe(),
                    text[:80],
                    FALLBACK_NAME,
                )
            self._asked_for = handshake.name
            self.state = State.WAITING
            self.hub.register(self, handshake)
        elif self.state is State.WAITING:
            self._held.append(text)
            if len(self._held) > MAX_HELD:
                self.hub.withdraw(self)
                self.refuse("too many frames before the welcome")

    def _publish(self, sends: list[tuple[str, str]]) -> None:
        client = self.client
        if sends and client is not None and self.state is State.OPEN:
            self.hub.publish_texts(client, sends)

    def _execute(self, client: Client, text: str) -> None:
        frame = parse_frame(text)
        kind = frame.kind
        if kind is Kind.SENDJSON:
            self.hub.publish_text(client, frame.target, frame.payload.strip())
        elif kind is Kind.SUBSCRIBE:
            self.hub.subscribe(client, frame.target)
        elif kind is Kind.UNSUBSCRIBE:
            self.hub.unsubscribe(client, frame.target)
        else:
            self.hub.answered(client)

    def binary_received(self) -> None:
        """A binary frame arrived: refuse it as a name, answer it later."""
        if self.state is State.HANDSHAKE:
            self.refuse("the first frame must be the name, as text")
        elif self.state is State.OPEN:
            logger.warning("%s sent a binary frame", self.describe())
            self.reply("error (binary frames are not part of the protocol)")

    def handshake_expired(self) -> None:
        """Called by the adapter when no name arrived in time."""
        if self.state is State.HANDSHAKE:
            seconds = self.hub.settings.handshake_timeout
            self.refuse(f"no name received within {seconds:g} s")

    def connection_lost(self) -> None:
        """The socket closed or failed."""
        state, self.state = self.state, State.CLOSED
        if state is State.OPEN and self.client is not None:
            self.hub.depart(self.client.name, Departure.CLOSED)
        elif state is State.WAITING:
            self.hub.withdraw(self)

    # Peer: what the hub calls -------------------------------------------------

    def describe(self) -> str:
        return f"websocket {self.address}"

    def admit(self, handshake: Handshake) -> None:
        self.state = State.OPEN
        self.client = self.hub.clients[handshake.name]
        self.client.sink = (_message_frame, self.outlet.queue, self.outlet.wake)
        self.outlet.send(wire(welcome_frame(handshake.token)))
        held, self._held = self._held, []
        for text in held:
            if self.state is not State.OPEN:
                break
            self.text_received(text)

    def refuse(self, reason: str) -> None:
        name = self._asked_for
        if name and reason.startswith(NAME_TAKEN):
            reason = f"client {name} exists already"  # the reference's words
        logger.warning("%s refused: %s", self.describe(), reason)
        self.state = State.CLOSED
        self._held.clear()
        self.outlet.send(wire(error_frame(reason)))
        self.outlet.close()

    def deliver(self, message: Message) -> None:
        self.outlet.send(_message_frame(message))

    def reply(self, text: str) -> None:
        self.outlet.send(wire(text))

    def ping(self) -> None:
        self.outlet.send(_PING)

    def disconnect(self, departure: Departure) -> None:
        self.state = State.CLOSED
        if departure is Departure.OVERFLOW:
            self.outlet.abort()
        else:
            self.outlet.close()


def _message_frame(message: Message) -> bytes:
    """A message's frame, built once per message for every websocket client."""
    return message.rendered(message_wire)


fastline.pair(_message_frame, fastline.websocket_frame)
