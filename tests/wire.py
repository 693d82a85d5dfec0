"""Raw line-protocol clients for tests: real sockets, exact lines.

Every wait in the tests is a multiple of ``TICK``, scaled by the environment
variable ``PYOOCSI_TEST_TIMESCALE`` for slow machines.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import orjson

TIMESCALE = float(os.environ.get("PYOOCSI_TEST_TIMESCALE", "1"))
TICK = 0.5 * TIMESCALE  # the unit of every wait in the tests


class LineClient:
    """A TCP connection that reads whole lines, with timeouts."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=10 * TICK)
        self._buffer = b""

    def send(self, data: str | bytes) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def line(self, timeout: float = 10 * TICK) -> bytes:
        """The next line without its ``\\n``; fails on timeout or EOF."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line within {timeout:.1f} s")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise AssertionError(f"connection closed; pending {self._buffer!r}")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def text(self, timeout: float = 10 * TICK) -> str:
        return self.line(timeout).decode()

    def message(
        self, timeout: float = 10 * TICK, answer_pings: bool = False
    ) -> dict[str, Any]:
        """The next line, parsed as a JSON message.

        With ``answer_pings`` a ``ping`` line is answered with ``.`` and skipped,
        as a live client would.
        """
        deadline = time.monotonic() + timeout
        line = self.line(timeout)
        while answer_pings and line == b"ping":
            self.send(".\n")
            line = self.line(max(0.0, deadline - time.monotonic()))
        value = orjson.loads(line)
        assert isinstance(value, dict)
        return value

    def silent(self, seconds: float = TICK) -> None:
        """Assert that no line arrives for ``seconds``."""
        try:
            line = self.line(seconds)
        except AssertionError as exc:
            if "closed" in str(exc):
                raise
            return
        raise AssertionError(f"unexpected line {line!r}")

    def closed(self, timeout: float = 10 * TICK) -> bool:
        """True once the server has closed the connection (after any lines)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                return True
            if not chunk:
                return True
            self._buffer += chunk
        return False

    def close(self) -> None:
        self.sock.close()


def strip_time(message: dict[str, Any]) -> dict[str, Any]:
    """A message without its timestamp, for exact comparison."""
    assert isinstance(message.pop("timestamp"), int)
    return message


def sync(client: LineClient) -> None:
    """Wait until the server has handled everything the client sent before."""
    client.send("ping\n")
    assert client.text() == "."
