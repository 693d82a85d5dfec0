"""AsyncOOCSI over the server's websocket endpoint, next to a TCP client."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from pyoocsi.client import AsyncOOCSI, HandleInUse, NotSupported
from pyoocsi.server.testing import RunningServer
from tests.client.conftest import async_client, run
from tests.wire import TICK

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pyoocsi.web") is None
    or importlib.util.find_spec("aiohttp") is None,
    reason="needs the server's websocket side (pyoocsi.web) and aiohttp",
)


def ws_client(server: RunningServer, handle: str) -> AsyncOOCSI:
    assert server.server is not None
    url = f"ws://127.0.0.1:{server.server.http_port}/ws"
    return AsyncOOCSI(handle, url=url, backoff=(TICK / 10, TICK))


async def subscribed(observer: AsyncOOCSI, channel: str, member: str) -> None:
    """Wait until the server lists ``member`` on ``channel``."""
    while member not in await observer.channels(channel):
        await asyncio.sleep(TICK / 10)


def test_messages_and_calls_cross_transports(server: RunningServer) -> None:
    async def main() -> None:
        async with (
            ws_client(server, "web_##") as web,
            async_client(server, "tcp") as tcp,
        ):
            assert web.handle.startswith("web_")
            assert web.handle[4:].isdigit()
            inbox = web.subscribe("mixed")
            web.respond("shout", lambda request: {"loud": request["text"].upper()})
            await subscribed(tcp, "mixed", web.handle)
            await subscribed(tcp, "shout", web.handle)
            await tcp.send("mixed", {"x": 1})
            message = await inbox.get(10 * TICK)
            assert (message.sender, message.data) == ("tcp", {"x": 1})
            reply = await tcp.request("shout", data={"text": "hi"}, timeout=10 * TICK)
            assert reply.data == {"loud": "HI"}
            direct = tcp.on_direct()
            await web.send("tcp", {"from": "web"})
            assert (await direct.get(10 * TICK)).data == {"from": "web"}
            with pytest.raises(NotSupported):
                await web.clients()

    run(main())


def test_taken_name_over_websocket(server: RunningServer) -> None:
    async def main() -> None:
        async with async_client(server, "holder"):
            with pytest.raises(HandleInUse):
                await ws_client(server, "holder").connect()

    run(main())
