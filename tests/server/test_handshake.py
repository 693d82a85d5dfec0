"""Handshakes over real sockets: welcome and error lines byte for byte."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pyoocsi.server.testing import running_server
from tests.wire import TICK, LineClient

Connect = Callable[..., LineClient]


@pytest.mark.parametrize(
    ("handshake", "welcome"),
    [
        ("alice", "welcome alice"),
        ("bob(JSON)", "{'message' : \"welcome bob\"}"),
        ("carol;", "welcome carol;"),
        ("dave(JSON);", "welcome dave;"),
        ("   bob2(JSON)  ", "{'message' : \"welcome bob2\"}"),
        ("eve(JSON)\r", "{'message' : \"welcome eve\"}"),
        ("/lead/(JSON)", "{'message' : \"welcome lead\"}"),
        ("mid/dle(JSON)", "{'message' : \"welcome mid/dle\"}"),
        ("M" * 194 + "(JSON)", "{'message' : \"welcome " + "M" * 194 + '"}'),
    ],
)
def test_welcome_per_dialect(connect: Connect, handshake: str, welcome: str) -> None:
    client = connect()
    client.send(handshake + "\n")
    assert client.text() == welcome


def test_placeholders_become_digits(connect: Connect) -> None:
    client = connect()
    client.send("dev_###(JSON)\nclients\n")
    welcome = client.text()
    assert welcome.startswith("{'message' : \"welcome dev_")
    name = welcome.removeprefix("{'message' : \"welcome ").removesuffix('"}')
    assert len(name) == 7 and name[4:].isdigit()
    assert client.text() == name


def test_lines_after_handshake_in_same_packet_run(connect: Connect) -> None:
    client = connect()
    client.send("frank(JSON)\nclients\nping\n")
    assert client.text() == "{'message' : \"welcome frank\"}"
    assert client.text() == "frank"
    assert client.text() == "."


def test_handshake_split_across_packets(connect: Connect) -> None:
    client = connect()
    client.send("fra")
    client.silent(TICK / 2)
    client.send("nk(JSON)\n")
    assert client.text() == "{'message' : \"welcome frank\"}"


@pytest.mark.parametrize(
    ("handshake", "error"),
    [
        ("N" * 195 + "(JSON)", "error (handshake longer than 200 characters)"),
        ("café(JSON)", "error (name must be ASCII)"),
        ("my\tname(JSON)", "error (name cannot contain spaces)"),
        ("my name(JSON)", "error (name cannot contain spaces)"),
        ("SSH-2.0-OpenSSH_8.9", "error (not an OOCSI client)"),
        ("", "error (empty handshake)"),
        ("(JSON)", "error (empty name)"),
        ("SERVER(JSON)", "error (name already registered: SERVER)"),
        ("OOCSI_metrics(JSON)", "error (name already registered: OOCSI_metrics)"),
        ("alice:pw(JSON)", "error (password wrong for name: alice)"),
        ("pd name;", "error (name cannot contain spaces);"),
        ("n\x00ul(JSON)", "error (name cannot contain control characters)"),
        ("bell\x07(JSON)", "error (name cannot contain control characters)"),
        (
            "ch[filter(x>1)](JSON)",
            "error (name cannot be a subscription: ch[filter(x>1)])",
        ),
        ("presence(x)(JSON)", "error (name cannot be a subscription: presence(x))"),
    ],
)
def test_refusal_is_one_error_line_then_close(
    connect: Connect, handshake: str, error: str
) -> None:
    watcher = connect("watcher(JSON)")
    client = connect()
    # Whatever follows a refused handshake must not be executed.
    client.send(handshake + '\nsendraw watcher {"ghost":1}\nclients\n')
    assert client.text() == error
    assert client.closed()
    watcher.silent()


def test_taken_by_channel_name(connect: Connect) -> None:
    member = connect("member(JSON)")
    member.send("subscribe takenchan\n")
    client = connect()
    client.send("takenchan(JSON)\n")
    assert client.text() == "error (name already registered: takenchan)"
    assert client.closed()


def test_live_holder_keeps_its_name(connect: Connect) -> None:
    holder = connect("victim(JSON)")
    newcomer = connect()
    newcomer.send('victim(JSON)\nsendraw victim {"forged":true}\n')
    assert holder.text() == "ping"  # the name probe
    holder.send(".\n")
    assert newcomer.text() == "error (name already registered: victim)"
    assert newcomer.closed()
    holder.send("ping\n")
    assert holder.text() == "."  # nothing forged arrived before this


def test_silent_holder_loses_its_name_with_timeout_presence(connect: Connect) -> None:
    watcher = connect("watcher(JSON)")
    watcher.send("subscribe presence(victim)\n")
    holder = connect("victim(JSON)")
    joined = watcher.message()
    assert joined["join"] == "victim"
    newcomer = connect()
    newcomer.send("victim(JSON)\nclients\n")
    assert holder.text() == "ping"
    newcomer.silent(TICK)  # still waiting while the holder may answer
    assert newcomer.text(timeout=8 * TICK) == "{'message' : \"welcome victim\"}"
    assert newcomer.text() == "watcher,victim"
    timeout_event = watcher.message()
    assert timeout_event["timeout"] == "victim"
    assert watcher.message()["join"] == "victim"
    assert holder.text() == "bye"
    assert holder.closed()


def test_quit_frees_the_name_at_once(connect: Connect) -> None:
    first = connect("jc1(JSON)")
    first.send("quit\n")
    assert first.text() == "bye"
    second = connect()
    second.send("jc1(JSON)\n")
    assert second.text() == "{'message' : \"welcome jc1\"}"


def test_closed_socket_frees_the_name_at_once(connect: Connect) -> None:
    first = connect("jc2(JSON)")
    first.close()
    second = connect()
    second.send("jc2(JSON)\n")
    assert second.text() == "{'message' : \"welcome jc2\"}"


def test_server_full_is_refused() -> None:
    with running_server(max_clients=2) as server:
        clients = [LineClient(server.host, server.port) for _ in range(3)]
        for index, client in enumerate(clients[:2]):
            client.send(f"c{index}(JSON)\n")
            assert "welcome" in client.text()
        clients[2].send("c2(JSON)\n")
        assert clients[2].text() == "error (server full: at most 2 clients)"
        assert clients[2].closed()
        clients[0].send("quit\n")
        assert clients[0].text() == "bye"
        late = LineClient(server.host, server.port)
        clients.append(late)
        late.send("c3(JSON)\n")
        assert late.text() == "{'message' : \"welcome c3\"}"
        for client in clients:
            client.close()


def test_handshake_not_completed_in_time() -> None:
    with running_server(handshake_timeout=2 * TICK) as server:
        client = LineClient(server.host, server.port)
        client.send("half")
        assert client.text(timeout=6 * TICK) == (
            f"error (handshake not completed within {2 * TICK:g} s)"
        )
        assert client.closed()
        client.close()
