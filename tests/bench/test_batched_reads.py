"""The ``sendraw`` lines of one read go to the hub as runs (``Hub.publish_texts``).

Each reply and delivery must keep the place its line had among the read's other
lines, wherever the read was cut; a message held, retained, refused or watched
on ``OOCSI_events`` is handled as it is alone; and the data JSON written while
parsing is what rendering writes. Most tests drive the sans-I/O session with a
fixed clock, so whole output streams compare exactly; two use a real server.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyoocsi.core.encoding import _exact_json, _sorted_items, parse_object
from pyoocsi.core.hub import Hub
from pyoocsi.core.settings import Settings
from pyoocsi.server.testing import RunningServer, running_server
from tests.bench.test_fast_paths import session
from tests.web.rawws import RawWebSocket
from tests.wire import LineClient, sync

NOW = 1733300000000


def new_hub(meta: bool = False, max_line: int = 65536) -> Hub:
    return Hub(Settings(meta_channels=meta, max_line=max_line), time.monotonic, _now)


def _now() -> int:
    return NOW


def line(data: str, recipient: str, sender: str = "a", stamp: int = NOW) -> bytes:
    body = data[1:-1]
    comma = "," if body else ""
    return (
        f'{{{body}{comma}"recipient":"{recipient}","timestamp":{stamp},'
        f'"sender":"{sender}"}}\n'
    ).encode()


def exact_line(data: dict[str, Any], recipient: str, stamp: int, sender: str) -> bytes:
    """The line the slow, exact writer gives (no fast path of any kind)."""
    body = dict(_sorted_items(data))
    body.update(recipient=recipient, timestamp=stamp, sender=sender)
    return _exact_json(body).encode() + b"\n"


def test_self_deliveries_and_replies_keep_the_order_of_their_lines() -> None:
    hub = new_hub()
    sender, out = session(hub, "a(JSON)")
    session(hub, "b(JSON)")
    sender.data_received(
        b'sendraw a {"n":1}\nping\nsendraw a {"n":2}\nsendraw a {broken\n'
        b'clients\nsendraw a {"n":3}\nchannels\nsubscribe ch\nsendraw a {"n":4}\n'
        b'channels\nunsubscribe ch\nchannels\nsendraw a {"n":5}\n'
    )
    assert out.out[3].startswith(b"error (invalid JSON")
    assert out.out == [
        line('{"n":1}', "a"),
        b".\n",
        line('{"n":2}', "a"),
        out.out[3],
        b"a,b\n",
        line('{"n":3}', "a"),
        b"a, b\n",
        line('{"n":4}', "a"),
        b"a, b, ch\n",
        b"a, b\n",
        line('{"n":5}', "a"),
    ]


def test_a_read_that_ends_in_quit_or_a_long_line_carries_out_what_came_before() -> None:
    hub = new_hub(max_line=80)
    sender, out = session(hub, "a(JSON)")
    _receiver, got = session(hub, "b(JSON)")
    sender.data_received(
        b'sendraw b {"n":1}\nsendraw a {"n":2}\nsendraw b {"n":3}\n'
        + b"sendraw b "
        + b"x" * 80
        + b'\nsendraw b {"n":4}\n'
    )
    assert got.out == [line('{"n":1}', "b"), line('{"n":3}', "b")]
    assert out.out == [
        line('{"n":2}', "a"),
        b"error (line longer than 80 bytes)\n",
    ]
    assert "a" not in hub.clients
    sender, out = session(hub, "c(JSON)")
    sender.data_received(b'sendraw b {"n":5}\nsendraw c {"n":6}\nquit\nsendraw b 7\n')
    assert got.out[2:] == [line('{"n":5}', "b", "c")]
    assert out.out == [line('{"n":6}', "c", "c"), b"bye\n"]


def test_held_retained_and_refused_messages_in_a_run() -> None:
    clock = [NOW]
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: clock[0])
    sender, out = session(hub, "a(JSON)")
    receiver, got = session(hub, "b(JSON)")
    receiver.data_received(b"subscribe sec:pw\n")
    sender.data_received(
        b'sendraw b {"_DELAY":2,"n":1}\nsendraw b {"n":2}\n'
        b'sendraw b {"_DELAY":99999999,"n":3}\nsendraw b {"_DELAY":0,"n":4}\n'
        b'sendraw news {"_RETAIN":60,"n":5}\nsubscribe news\n'
        b'sendraw sec:bad {"n":6}\nsendraw sec:pw {"n":7}\nsendraw b {"n":8}\nping\n'
    )
    assert got.out == [
        line('{"n":2}', "b"),
        line('{"_DELAY":0,"n":4}', "b"),
        line('{"n":7}', "sec:pw"),
        line('{"n":8}', "b"),
    ]
    assert out.out == [
        b"error (_DELAY of 1e+08 s is too far ahead)\n",
        line('{"_RETAIN":60,"n":5}', "news"),  # served to the subscribe after it
        b"error (wrong password for channel sec)\n",
        b".\n",
    ]
    assert hub.stats.held == 1
    clock[0] = NOW + 2000
    got.out.clear()
    hub.deliver_due()
    assert got.out == [line('{"_DELAY":2,"n":1}', "b", stamp=NOW + 2000)]


def test_each_message_of_a_run_is_followed_by_its_event() -> None:
    hub = new_hub(meta=True)
    sender, _ = session(hub, "a(JSON)")
    watcher, got = session(hub, "w(JSON)")
    watcher.data_received(b"subscribe OOCSI_events\n")
    got.out.clear()
    sender.data_received(
        b'sendraw w {"n":1}\nsendraw w {"n":2,"_x":1}\nsendraw nobody {"n":3}\n'
    )
    event = (
        '{"CHANNEL":"","PUB":"a","SUB":[%s],"count":1,"size":1,'
        '"recipient":"OOCSI_events","timestamp":%d,"sender":"SERVER"}\n'
    )
    assert got.out == [
        line('{"n":1}', "w"),
        (event % ('"w"', NOW)).encode(),
        line('{"_x":1,"n":2}', "w"),
        (event % ('"w"', NOW)).encode(),
        (event % ('"-"', NOW)).encode(),
    ]


_INPUT = (
    b'sendraw a {"n":1}\n sendraw b {"n":2}\r\nping\nsendraw a {"\xc3\xa9":3}\n'
    b'sendraw b {broken\nsendraw b {"n":5}\nsend a four five\nsubscribe ch\n'
    b'sendraw ch {"n":6}\n'
    b'clients\nsendraw a {"\xf0\x9f\x98\x80":7,"\xef\xbc\xa1":8}\n'
    b'sendraw  a {"n":9}\nunsubscribe ch\nsendraw b {"n":10}\n'
    b"sendraw a " + b"y" * 100 + b'\nsendraw b {"n":11}\n'
)


def _feed(pieces: list[bytes]) -> tuple[list[bytes], list[bytes], list[bytes]]:
    hub = new_hub(max_line=100)
    sender, out = session(hub, "a(JSON)")
    receiver, got = session(hub, "b(JSON)")
    listener, heard = session(hub, "c(JSON)")
    listener.data_received(b"subscribe ch\n")
    receiver.data_received(b"subscribe ch\n")
    for recorder in (got, heard):
        recorder.out.clear()
    for piece in pieces:
        sender.data_received(piece)
    return out.out, got.out, heard.out


def test_the_whole_read_gives_what_was_expected() -> None:
    out, got, heard = _feed([_INPUT])
    assert got == [
        line('{"n":2}', "b"),
        line('{"n":5}', "b"),
        line('{"n":6}', "ch"),
        line('{"n":10}', "b"),
    ]
    assert heard == [line('{"n":6}', "ch")]
    assert out[3].startswith(b"error (invalid JSON")
    assert out == [
        line('{"n":1}', "a"),
        b".\n",
        line('{"\u00e9":3}', "a"),
        out[3],
        line('{"data":"four five"}', "a"),
        b"a,b,c\n",
        line('{"\U0001f600":7,"\uff21":8}', "a"),
        b"error (line longer than 100 bytes)\n",
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(_INPUT) - 1), max_size=12))
def test_cutting_a_read_anywhere_changes_no_output(cuts: list[int]) -> None:
    marks = [0, *sorted(set(cuts)), len(_INPUT)]
    pieces = [_INPUT[start:end] for start, end in itertools.pairwise(marks)]
    assert _feed(pieces) == _feed([_INPUT])


_values = st.one_of(
    st.text(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["z", "a", "\u00e9"]), st.integers(), max_size=3),
)
_keys = st.one_of(
    st.text(max_size=4),
    st.sampled_from(["recipient", "sender", "timestamp", "\U0001f600", "\uff21"]),
)


@settings(deadline=None)
@given(st.lists(st.dictionaries(_keys, _values, max_size=6), max_size=6), st.booleans())
def test_every_message_of_a_run_is_delivered_as_rendering_writes_it(
    payloads: list[dict[str, Any]], ascii_only: bool
) -> None:
    hub = new_hub()
    sender, _ = session(hub, "a(JSON)")
    _receiver, got = session(hub, "b(JSON)")
    texts = [json.dumps(data, ensure_ascii=ascii_only) for data in payloads]
    sender.data_received(b"".join(f"sendraw b {text}\n".encode() for text in texts))
    assert got.out == [exact_line(parse_object(text), "b", NOW, "a") for text in texts]


# A real server --------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


def _without_time(raw: bytes) -> bytes:
    return re.sub(rb'"timestamp":\d+', b'"timestamp":0', raw)


def test_a_mixed_stream_cut_into_many_writes_keeps_its_order(
    server: RunningServer,
) -> None:
    publisher = LineClient(server.host, server.port)
    subscriber = LineClient(server.host, server.port)
    try:
        publisher.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        subscriber.send("cut_sub(JSON)\nsubscribe cut\n")
        assert b"welcome" in subscriber.line()
        sync(subscriber)
        publisher.send("cut_pub(JSON)\n")
        assert b"welcome" in publisher.line()
        count = 600
        stream = "".join(
            f'sendraw cut {{"n":{i}}}\nsendraw cut_pub {{"m":{i}}}\n'
            + ("ping\n" if i % 7 == 0 else "")
            for i in range(count)
        ).encode()
        for start in range(0, len(stream), 97):  # cut inside lines, as TCP may
            publisher.send(stream[start : start + 97])
        for i in range(count):
            assert _without_time(subscriber.line()) == (
                b'{"n":%d,"recipient":"cut","timestamp":0,"sender":"cut_pub"}' % i
            )
            assert _without_time(publisher.line()) == (
                b'{"m":%d,"recipient":"cut_pub","timestamp":0,"sender":"cut_pub"}' % i
            )
            if i % 7 == 0:
                assert publisher.line() == b"."
    finally:
        publisher.close()
        subscriber.close()


def test_websocket_sendjson_is_delivered_as_rendering_writes_it(
    server: RunningServer,
) -> None:
    receiver = LineClient(server.host, server.port)
    payloads = [
        '{"v":1,"s":"x y"}',
        '{"o":{"z":1,"a":2},"f":1e20,"g":0.0001}',
        '{"\U0001f600":1,"\uff21":2,"e":3}',
        '{"sender":"x","timestamp":1,"v":2}',
        '{"u":18446744073709551615,"big":123456789012345678901234567890}',
        "plain text",
    ]
    try:
        receiver.send("ws_to(JSON)\n")
        assert b"welcome" in receiver.line()
        with RawWebSocket(server.http_port) as ws:
            assert ws.open().startswith("HTTP/1.1 101")
            ws.text("ws_from")
            assert "welcome" in ws.next_text()
            for payload in payloads:
                ws.text(f"sendjson ws_to {payload}")
            for payload in payloads:
                data = {"data": payload} if payload[0] != "{" else parse_object(payload)
                expected = exact_line(data, "ws_to", 0, "ws_from")
                assert _without_time(receiver.line()) + b"\n" == expected
    finally:
        receiver.close()
