"""The C writers of the usual message (core/fastline.py) against their definition.

The extension must write exactly the bytes of the Python renders it stands for,
or answer None; it never decides that a payload is invalid. The hub must route
what it writes exactly as it routes a Message. Each test here compares the two
on the same input: the C writer and ``render_json``/the websocket frame, and a
hub with and without its C writers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyoocsi.core import fastline
from pyoocsi.core import hub as hub_module
from pyoocsi.core.encoding import PayloadError, read_payload, render_json
from pyoocsi.core.fastline import FastRender
from pyoocsi.core.hub import Hub
from pyoocsi.core.message import Message
from pyoocsi.core.session import LineSession
from pyoocsi.core.settings import Settings
from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web import session as web_session
from pyoocsi.web.frames import message_wire
from pyoocsi.web.session import WebSocketSession
from tests.bench.test_fast_paths import Recorder as TransportRecorder
from tests.web.wsclient import WsClient, run, tcp_client

needs_c = pytest.mark.skipif(
    fastline.json_line is None, reason="pyoocsi was built without its C extension"
)


def _can_build() -> bool:
    """Whether this Python can build extensions: a C compiler and Python.h."""
    command = str(sysconfig.get_config_var("CC") or "cc").split()
    headers = Path(sysconfig.get_paths()["include"], "Python.h")
    return bool(command) and shutil.which(command[0]) is not None and headers.exists()


def test_the_extension_is_there_wherever_it_can_be_built() -> None:
    if os.environ.get("PYOOCSI_PURE_PYTHON"):
        pytest.skip("PYOOCSI_PURE_PYTHON is set")
    if not _can_build():
        pytest.skip("no C compiler or no Python.h: pyoocsi runs without it")
    assert fastline.json_line is not None
    assert fastline.websocket_frame is not None
    assert {
        Message.json_line: fastline.json_line,
        web_session._message_frame: fastline.websocket_frame,
    } == fastline.FAST_RENDERS


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", False), ("yes", False), (" TRUE ", False), ("0", True), ("off", True)],
)
def test_pure_python_is_one_environment_variable_away(value: str, on: bool) -> None:
    code = (
        "from pyoocsi.core import fastline as f; print(len(f.FAST_RENDERS), f.STATUS)"
    )
    env = {**os.environ, "PYOOCSI_PURE_PYTHON": value}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, check=True
    )
    count, status = out.stdout.decode().strip().split(" ", 1)
    if not on:
        assert (count, status) == ("0", "C extension off (PYOOCSI_PURE_PYTHON is set)")
    elif fastline.json_line is not None:
        assert (count, status) == ("1", "C extension on")


def _line(payload: str, recipient: str, timestamp: int, sender: str) -> bytes | None:
    """What the TCP line must be; None where the payload is refused."""
    try:
        data, _ = read_payload(payload)
    except PayloadError:
        return None
    return render_json(data, recipient, timestamp, sender)


def _frame(payload: str, recipient: str, timestamp: int, sender: str) -> bytes | None:
    try:
        data, _ = read_payload(payload)
    except PayloadError:
        return None
    return message_wire(Message(sender, recipient, timestamp, data))


def _writers() -> list[tuple[FastRender, Callable[..., bytes | None]]]:
    assert fastline.json_line is not None
    assert fastline.websocket_frame is not None
    return [(fastline.json_line, _line), (fastline.websocket_frame, _frame)]


def _same(payload: str, recipient: str = "bob", sender: str = "alice") -> bool:
    """Check both writers against their definitions; True if C wrote them."""
    written = []
    for fast, slow in _writers():
        got = fast(payload, recipient, lambda: 1733300000123, sender)
        if got is not None:
            assert got == slow(payload, recipient, 1733300000123, sender), payload
        written.append(got is not None)
    assert written[0] == written[1]
    return written[0]


USUAL = [
    "{}",
    "{ }",
    '{"a":1}',
    '{"b":"x y","a":-12,"c":true,"d":false,"e":null}',
    '{"z" : 1 ,\t"y":"2"\r}  ',
    '{"n":123456789012345678,"m":-123456789012345678,"z":0}',
    '{"s":"quote \\" backslash \\\\ \\n\\t\\r\\b\\f done"}',
    '{"AB":1,"Ab":2,"aB":3,"a":4,"":5,"a b":6,"~":7,"!":8}',
    '{"long":"' + "x" * 70000 + '"}',  # a 64-bit websocket length
    '{"k":"' + "y" * 200 + '"}',  # a 16-bit websocket length
    "{" + ",".join(f'"k{i:02}":{i}' for i in range(64)) + "}",
]

OTHER = [
    ' {"a":1}',  # text, as it does not start with {
    "plain text",
    '{"a":-0}',
    '{"a":1.5}',
    '{"a":1e3}',
    '{"a":1234567890123456789}',
    '{"a":01}',
    '{"a":"\\u0041"}',
    '{"a":"\\/"}',
    '{"a":"caf\u00e9"}',
    '{"caf\u00e9":1}',
    '{"a":"tab\there"}',
    '{"a":"\x7f"}',
    '{"a\\"b":1}',
    '{"a":1,"a":2}',
    '{"_DELAY":1}',
    '{"_RETAIN":10,"a":1}',
    '{"recipient":"x"}',
    '{"timestamp":1}',
    '{"sender":"x"}',
    '{"a":[1]}',
    '{"a":{}}',
    '{"a":1} trailing',
    '{"a":1,}',
    '{"a" 1}',
    '{"a":tru}',
    '{"a":truex}',
    '{"a":nul}',
    '{"a":"open',
    '{"a":1',
    "{",
    "{" + ",".join(f'"k{i:02}":{i}' for i in range(65)) + "}",
]


@needs_c
@pytest.mark.parametrize("payload", USUAL)
def test_the_usual_payloads_are_written_in_c(payload: str) -> None:
    assert _same(payload)


@needs_c
@pytest.mark.parametrize("payload", OTHER)
def test_every_other_payload_is_left_to_python(payload: str) -> None:
    assert not _same(payload)


@needs_c
@pytest.mark.parametrize(
    ("recipient", "sender"),
    [('q"uote', "a"), ("a", "back\\slash"), ("caf\u00e9", "a"), ("a", "tab\t")],
)
def test_names_that_json_escapes_are_left_to_python(
    recipient: str, sender: str
) -> None:
    assert not _same('{"a":1}', recipient, sender)


@needs_c
def test_the_clock_is_read_only_for_a_message_written_in_c() -> None:
    readings: list[int] = []

    def clock() -> int:
        readings.append(2**63 - 1)
        return readings[-1]

    for fast, slow in _writers():
        readings.clear()
        assert fast('{"a":1.5}', "b", clock, "a") is None
        assert readings == []
        line = fast('{"a":1}', "b", clock, "a")
        assert line == slow('{"a":1}', "b", 2**63 - 1, "a")
        assert readings == [2**63 - 1]
        with pytest.raises(OverflowError):
            fast('{"a":1}', "b", lambda: 2**63, "a")
        with pytest.raises(TypeError):
            fast('{"a":1}', "b", lambda: "1", "a")  # type: ignore[arg-type,return-value]
        with pytest.raises(TypeError):
            fast(b'{"a":1}', "b", clock, "a")  # type: ignore[arg-type]


@needs_c
@pytest.mark.parametrize("timestamp", [0, 9, 10, -1, -(2**63), 2**63 - 1])
def test_every_64_bit_timestamp_is_written_as_python_writes_it(timestamp: int) -> None:
    for fast, slow in _writers():
        line = fast('{"a":1}', "b", lambda: timestamp, "a")
        assert line == slow('{"a":1}', "b", timestamp, "a")


_keys = st.one_of(
    st.sampled_from(["a", "b", "A", "", "_x", "sender", "recipient", "k k"]),
    st.text(max_size=4),
)
_values = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, -1, 10**17, 10**18, -(10**18), 2**63, -(2**63)]),
    st.text(max_size=6),
    st.text(alphabet='ab "\\/\n\t\x01\x7f\u00e9', max_size=6),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
)


@st.composite
def _payloads(draw: st.DrawFn) -> str:
    members = draw(st.lists(st.tuples(_keys, _values), max_size=8))
    colon = draw(st.sampled_from([":", " : ", ":\t"]))
    comma = draw(st.sampled_from([",", " , ", ",\r"]))
    ascii_only = draw(st.booleans())
    body = comma.join(
        json.dumps(key, ensure_ascii=ascii_only)
        + colon
        + json.dumps(value, ensure_ascii=ascii_only)
        for key, value in members
    )
    text = "{" + body + "}" + draw(st.sampled_from(["", " ", "x", "}", ",1"]))
    cut = draw(st.integers(min_value=0, max_value=len(text)))
    return text if draw(st.booleans()) else text[:cut]


@needs_c
@settings(max_examples=3000, deadline=None)
@given(_payloads())
def test_the_c_writers_write_what_python_writes_or_nothing(payload: str) -> None:
    _same(payload)


# the hub, with and without its C writers -------------------------------------


class Recorder(TransportRecorder):
    """A transport, or a websocket outlet, that keeps what it is given in order."""

    def send(self, frame: bytes) -> None:
        self.out.append(frame)


RECIPIENTS = [
    "b",  # a TCP JSON client
    "w",  # a websocket client
    "p",  # a PD client
    "ch",  # two TCP JSON subscribers
    "wch",  # one websocket subscriber
    "mix",  # TCP, websocket and PD subscribers
    "locked",  # a channel with a password, sent without it
    "locked:pw",  # and with it
    "kept",  # a channel holding a retained message
    "solo",  # the sender is its only subscriber
    "nobody",
    "b:x",
]
PAYLOADS = [
    '{"n":1,"s":"x"}',
    '{"f":1.5}',
    '{"u":"caf\u00e9"}',
    "plain words",
    '{"broken"',
    '{"_DELAY":0,"n":2}',
    '{"n":3,"o":{"deep":true}}',
    "{}",
]


def _traffic(events: bool) -> tuple[dict[str, list[bytes]], dict[str, Any]]:
    """Everything each client receives from one mixed burst, and the stats."""
    clock = iter(range(1_733_300_000_000, 1_733_300_100_000))
    hub = Hub(Settings(meta_channels=events), time.monotonic, lambda: next(clock))
    out: dict[str, Recorder] = {}

    def tcp(handshake: str) -> LineSession:
        name = handshake.partition("(")[0].rstrip(";")
        out[name] = Recorder()
        session = LineSession(hub, out[name], name)
        session.data_received(handshake.encode() + b"\n")
        return session

    sender = tcp("a(JSON)")
    tcp("b(JSON)")
    out["w"] = Recorder()
    WebSocketSession(hub, out["w"], "w").text_received("w")
    tcp("p;").data_received(b"subscribe mix;\n")
    for name in ("c1", "c2"):
        tcp(f"{name}(JSON)").data_received(b"subscribe ch\nsubscribe locked:pw\n")
    tcp("m(JSON)").data_received(b"subscribe mix\nsubscribe kept\n")
    hub.subscribe(hub.clients["w"], "wch")
    hub.subscribe(hub.clients["w"], "mix")
    sender.data_received(b'subscribe solo\nsendraw kept {"_RETAIN":60,"r":1}\n')
    if events:
        tcp("e(JSON)").data_received(b"subscribe OOCSI_events\n")
    burst = "".join(f"sendraw {r} {p}\n" for p in PAYLOADS for r in RECIPIENTS)
    sender.data_received(burst.encode())
    for recipient in RECIPIENTS:  # and one send per read
        sender.data_received(f'sendraw {recipient} {{"one":"{recipient}"}}\n'.encode())
    stats = asdict(hub.stats)
    return {name: recorder.out for name, recorder in out.items()}, stats


@needs_c
@pytest.mark.parametrize("events", [False, True], ids=["plain", "events watched"])
def test_the_hub_routes_what_c_writes_as_it_routes_a_message(
    monkeypatch: pytest.MonkeyPatch, events: bool
) -> None:
    calls: list[str] = []

    def counted(fast: FastRender, kind: str) -> FastRender:
        def write(
            payload: str, recipient: str, clock: Callable[[], int], sender: str
        ) -> Any:
            wire = fast(payload, recipient, clock, sender)
            if wire is not None:
                calls.append(kind)
            return wire

        return write

    writers = {
        render: counted(fast, "frame" if fast is fastline.websocket_frame else "line")
        for render, fast in fastline.FAST_RENDERS.items()
    }
    monkeypatch.setattr(hub_module, "FAST_RENDERS", writers)
    with_c = _traffic(events)
    used = list(calls)
    monkeypatch.setattr(hub_module, "FAST_RENDERS", {})
    without_c = _traffic(events)
    assert with_c == without_c
    if events:
        assert used == []  # watching events needs every Message
    else:
        # Two of PAYLOADS, then one send per recipient, are written in C: as
        # lines for b, ch and solo (whose only subscriber is the sender), and
        # for kept once the first message has replaced its retained one; as
        # frames for w and wch.
        assert used.count("line") == 3 * 3 + 2
        assert used.count("frame") == 2 * 3
    received = with_c[0]
    assert any(b'"one":"b"' in line for line in received["b"])
    assert any(b'"one":"wch"' in frame for frame in received["w"])


@pytest.mark.parametrize("with_c", [True, False], ids=["C", "Python"])
def test_a_defect_while_writing_is_answered_and_the_read_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, with_c: bool
) -> None:
    if not with_c:
        monkeypatch.setattr(hub_module, "FAST_RENDERS", {})
    readings = iter([1, 2, None, 4, 5, None, 7])

    def clock() -> int:
        reading = next(readings)
        if reading is None:
            raise RuntimeError("the clock broke")
        return reading

    hub = Hub(Settings(meta_channels=False), time.monotonic, clock)
    out: dict[str, Recorder] = {name: Recorder() for name in ("a", "b", "c")}
    sessions = {name: LineSession(hub, out[name], name) for name in out}
    for name, session in sessions.items():
        session.data_received(f"{name}(JSON)\n".encode())
        out[name].out.clear()
    sessions["c"].data_received(b"subscribe ch\n")
    sessions["a"].data_received(
        b"".join(
            b'sendraw %b {"n":%d}\n' % (to, n)
            for to in (b"b", b"ch")
            for n in (1, 2, 3)
        )
    )
    assert [json.loads(line)["timestamp"] for line in out["b"].out] == [1, 2]
    assert [json.loads(line)["timestamp"] for line in out["c"].out] == [4, 5]
    failed = b"error (the server failed to route this message)\n"
    assert out["a"].out == [failed, failed]
    assert sum("failed" in record.getMessage() for record in caplog.records) == 2


# over real sockets -------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


def test_a_burst_of_direct_messages_reaches_tcp_and_websocket_whole(
    server: RunningServer,
) -> None:
    count = 3000

    async def scenario() -> None:
        async with WsClient(server.http_port) as web:
            await web.login("fl_web")
            tcp = tcp_client(server, "fl_tcp(JSON)")
            sender = tcp_client(server, "fl_sender(JSON)")
            try:
                sender.send(
                    "".join(
                        f'sendraw fl_tcp {{"n":{i},"p":"{"x" * 40}"}}\n'
                        f'sendraw fl_web {{"p":"y","n":{i}}}\n'
                        for i in range(count)
                    )
                )
                for i in range(count):
                    line = tcp.line()
                    assert line.startswith(b'{"n":%d,"p":"xxxx' % i), line
                    assert line.endswith(b',"sender":"fl_sender"}')
                    message = json.loads(await web.frame())
                    assert message["data"] == {"n": i, "p": "y"}
                    assert list(message) == ["recipient", "timestamp", "sender", "data"]
                    assert message["sender"] == "fl_sender"
            finally:
                tcp.close()
                sender.close()

    run(scenario())
