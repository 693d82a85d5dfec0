"""Channel presence: each rule's exact events, in order, in both styles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from pyoocsi.server.testing import RunningServer, running_server
from tests.wire import TICK, LineClient, strip_time

Connect = Callable[..., LineClient]


def sync(client: LineClient) -> None:
    client.send("ping\n")
    assert client.text() == "."


def event(target: str, kind: str, key: str, value: Any) -> dict[str, Any]:
    return {
        kind: target,
        key: value,
        "recipient": f"presence({target})",
        "sender": target,
    }


def events(client: LineClient, count: int) -> list[dict[str, Any]]:
    return [strip_time(client.message(answer_pings=True)) for _ in range(count)]


def watch(client: LineClient, *targets: str) -> None:
    for target in targets:
        client.send(f"subscribe presence({target})\n")
    # No ping here: a ping would itself be a presence refresh.
    client.send("clients\n")
    client.text()


def test_channel_created_join_leave_closed(connect: Connect) -> None:
    watcher = connect("w(JSON)")
    watch(watcher, "pc")
    a = connect("pa(JSON)")
    b = connect("pb(JSON)")
    a.send("subscribe pc\n")
    assert events(watcher, 2) == [
        event("pc", "channel", "created", ""),
        event("pc", "channel", "join", "pa"),
    ]
    b.send("subscribe pc\n")
    assert events(watcher, 1) == [event("pc", "channel", "join", "pb")]
    a.send("unsubscribe pc\n")
    assert events(watcher, 1) == [event("pc", "channel", "leave", "pa")]
    b.send("quit\n")
    assert events(watcher, 2) == [
        event("pc", "channel", "leave", "pb"),
        event("pc", "channel", "closed", ""),
    ]
    watcher.silent()


def test_client_join_and_leave_then_its_channels(connect: Connect) -> None:
    watcher = connect("w(JSON)")
    watch(watcher, "pj", "pc", "pd")
    j = connect("pj(JSON)")
    assert events(watcher, 1) == [event("pj", "client", "join", "pj")]
    j.send("subscribe pc\nsubscribe pd\n")
    assert events(watcher, 4) == [
        event("pc", "channel", "created", ""),
        event("pc", "channel", "join", "pj"),
        event("pd", "channel", "created", ""),
        event("pd", "channel", "join", "pj"),
    ]
    j.close()
    assert events(watcher, 5) == [
        event("pj", "client", "leave", "pj"),
        event("pc", "channel", "leave", "pj"),
        event("pc", "channel", "closed", ""),
        event("pd", "channel", "leave", "pj"),
        event("pd", "channel", "closed", ""),
    ]


def test_refresh_on_ping_at_most_every_ten_seconds(connect: Connect) -> None:
    watcher = connect("w(JSON)")
    watch(watcher, "pr", "rc")
    member = connect("pr(JSON)")
    member.send("subscribe rc\n")
    assert len(events(watcher, 3)) == 3  # join, created, join
    member.send("ping\n")
    assert member.text() == "."
    assert events(watcher, 2) == [
        event("pr", "client", "refresh", "pr"),
        event("rc", "channel", "refresh", "pr"),
    ]
    member.send(".\nping\n")
    watcher.silent()


def test_timeout_replaces_leave() -> None:
    with running_server(timeout=3 * TICK, ping_interval=TICK) as server:
        watcher = LineClient(server.host, server.port)
        watcher.send("w(JSON)\nsubscribe presence(silent)\nsubscribe presence(tc)\n")
        watcher.text()
        silent = LineClient(server.host, server.port)
        silent.send("silent(JSON)\nsubscribe tc\n")
        silent.text()
        got = []
        while not got or "closed" not in got[-1]:
            line = watcher.text(timeout=12 * TICK)
            if line == "ping":  # the watcher stays alive by answering
                watcher.send(".\n")
                continue
            got.append(strip_time(orjson.loads(line)))
        assert got == [
            event("silent", "client", "join", "silent"),
            event("tc", "channel", "created", ""),
            event("tc", "channel", "join", "silent"),
            event("silent", "client", "timeout", "silent"),
            event("tc", "channel", "timeout", "silent"),
            event("tc", "channel", "closed", ""),
        ]
        assert silent.text() == "ping"
        while (line := silent.text()) == "ping":
            pass
        assert line == "bye"
        watcher.close()
        silent.close()


def test_unsubscribe_presence_stops_events(connect: Connect) -> None:
    watcher = connect("w(JSON)")
    watch(watcher, "uc")
    a = connect("ua(JSON)")
    a.send("subscribe uc\n")
    assert len(events(watcher, 2)) == 2
    watcher.send("unsubscribe presence(uc)\n")
    sync(watcher)
    a.send("unsubscribe uc\n")
    sync(a)
    watcher.silent()


def test_presence_for_names_with_slash_and_dot(connect: Connect) -> None:
    watcher = connect("w(JSON)")
    watch(watcher, "a/b.c")
    a = connect("pa(JSON)")
    a.send("subscribe a/b.c\n")
    assert events(watcher, 2) == [
        event("a/b.c", "channel", "created", ""),
        event("a/b.c", "channel", "join", "pa"),
    ]


def test_tracker_never_hears_about_itself(connect: Connect) -> None:
    me = connect("me(JSON)")
    me.send("subscribe presence(me)\nsubscribe chan\nping\n")
    assert me.text() == "."
    me.silent()


@pytest.fixture
def reference_server() -> Iterator[RunningServer]:
    with running_server(presence_style="reference") as server:
        yield server


def test_reference_style_events(reference_server: RunningServer) -> None:
    def client(handshake: str) -> LineClient:
        c = LineClient(reference_server.host, reference_server.port)
        c.send(handshake + "\n")
        assert "welcome" in c.text()
        return c

    watcher = client("w(JSON)")
    watch(watcher, "pc", "pj3")
    j1 = client("pj1(JSON)")
    j1.send("subscribe pc\n")
    assert events(watcher, 1) == [event("pc", "channel", "join", "pj1")]
    j1.send("unsubscribe pc\n")
    assert events(watcher, 1) == [event("pc", "channel", "leave", "pj1")]
    j3 = client("pj3(JSON)")
    assert events(watcher, 1) == [event("pj3", "client", "join", "pj3")]
    j3.send("subscribe pc\n")
    assert events(watcher, 2) == [
        event("pc", "channel", "join", "pj3"),
        event("pj3", "client", "created", ""),
    ]
    j3.close()
    first_three = events(watcher, 3)
    # A member list may come in between: it is periodic.
    lists = [e for e in first_three if "refresh" in e]
    changes = [e for e in first_three if "refresh" not in e]
    changes += events(watcher, len(lists))
    assert [e for e in changes if "refresh" not in e][:3] == [
        event("pj3", "client", "leave", "pj3"),
        event("pc", "channel", "leave", "pj3"),
        event("pj3", "client", "closed", ""),
    ]
    j2 = client("pj2(JSON)")
    j2.send("subscribe pc\n")
    later = [
        strip_time(watcher.message(timeout=14 * TICK, answer_pings=True))
        for _ in range(4)
    ]
    refreshes = [e for e in later if "refresh" in e]
    assert event("pc", "channel", "refresh", ["pj2"]) in refreshes
    for c in (watcher, j1, j2, j3):
        c.close()
