"""The real ``oocsi`` package (0.4.3) as a client, with queues to wait on.

The package runs callbacks on its reader thread; these wrappers put what the
callbacks see on queues, so tests wait for events instead of sleeping.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import uuid
from typing import Any

from oocsi import OOCSI

from tests.wire import TICK

Event = tuple[str, str, dict[str, Any]]  # sender, recipient, data

WAIT = 20 * TICK


class PackageClient:
    """An ``oocsi.OOCSI`` client whose direct and channel messages are queued."""

    def __init__(self, name: str, port: int) -> None:
        self.log: list[str] = []
        self.inbox: queue.Queue[Event] = queue.Queue()
        self._synced: queue.Queue[str] = queue.Queue()
        self.oocsi = OOCSI(
            name, "127.0.0.1", port, callback=self._direct, logger=self.log.append
        )

    def _direct(self, sender: str, recipient: str, event: dict[str, Any]) -> None:
        token = event.get("_sync_token")
        if isinstance(token, str):
            self._synced.put(token)
        else:
            self.inbox.put((sender, recipient, event))

    def _channel(self, sender: str, recipient: str, event: dict[str, Any]) -> None:
        self.inbox.put((sender, recipient, event))

    def subscribe(self, channel: str) -> None:
        self.oocsi.subscribe(channel, self._channel)

    def sync(self) -> None:
        """Wait until the server has handled everything this client sent."""
        token = uuid.uuid4().hex
        self.oocsi.send(self.oocsi.handle, {"_sync_token": token})
        while self._synced.get(timeout=WAIT) != token:
            pass

    def next(self) -> Event:
        """The next message a callback received."""
        try:
            return self.inbox.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"no message within {WAIT:.0f} s") from None

    def nothing_pending(self) -> None:
        """Assert that no message arrived; call after :meth:`sync`."""
        assert self.inbox.empty(), self.inbox.get_nowait()

    def stop(self) -> None:
        """Say ``quit`` and wake the reader thread so it ends."""
        client = self.oocsi
        client.reconnect = False
        client.internalSend("quit")
        with contextlib.suppress(OSError):  # the server may have closed it
            client.sock.shutdown(socket.SHUT_RDWR)
        client.stop()
