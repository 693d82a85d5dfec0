"""``http-web-request`` against a real HTTP server of the test's own, on
loopback: allowed by ``web_request_hosts``, refused without it."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pyoocsi.core.hub import Hub
from pyoocsi.core.message import Message
from pyoocsi.core.settings import Settings
from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web.builtins import EchoClient
from pyoocsi.web.heyoocsi import Registry
from pyoocsi.web.settings import WebRequestLimits, WebSettings, web_settings
from pyoocsi.web.webrequest import (
    MALFORMED,
    RequestRefusedError,
    WebRequestClient,
    public,
    read_request,
)
from tests.web.wsclient import get_json, tcp_client
from tests.wire import TICK, LineClient

_names = itertools.count()


class _Handler(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path == "/hello":
            self._answer(200, "héllo".encode(), {"Content-Type": "text/plain"})
        elif self.path == "/around":
            self._answer(302, b"", {"Location": "/hello"})
        elif self.path == "/to-localhost":
            target = f"http://localhost:{port}/hello"
            self._answer(302, b"", {"Location": target})
        elif self.path == "/to-ws":
            self._answer(302, b"", {"Location": f"ws://127.0.0.1:{port}/hello"})
        elif self.path == "/idna":
            self._answer(200, b"plain", {"Content-Type": "text/plain; charset=idna"})
        elif self.path == "/bad-location":
            self._answer(302, b"", {"Location": "http://[bad"})
        elif self.path == "/loop":
            self._answer(302, b"", {"Location": "/loop"})
        else:
            self._answer(404, b"no such page", {"Content-Type": "text/plain"})

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(size)
        echo = {"type": self.headers.get("Content-Type"), "body": body.decode()}
        self._answer(
            201, json.dumps(echo).encode(), {"Content-Type": "application/json"}
        )

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[int]:
    """A loopback HTTP server; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def allowed() -> Iterator[RunningServer]:
    with running_server(builtin_clients=True, web_request_hosts="127.0.0.1") as server:
        yield server


def ask(server: RunningServer, question: dict[str, Any]) -> dict[str, Any]:
    """Send one request as a new client; its answer, from http-web-request."""
    client = tcp_client(server, f"asker{next(_names)}(JSON)")
    try:
        client.send(f"sendraw http-web-request {json.dumps(question)}\n")
        answer = client.message()
        assert answer["sender"] == "http-web-request"
        return answer
    finally:
        client.close()


def test_requests_are_read_as_the_reference_reads_them() -> None:
    plain = read_request({"url": "example.org/a?b=1"}, "me")
    assert str(plain.url) == "https://example.org/a?b=1"
    assert (plain.method, plain.body, plain.reply_to) == ("GET", None, "me")
    form = read_request(
        {"url": "http://x.org", "method": "POST", "body": {"a": 1}, "channel": "c"},
        "me",
    )
    assert (form.body, form.content_type, form.reply_to) == (
        b"a=1",
        "application/x-www-form-urlencoded",
        "c",
    )
    posted = read_request({"url": "http://x.org", "method": "post", "json": [1]}, "m")
    assert (posted.body, posted.content_type) == (b"[1]", "application/json")
    assert str(read_request({"url": "httpbin.org/get"}, "me").url) == (
        "https://httpbin.org/get"
    )
    bad_urls = [
        "http://",
        "httpx://a.org",
        "ftp://a.org",
        "http://[x]@",
        "http://xn--zz/",
    ]
    for bad in ({}, {"url": 7}, *({"url": u} for u in bad_urls)):
        with pytest.raises(RequestRefusedError, match=MALFORMED):
            read_request(bad, "me")
    with pytest.raises(RequestRefusedError, match="method"):
        read_request({"url": "http://x.org", "method": "delete"}, "me")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.9", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),
        ("::127.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),
        ("64:ff9b::808:808", True),
        ("2002:7f00:1::1", False),
        ("::ffff:0:7f00:1", False),
        ("fec0::1", False),
        ("ff02::1", False),
        ("not an address", False),
    ],
)
def test_only_public_addresses_count_as_public(address: str, expected: bool) -> None:
    assert public(address) is expected


