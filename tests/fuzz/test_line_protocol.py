"""Arbitrary bytes, cut anywhere, neither crash nor stall the line protocol.

Each property runs twice: on the sans-I/O :class:`LineSession` with a fake
transport (many examples, fast), and over real sockets to a running server
(fewer examples). Afterwards a fresh pair of clients must still handshake and
exchange a message, and well-formed lines among garbage must all be handled.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyoocsi.core.hub import Hub
from pyoocsi.core.session import LineSession
from pyoocsi.core.settings import Settings
from pyoocsi.server.testing import RunningServer, running_server
from tests.fuzz.streams import (
    cuts,
    expected_numbers,
    line_ends,
    mixed_items,
    mixed_stream,
    pieces,
    streams,
)
from tests.wire import LineClient

# Wall-clock deadlines would only measure the shared machine; stalls show up as
# the clients' read timeouts instead.
CORE = settings(max_examples=300, deadline=None)
SOCKETS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

names = itertools.count()


def fresh_name(prefix: str) -> str:
    return f"zq_{prefix}_{next(names)}"


# the sans-I/O session ----------------------------------------------------------


class FakeTransport:
    """Collects what a session writes; remembers how it was closed."""

    def __init__(self) -> None:
        self.queue: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.queue.append(data)

    def wake(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def lines(self) -> list[bytes]:
        return b"".join(self.queue).split(b"\n")[:-1]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_hub(**overrides: Any) -> tuple[Hub, Clock]:
    clock = Clock()
    hub = Hub(dataclasses.replace(Settings(), **overrides), clock, lambda: 1)
    return hub, clock


def session(
    hub: Hub, handshake: str | None = None
) -> tuple[LineSession, FakeTransport]:
    transport = FakeTransport()
    line_session = LineSession(hub, transport, "fake")
    if handshake is not None:
        line_session.data_received(f"{handshake}(JSON)\n".encode())
        assert transport.lines() == [
            f"{{'message' : \"welcome {handshake}\"}}".encode()
        ]
    return line_session, transport


def assert_fresh_pair_exchanges(hub: Hub) -> None:
    """Two new clients handshake and one reaches the other, then both leave."""
    a_name, b_name = fresh_name("a"), fresh_name("b")
    a, a_out = session(hub, a_name)
    b, _ = session(hub, b_name)
    b.data_received(f'sendraw {a_name} {{"ok":1}}\n'.encode())
    assert a_out.lines()[-1].startswith(b'{"ok":1,"recipient":"%s"' % a_name.encode())
    a.connection_lost()
    b.connection_lost()


@CORE
@given(stream=streams, positions=cuts, introduce=st.booleans())
def test_session_survives_any_bytes(
    stream: bytes, positions: list[int], introduce: bool
) -> None:
    hub, clock = make_hub(max_line=256)
    fuzzed, transport = session(hub)
    if introduce:
        stream = b"fuzzer(JSON)\n" + stream
    for piece in pieces(stream, positions):
        fuzzed.data_received(piece)
    clock.now += 1.0
    hub.tick()
    assert_fresh_pair_exchanges(hub)
    fuzzed.connection_lost()
    fuzzed.data_received(b"sendraw x {}\n")  # after the socket went: ignored
    # nothing of the fuzzed client is left behind
    assert hub.clients == {}
    assert hub.names == {}
    assert hub.presence.trackers == {}
    assert not transport.aborted


@CORE
@given(items=mixed_items, end=line_ends, positions=cuts)
def test_session_handles_good_lines_among_garbage(
    items: list[int | bytes], end: bytes, positions: list[int]
) -> None:
    hub, _ = make_hub()
    _, sub_out = session(hub, "sub")
    sub_out.queue.clear()
    sub = hub.clients["sub"]
    hub.subscribe(sub, "chan")
    sender, sender_out = session(hub, "sender")
    for piece in pieces(mixed_stream("chan", items, end), positions):
        sender.data_received(piece)
    got = [orjson.loads(line)["i"] for line in sub_out.lines()]
    assert got == expected_numbers(items)
    # garbage gets no reply, and the sender is still there
    assert sender_out.lines() == [b"{'message' : \"welcome sender\"}"]
    assert not sender.closed


# over real sockets ------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[RunningServer]:
    with running_server() as server:
        yield server


def open_client(server: RunningServer, name: str) -> LineClient:
    client = LineClient(server.host, server.port)
    client.send(f"{name}(JSON)\n")
    assert client.text() == f"{{'message' : \"welcome {name}\"}}"
    return client


def send_pieces(client: LineClient, stream: bytes, positions: list[int]) -> None:
    """Send each piece as its own write; the server may hang up at any point."""
    for piece in pieces(stream, positions):
        try:
            client.send(piece)
        except OSError:
            return


def assert_server_serves_a_fresh_pair(server: RunningServer) -> None:
    a_name, b_name = fresh_name("a"), fresh_name("b")
    a = open_client(server, a_name)
    b = open_client(server, b_name)
    b.send(f'sendraw {a_name} {{"ok":1}}\n')
    assert a.message(answer_pings=True)["ok"] == 1
    a.close()
    b.close()


@SOCKETS
@given(stream=streams, positions=cuts, introduce=st.booleans())
def test_server_survives_any_bytes(
    fuzz_server: RunningServer, stream: bytes, positions: list[int], introduce: bool
) -> None:
    fuzzed = LineClient(fuzz_server.host, fuzz_server.port)
    if introduce:
        stream = f"{fresh_name('fuzzer')}(JSON)\n".encode() + stream
    send_pieces(fuzzed, stream, positions)
    assert_server_serves_a_fresh_pair(fuzz_server)
    fuzzed.close()


@SOCKETS
@given(items=mixed_items, end=line_ends, positions=cuts)
def test_server_handles_good_lines_among_garbage(
    fuzz_server: RunningServer,
    items: list[int | bytes],
    end: bytes,
    positions: list[int],
) -> None:
    channel = fresh_name("chan")
    sub = open_client(fuzz_server, fresh_name("sub"))
    sub.send(f"subscribe {channel}\nping\n")
    assert sub.text() == "."
    sender = open_client(fuzz_server, fresh_name("sender"))
    send_pieces(sender, mixed_stream(channel, items, end), positions)
    got = [sub.message(answer_pings=True)["i"] for _ in expected_numbers(items)]
    assert got == expected_numbers(items)
    sender.send("ping\n")
    while (line := sender.text()) == "ping":
        sender.send(".\n")
    assert line == "."
    sub.close()
    sender.close()
