"""Meta channels over real sockets: published while subscribed, never leaking."""

from __future__ import annotations

from collections.abc import Callable

from pyoocsi.server.testing import running_server
from tests.wire import TICK, LineClient, sync

Connect = Callable[..., LineClient]


def next_from(client: LineClient, recipient: str) -> dict[str, object]:
    """The next message to ``recipient``, skipping other meta traffic."""
    for _ in range(50):
        message = client.message(answer_pings=True)
        if message["recipient"] == recipient:
            return message
    raise AssertionError(f"no message to {recipient}")


def test_periodic_channels(connect: Connect) -> None:
    watcher = connect("meta_w(JSON)")
    member = connect("meta_m(JSON)")
    member.send("subscribe meta_chan\n")
    sync(member)
    watcher.send(
        "subscribe OOCSI_metrics\nsubscribe OOCSI_clients\n"
        "subscribe OOCSI_channels\nsubscribe meta_chan/?\n"
    )
    metrics = next_from(watcher, "OOCSI_metrics")
    assert metrics["sender"] == "SERVER"
    assert set(metrics) >= {"uptime", "messagesTotal", "messages", "channels"}
    assert isinstance(metrics["clients"], int) and metrics["clients"] >= 2
    clients = next_from(watcher, "OOCSI_clients")
    assert {"meta_w", "meta_m"} <= set(str(clients["clients"]).split(","))
    channels = next_from(watcher, "OOCSI_channels")
    assert "meta_chan" in str(channels["channels"]).split(", ")
    assert next_from(watcher, "meta_chan/?")["channels"] == "meta_m"


def test_events_report_routing_without_private_values(connect: Connect) -> None:
    watcher = connect("ev_w(JSON)")
    watcher.send("subscribe OOCSI_events\n")
    sync(watcher)
    member = connect("ev_m(JSON)")
    member.send("subscribe ev_chan\n")
    sync(member)
    sender = connect("ev_s(JSON)")
    sender.send('sendraw ev_chan {"a":"xyz","b":12,"_secret":"hidden"}\n')
    sender.send('sendraw ev_m {"d":1}\nsendraw nobody_here {"d":1}\n')
    events = [next_from(watcher, "OOCSI_events") for _ in range(3)]
    stripped = [
        {k: v for k, v in e.items() if k not in ("timestamp", "recipient")}
        for e in events
    ]
    assert stripped == [
        {
            "PUB": "ev_s",
            "CHANNEL": "ev_chan",
            "SUB": ["ev_m"],
            "size": 5,
            "count": 2,
            "sender": "SERVER",
        },
        {
            "PUB": "ev_s",
            "CHANNEL": "",
            "SUB": ["ev_m"],
            "size": 1,
            "count": 1,
            "sender": "SERVER",
        },
        {
            "PUB": "ev_s",
            "CHANNEL": "",
            "SUB": ["-"],
            "size": 1,
            "count": 1,
            "sender": "SERVER",
        },
    ]
    assert b"hidden" not in b"".join(str(e).encode() for e in events)


def test_connections_report_the_lifecycle(connect: Connect) -> None:
    watcher = connect("cn_w(JSON)")
    watcher.send("subscribe OOCSI_connections\n")
    sync(watcher)
    client = connect("cn_c(JSON)")
    client.send("subscribe cn_chan\nunsubscribe cn_chan\nquit\n")
    ops = [next_from(watcher, "OOCSI_connections") for _ in range(6)]
    assert [(o["CLIENT"], o["CHANNEL"], o["OP"]) for o in ops] == [
        ("cn_c", "OOCSI", "client connected"),
        ("SERVER", "cn_chan", "added channel"),
        ("cn_c", "cn_chan", "subscribed"),
        ("SERVER", "cn_chan", "closed empty channel"),
        ("cn_c", "cn_chan", "unsubscribed"),
        ("SERVER", "cn_c", "removed channel"),
    ]


def test_operator_switch_turns_meta_channels_off() -> None:
    with running_server(meta_channels=False) as server:
        watcher = LineClient(server.host, server.port)
        watcher.send("off_w(JSON)\nsubscribe OOCSI_metrics\nsubscribe OOCSI_events\n")
        watcher.text()
        other = LineClient(server.host, server.port)
        other.send('off_o(JSON)\nsendraw off_w {"x":1}\n')
        other.text()
        assert watcher.message()["x"] == 1
        watcher.silent(6 * TICK)
        watcher.close()
        other.close()
