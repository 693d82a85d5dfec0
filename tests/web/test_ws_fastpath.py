"""The websocket fast path: frames built once, written in batches, never spliced."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import struct
import time

import aiohttp
import pytest

from pyoocsi.core.hub import Hub
from pyoocsi.core.message import Message
from pyoocsi.core.settings import Settings
from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web.frames import message_wire, wire
from pyoocsi.web.session import WebSocketSession
from tests.web.wsclient import WsClient, run
from tests.wire import TICK, LineClient

BURST = 5_000
SUBSCRIBERS = 10


def test_wire_headers_at_each_length_boundary() -> None:
    assert wire("ping") == b"\x81\x04ping"
    assert wire("x" * 125)[:2] == b"\x81\x7d"
    assert wire("x" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert wire("x" * 65535)[:4] == b"\x81\x7e\xff\xff"
    assert wire("x" * 65536)[:10] == b"\x81\x7f" + struct.pack("!Q", 65536)
    assert wire("é") == b"\x81\x02\xc3\xa9"  # the length counts UTF-8 bytes


def test_a_message_frame_is_rendered_once_per_fan_out() -> None:
    message = Message("pub", "burst", 1700000000000, {"b": 2, "a": 1.5})
    calls = []

    def counted(message: Message) -> bytes:
        calls.append(message)
        return message_wire(message)

    frames = {message.rendered(counted) for _ in range(SUBSCRIBERS)}
    assert len(calls) == 1
    assert frames == {
        wire(
            '{"recipient":"burst","timestamp":1700000000000,"sender":"pub",'
            '"data":{"a":1.5,"b":2}}'
        )
    }
    assert message.readdressed("other").rendered(counted) != frames.pop()
    assert len(calls) == 2


def _sendraw_burst(channel: str, numbers: range, pad: str = "x" * 20) -> str:
    return "".join(f'sendraw {channel} {{"n":{n},"pad":"{pad}"}}\n' for n in numbers)


async def _subscribe(client: WsClient, name: str, channel: str) -> None:
    await client.login(name)
    await client.send(f"subscribe {channel}")
    # Frames are handled in order: this one comes back after the subscription.
    await client.send(f'sendjson {name} {{"ready":true}}')
    assert (await client.message())["data"] == {"ready": True}


def test_burst_reaches_every_websocket_subscriber_exact_and_in_order(
    oocsi_server: RunningServer,
) -> None:
    async def scenario() -> None:
        port = oocsi_server.http_port
        clients = [WsClient(port) for _ in range(SUBSCRIBERS)]
        for index, client in enumerate(clients):
            await client.__aenter__()
            await _subscribe(client, f"sub{index}", "burst")
        sender = LineClient(oocsi_server.host, oocsi_server.port)
        sender.send("pub(JSON)\n")
        assert "welcome" in sender.text()
        sender.send(_sendraw_burst("burst", range(BURST)))
        pad = "x" * 20
        prefix = '{"recipient":"burst","timestamp":'
        for client in clients:
            for n in range(BURST):
                frame = await client.frame(timeout=20 * TICK)
                stamp, sep, rest = frame.removeprefix(prefix).partition(",")
                assert frame.startswith(prefix) and sep and stamp.isdigit()
                assert rest == f'"sender":"pub","data":{{"n":{n},"pad":"{pad}"}}}}'
            await client.silent(TICK / 5)
            await client.__aexit__(None, None, None)
        sender.close()

    run(scenario())


def test_control_frames_interleave_whole_with_a_burst(
    oocsi_server: RunningServer,
) -> None:
    async def scenario() -> None:
        port = oocsi_server.http_port
        async with WsClient(port) as ready, aiohttp.ClientSession() as http:
            await _subscribe(ready, "ready", "burst")
            url = f"http://127.0.0.1:{port}/ws"
            async with http.ws_connect(url, autoping=False) as ws:
                await ws.send_str("pinger")
                assert (await ws.receive_str()) == '{"message" : "welcome pinger"}'
                await ws.send_str("subscribe burst")
                await ws.send_str('sendjson pinger {"ready":true}')
                assert "ready" in await ws.receive_str()
                sender = LineClient(oocsi_server.host, oocsi_server.port)
                sender.send("pub(JSON)\n")
                assert "welcome" in sender.text()
                sender.send(_sendraw_burst("burst", range(BURST)))
                pongs, n = 0, 0
                for ping in range(3):
                    await ws.ping(str(ping).encode())
                while n < BURST or pongs < 3:
                    msg = await asyncio.wait_for(ws.receive(), 20 * TICK)
                    if msg.type is aiohttp.WSMsgType.PONG:
                        assert msg.data == str(pongs).encode()
                        pongs += 1
                    else:
                        assert msg.type is aiohttp.WSMsgType.TEXT, msg
                        if msg.data != "ping":
                            assert f'"data":{{"n":{n},' in msg.data
                            n += 1
                sender.close()

    run(scenario())


def _stalled_websocket(port: int, name: str, channel: str) -> socket.socket:
    """A raw websocket that subscribes and then reads nothing."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10 * TICK)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    for text in (name, f"subscribe {channel}"):
        payload = text.encode()
        mask = b"\x00\x00\x00\x00"  # XOR with zeros leaves the payload as is
        sock.sendall(bytes((0x81, 0x80 | len(payload))) + mask + payload)
    return sock


