"""One TCP line-protocol client, without any I/O: bytes in, lines out.

Rules:
- Input is cut at ``\\n`` only; each complete line is decoded as UTF-8 as a
  whole (a character split across reads arrives intact) and trimmed.
- The first line is the handshake. Until the hub admits the client, later lines
  are held, and are dropped unread if the handshake is refused.
- A line longer than ``max_line`` bytes ends the session with an error line.
- Every complete line after the welcome is activity; commands follow the table
  in :mod:`pyoocsi.core.commands`.
- Output goes through a :class:`Transport`; this class never blocks.
"""

from __future__ import annotations

import enum
import logging
from typing import Protocol

from pyoocsi.core.commands import Command, Kind, parse_command, trim
from pyoocsi.core.encoding import LEGACY_BLOB
from pyoocsi.core.handshake import (
    Dialect,
    Handshake,
    HandshakeRefusedError,
    error_line,
    parse_handshake,
    welcome_line,
)
from pyoocsi.core.hub import Client, Hub
from pyoocsi.core.message import Message
from pyoocsi.core.peer import Departure

__all__ = ["LineSession", "Transport"]

logger = logging.getLogger("pyoocsi.tcp")


class Transport(Protocol):
    """The I/O side of a session, supplied by an adapter.

    ``write`` appends to ``queue``; the hub may append to it directly and call
    ``wake`` when it was empty (see :data:`pyoocsi.core.hub.Sink`).
    """

    queue: list[bytes]

    def write(self, data: bytes) -> None:
        """Queue bytes; the adapter writes them soon, in order."""
        ...

    def wake(self) -> None:
        """Schedule the writer of ``queue`` (never write at once)."""
        ...

    def flush(self) -> None:
        """Write what is queued now, as its own segment if possible."""
        ...

    def close(self) -> None:
        """Close after everything queued has been written."""
        ...

    def abort(self) -> None:
        """Close now, discarding what is queued."""
        ...


class State(enum.Enum):
    HANDSHAKE = "handshake"
    WAITING = "waiting"  # handshake sent, the hub is probing the name's holder
    OPEN = "open"
    CLOSED = "closed"