def test_get_post_and_the_answer_channel(allowed: RunningServer, site: int) -> None:
    base = f"http://127.0.0.1:{site}"
    got = ask(allowed, {"url": f"{base}/hello", "_MESSAGE_ID": "m1", "x": 1})
    assert got["recipient"].startswith("asker")
    assert got["result-status"] == 200
    assert got["result-body"] == "héllo"
    assert got["result-content-type"] == "text/plain"
    assert (got["_MESSAGE_ID"], got["x"]) == ("m1", 1)
    form = ask(allowed, {"url": f"{base}/f", "method": "post", "body": "a=1&b=2"})
    assert form["result-status"] == 201
    assert json.loads(form["result-body"]) == {
        "type": "application/x-www-form-urlencoded",
        "body": "a=1&b=2",
    }
    posted = ask(allowed, {"url": f"{base}/j", "method": "POST", "json": {"k": [1]}})
    assert json.loads(posted["result-body"]) == {
        "type": "application/json",
        "body": '{"k": [1]}',
    }
    missing = ask(allowed, {"url": f"{base}/nothing"})
    assert (missing["result-status"], missing["result-body"]) == (404, "no such page")
    listener = tcp_client(allowed, "listener(JSON)")
    listener.send("subscribe answers\n")
    sync_line(listener)
    sender = tcp_client(allowed, "quiet(JSON)")
    sender.send(
        "sendraw http-web-request "
        + json.dumps({"url": f"{base}/hello", "channel": "answers"})
        + "\n"
    )
    answer = listener.message()
    assert answer["recipient"] == "answers" and answer["result-status"] == 200
    for client in (listener, sender):
        client.close()


def sync_line(client: LineClient) -> None:
    client.send("ping\n")
    assert client.text() == "."


def test_redirects_are_followed_and_checked(allowed: RunningServer, site: int) -> None:
    base = f"http://127.0.0.1:{site}"
    around = ask(allowed, {"url": f"{base}/around"})
    assert (around["result-status"], around["result-body"]) == (200, "héllo")
    # localhost is not in web_request_hosts: its name resolves to loopback
    away = ask(allowed, {"url": f"{base}/to-localhost"})
    assert away["result-status"] == 403
    assert "localhost is not a public address" in away["result-body"]
    loop = ask(allowed, {"url": f"{base}/loop"})
    assert loop["result-status"] == 508
    to_ws = ask(allowed, {"url": f"{base}/to-ws"})
    assert (to_ws["result-status"], to_ws["result-body"]) == (
        502,
        "unusable answer: a redirect to ws:",
    )
    odd = ask(allowed, {"url": f"{base}/idna"})
    assert (odd["result-status"], odd["result-body"]) == (200, "plain")
    bad = ask(allowed, {"url": f"{base}/bad-location"})
    assert bad["result-status"] == 502
    assert bad["result-body"].startswith("unusable answer: ")


def test_private_addresses_are_refused_by_default(site: int) -> None:
    with running_server(builtin_clients=True) as server:
        for url in (
            f"http://127.0.0.1:{site}/hello",
            f"http://localhost:{site}/",
            f"http://2130706433:{site}/",
            f"http://127.1:{site}/",
            f"http://[::ffff:127.0.0.1]:{site}/",
        ):
            refused = ask(server, {"url": url})
            assert refused["result-status"] == 403, refused
            assert "is not a public address" in refused["result-body"]


def test_refusals_are_answered(allowed: RunningServer, site: int) -> None:
    assert ask(allowed, {"url": "http://"})["result-body"] == MALFORMED
    client = tcp_client(allowed, "hasty(JSON)")
    url = f"http://127.0.0.1:{site}/hello"
    line = f"sendraw http-web-request {json.dumps({'url': url})}\n"
    client.send(line + line)
    statuses = sorted(client.message()["result-status"] for _ in range(2))
    assert statuses == [200, 429]
    client.close()
    unreachable = ask(allowed, {"url": "http://127.0.0.1:1/"})
    assert unreachable["result-status"] == 502


def stats(server: RunningServer) -> int:
    count: int = get_json(server.http_port, "/api/stats")["messagesTotal"]
    return count


def test_answers_sent_to_built_in_clients_start_no_conversation(
    allowed: RunningServer,
) -> None:
    client = tcp_client(allowed, "looper(JSON)")
    for question in (
        {"url": "", "channel": "http-web-request"},
        {"url": "", "channel": "echo"},
        {"url": "", "channel": "heyOOCSIClient", "x": 0, "y": 0, "distance": 1},
        {"url": "", "channel": "looper", "_DELAY": 0.001, "_RETAIN": 60},
    ):
        client.send(f"sendraw http-web-request {json.dumps(question)}\n")
    # answers never go to another client: all four came back to the asker
    answers = [client.message() for _ in range(4)]
    assert {a["recipient"] for a in answers} == {"looper"}
    assert all(a["result-status"] == 404 for a in answers)
    assert not any("_DELAY" in a or "_RETAIN" in a for a in answers)
    before = stats(allowed)
    client.silent(TICK)
    assert stats(allowed) == before  # nothing went round in circles
    client.close()


