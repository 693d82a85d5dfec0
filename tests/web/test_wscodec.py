"""The sans-I/O frame codec and handshake: bytes in, events or bytes out."""

from __future__ import annotations

import struct
import tracemalloc

import pytest

from pyoocsi.web.upgrade import answer, answer_request, claims, head_end
from pyoocsi.web.wscodec import (
    Binary,
    CloseReceived,
    Event,
    Failure,
    FrameReader,
    Ping,
    Pong,
    close_frame,
    server_frame,
)
from tests.web.rawws import ACCEPT, BINARY, CLOSE, PING, PONG, TEXT, frame
from tests.web.rawws import upgrade_request as request


def feed_bytewise(reader: FrameReader, data: bytes) -> list[Event]:
    events: list[Event] = []
    for index in range(len(data)):
        events += reader.feed(data[index : index + 1])
    return events


STREAM = (
    frame(TEXT, b"short")
    + frame(TEXT, "é".encode() * 100)  # a 16-bit length
    + frame(BINARY, b"\x00" * 70000)  # a 64-bit length
    + frame(PING, b"p")
    + frame(PONG, b"")
    + frame(TEXT, b"zero key", mask=b"\x00\x00\x00\x00")
    + frame(CLOSE, struct.pack("!H", 1001) + b"done")
)
EVENTS: list[Event] = [
    "short",
    "é" * 100,
    Binary(b"\x00" * 70000),
    Ping(b"p"),
    Pong(b""),
    "zero key",
    CloseReceived(1001, "done"),
]


def test_a_stream_in_one_read_and_byte_by_byte() -> None:
    assert FrameReader(1 << 20).feed(STREAM) == EVENTS
    assert feed_bytewise(FrameReader(1 << 20), STREAM) == EVENTS


def test_an_oversized_frame_is_refused_from_its_header_and_skipped() -> None:
    reader = FrameReader(100)
    data = frame(TEXT, b"x" * 5000) + frame(TEXT, b"dropped") + frame(CLOSE, b"")
    assert reader.feed(data[:4]) == [Failure(1009, "message over 100 bytes")]
    assert reader.failed and not reader.closed
    assert reader.feed(data[4:3000]) == []
    assert reader.feed(data[3000:]) == []
    assert reader.closed


def test_a_control_frame_claiming_a_huge_length_is_refused_at_once() -> None:
    header = bytes((0x80 | PING, 0x80 | 127)) + struct.pack("!Q", 1 << 40)
    assert FrameReader(100).feed(header) == [
        Failure(1002, "fragmented or long control frame")
    ]


def test_fragments_count_towards_the_limit_and_reset_after() -> None:
    reader = FrameReader(10)
    first = frame(TEXT, b"12345", final=False) + frame(0x0, b"67890")
    assert reader.feed(first + first) == ["1234567890", "1234567890"]
    assert reader.feed(first[:11] + frame(0x0, b"123456")) == [
        Failure(1009, "message over 10 bytes")
    ]


def test_nothing_but_the_close_is_read_after_a_failure() -> None:
    reader = FrameReader(100)
    events = reader.feed(
        frame(TEXT, b"\xff")
        + frame(TEXT, b"after")
        + frame(PING, b"")
        + frame(CLOSE, b"")
    )
    assert events == [Failure(1007, "text that is not UTF-8")]
    assert reader.closed


def test_server_frames() -> None:
    assert server_frame(PONG, b"abc") == b"\x8a\x03abc"
    assert server_frame(TEXT, b"x" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert server_frame(TEXT, b"x" * 65536)[:10] == b"\x81\x7f" + struct.pack(
        "!Q", 65536
    )
    assert close_frame(None) == b"\x88\x00"
    assert close_frame(1009, "big") == b"\x88\x05\x03\xf1big"
    cut = close_frame(1002, "é" * 100)
    assert len(cut) == 2 + 124 and cut[4:].decode() == "é" * 61


@pytest.mark.parametrize(
    ("start", "ours"),
    [
        (b"", None),
        (b"GE", None),
        (b"GET /ws", None),
        (b"GET /ws ", True),
        (b"GET /ws?x=1 HTTP/1.1", True),
        (b"GET /wss HTTP/1.1", False),
        (b"GET / HTTP/1.1", False),
        (b"POST /ws HTTP/1.1", False),
        (b"get /ws HTTP/1.1", False),
    ],
)
def test_which_connections_are_claimed(start: bytes, ours: bool | None) -> None:
    assert claims(start) is ours


def test_the_answer_to_a_head() -> None:
    data = request() + b"frame"
    end = head_end(data)
    assert data[end:] == b"frame" and head_end(data[: end - 1]) == -1
    reply = answer(data[: end - 4])
    assert reply.accepted and reply.status == 101
    assert f"Sec-WebSocket-Accept: {ACCEPT}\r\n\r\n".encode() in reply.response
    refused = answer(request(Sec_WebSocket_Version="14")[:-4])
    assert (refused.accepted, refused.status) == (False, 426)
    assert refused.response.endswith(b"\r\n\r\n" + refused.reason.encode())


def test_a_key_that_is_not_ascii_is_refused() -> None:
    # As the front reads a head (bytes as latin-1) and as aiohttp passes one on.
    replies = [answer(request(key="é" * 12)[:-4])]
    for key in ("\xff" * 24, "dGhlIHNhbXBsZSBub25jZ\udcff="):
        fields = {
            "upgrade": "websocket",
            "connection": "Upgrade",
            "sec-websocket-version": "13",
            "sec-websocket-key": key,
        }
        replies.append(answer_request("GET", "HTTP/1.1", fields))
    for reply in replies:
        assert (reply.status, reply.accepted) == (400, False)
        assert reply.reason.startswith("invalid Sec-WebSocket-Key")


def test_empty_fragments_take_no_memory() -> None:
    # Each empty continuation frame is six bytes on the wire; a fragmented
    # message may hold max_size bytes, whatever number of frames carried them.
    reader = FrameReader(max_size=1000)
    assert reader.feed(frame(TEXT, b"a", final=False)) == []
    empty = frame(0, b"", final=False, mask=b"\x00\x00\x00\x00") * 10000
    tracemalloc.start()
    try:
        for _ in range(5):
            assert reader.feed(empty) == []
        grown = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert grown < 100_000
    assert reader.feed(frame(0, b"b")) == ["ab"]


@pytest.mark.parametrize("code", [1012, 1013, 1014, 3000, 4999])
def test_registered_and_application_close_codes_are_accepted(code: int) -> None:
    reader = FrameReader(1000)
    assert reader.feed(frame(CLOSE, struct.pack("!H", code))) == [
        CloseReceived(code, "")
    ]


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 2999, 5000])
def test_reserved_close_codes_fail_the_connection(code: int) -> None:
    events = FrameReader(1000).feed(frame(CLOSE, struct.pack("!H", code)))
    assert [type(event) for event in events] == [Failure]
