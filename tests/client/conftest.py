"""Helpers for client tests: run a coroutine against a fresh real server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator

import pytest

from pyoocsi.client import AsyncOOCSI
from pyoocsi.server.testing import RunningServer, running_server
from tests.wire import TICK

ClientFactory = Callable[..., AsyncOOCSI]


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


def async_client(server: RunningServer, handle: str, **options: object) -> AsyncOOCSI:
    """A TCP client of ``server`` with quick reconnects (not yet connected)."""
    options.setdefault("backoff", (TICK / 10, TICK))
    return AsyncOOCSI(handle, "127.0.0.1", server.port, **options)  # type: ignore[arg-type]


def run(coroutine: Awaitable[None]) -> None:
    async def main() -> None:
        await asyncio.wait_for(coroutine, 40 * TICK)

    asyncio.run(main())


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
