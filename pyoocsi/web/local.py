"""Clients that live inside the server: no socket, the hub calls them directly.

A local peer never times out: the hub's keep-alive ping counts as its answer.
Work a peer does in reaction to a delivery is scheduled on the loop, never run
inside the hub's routing call. Built-in clients that answer questions (``echo``,
``heyOOCSIClient``, ``http-web-request``) never answer one another: an answer
sent to another of them, or to the asker itself, would be a question again and
the two would talk in circles forever.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pyoocsi.core.handshake import Dialect, Handshake
from pyoocsi.core.hub import Client, Hub
from pyoocsi.core.message import Message
from pyoocsi.core.peer import Departure

__all__ = ["LocalPeer", "answer_data"]

# Keys that tell the server what to do with a message, not what it says: an
# answer that copied them would be held or retained a second time.
_CONTROL_KEYS = ("_DELAY", "_SCHEDULE", "_RETAIN")


def answer_data(question: dict[str, Any]) -> dict[str, Any]:
    """A question's data to answer with: a copy without its control keys."""
    return {k: v for k, v in question.items() if k not in _CONTROL_KEYS}


logger = logging.getLogger("pyoocsi.web")


class LocalPeer:
    """A named client of the hub run by the server itself."""

    def __init__(self, hub: Hub, name: str, kind: str, builtin: bool = False) -> None:
        self.hub = hub
        self.name = name
        self.kind = kind
        self.builtin = builtin  # a built-in client that answers questions
        self.client: Client | None = None
        self.refusal: str | None = None

    def join(self) -> bool:
        """Register under ``name``; False (with ``refusal`` set) if refused."""
        handshake = Handshake(Dialect.JSON, self.name, None, self.name)
        self.hub.register(self, handshake, local=True)
        return self.client is not None

    def leave(self) -> None:
        if self.client is not None:
            self.hub.depart(self.client.name, Departure.QUIT)

    # Peer ---------------------------------------------------------------------

    def describe(self) -> str:
        return self.kind

    def admit(self, handshake: Handshake) -> None:
        self.client = self.hub.clients[handshake.name]
        self.name = handshake.name

    def refuse(self, reason: str) -> None:
        self.refusal = reason
        logger.warning("%s %s not started: %s", self.kind, self.name, reason)

    def deliver(self, message: Message) -> None:
        asyncio.get_running_loop().call_soon(self.received, message)

    def received(self, message: Message) -> None:
        """A message for this client, outside the hub's routing call."""

    def asked(self, message: Message) -> bool:
        """Whether ``message`` is a question for this client to answer.

        It is addressed to this client (a ``:suffix`` is ignored, as the hub
        ignores it) and does not come from a built-in client.
        """
        if self.client is None or message.recipient.partition(":")[0] != self.name:
            return False
        sender = self.hub.clients.get(message.sender)
        peer = sender.peer if sender is not None else None
        return not (isinstance(peer, LocalPeer) and peer.builtin)

    def reply(self, text: str) -> None:
        pass

    def ping(self) -> None:
        asyncio.get_running_loop().call_soon(self._alive)

    def _alive(self) -> None:
        if self.client is not None and self.name in self.hub.clients:
            self.hub.seen(self.client)

    def disconnect(self, departure: Departure) -> None:
        self.client = None
