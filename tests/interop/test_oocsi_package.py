"""The ``oocsi`` package from PyPI (0.4.3) as a client of our server."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pyoocsi.server.testing import RunningServer, running_server
from tests.interop.clients import WAIT, PackageClient
from tests.interop.processes import ServeProcess, free_port, serve_flags
from tests.wire import TICK, LineClient, strip_time

# The package waits 5 s between reconnection attempts.
RECONNECT_WAIT = 5.0 + WAIT

Connect = Callable[[str], PackageClient]


@pytest.fixture
def package_client(oocsi_server: RunningServer) -> Iterator[Connect]:
    """``package_client("name")``: an ``oocsi.OOCSI`` connected to our server."""
    clients: list[PackageClient] = []

    def connect(name: str) -> PackageClient:
        client = PackageClient(name, oocsi_server.port)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.stop()


def test_connect_and_direct_message(package_client: Connect) -> None:
    alice = package_client("alice")
    bob = package_client("bob")
    assert alice.oocsi.connected
    alice.oocsi.send("bob", {"color": 120, "nested": {"b": [1, 2.5]}})
    assert bob.next() == ("alice", "bob", {"color": 120, "nested": {"b": [1, 2.5]}})
    bob.sync()
    alice.sync()
    alice.nothing_pending()


def test_channel_reaches_two_subscribers_but_not_the_sender(
    package_client: Connect,
) -> None:
    first = package_client("first")
    second = package_client("second")
    sender = package_client("sender")
    for client in (first, second, sender):
        client.subscribe("colorChannel")
        client.sync()
    for value in range(3):
        sender.oocsi.send("colorChannel", {"color": value})
    for client in (first, second):
        got = [client.next() for _ in range(3)]
        assert got == [
            ("sender", "colorChannel", {"color": value}) for value in range(3)
        ]
    sender.sync()
    sender.nothing_pending()


def test_call_answered_by_registered_responder(package_client: Connect) -> None:
    responder = package_client("responder")
    caller = package_client("caller")

    def add_one(event: dict[str, Any]) -> None:
        event["sum"] = event["x"] + 1

    responder.oocsi.register("calc", "addOne", add_one)
    responder.sync()
    answer = caller.oocsi.callAndWait("calc", "addOne", {"x": 41}, WAIT)
    assert answer == {"_MESSAGE_HANDLE": "addOne", "response": {"x": 41, "sum": 42}}

    pending = caller.oocsi.call("calc", "addOne", {"x": 1}, WAIT)
    deadline = time.monotonic() + WAIT
    while "response" not in pending and time.monotonic() < deadline:
        time.sleep(TICK / 10)
    assert pending.get("response") == {"x": 1, "sum": 2}


def test_variable_synced_between_two_clients(package_client: Connect) -> None:
    a = package_client("vara")
    b = package_client("varb")
    va = a.oocsi.variable("varchan", "level")
    vb = b.oocsi.variable("varchan", "level")
    # A second callback on the same channel tells when the variable has updated.
    a.subscribe("varchan")
    b.subscribe("varchan")
    a.sync()
    b.sync()
    va.set(7)
    assert b.next() == ("vara", "varchan", {"level": 7})
    assert vb.get() == 7
    vb.set(9.5)
    assert a.next() == ("varb", "varchan", {"level": 9.5})
    assert va.get() == 9.5
    assert vb.get() == 9.5


# The package opens a new socket for each attempt and never closes the old one.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_reconnect_after_server_restart_on_the_same_port() -> None:
    with running_server() as first_server:
        port = first_server.port
        listener = PackageClient("rlisten", port)
        talker = PackageClient("rtalk", port)
        listener.subscribe("rchan")
        listener.sync()
        talker.oocsi.send("rchan", {"n": 1})
        assert listener.next() == ("rtalk", "rchan", {"n": 1})
    with running_server(port=port) as second_server:
        assert second_server.port == port
        deadline = time.monotonic() + RECONNECT_WAIT
        while time.monotonic() < deadline and not (
            listener.oocsi.connected and talker.oocsi.connected
        ):
            time.sleep(TICK / 10)
        assert listener.oocsi.connected, listener.log
        assert talker.oocsi.connected, talker.log
        # the package re-subscribes its channels after reconnecting
        listener.sync()
        talker.oocsi.send("rchan", {"n": 2})
        talker.oocsi.send("rlisten", {"direct": 3})
        assert listener.next() == ("rtalk", "rchan", {"n": 2})
        assert listener.next() == ("rtalk", "rlisten", {"direct": 3})
        listener.stop()
        talker.stop()


@pytest.fixture
def serve_process() -> Iterator[tuple[ServeProcess, int]]:
    port = free_port()
    process = ServeProcess(serve_flags(port))
    try:
        process.wait_listening()
        yield process, port
    finally:
        process.kill()


def test_readme_example_runs_unchanged(
    serve_process: tuple[ServeProcess, int],
) -> None:
    _, port = serve_process

    def raw(handshake: str, *channels: str) -> LineClient:
        client = LineClient("127.0.0.1", port)
        client.send(f"{handshake}(JSON)\n")
        assert "welcome" in client.text()
        for channel in channels:
            client.send(f"subscribe {channel}\n")
        client.send("ping\n")
        assert client.text() == "."
        return client

    bob = raw("Bob")
    upper = raw("upper", "colorChannel")
    lower = raw("lower", "colorchannel")
    script = Path(__file__).with_name("readme_example.py")
    example = subprocess.Popen(
        [sys.executable, str(script), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert strip_time(bob.message()) == {
            "color": 120,
            "recipient": "Bob",
            "sender": "Alice",
        }
        # Alice's subscription came before her messages, so it is in place now.
        bob.send('sendraw Alice {"color": 7}\nsendraw testchannel {"color": 8}\n')
        assert strip_time(lower.message())["color"] == 255
        assert strip_time(upper.message())["color"] == 120
        out, err = example.communicate(timeout=WAIT)
    finally:
        if example.poll() is None:
            example.kill()
            example.communicate()
    assert example.returncode == 0, err
    lines = out.splitlines()
    for expected in ("handle Alice", "variable 255", "direct 7", "channel 8"):
        assert expected in lines, out
    for client in (bob, upper, lower):
        client.close()
