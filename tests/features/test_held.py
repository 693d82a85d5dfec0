"""Delayed and scheduled messages over real sockets: kept, on time, in order."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from pyoocsi.server.testing import running_server
from tests.wire import TICK, LineClient, sync

Connect = Callable[..., LineClient]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_every_delayed_message_arrives_due_stamped_and_in_order(
    connect: Connect,
) -> None:
    receiver = connect("held_r(JSON)")
    first = connect("held_a(JSON)")
    second = connect("held_b(JSON)")
    sent = now_ms()
    # The reference keeps one pending message per recipient; all four must come.
    first.send('sendraw held_r {"n":1,"_DELAY":0.6}\n')
    first.send('sendraw held_r {"n":2,"_DELAY":"0.3"}\n')
    second.send('sendraw held_r {"n":3,"_DELAY":0.3}\n')
    second.send('sendraw held_r {"n":4,"_DELAY":0.9}\n')
    sync(first)
    sync(second)
    receiver.silent(0.15)
    got = [receiver.message() for _ in range(4)]
    arrived = now_ms()
    # Due order; n=2 and n=3 are due together (from two connections).
    assert {m["n"] for m in got[:2]} == {2, 3}
    assert [m["n"] for m in got[2:]] == [1, 4]
    stamps = [m["timestamp"] for m in got]
    assert stamps == sorted(stamps)
    by_n = {m["n"]: m for m in got}
    assert [by_n[n]["sender"] for n in (1, 2, 3, 4)] == ["held_a"] * 2 + ["held_b"] * 2
    for n, delay in ((1, 600), (2, 300), (3, 300), (4, 900)):
        assert 0 <= by_n[n]["timestamp"] - sent - delay < 200
    assert by_n[1]["_DELAY"] == 0.6
    assert arrived >= sent + 900


def test_delivery_is_within_50_ms_of_due_time(connect: Connect) -> None:
    receiver = connect("punct_r(JSON)")
    sender = connect("punct_s(JSON)")
    lateness = []
    for _ in range(3):
        sender.send('sendraw punct_r {"_DELAY":0.25}\n')
        message = receiver.message()
        lateness.append(now_ms() - message["timestamp"])
    # Recorded rather than raced: the due stamp is exact, arrival is near it.
    assert min(lateness) >= -5
    assert sorted(lateness)[1] < 50 * max(1.0, TICK / 0.5)


def test_recipient_is_resolved_at_delivery(connect: Connect) -> None:
    sender = connect("late_s(JSON)")
    sender.send('sendraw late_chan {"v":"later","_DELAY":0.5}\n')
    sync(sender)
    subscriber = connect("late_r(JSON)")
    subscriber.send("subscribe late_chan\n")
    message = subscriber.message()
    assert message["v"] == "later"
    assert message["recipient"] == "late_chan"
    assert message["sender"] == "late_s"


def test_schedule_local_and_iso_with_offset(connect: Connect) -> None:
    receiver = connect("sched_r(JSON)")
    sender = connect("sched_s(JSON)")
    due = datetime.now().replace(microsecond=0) + timedelta(seconds=2)
    local = due.strftime("%Y-%m-%d %H:%M:%S")
    iso = due.astimezone().isoformat()
    sender.send(f'sendraw sched_r {{"k":"local","_SCHEDULE":"{local}"}}\n')
    sender.send(f'sendraw sched_r {{"k":"iso","_SCHEDULE":"{iso}"}}\n')
    sender.send('sendraw sched_r {"k":"past","_SCHEDULE":"2001-01-01 00:00:00"}\n')
    assert receiver.message()["k"] == "past"
    expected = round(due.timestamp() * 1000)
    for key in ("local", "iso"):
        message = receiver.message(timeout=20 * TICK)
        assert message["k"] == key
        assert message["timestamp"] == expected


def test_delay_wins_over_schedule(connect: Connect) -> None:
    receiver = connect("both_r(JSON)")
    sender = connect("both_s(JSON)")
    sent = now_ms()
    sender.send('sendraw both_r {"_DELAY":0.2,"_SCHEDULE":"2099-01-01 00:00:00"}\n')
    message = receiver.message()
    assert 200 <= message["timestamp"] - sent < 400


def test_too_far_ahead_is_refused_with_a_reason(connect: Connect) -> None:
    receiver = connect("far_r(JSON)")
    sender = connect("far_s(JSON)")
    sender.send('sendraw far_r {"_DELAY":99999999}\n')
    reply = sender.text()
    assert reply.startswith("error (") and "too far ahead" in reply
    sender.send('sendraw far_r {"_SCHEDULE":"2099-01-01T00:00:00+00:00"}\n')
    assert "too far ahead" in sender.text()
    receiver.silent()


def test_pending_limits_refuse_clearly_and_keep_the_rest() -> None:
    with running_server(max_delayed=3, max_delayed_total=4) as server:
        receiver = LineClient(server.host, server.port)
        receiver.send("lim_r(JSON)\n")
        receiver.text()
        first = LineClient(server.host, server.port)
        first.send("lim_a(JSON)\n")
        first.text()
        second = LineClient(server.host, server.port)
        second.send("lim_b(JSON)\n")
        second.text()
        for n in range(4):
            first.send(f'sendraw lim_r {{"n":{n},"_DELAY":0.5}}\n')
        reply = first.text()
        assert reply == "error (lim_a has 3 messages pending already)"
        second.send('sendraw lim_r {"n":10,"_DELAY":0.5}\n')
        second.send('sendraw lim_r {"n":11,"_DELAY":0.5}\n')
        assert second.text().startswith("error (the server holds")
        got = sorted(receiver.message()["n"] for _ in range(4))
        assert got == [0, 1, 2, 10]
        receiver.silent()
        for client in (receiver, first, second):
            client.close()


def test_pd_and_json_senders_both_delay(connect: Connect) -> None:
    receiver = connect("pdd_r(JSON)")
    pd = connect("pdd_s;")
    sent = now_ms()
    pd.send('sendraw pdd_r {"v":1\'"_DELAY":0.2};\n')
    message = receiver.message()
    assert json.dumps(message["v"]) == "1"
    assert message["timestamp"] - sent >= 200
