"""RFC 6455 on ``/ws`` over real sockets: close codes, fragments, control frames."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator

import pytest

from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web.websocket import READ_SLICE
from tests.web.conftest import event_loops
from tests.web.rawws import (
    BINARY,
    CLOSE,
    PING,
    PONG,
    TEXT,
    RawWebSocket,
    frame,
)

MAX_LINE = 1000


@pytest.fixture(scope="module", params=["asyncio", "uvloop"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """One server for the module, on asyncio's loop and on uvloop's (which
    ``oocsi serve`` uses: its transports are not asyncio's classes)."""
    with event_loops(request.param), running_server(max_line=MAX_LINE) as running:
        loop = running.call(asyncio.get_running_loop)
        assert type(loop).__module__.startswith(request.param)
        yield running


def clients(server: RunningServer) -> list[str]:
    assert server.server is not None
    hub = server.server.hub
    return sorted(server.call(lambda: list(hub.clients)))


def welcomed(server: RunningServer, name: str) -> RawWebSocket:
    ws = RawWebSocket(server.http_port)
    assert ws.open().startswith("HTTP/1.1 101 ")
    ws.text(name)
    assert ws.next_text() == f'{{"message" : "welcome {name}"}}'
    return ws


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (frame(TEXT, b"name", mask=b""), 1002),  # unmasked
        (frame(TEXT, b"name", rsv=4), 1002),  # a reserved bit
        (frame(0x3, b"name"), 1002),  # an unknown data opcode
        (frame(0xB, b""), 1002),  # an unknown control opcode
        (frame(PING, b"x" * 126), 1002),  # a control frame over 125 bytes
        (frame(PING, b"x", final=False), 1002),  # a fragmented control frame
        (frame(0x0, b"more"), 1002),  # a continuation of nothing
        (frame(TEXT, b"a", final=False) + frame(TEXT, b"b"), 1002),  # no continuation
        (frame(TEXT, b"caf\xc3"), 1007),  # not UTF-8
        (frame(TEXT, b"\xed\xa0\x80"), 1007),  # a UTF-16 surrogate in UTF-8
        (frame(CLOSE, b"\x03"), 1002),  # a close payload of one byte
        (frame(CLOSE, struct.pack("!H", 1005)), 1002),  # a code never sent
        (frame(CLOSE, struct.pack("!H", 999)), 1002),
        (frame(CLOSE, struct.pack("!H", 1000) + b"\xff"), 1007),  # reason not UTF-8
        (frame(TEXT, b"x" * (MAX_LINE + 1)), 1009),
        (frame(TEXT, b"x" * 600, final=False) + frame(0x0, b"x" * 401), 1009),
    ],
)
def test_broken_frames_close_with_their_code(
    server: RunningServer, data: bytes, code: int
) -> None:
    with RawWebSocket(server.http_port) as ws:
        assert ws.open().startswith("HTTP/1.1 101 ")
        ws.send(data)
        assert ws.close_frame()[0] == code
        ws.send(frame(CLOSE, struct.pack("!H", code)))
        assert ws.at_end()


def test_an_open_client_that_breaks_the_protocol_leaves_the_hub(
    server: RunningServer,
) -> None:
    with welcomed(server, "breaker") as ws:
        assert "breaker" in clients(server)
        ws.send(frame(TEXT, b"sendjson breaker {}", mask=b""))
        assert ws.close_frame() == (1002, "unmasked frame")
        assert "breaker" not in clients(server)


def test_a_message_of_exactly_max_line_bytes_passes(server: RunningServer) -> None:
    with welcomed(server, "exact") as ws:
        prefix = 'sendjson exact {"x":"'
        body = prefix + "y" * (MAX_LINE - len(prefix) - 2) + '"}'
        assert len(body) == MAX_LINE
        ws.text(body)
        assert '"data":{"x":"yyy' in ws.next_text()


def test_a_frame_of_several_mib_gets_1009_not_a_reset(server: RunningServer) -> None:
    with welcomed(server, "huge") as ws:
        ws.send(frame(TEXT, b"x" * (6 << 20)))
        assert ws.close_frame() == (1009, f"message over {MAX_LINE} bytes")
        ws.send(frame(CLOSE, struct.pack("!H", 1009)))
        assert ws.at_end()
    assert "huge" not in clients(server)


def test_fragments_are_joined_and_control_frames_interleave(
    server: RunningServer,
) -> None:
    with RawWebSocket(server.http_port) as ws:
        assert ws.open().startswith("HTTP/1.1 101 ")
        ws.send(
            frame(TEXT, b"fra", final=False)
            + frame(PING, b"in between")
            + frame(0x0, b"gm", final=False)
            + frame(PONG, b"unasked")
            + frame(0x0, b"ent")
        )
        assert ws.read_frame() == (PONG, b"in between")
        assert ws.next_text() == '{"message" : "welcome fragment"}'
        text = 'sendjson fragment {"word":"café"}'.encode()
        split = text.index(b"\xa9")  # between the two bytes of the é
        parts = [text[:5], text[5:split], text[split:-1], text[-1:]]
        ws.send(
            frame(TEXT, parts[0], final=False)
            + frame(0x0, parts[1], final=False)
            + frame(0x0, parts[2], final=False)
            + frame(0x0, parts[3])
        )
        assert '"data":{"word":"café"}' in ws.next_text()


def test_ping_is_answered_with_its_payload(server: RunningServer) -> None:
    with welcomed(server, "pinger") as ws:
        for payload in (b"", b"one", bytes(range(125))):
            ws.send(frame(PING, payload))
            assert ws.read_frame() == (PONG, payload)


def test_a_client_close_is_echoed_with_its_code(server: RunningServer) -> None:
    with welcomed(server, "leaver") as ws:
        ws.send(frame(CLOSE, struct.pack("!H", 4000) + b"bye"))
        assert ws.close_frame() == (4000, "")
        assert ws.at_end()
    assert "leaver" not in clients(server)
    with welcomed(server, "quiet") as ws:
        ws.send(frame(CLOSE, b""))
        assert ws.close_frame() == (None, "")
        assert ws.at_end()


def test_frames_after_the_close_are_ignored(server: RunningServer) -> None:
    with welcomed(server, "late") as ws:
        ws.send(
            frame(CLOSE, struct.pack("!H", 1000))
            + frame(TEXT, b'sendjson late {"after":1}')
        )
        assert ws.close_frame()[0] == 1000
        assert ws.at_end()


def test_many_frames_in_one_read_are_handled_in_order(
    server: RunningServer,
) -> None:
    count = 3 * READ_SLICE // 30  # frames of about 30 bytes: several slices
    with welcomed(server, "batch") as ws:
        ws.send(
            b"".join(
                frame(TEXT, f'sendjson batch {{"n":{n}}}'.encode())
                + (frame(PING, str(n).encode()) if n % 500 == 0 else b"")
                for n in range(count)
            )
            + frame(CLOSE, struct.pack("!H", 1000))
        )
        for n in range(count):
            assert f'"data":{{"n":{n}}}' in ws.next_text()
            if n % 500 == 0:
                assert ws.read_frame() == (PONG, str(n).encode())
        assert ws.close_frame() == (1000, "")
        assert ws.at_end()


def test_binary_frames_go_to_the_session(server: RunningServer) -> None:
    with welcomed(server, "binary") as ws:
        ws.send(frame(BINARY, b"\x00\x01"))
        assert ws.next_text() == "error (binary frames are not part of the protocol)"
