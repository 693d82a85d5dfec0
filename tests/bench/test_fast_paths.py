"""The server's fast paths give the same lines as the general ones.

Each fast path skips work for the common case (plain data, ASCII keys, a
``sendraw`` line); these tests hold the exact output of both cases side by
side, and check a burst arrives whole and in order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyoocsi.core.encoding import (
    _exact_json,
    _sorted_items,
    parse_object,
    read_payload,
    render_data,
    render_json,
)
from pyoocsi.core.hub import Hub
from pyoocsi.core.session import LineSession
from pyoocsi.core.settings import Settings
from pyoocsi.server.testing import RunningServer, running_server
from tests.wire import LineClient, sync


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ({"s": "1e5 0.0001 12345678.9", "i": 7}, '{"i":7,"s":"1e5 0.0001 12345678.9"'),
        (
            {"n": None, "t": True, "big": 2**64 - 1},
            '{"big":18446744073709551615,"n":null,"t":true',
        ),
        ({"f": 1e20, "g": 0.5}, '{"f":1.0E20,"g":0.5'),
        ({"f": 0.0001}, '{"f":1.0E-4'),
        ({"o": {"f": 12345678.9}}, '{"o":{"f":1.23456789E7}'),
        ({"l": [1e-7]}, '{"l":[1.0E-7]'),
        ({"huge": 2**70}, '{"huge":1180591620717411303424'),
    ],
)
def test_render_json_plain_and_float_data(data: dict[str, object], line: str) -> None:
    rendered = render_json(data, "r", 1, "s").decode()
    assert rendered == line + ',"recipient":"r","timestamp":1,"sender":"s"}\n'


def test_render_json_sorts_many_ascii_and_non_ascii_keys() -> None:
    data = {k: 1 for k in ["zeta", "Alpha", "b", "\u00e9", "\U0001f600", "\uff21"]}
    rendered = render_json(data, "r", 1, "s").decode()
    keys = ["Alpha", "b", "zeta", "\u00e9", "\U0001f600", "\uff21"]
    body = ",".join(f'"{k}":1' for k in keys)
    assert rendered == "{" + body + ',"recipient":"r","timestamp":1,"sender":"s"}\n'


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ('{"a":"x","b":1}', {"a": "x", "b": 1}),
        (
            '{"big":123456789012345678901234567890}',
            {"big": 123456789012345678901234567890},
        ),
        (
            '{"f":1.5,"big":-99999999999999999999}',
            {"f": 1.5, "big": -99999999999999999999},
        ),
        ('{"o":{"big":123456789012345678901}}', {"o": {"big": 123456789012345678901}}),
        ('{"f":2.5}', {"f": 2.5}),
    ],
)
def test_parse_object_keeps_every_digit(text: str, data: dict[str, object]) -> None:
    value = parse_object(text)
    assert value == data
    assert [type(v) for v in value.values()] == [type(v) for v in data.values()]


class Recorder:
    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.queue = self.out  # what the hub appends to goes out in order
        self.wakes = 0

    def write(self, data: bytes) -> None:
        self.out.append(data)

    def wake(self) -> None:
        self.wakes += 1

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


def session(hub: Hub, handshake: str) -> tuple[LineSession, Recorder]:
    recorder = Recorder()
    client = LineSession(hub, recorder, "test")
    client.data_received(handshake.encode() + b"\n")
    recorder.out.clear()
    return client, recorder


def test_sendraw_lines_with_and_without_the_fast_path() -> None:
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: 5)
    sender, _ = session(hub, "a(JSON)")
    _receiver, got = session(hub, "b(JSON)")
    pd_sender, _ = session(hub, "c;")
    sender.data_received(
        b'sendraw b {"k":"v w"}\n'  # fast path
        b"sendraw  b {}\n"  # empty recipient: ignored, as by the command table
        b"sendraw b\n"  # no payload: ignored
        b"sendrawb x y\n"  # not the command word: ignored
        b"send b plain text\n"  # not sendraw: the command table
        b"sendraw b {broken\n"  # refused payload
    )
    pd_sender.data_received(b'sendraw b {"k":"x"\'"j":1};\n')
    assert got.out == [
        b'{"k":"v w","recipient":"b","timestamp":5,"sender":"a"}\n',
        b'{"data":"plain text","recipient":"b","timestamp":5,"sender":"a"}\n',
        b'{"j":1,"k":"x","recipient":"b","timestamp":5,"sender":"c"}\n',
    ]
    assert hub.stats.refused_payloads == 1


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


def test_a_burst_arrives_whole_and_in_order(server: RunningServer) -> None:
    publisher = LineClient(server.host, server.port)
    subscribers = [LineClient(server.host, server.port) for _ in range(3)]
    try:
        for number, client in enumerate(subscribers):
            client.send(f"burst_sub{number}(JSON)\nsubscribe burst\n")
            assert b"welcome" in client.line()
            sync(client)
        publisher.send("burst_pub(JSON)\n")
        assert b"welcome" in publisher.line()
        count = 5000
        publisher.send(
            "".join(
                f'sendraw burst {{"n":{i},"p":"{"x" * 50}"}}\n' for i in range(count)
            )
        )
        for client in subscribers:
            for i in range(count):
                line = client.line()
                assert line.startswith(f'{{"n":{i},"p":"'.encode()), line
                assert line.endswith(b',"sender":"burst_pub"}')
    finally:
        for client in [publisher, *subscribers]:
            client.close()


_flat_values = st.one_of(
    st.text(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
)
_keys = st.one_of(
    st.text(),
    st.sampled_from(["recipient", "sender", "timestamp", "\U0001f600", "\uff21"]),
)


@given(st.dictionaries(_keys, _flat_values, max_size=8))
def test_flat_data_fast_path_writes_what_the_general_writer_does(
    data: dict[str, object],
) -> None:
    body = dict(_sorted_items(data))
    body.update(recipient="to:pw", timestamp=1733300000000, sender="from")
    expected = _exact_json(body).encode() + b"\n"
    assert render_json(data, "to:pw", 1733300000000, "from") == expected


def test_each_subscriber_gets_its_own_dialect_in_one_fan_out() -> None:
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: 5)
    sender, _ = session(hub, "a(JSON)")
    json_a, json_a_out = session(hub, "j1(JSON)")
    pd, pd_out = session(hub, "p;")
    legacy, legacy_out = session(hub, "old")
    viewer, viewer_out = session(hub, "j2(JSON)")
    json_a.data_received(b"subscribe ch\n")
    pd.data_received(b"subscribe ch;\n")
    legacy.data_received(b"subscribe ch\n")
    viewer.data_received(b"subscribe ch[filter(v > 1)]\n")
    for recorder in (json_a_out, pd_out, legacy_out, viewer_out):
        recorder.out.clear()
    sender.data_received(b'sendraw ch {"v":1}\nsendraw ch {"v":2}\nsendraw p {"d":1}\n')
    assert json_a_out.out == [
        b'{"v":1,"recipient":"ch","timestamp":5,"sender":"a"}\n',
        b'{"v":2,"recipient":"ch","timestamp":5,"sender":"a"}\n',
    ]
    assert pd_out.out == [
        b"ch timestamp=5 sender=a v=1 ;\n",
        b"ch timestamp=5 sender=a v=2 ;\n",
        b"p timestamp=5 sender=a d=1 ;\n",
    ]
    assert len(legacy_out.out) == 2
    assert all(line.startswith(b"send ch ") for line in legacy_out.out)
    assert viewer_out.out == [
        b'{"v":2,"recipient":"ch[filter(v > 1)]","timestamp":5,"sender":"a"}\n'
    ]


def test_lines_after_quit_in_the_same_read_are_not_carried_out() -> None:
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: 5)
    sender, sent = session(hub, "a(JSON)")
    _receiver, got = session(hub, "b(JSON)")
    sender.data_received(
        b' sendraw b {"n":1}\r\n\tsendraw b {"n":2} \nquit\nsendraw b {"n":3}\n'
    )
    assert got.out == [
        b'{"n":1,"recipient":"b","timestamp":5,"sender":"a"}\n',
        b'{"n":2,"recipient":"b","timestamp":5,"sender":"a"}\n',
    ]
    assert sent.out == [b"bye\n"]
    assert "a" not in hub.clients


def test_fan_out_follows_every_change_of_subscribers() -> None:
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: 5)
    sender, _ = session(hub, "a(JSON)")
    first, first_out = session(hub, "j1(JSON)")
    pd, pd_out = session(hub, "p;")
    second, second_out = session(hub, "j2(JSON)")
    first.data_received(b"subscribe ch\n")
    sender.data_received(b'sendraw ch {"n":1}\n')  # one JSON subscriber
    pd.data_received(b"subscribe ch;\n")
    sender.data_received(b'sendraw ch {"n":2}\n')  # JSON and PD
    pd.data_received(b"unsubscribe ch;\n")
    second.data_received(b"subscribe ch\n")
    sender.data_received(b'sendraw ch {"n":3}\n')  # two JSON subscribers
    first.data_received(b"quit\n")
    sender.data_received(b'sendraw ch {"n":4}\n')  # the first one has left
    sent = [
        f'{{"n":{n},"recipient":"ch","timestamp":5,"sender":"a"}}\n' for n in range(5)
    ]
    assert first_out.out == [line.encode() for line in sent[1:4]] + [b"bye\n"]
    assert pd_out.out == [b"ch timestamp=5 sender=a n=2 ;\n"]
    assert second_out.out == [line.encode() for line in sent[3:5]]


def test_a_queue_filled_by_the_hub_wakes_its_writer_once_per_emptying() -> None:
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: 5)
    sender, _ = session(hub, "a(JSON)")
    _subscriber, on_channel = session(hub, "s(JSON)")
    _subscriber.data_received(b"subscribe ch\n")
    _direct, direct = session(hub, "d(JSON)")
    for recorder in (on_channel, direct):
        recorder.out.clear()
        recorder.wakes = 0
    burst = b'sendraw ch {"n":1}\nsendraw d {"n":1}\n' * 3
    sender.data_received(burst)
    assert (len(on_channel.out), on_channel.wakes) == (3, 1)
    assert (len(direct.out), direct.wakes) == (3, 1)
    on_channel.out.clear()  # the writer ran
    direct.out.clear()
    sender.data_received(burst)
    assert (len(on_channel.out), on_channel.wakes) == (3, 2)
    assert (len(direct.out), direct.wakes) == (3, 2)


def test_runs_of_sends_keep_their_place_among_other_commands() -> None:
    hub = Hub(Settings(meta_channels=False, max_line=64), time.monotonic, lambda: 5)
    sender, sent = session(hub, "a(JSON)")
    _receiver, got = session(hub, "b(JSON)")
    sender.data_received(
        b"sendraw b {broken1\nsendraw b {broken2\nping\nsendraw b {broken3\n"
        b'clients\nsendraw b {"n":1}\n'
    )
    replies = [line.split(b" ", 1)[0] for line in sent.out]
    assert replies == [b"error", b"error", b".\n", b"error", b"a,b\n"]
    assert got.out == [b'{"n":1,"recipient":"b","timestamp":5,"sender":"a"}\n']
    got.out.clear()
    sender.data_received(b'sendraw b {"n":2}\nsendraw b {"n":3}\n' + b"x" * 65 + b"\n")
    assert got.out == [
        b'{"n":2,"recipient":"b","timestamp":5,"sender":"a"}\n',
        b'{"n":3,"recipient":"b","timestamp":5,"sender":"a"}\n',
    ]
    assert sent.out[-1].startswith(b"error (line longer than 64 bytes)")


def test_timestamps_never_go_back_within_a_read() -> None:
    readings = iter(range(1_733_300_000_000, 1_733_300_000_100))
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: next(readings))
    sender, _ = session(hub, "a(JSON)")
    _receiver, got = session(hub, "b(JSON)")
    sender.data_received(
        b'sendraw b {"n":1}\nsendraw b {"_DELAY":0,"n":2}\n'
        b'sendraw b {"_SCHEDULE":"2000-01-01 00:00:00","n":3}\nsendraw b {"n":4}\n'
    )
    lines = [orjson.loads(line) for line in got.out]
    assert [line["n"] for line in lines] == [1, 2, 3, 4]
    stamps = [line["timestamp"] for line in lines]
    assert stamps == sorted(stamps)


_payload_values = st.one_of(
    _flat_values,
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.booleans(), max_size=3),
)


@given(st.dictionaries(_keys, _payload_values, max_size=8))
def test_the_data_json_written_while_parsing_is_what_rendering_writes(
    data: dict[str, object],
) -> None:
    texts = [json.dumps(data), json.dumps(data, ensure_ascii=False), "plain text"]
    for text in texts:
        parsed, data_json = read_payload(text)
        assert data_json is None or data_json == render_data(parsed)


def test_an_integer_too_long_for_python_is_refused_and_the_read_goes_on() -> None:
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: 5)
    sender, sent = session(hub, "a(JSON)")
    _receiver, got = session(hub, "b(JSON)")
    huge = b"1" * 5000
    sender.data_received(
        b'sendraw b {"n":1}\nsendraw b {"v":' + huge + b'}\nsendraw b {"n":3}\nping\n'
    )
    assert [orjson.loads(line)["n"] for line in got.out] == [1, 3]
    assert sent.out[0].startswith(b"error (invalid JSON: an integer over ")
    assert sent.out[1:] == [b".\n"]
    assert hub.stats.refused_payloads == 1
