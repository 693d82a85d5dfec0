"""Fixtures: a real server on free loopback ports, and raw clients of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pyoocsi.server.testing import RunningServer, running_server
from tests.wire import LineClient


@pytest.fixture
def oocsi_server() -> Iterator[RunningServer]:
    """A server with default settings on a free port."""
    with running_server() as server:
        yield server


@pytest.fixture
def connect(
    oocsi_server: RunningServer,
) -> Iterator[Callable[..., LineClient]]:
    """``connect("name(JSON)")``: a client of ``oocsi_server`` past its welcome."""
    clients: list[LineClient] = []

    def open_client(handshake: str | None = None, welcome: bool = True) -> LineClient:
        client = LineClient(oocsi_server.host, oocsi_server.port)
        clients.append(client)
        if handshake is not None:
            client.send(handshake + "\n")
            if welcome:
                reply = client.text()
                assert "welcome" in reply, reply
        return client

    yield open_client
    for client in clients:
        client.close()
