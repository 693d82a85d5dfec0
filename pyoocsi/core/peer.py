"""What the hub needs of a connected client, whatever its transport."""

from __future__ import annotations

import enum
from typing import Protocol

from pyoocsi.core.handshake import Handshake
from pyoocsi.core.message import Message

__all__ = ["Departure", "Peer"]


class Departure(enum.Enum):
    """Why a client left; decides the presence event (``leave`` or ``timeout``)."""

    QUIT = "quit"  # the client said quit
    CLOSED = "closed"  # the socket closed or failed
    TIMEOUT = "timeout"  # silent past the keep-alive timeout, or lost a name probe
    OVERFLOW = "overflow"  # did not read its output and passed the pending limit
    SHUTDOWN = "shutdown"  # the server is stopping
    REFUSED = "refused"  # protocol violation after the handshake (line too long)


class Peer(Protocol):
    """A client session (TCP line protocol, websocket, ...) as seen by the hub.

    The hub calls these synchronously; a peer only queues output, never blocks.
    """

    def describe(self) -> str:
        """Where the peer connects from, for log lines."""
        ...

    def admit(self, handshake: Handshake) -> None:
        """The handshake was accepted under ``handshake.name``: welcome the client."""
        ...

    def refuse(self, reason: str) -> None:
        """The handshake was refused: send one error line and close."""
        ...

    def deliver(self, message: Message) -> None:
        """Queue a message for the client."""
        ...

    def reply(self, text: str) -> None:
        """Queue a plain text line (command replies)."""
        ...

    def ping(self) -> None:
        """Queue a keep-alive ping."""
        ...

    def disconnect(self, departure: Departure) -> None:
        """Close the session (the hub has already forgotten the client)."""
        ...
