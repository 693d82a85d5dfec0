"""The HTTP port: websocket handshakes at ``/ws``, every other request to aiohttp."""

from __future__ import annotations

import json
import struct
import threading
from collections.abc import Iterator

import aiohttp
import pytest

from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web.upgrade import MAX_HEAD
from tests.web.conftest import event_loops
from tests.web.rawws import ACCEPT, CLOSE, TEXT, RawWebSocket, frame, upgrade_request
from tests.web.wsclient import run
from tests.wire import TICK


@pytest.fixture(scope="module", params=["asyncio", "uvloop"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    with event_loops(request.param), running_server() as running:
        yield running


def refusal(server: RunningServer, request: bytes) -> tuple[str, str]:
    """The head and body of a refused request; the server closes after it."""
    with RawWebSocket(server.http_port) as ws:
        head = ws.open(request)
        size = int(head.split("Content-Length: ")[1].split("\r\n")[0])
        body = ws.body(size).decode()
        assert ws.at_end()
    return head, body


def test_handshake_answer_is_rfc_6455s(server: RunningServer) -> None:
    with RawWebSocket(server.http_port) as ws:
        assert ws.open() == (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}"
        )


@pytest.mark.parametrize(
    "request_head",
    [
        upgrade_request("/ws?name=x"),
        upgrade_request(Upgrade="WebSocket", Connection="keep-alive, Upgrade"),
        upgrade_request(Sec_WebSocket_Protocol="chat", Origin="http://elsewhere"),
    ],
)
def test_accepted_requests(server: RunningServer, request_head: bytes) -> None:
    with RawWebSocket(server.http_port) as ws:
        assert ws.open(request_head).startswith("HTTP/1.1 101 ")
        ws.text("accepted")
        assert ws.next_text() == '{"message" : "welcome accepted"}'


@pytest.mark.parametrize(
    ("request_head", "status", "reason"),
    [
        (upgrade_request(Upgrade=""), "400", "Upgrade: websocket expected"),
        (upgrade_request(Upgrade="h2c"), "400", "Upgrade: websocket expected"),
        (upgrade_request(Connection="close"), "400", "Connection: upgrade expected"),
        (upgrade_request(key="c2hvcnQ="), "400", "invalid Sec-WebSocket-Key"),
        (upgrade_request(key="not base64!"), "400", "invalid Sec-WebSocket-Key"),
        (upgrade_request(key=""), "400", "invalid Sec-WebSocket-Key"),
        (upgrade_request(key="é" * 12), "400", "invalid Sec-WebSocket-Key"),
        (upgrade_request(Sec_WebSocket_Version="12"), "426", "version '12'"),
        (upgrade_request(Sec_WebSocket_Version=""), "426", "version ''"),
        (
            upgrade_request().replace(b"HTTP/1.1", b"HTTP/1.0", 1),
            "400",
            "GET over HTTP/1.1",
        ),
        (
            upgrade_request().replace(b"Host:", b"Host :", 1),
            "400",
            "malformed header line",
        ),
    ],
)
def test_refused_requests(
    server: RunningServer, request_head: bytes, status: str, reason: str
) -> None:
    head, body = refusal(server, request_head)
    assert head.startswith(f"HTTP/1.1 {status} ")
    assert reason in body
    assert ("Sec-WebSocket-Version: 13" in head) == (status == "426")


def test_other_routes_are_aiohttps_on_the_same_port(server: RunningServer) -> None:
    with RawWebSocket(server.http_port) as http:
        for _ in range(2):  # kept alive between requests
            http.send(b"GET /api/server HTTP/1.1\r\nHost: x\r\n\r\n")
            head = http.head()
            assert head.startswith("HTTP/1.1 200 OK")
            size = int(head.split("Content-Length: ")[1].split("\r\n")[0])
            assert json.loads(http.body(size))["tcp_port"] == server.port
        http.send(b"POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        assert http.head().startswith("HTTP/1.1 405 ")


def http_request(connection: RawWebSocket) -> None:
    """A request answered by aiohttp, which keeps the connection alive."""
    connection.send(b"GET /channels HTTP/1.1\r\nHost: x\r\n\r\n")
    head = connection.head()
    assert head.startswith("HTTP/1.1 200 OK")
    connection.body(int(head.split("Content-Length: ")[1].split("\r\n")[0]))


def test_a_websocket_after_http_on_a_kept_alive_connection(
    server: RunningServer,
) -> None:
    with RawWebSocket(server.http_port) as ws:
        http_request(ws)
        assert ws.open() == (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}"
        )
        ws.text("reused")
        assert ws.next_text() == '{"message" : "welcome reused"}'
        ws.send(frame(CLOSE, struct.pack("!H", 1000)))
        assert ws.close_frame()[0] == 1000
        assert ws.at_end()


def test_frames_sent_with_a_websocket_request_on_a_kept_alive_connection(
    server: RunningServer,
) -> None:
    # The name frame follows the request at once: aiohttp has read it already.
    with RawWebSocket(server.http_port) as ws:
        http_request(ws)
        ws.send(upgrade_request() + frame(TEXT, b"eager"))
        assert ws.head().startswith("HTTP/1.1 101 ")
        assert ws.next_text() == '{"message" : "welcome eager"}'


def test_aiohttp_client_reusing_its_connection(server: RunningServer) -> None:
    async def scenario() -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as http:
            base = f"http://127.0.0.1:{server.http_port}"
            async with http.get(f"{base}/channels") as response:
                assert response.status == 200
                await response.read()
            async with http.ws_connect(f"{base}/ws") as ws:
                await ws.send_str("pooled")
                assert await ws.receive_str() == '{"message" : "welcome pooled"}'

    run(scenario())


def test_head_and_frames_in_pieces_or_together(server: RunningServer) -> None:
    with RawWebSocket(server.http_port) as ws:
        request = upgrade_request()
        for piece in (request[:2], request[2:7], request[7:30], request[30:]):
            ws.send(piece)
        assert ws.head().startswith("HTTP/1.1 101 ")
        ws.text("pieces")
        assert ws.next_text() == '{"message" : "welcome pieces"}'
    with RawWebSocket(server.http_port) as ws:
        ws.send(upgrade_request() + frame(TEXT, b"together"))
        assert ws.head().startswith("HTTP/1.1 101 ")
        assert ws.next_text() == '{"message" : "welcome together"}'


def test_long_heads_go_to_aiohttp(server: RunningServer) -> None:
    long_url = upgrade_request("/ws?" + "a" * MAX_HEAD)
    with RawWebSocket(server.http_port) as ws:
        assert ws.open(long_url).startswith("HTTP/1.0 400 Bad Request")
    many = {f"X_Pad_{n}": "p" * 6000 for n in range(MAX_HEAD // 6000 + 1)}
    with RawWebSocket(server.http_port) as ws:
        assert ws.open(upgrade_request(**many)).startswith("HTTP/1.1 101 ")
        ws.text("padded")
        assert ws.next_text() == '{"message" : "welcome padded"}'


def test_open_websockets_are_counted(server: RunningServer) -> None:
    def count() -> int:
        with RawWebSocket(server.http_port) as http:
            http.send(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n")
            head = http.head()
            size = int(head.split("Content-Length: ")[1].split("\r\n")[0])
            value = json.loads(http.body(size))["websockets"]
            assert isinstance(value, int)
            return value

    before = count()
    with RawWebSocket(server.http_port) as one, RawWebSocket(server.http_port) as two:
        for ws, name in ((one, "one"), (two, "two")):
            ws.open()
            ws.text(name)
            ws.next_text()
        assert count() == before + 2
        one.send(frame(CLOSE, struct.pack("!H", 1000)))
        assert one.close_frame()[0] == 1000 and one.at_end()
        assert count() == before + 1


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_stopping_the_server_closes_every_connection(loop: str) -> None:
    with event_loops(loop), running_server() as server:
        named = RawWebSocket(server.http_port)
        named.open()
        named.text("named")
        named.next_text()
        unnamed = RawWebSocket(server.http_port)
        unnamed.open()
        waiting = RawWebSocket(server.http_port)
        waiting.send(b"GET /w")  # not yet telling whether it is a websocket
        idle = RawWebSocket(server.http_port)  # aiohttp's, kept alive
        idle.send(b"GET /channels HTTP/1.1\r\nHost: x\r\n\r\n")
        assert idle.head().startswith("HTTP/1.1 200 OK")
        stream = RawWebSocket(server.http_port)  # aiohttp's, streaming
        stream.send(b"GET /subscribe/news HTTP/1.1\r\nHost: x\r\n\r\n")
        assert stream.head().startswith("HTTP/1.1 200 OK")
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        assert named.close_frame() == (1000, "")
        assert unnamed.close_frame() == (1001, "")
        for ws in (named, unnamed):
            ws.send(frame(CLOSE, b""))
            assert ws.at_end()
        assert waiting.at_end() and waiting.buffer == b""
        assert idle.at_end() and stream.at_end()
        stopping.join(20 * TICK)
        assert not stopping.is_alive()
        for ws in (named, unnamed, waiting, idle, stream):
            ws.sock.close()
