"""The browser client oocsi-web.js in a real headless Chromium.

The test page is served from another origin than the OOCSI server and loads
the client from the server's ``/assets/js/``, as prototypes elsewhere do.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from pyoocsi.core.peer import Departure
from pyoocsi.server.testing import RunningServer
from tests.web.browser import Browser, find_chromium
from tests.web.wsclient import run
from tests.wire import TICK, LineClient, strip_time

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="http://127.0.0.1:{port}/assets/js/{script}"></script></head>
<body><p id="state">loaded</p></body></html>
"""


@contextlib.asynccontextmanager
async def elsewhere(port: int, script: str) -> AsyncIterator[str]:
    """A page on another origin that loads the client; yields its URL."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text=PAGE.format(port=port, script=script), content_type="text/html"
        )

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()


def tcp_client(server: RunningServer, handshake: str) -> LineClient:
    client = LineClient(server.host, server.port)
    client.send(handshake + "\n")
    assert "welcome" in client.text()
    return client


@pytest.mark.parametrize("script", ["oocsi-web.js", "oocsi-web.min.js"])
def test_client_connects_receives_and_answers(
    oocsi_server: RunningServer, script: str
) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port
    tcp = tcp_client(oocsi_server, "sensor(JSON)")

    async def scenario() -> None:
        async with elsewhere(port, script) as url, Browser(CHROMIUM) as browser:
            await browser.goto(url)
            await browser.evaluate(
                f"""window.got = [];
                OOCSI.connect("ws://127.0.0.1:{port}/ws", "browser_##");
                OOCSI.subscribe("lobby", function (m) {{ window.got.push(m); }});
                OOCSI.register("adder", function (data, response) {{
                    response.text = String(data.a + data.b);
                }});
                true"""
            )
            await browser.wait_for("OOCSI.isConnected()")
            handle = await browser.evaluate("OOCSI.handle()")
            assert handle.startswith("browser_") and handle[-2:].isdigit()

            # a message sent over TCP reaches the page's handler
            await _wait_subscribed(oocsi_server, "lobby")
            tcp.send('sendraw lobby {"temp":21.5,"ok":true}\n')
            got = await browser.wait_for("window.got.length && window.got")
            assert got[0]["sender"] == "sensor"
            assert got[0]["recipient"] == "lobby"
            assert got[0]["data"] == {"ok": True, "temp": 21.5}

            # the page answers an HTTP service call
            async with (
                aiohttp.ClientSession() as http,
                http.get(f'http://127.0.0.1:{port}/adder/sum/{{"a":1,"b":2}}') as r,
            ):
                assert (r.status, await r.text()) == (200, "3")

            # the page sends to a TCP client and calls echo
            await browser.evaluate('OOCSI.send("sensor", {"from": "page"}); true')
            line = await asyncio.to_thread(tcp.message)
            assert strip_time(line) == {
                "from": "page",
                "recipient": "sensor",
                "sender": handle,
            }
            reply = await browser.evaluate(
                """new Promise(function (resolve) {
                    OOCSI.call("echo", {"n": 7}, 2000, resolve);
                })"""
            )
            assert reply == {"n": 7, "_MESSAGE_HANDLE": "echo"}
            assert browser.exceptions == []

    try:
        run(scenario())
    finally:
        tcp.close()


def test_client_reconnects_and_subscribes_again(oocsi_server: RunningServer) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port
    tcp = tcp_client(oocsi_server, "sensor(JSON)")

    async def scenario() -> None:
        async with (
            elsewhere(port, "oocsi-web.js") as url,
            Browser(CHROMIUM) as browser,
        ):
            await browser.goto(url)
            await browser.evaluate(
                f"""window.got = [];
                OOCSI.connect("ws://127.0.0.1:{port}/ws", "pager");
                OOCSI.subscribe("lobby", function (m) {{ window.got.push(m.data); }});
                true"""
            )
            await browser.wait_for("OOCSI.isConnected()")
            await _wait_subscribed(oocsi_server, "lobby")
            # the server drops the client; the page comes back by itself
            assert oocsi_server.server is not None
            hub = oocsi_server.server.hub
            oocsi_server.call(hub.depart, "pager", Departure.CLOSED)
            await _wait_subscribed(oocsi_server, "lobby")
            tcp.send('sendraw lobby {"again":1}\n')
            got = await browser.wait_for("window.got.length && window.got")
            assert got == [{"again": 1}]

    try:
        run(scenario())
    finally:
        tcp.close()


async def _wait_subscribed(server: RunningServer, channel: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            async with http.get(
                f"http://127.0.0.1:{server.http_port}/api/channels/{channel}"
            ) as r:
                if r.status == 200 and (await r.json())["subscribers"]:
                    return
            await asyncio.sleep(TICK / 5)
    raise AssertionError(f"nobody subscribed to {channel}")