class LineSession:
    """A client of the TCP line protocol (JSON, PD or plain dialect)."""

    def __init__(self, hub: Hub, transport: Transport, address: str) -> None:
        self.hub = hub
        self.transport = transport
        self.address = address
        self.state = State.HANDSHAKE
        self.dialect = Dialect.JSON
        self.client: Client | None = None
        self._max_line = hub.settings.max_line
        self._partial: list[bytes] = []
        self._partial_size = 0
        self._held: list[str] = []
        self._held_size = 0

    @property
    def closed(self) -> bool:
        return self.state is State.CLOSED

    # input ------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        """Feed bytes from the socket."""
        if self.state is State.CLOSED:
            return
        lines = data.split(b"\n")
        tail = lines.pop()
        if lines and self._partial:
            self._partial.append(lines[0])
            lines[0] = b"".join(self._partial)
            self._partial.clear()
            self._partial_size = 0
        if lines:
            self._lines(lines)
            if self.closed:  # a line ended the session
                return
        if tail:
            self._partial.append(tail)
            self._partial_size += len(tail)
            if self._partial_size > self._max_line:
                self._line_too_long()

    def _lines(self, lines: list[bytes]) -> None:
        client = self.client if self.state is State.OPEN else None
        if client is not None:
            self.hub.seen(client)  # one call for the whole read
        # Most lines are messages, and no row before ``sendraw`` in the command
        # table can match one: they skip the table, and a run of them goes to
        # the hub in one call. ``fast`` says whether they may, and changes only
        # when a line goes through the table.
        fast = client is not None and self.dialect is not Dialect.PD
        sends: list[tuple[str, str]] = []
        max_line = self._max_line
        for raw in lines:
            if len(raw) > max_line:
                self._publish(sends)
                self._line_too_long()
                return
            line = raw.decode("utf-8", "replace")
            if not line or line[0] <= " " or line[-1] <= " ":
                line = trim(line)
            if fast and line.startswith("sendraw "):
                parts = line.split(" ", 2)
                if len(parts) == 3 and parts[1] and parts[2]:
                    sends.append((parts[1], parts[2]))
                    continue
            if sends:
                self._publish(sends)
                sends = []
            self._line(line)
            if self.closed:
                return
            client = self.client if self.state is State.OPEN else None
            fast = client is not None and self.dialect is not Dialect.PD
        self._publish(sends)

    def _publish(self, sends: list[tuple[str, str]]) -> None:
        if sends and self.client is not None:  # sends come only from an open client
            self.hub.publish_texts(self.client, sends)

    def _line(self, line: str) -> None:
        if self.state is State.OPEN:
            self.execute(parse_command(line, self.dialect is Dialect.PD))
        elif self.state is State.HANDSHAKE:
            self._handshake(line)
        elif self.state is State.WAITING:
            self._held.append(line)
            self._held_size += len(line)
            if self._held_size > self._max_line:
                self._stop_waiting("too much input before the welcome")

    def _handshake(self, line: str) -> None:
        try:
            handshake = parse_handshake(line)
        except HandshakeRefusedError as exc:
            dialect = Dialect.PD if ";" in line else Dialect.JSON
            self._refuse(exc.reason, dialect)
            return
        self.dialect = handshake.dialect
        self.state = State.WAITING
        self.hub.register(self, handshake)

    def _line_too_long(self) -> None:
        logger.warning(
            "%s sent a line longer than %d bytes", self.describe(), self._max_line
        )
        self._partial.clear()
        self._partial_size = 0
        reason = f"line longer than {self._max_line} bytes"
        if self.client is not None and self.state is State.OPEN:
            self.transport.write(error_line(reason, self.dialect))
            self.hub.depart(self.client.name, Departure.REFUSED)
        else:
            self._stop_waiting(reason)

    def _stop_waiting(self, reason: str) -> None:
        self.hub.withdraw(self)
        self._refuse(reason, self.dialect)

    def handshake_expired(self) -> None:
        """Called by the adapter when the handshake time limit has passed."""
        if self.state is State.HANDSHAKE:
            seconds = self.hub.settings.handshake_timeout
            self._refuse(f"handshake not completed within {seconds:g} s", self.dialect)

    def connection_lost(self) -> None:
        """The socket closed or failed."""
        state, self.state = self.state, State.CLOSED
        if state is State.OPEN and self.client is not None:
            self.hub.depart(self.client.name, Departure.CLOSED)
        elif state is State.WAITING:
            self.hub.withdraw(self)

    # commands ---------------------------------------------------------------

    def execute(self, command: Command) -> None:
        """Carry out one command of an admitted client."""
        client = self.client
        assert client is not None
        kind = command.kind
        if kind is Kind.SENDRAW or kind is Kind.SEND:
            self.hub.publish_text(client, command.target, command.payload)
        elif kind is Kind.SUBSCRIBE:
            self.hub.subscribe(client, command.target)
        elif kind is Kind.UNSUBSCRIBE:
            self.hub.unsubscribe(client, command.target)
        elif kind is Kind.PING:
            self.reply(".")
            self.hub.answered(client)
        elif kind is Kind.PONG:
            self.hub.answered(client)
        elif kind is Kind.QUIT:
            self.hub.depart(client.name, Departure.QUIT)
        elif kind is Kind.CHANNELS:
            self.reply(self.hub.channel_list())
        elif kind is Kind.MEMBERS:
            self.reply(self.hub.member_list(command.target))
        elif kind is Kind.CLIENTS:
            self.reply(self.hub.client_list())

    # Peer: what the hub calls -------------------------------------------------

    def describe(self) -> str:
        return self.address

    def admit(self, handshake: Handshake) -> None:
        self.state = State.OPEN
        self.client = self.hub.clients[handshake.name]
        transport = self.transport
        if self.dialect is Dialect.JSON:
            self.client.sink = (Message.json_line, transport.queue, transport.wake)
        elif self.dialect is Dialect.PD:
            self.client.sink = (Message.pd_line, transport.queue, transport.wake)
        # The welcome goes out as its own segment: the oocsi Python client reads
        # it with one recv() and would lose anything that follows in the same one.
        self.transport.write(welcome_line(handshake))
        self.transport.flush()
        held, self._held = self._held, []
        self._held_size = 0
        for line in held:
            if self.state is not State.OPEN:
                break
            self._line(line)

    def refuse(self, reason: str) -> None:
        self._refuse(reason, self.dialect)

    def _refuse(self, reason: str, dialect: Dialect) -> None:
        logger.warning("%s refused: %s", self.describe(), reason)
        self.state = State.CLOSED
        self._held.clear()
        self.transport.write(error_line(reason, dialect))
        self.transport.close()

    def deliver(self, message: Message) -> None:
        if self.dialect is Dialect.JSON:
            self.transport.write(message.json_line())
        elif self.dialect is Dialect.PD:
            self.transport.write(message.pd_line())
        else:
            line = (
                f"send {message.recipient} {LEGACY_BLOB} "
                f"{message.timestamp} {message.sender}\n"
            )
            self.transport.write(line.encode())

    def reply(self, text: str) -> None:
        suffix = ";\n" if self.dialect is Dialect.PD else "\n"
        self.transport.write((text + suffix).encode())

    def ping(self) -> None:
        self.reply("ping")

    def disconnect(self, departure: Departure) -> None:
        self.state = State.CLOSED
        if departure is Departure.OVERFLOW:
            self.transport.abort()
            return
        if departure in (Departure.QUIT, Departure.TIMEOUT, Departure.SHUTDOWN):
            self.reply("bye")
        self.transport.close()
