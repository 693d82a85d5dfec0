"""The client sub-commands, run as processes against a real server."""

from __future__ import annotations

import json

from pyoocsi import OOCSI
from pyoocsi.server.testing import RunningServer
from tests.cli_tools.conftest import Start, finish, oocsi, wait_ready
from tests.client.conftest import free_port
from tests.wire import TICK


def test_send_json_and_key_values(server: RunningServer, peer: OOCSI) -> None:
    inbox = peer.messages("box", timeout=10 * TICK)
    peer.clients()
    result = oocsi("send", "box", '{"color": 120, "on": true}', port=server.port)
    assert result.returncode == 0, result.stderr
    assert next(inbox).data == {"color": 120, "on": True}
    result = oocsi("send", "box", "color=7", "name=lamp", "xs=[1,2]", port=server.port)
    assert result.returncode == 0, result.stderr
    assert next(inbox).data == {"color": 7, "name": "lamp", "xs": [1, 2]}


def test_send_rejects_bad_data(server: RunningServer) -> None:
    result = oocsi("send", "box", "{not json", port=server.port)
    assert result.returncode == 2
    assert result.stderr.startswith("oocsi send: not valid JSON")
    assert oocsi("send", "box", "novalue", port=server.port).returncode == 2


def test_listen_prints_json_lines(
    server: RunningServer, peer: OOCSI, start: Start
) -> None:
    listener = start(
        "listen", "a", "b", "--count", "2", "--name", "ears", port=server.port
    )
    wait_ready(listener)
    peer.send("a", {"n": 1})
    peer.send("b", {"n": 2})
    code, out, err = finish(listener)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(m["recipient"], m["data"], m["sender"]) for m in lines] == [
        ("a", {"n": 1}, "peer"),
        ("b", {"n": 2}, "peer"),
    ]


def test_listen_pretty_table(server: RunningServer, peer: OOCSI, start: Start) -> None:
    listener = start(
        "listen", "t", "--pretty", "--count", "1", "--name", "eyes", port=server.port
    )
    wait_ready(listener)
    peer.send("t", {"temp": 21.5})
    code, out, err = finish(listener)
    assert code == 0, err
    header, row = out.splitlines()
    assert header.split() == ["time", "sender", "recipient", "data"]
    assert row.split()[1:] == ["peer", "t", "temp=21.5"]


def test_listen_pretty_columns_widen_for_long_names(
    server: RunningServer, peer: OOCSI, start: Start
) -> None:
    listener = start(
        "listen", "t", "--pretty", "--count", "2", "--name", "eyes", port=server.port
    )
    wait_ready(listener)
    long_name = "OOCSI/tools/a_rather_long_sender"
    with OOCSI(long_name, "127.0.0.1", server.port) as sender:
        sender.send("t", {"temp": 1})
        sender.clients()  # a round trip: the first row comes first
        peer.send("t", {"temp": 2})
        code, out, err = finish(listener)
    assert code == 0, err
    _header, *rows = out.splitlines()
    assert [row.split()[1:] for row in rows] == [
        [long_name, "t", "temp=1"],
        ["peer", "t", "temp=2"],
    ]
    # the row after the long name lines up with it
    assert rows[0].index("temp=") == rows[1].index("temp=")


def test_presence_events(server: RunningServer, peer: OOCSI, start: Start) -> None:
    watcher = start(
        "presence", "hall", "--count", "2", "--name", "guard", port=server.port
    )
    wait_ready(watcher)
    peer.subscribe("hall", lambda m: None)
    code, out, err = finish(watcher)
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert [(e["event"], e["member"], e["target"]) for e in events] == [
        ("created", "", "hall"),
        ("join", "peer", "hall"),
    ]


def test_call_and_its_timeout(server: RunningServer, peer: OOCSI) -> None:
    peer.respond("add", lambda request: {"sum": request["a"] + request["b"]})
    peer.clients()
    result = oocsi("call", "add", "add", '{"a": 2, "b": 3}', port=server.port)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"sum": 5}
    result = oocsi("call", "add", "subtract", "--timeout", str(TICK), port=server.port)
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"oocsi call: no reply to subtract within {TICK:g} s"
    )


def test_clients_and_channels(server: RunningServer, peer: OOCSI) -> None:
    peer.subscribe("lounge", lambda m: None)
    peer.clients()
    result = oocsi("clients", port=server.port)
    assert result.returncode == 0
    assert "peer" in result.stdout.splitlines()
    result = oocsi("channels", port=server.port)
    assert "lounge" in result.stdout.splitlines()
    result = oocsi("channels", "lounge", port=server.port)
    assert result.stdout.splitlines() == ["peer"]


def test_failures_are_one_line_and_non_zero(server: RunningServer, peer: OOCSI) -> None:
    result = oocsi("clients", "--name", "peer", port=server.port)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "peer" in result.stderr and "already" in result.stderr
    result = oocsi("clients", port=free_port())
    assert result.returncode == 1
    assert result.stderr.startswith("oocsi clients: cannot reach")
    assert result.stderr.count("\n") == 1