def test_built_in_clients_do_not_take_each_others_messages_as_questions() -> None:
    hub = Hub(Settings(), time.monotonic, lambda: 5)
    echo, web = EchoClient(hub), WebRequestClient(hub)
    assert echo.join() and web.join()
    assert echo.asked(Message("someone", "echo:x", 5, {}))
    assert not echo.asked(Message("http-web-request", "echo", 5, {}))
    assert not web.asked(Message("echo", "http-web-request", 5, {}))
    assert not echo.asked(Message("someone", "other", 5, {}))


def test_requests_are_limited_per_sender_and_for_everyone() -> None:
    now = [0.0]
    hub = Hub(Settings(), time.monotonic, lambda: 5)
    web = WebRequestClient(hub, ["[::1]", "Device.LAN"], clock=lambda: now[0])
    assert web.allowed == {"::1", "device.lan"}
    web._admit("a")
    with pytest.raises(RequestRefusedError, match="one request per"):
        web._admit("a")
    for n in range(WebRequestLimits().per_second - 1):
        web._admit(f"asker{n}")
    with pytest.raises(RequestRefusedError, match="requests a second"):
        web._admit("one_more")
    now[0] = 1.0  # a second later
    web._admit("one_more")


def test_answers_go_to_the_asker_or_a_channel_only(
    allowed: RunningServer, site: int
) -> None:
    victim = tcp_client(allowed, "victim(JSON)")
    answer = ask(
        allowed, {"url": f"http://127.0.0.1:{site}/hello", "channel": "victim"}
    )
    assert (answer["result-status"], answer["result-body"]) == (
        403,
        "answers go to the asker or a channel",
    )
    victim.silent(TICK / 2)
    victim.close()


def test_the_client_can_be_turned_off() -> None:
    with running_server(builtin_clients=True, web_requests=False) as server:
        client = tcp_client(server, "lister(JSON)")
        client.send("clients\n")
        assert "http-web-request" not in client.text().split(",")
        client.close()


def test_each_limit_is_the_client_s_own() -> None:
    now = [0.0]
    hub = Hub(Settings(), time.monotonic, lambda: 5)
    limits = WebRequestLimits(interval=0.0, per_second=2, in_flight=1)
    web = WebRequestClient(hub, clock=lambda: now[0], limits=limits)
    web._admit("a")
    web._admit("a")  # no interval per sender
    with pytest.raises(RequestRefusedError, match="at most 2 requests a second"):
        web._admit("b")
    now[0] = 1.0
    web._running.add(object())  # type: ignore[arg-type]  # one still running
    with pytest.raises(RequestRefusedError, match="too many requests running"):
        web._admit("b")


def test_the_web_side_s_defaults_are_the_server_s() -> None:
    assert WebSettings() == web_settings(Settings())
    assert Registry().max_parts == Settings().max_device_parts


def test_the_web_request_settings_reach_the_client(site: int) -> None:
    settings = {
        "web_request_hosts": "127.0.0.1",
        "web_request_redirects": 0,
        "web_request_max_body": 3,
        "web_request_interval": 0.0,
        "web_request_rate": 7,
        "web_request_concurrency": 5,
        "web_request_timeout": 4.5,
    }
    with running_server(builtin_clients=True, **settings) as server:
        client = server.server.hub.clients["http-web-request"]
        assert isinstance(client.peer, WebRequestClient)
        assert client.peer.limits == WebRequestLimits(
            interval=0.0,
            per_second=7,
            in_flight=5,
            timeout=4.5,
            max_body=3,
            redirects=0,
        )
        around = ask(server, {"url": f"http://127.0.0.1:{site}/around"})
        assert (around["result-status"], around["result-body"]) == (
            508,
            "more than 0 redirects",
        )
        hello = ask(server, {"url": f"http://127.0.0.1:{site}/hello"})
        assert (hello["result-status"], hello["result-body"]) == (200, "h\u00e9")
