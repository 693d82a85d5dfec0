"""The receive accounting and the wires of the load generator, without a server."""

from __future__ import annotations

from pyoocsi.bench.histogram import Histogram, bucket_of
from pyoocsi.bench.tally import Counts, Receiver
from pyoocsi.bench.wire import Target, TcpWire, WsWire, message_payload


def line(publisher: int, sequence: int, sent: int = 0) -> bytes:
    payload = message_payload(publisher, sequence, sent, "xx")
    return payload[:-1].encode() + b',"recipient":"ch","sender":"p"}\n'


def receiver(msgs: int = 4, braces: int = 1) -> Receiver:
    return Receiver(Counts(), [0, 1], msgs, braces)


def test_in_order_messages_from_two_publishers() -> None:
    r = receiver()
    r.receive(line(0, 0) + line(1, 0) + line(0, 1), now=1000)
    r.receive(line(1, 1), now=2000)
    counts = r.counts
    assert (counts.delivered, counts.out_of_order, counts.duplicates) == (4, 0, 0)
    assert r.received == 4
    assert counts.latency.n == 4


def test_reordered_duplicated_and_unknown_messages() -> None:
    r = receiver()
    r.receive(line(0, 2) + line(0, 0) + line(0, 2) + line(7, 0) + line(0, 9), 0)
    counts = r.counts
    assert counts.delivered == 2
    assert counts.out_of_order == 1
    assert counts.duplicates == 1
    assert counts.invalid == 2


def test_spliced_lines_are_corrupt_and_pings_and_probes_are_seen() -> None:
    r = receiver()
    spliced = line(0, 0)[:-1] + line(0, 1)
    r.receive(spliced + b"ping\n" + b'{"w":1,"sender":"me"}\n' + line(1, 0), 0)
    counts = r.counts
    assert counts.corrupt == 1
    assert counts.delivered == 1
    assert counts.pings == 1 and r.pinged == 1
    assert r.probed


def test_tcp_wire_keeps_partial_lines() -> None:
    wire = TcpWire(Target("127.0.0.1", 1))
    whole = line(0, 0) + line(0, 1)
    assert wire.feed(whole[:10]) == b""
    assert wire.feed(whole[10:-5]) == line(0, 0)
    assert wire.feed(whole[-5:]) == line(0, 1)


def server_frame(payload: bytes, opcode: int = 1, fin: bool = True) -> bytes:
    first = (0x80 if fin else 0) | opcode
    if len(payload) < 126:
        return bytes([first, len(payload)]) + payload
    return bytes([first, 126]) + len(payload).to_bytes(2, "big") + payload


def test_websocket_frames_become_units() -> None:
    wire = WsWire(Target("127.0.0.1", 1, "/ws"))
    assert wire.handshake_done(b"HTTP/1.1 101 Switching Protocols\r\n") is None
    rest = wire.handshake_done(b"Upgrade: websocket\r\n\r\n" + server_frame(b"a"))
    assert wire.feed(rest) == b"a\n"
    big = b"y" * 300
    stream = (
        server_frame(b"he", fin=False)
        + server_frame(b"llo", opcode=0)
        + server_frame(b"!", opcode=9)
        + server_frame(big)
    )
    assert wire.feed(stream[:7]) == b""
    assert wire.feed(stream[7:]) == b"hello\n" + big + b"\n"
    assert wire.control == [bytes([0x8A, 0x81, 0, 0, 0, 0]) + b"!"]


def test_targets() -> None:
    assert Target.parse("127.0.0.1:4444") == Target("127.0.0.1", 4444)
    assert Target.parse("[::1]:4545") == Target("::1", 4545)
    assert Target.parse("ws://localhost:9000/ws") == Target("localhost", 9000, "/ws")
    assert str(Target("::1", 4545)) == "[::1]:4545"


def test_histogram_percentiles_within_one_percent() -> None:
    histogram = Histogram()
    for value in range(1, 100_001):
        histogram.add(value * 1000)
    assert abs(histogram.percentile(0.5) - 50_000_000) < 500_000
    assert abs(histogram.percentile(0.99) - 99_000_000) < 990_000
    assert histogram.percentile(1.0) == histogram.maximum == 100_000_000
    assert histogram.minimum == 1000
    other = Histogram()
    other.add(5)
    histogram.merge(other)
    assert histogram.n == 100_001 and histogram.minimum == 5
    assert bucket_of(-3) == 0 and bucket_of(127) == 127
    assert bucket_of(255) == 255 and bucket_of(256) == 256 and bucket_of(511) == 383
