"""Server-sent events at /subscribe/<spec>."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson

from pyoocsi.core.settings import Settings
from pyoocsi.server.testing import RunningServer
from pyoocsi.web import WebSettings
from tests.web.wsclient import WsClient, run, web_only
from tests.wire import TICK


async def read_event(response: aiohttp.ClientResponse) -> list[str]:
    """The lines of the next event or comment block (up to a blank line)."""
    lines: list[str] = []
    while True:
        raw = await asyncio.wait_for(response.content.readline(), 10 * TICK)
        if not raw:
            raise AssertionError(f"stream ended after {lines}")
        line = raw.decode().rstrip("\n")
        if not line:
            return lines
        lines.append(line)


def test_events_carry_the_data_only(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        port = oocsi_server.http_port
        async with WsClient(port) as alice, aiohttp.ClientSession() as http:
            await alice.login("alice")
            async with http.get(f"http://127.0.0.1:{port}/subscribe/team/one") as r:
                assert r.status == 200
                assert r.headers["Content-Type"] == "text/event-stream"
                opened = await read_event(r)
                assert opened[0].startswith(": Events-")
                assert opened[0].endswith(" subscribed to team/one")
                await alice.send('sendjson team/one {"b":2,"a":1.0}')
                assert await read_event(r) == ['data: {"a":1.0,"b":2}']
                async with http.get(f"http://127.0.0.1:{port}/channels") as c:
                    names = (await c.text()).split(", ")
                assert "team/one" in names
                assert any(n.startswith("Events-") for n in names)
            # the stream closed: its client and the channel go
            for _ in range(20):
                async with http.get(f"http://127.0.0.1:{port}/channels") as c:
                    if "team/one" not in await c.text():
                        break
                await asyncio.sleep(TICK / 5)
            else:
                raise AssertionError("the stream's channel stayed open")

    run(scenario())


def test_presence_stream_and_keepalive() -> None:
    async def scenario() -> None:
        settings = WebSettings(sse_keepalive=TICK)
        async with web_only(settings) as port, aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/subscribe/presence(lobby)"
            async with http.get(url) as r:
                await read_event(r)
                assert await read_event(r) == [": keep-alive"]
                async with WsClient(port) as bob:
                    await bob.login("bob")
                    await bob.send("subscribe lobby")
                    assert await read_event(r) == [
                        'data: {"channel":"lobby","created":""}'
                    ]
                    assert await read_event(r) == [
                        'data: {"channel":"lobby","join":"bob"}'
                    ]

    run(scenario())


def test_quiet_stream_is_not_timed_out() -> None:
    async def scenario() -> None:
        quick = Settings(timeout=3 * TICK, ping_interval=TICK)
        async with (
            web_only(WebSettings(sse_keepalive=TICK), quick) as port,
            aiohttp.ClientSession() as http,
            WsClient(port) as bob,
        ):
            await bob.login("bob")
            async with http.get(f"http://127.0.0.1:{port}/subscribe/quiet") as r:
                await read_event(r)
                for _ in range(5):  # longer than the timeout
                    assert await read_event(r) == [": keep-alive"]
                await bob.send('sendjson quiet {"still":"here"}')
                while (event := await read_event(r)) == [": keep-alive"]:
                    pass
                assert event == ['data: {"still":"here"}']

    run(scenario())


def test_overflow_ends_the_stream_with_a_reason() -> None:
    async def scenario() -> None:
        async with (
            web_only(WebSettings(sse_buffer=5)) as port,
            aiohttp.ClientSession() as http,
            WsClient(port) as bob,
        ):
            await bob.login("bob")
            async with http.get(f"http://127.0.0.1:{port}/subscribe/burst") as r:
                await read_event(r)
                # The reader stops reading while far more than the socket
                # buffers hold is sent, so events queue up in the server.
                filler = "x" * 65536
                for i in range(400):
                    await bob.send(f'sendjson burst {{"i":{i},"f":"{filler}"}}')
                received = []
                while (event := await read_event(r))[0].startswith("data: "):
                    received.append(orjson.loads(event[0][6:])["i"])
                assert event[0] == "event: error"
                assert "more than 5 events waiting; stream ended" in event[1]
                # what came before the error came whole and in order
                assert received == list(range(len(received)))
                assert len(received) < 400

    run(scenario())


def test_stream_limit() -> None:
    async def scenario() -> None:
        async with (
            web_only(WebSettings(max_sse=1)) as port,
            aiohttp.ClientSession() as http,
        ):
            url = f"http://127.0.0.1:{port}/subscribe/x"
            async with http.get(url) as first:
                await read_event(first)
                async with http.get(url) as second:
                    assert second.status == 503
                    assert "too many event streams (limit 1)" in await second.text()

    run(scenario())
