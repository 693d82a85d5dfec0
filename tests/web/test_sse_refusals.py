"""Event streams that cannot be served: they answer why and leave no client."""

from __future__ import annotations

import asyncio

import aiohttp

from pyoocsi.server.testing import RunningServer, running_server
from tests.web.test_sse import read_event
from tests.web.wsclient import WsClient, run
from tests.wire import TICK


async def stream_clients(http: aiohttp.ClientSession, port: int) -> list[str]:
    async with http.get(f"http://127.0.0.1:{port}/api/clients") as r:
        names = [c["name"] for c in (await r.json())["clients"]]
    return [name for name in names if name.startswith("Events-")]


async def no_stream_clients(http: aiohttp.ClientSession, port: int) -> None:
    for _ in range(20):
        if not await stream_clients(http, port):
            return
        await asyncio.sleep(TICK / 5)
    raise AssertionError(f"left behind: {await stream_clients(http, port)}")


def test_bad_spec_and_wrong_password_are_answered() -> None:
    async def scenario(port: int) -> None:
        base = f"http://127.0.0.1:{port}/subscribe"
        async with WsClient(port) as bob, aiohttp.ClientSession() as http:
            await bob.login("bob")
            await bob.send("subscribe room:pw")
            await bob.silent(TICK / 5)
            async with http.get(f"{base}/fch[filter(") as r:
                assert r.status == 400
                assert await r.text() == (
                    "ERROR: invalid subscription: "
                    "the '[' of the function spec is not closed"
                )
            async with http.get(f"{base}/fch[nothing(x)]") as r:
                assert r.status == 400
                assert (await r.text()).startswith("ERROR: invalid subscription: ")
            reason = "ERROR: wrong password for channel room"
            for spec in ("room", "room:wrong", "room:wrong[filter(x > 1)]"):
                async with http.get(f"{base}/{spec}") as r:
                    assert (r.status, await r.text()) == (403, reason)
            assert await stream_clients(http, port) == []
            async with http.get(f"{base}/room:pw") as r:
                assert r.status == 200
                await read_event(r)
                await bob.send('sendjson room:pw {"x":1}')
                assert await read_event(r) == ['data: {"x":1}']

    with running_server() as server:
        run(scenario(server.http_port))


def test_a_failing_subscription_leaves_no_client() -> None:
    # The server refuses every input that used to make subscribing raise, so a
    # defect is injected into the running hub: its subscribe raises.
    def broken_subscribe(client: object, spec: str) -> None:
        raise RuntimeError(f"injected defect subscribing {spec}")

    async def scenario(server: RunningServer) -> None:
        port = server.http_port
        assert server.server is not None
        hub = server.server.hub
        server.call(setattr, hub, "subscribe", broken_subscribe)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/subscribe/deep") as r:
                assert r.status == 500
            await no_stream_clients(http, port)

    with running_server() as server:
        run(scenario(server))