def _read_frames(sock: socket.socket) -> list[bytes]:
    """Every whole frame payload left in ``sock`` until it closes or idles."""
    data = b""
    sock.settimeout(4 * TICK)
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    data = data[data.index(b"\r\n\r\n") + 4 :]
    payloads = []
    while len(data) >= 2:
        size, start = data[1] & 0x7F, 2
        if size == 126:
            size, start = struct.unpack_from("!H", data, 2)[0], 4
        elif size == 127:
            size, start = struct.unpack_from("!Q", data, 2)[0], 10
        if len(data) < start + size:
            break
        assert data[0] == 0x81
        payloads.append(data[start : start + size])
        data = data[start + size :]
    return payloads


def test_stalled_websocket_is_cut_past_max_pending_without_slowing_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="pyoocsi.web")
    limit = 256 * 1024
    total = 2000  # 8 MB of frames: far past what the stalled socket and limit hold
    with running_server(max_pending=limit) as server:

        async def scenario() -> None:
            stalled = _stalled_websocket(server.http_port, "stalled", "flood")
            async with WsClient(server.http_port) as fast:
                await _subscribe(fast, "fast", "flood")
                sender = LineClient(server.host, server.port)
                sender.send("pub(JSON)\n")
                assert "welcome" in sender.text()
                for start in range(0, total, 100):
                    batch = range(start, start + 100)
                    sender.send(_sendraw_burst("flood", batch, "y" * 4000))
                    for n in batch:
                        message = await fast.message(timeout=20 * TICK)
                        assert message["data"]["n"] == n
                sender.send("clients\n")
                assert sender.text() == "fast,pub"
                sender.close()
            frames = _read_frames(stalled)
            stalled.close()
            assert frames[0] == b'{"message" : "welcome stalled"}'
            numbers = [
                int(frame.split(b'"n":')[1].split(b",")[0]) for frame in frames[1:]
            ]
            assert 0 < len(numbers) < total
            assert numbers == list(range(len(numbers)))

        run(scenario())
    assert any(
        "stalled" in r.getMessage() and "pending" in r.getMessage()
        for r in caplog.records
    )


class Outbox:
    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.queue = self.frames

    def send(self, frame: bytes) -> None:
        self.frames.append(frame)

    def wake(self) -> None:
        return None

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


def test_sendjson_frames_with_and_without_the_fast_path() -> None:
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: 5)
    sender = WebSocketSession(hub, Outbox(), "a")
    sender.text_received("wa")
    receiver_out = Outbox()
    receiver = WebSocketSession(hub, receiver_out, "b")
    receiver.text_received("wb")
    receiver_out.frames.clear()
    for text in [
        'sendjson wb {"k":1}',  # fast path
        'sendjson wb   {"k":2}  ',  # payload trimmed
        "sendjson wb",  # no payload: a pong
        "sendjson  wb {}",  # no recipient: a pong
        'sendjsonwb {"k":3}',  # not the command word: a pong
        'sendjson wb {"k":4} trailing',  # text after the object is ignored
        "sendjson wb plain words",  # text arrives as data
    ]:
        sender.text_received(text)
    envelope = '{"recipient":"wb","timestamp":5,"sender":"wa","data":'
    assert receiver_out.frames == [
        wire(envelope + data + "}")
        for data in ['{"k":1}', '{"k":2}', '{"k":4}', '{"data":"plain words"}']
    ]


def _fed(texts: list[str], in_one_read: bool) -> tuple[list[bytes], list[bytes], int]:
    hub = Hub(Settings(meta_channels=False), time.monotonic, lambda: 5)
    receiver_out, sender_out = Outbox(), Outbox()
    WebSocketSession(hub, receiver_out, "b").text_received("wb")
    hub.subscribe(hub.clients["wb"], "ch")
    hub.subscribe(hub.clients["wb"], "presence(ch)")  # sees wa come and go
    sender = WebSocketSession(hub, sender_out, "a")
    if in_one_read:
        sender.texts_received(texts)
    else:
        for text in texts:
            sender.text_received(text)
    return receiver_out.frames, sender_out.frames, hub.stats.messages


def test_the_frames_of_one_read_do_what_they_do_one_by_one() -> None:
    texts = [
        "wa",  # the name, in the same read as what follows
        'sendjson wb {"k":1}',
        'sendjson ch {"k":2}',
        "sendjson wb {broken",
        "subscribe ch",
        'sendjson wb {"k":3.5}',
        "unsubscribe ch",
        'sendjson ch {"k":4}',
        "pong",
        'sendjson wb {"k":5,"_DELAY":0}',
        "sendjson wb plain",
    ]
    together = _fed(texts, in_one_read=True)
    assert together == _fed(texts, in_one_read=False)
    received, replies, _messages = together
    kinds = [b"presence(ch)" in frame for frame in received[1:]]  # after welcome
    assert kinds == [False, False, True, False, True, False, False, False]
    assert replies[0] == wire('{"message" : "welcome wa"}')
    assert replies[1].startswith(b"\x81") and b"error (invalid JSON" in replies[1]
