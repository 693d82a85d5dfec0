"""TCP and websocket clients share one bus: names, channels and presence."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from pyoocsi.server.testing import RunningServer
from tests.web.wsclient import WsClient, run, tcp_client
from tests.wire import TICK, LineClient, strip_time


def test_tcp_and_websocket_share_a_channel(oocsi_server: RunningServer) -> None:
    tcp = tcp_client(oocsi_server, "tom(JSON)")
    tcp.send("subscribe lobby\n")

    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as web:
            await web.login("wendy")
            await web.send("subscribe lobby")
            await web.silent(TICK / 5)
            await web.send('sendjson lobby {"from":"web"}')
            line = await asyncio.to_thread(tcp.message)
            assert strip_time(line) == {
                "from": "web",
                "recipient": "lobby",
                "sender": "wendy",
            }
            tcp.send('sendraw lobby {"from":"tcp","n":1.5}\n')
            message = await web.message()
            assert message["recipient"] == "lobby"
            assert message["sender"] == "tom"
            assert message["data"] == {"from": "tcp", "n": 1.5}
            tcp.send('sendraw wendy {"direct":1}\n')
            direct = await web.message()
            assert (direct["recipient"], direct["data"]) == ("wendy", {"direct": 1})
            await web.send('sendjson tom {"back":true}')
            line = await asyncio.to_thread(tcp.message)
            assert strip_time(line) == {
                "back": True,
                "recipient": "tom",
                "sender": "wendy",
            }

    try:
        run(scenario())
    finally:
        tcp.close()


def test_one_namespace_across_transports(oocsi_server: RunningServer) -> None:
    tcp = tcp_client(oocsi_server, "tom(JSON)")

    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as web:
            reply = await web.login("tom")
            assert reply == '{"message" : "ERROR: client tom exists already"}'
        async with WsClient(oocsi_server.http_port) as web:
            await web.login("wendy")
            other = LineClient(oocsi_server.host, oocsi_server.port)
            other.send("wendy(JSON)\n")
            assert (await asyncio.to_thread(other.text)).startswith("error (")
            other.close()

    try:
        # tom answers the name probe, as a live client would
        run(_with_pongs(tcp, scenario()))
    finally:
        tcp.close()


async def _with_pongs(client: LineClient, coro: Awaitable[None]) -> None:
    """Run ``coro`` while a TCP client answers pings in a thread."""
    stop = False

    def answer() -> None:
        while not stop:
            try:
                line = client.line(TICK / 5)
            except AssertionError:
                continue
            if line == b"ping":
                client.send(".\n")

    worker = asyncio.create_task(asyncio.to_thread(answer))
    try:
        await coro
    finally:
        stop = True
        await worker


def test_presence_across_transports(oocsi_server: RunningServer) -> None:
    tcp = tcp_client(oocsi_server, "watcher(JSON)")
    tcp.send("subscribe presence(lobby)\n")
    tcp.send("subscribe presence(wendy)\n")

    async def scenario() -> None:
        async with (
            WsClient(oocsi_server.http_port) as web,
            WsClient(oocsi_server.http_port) as tracker,
        ):
            await tracker.login("tracker")
            await tracker.send("subscribe presence(tom)")
            await tracker.silent(TICK / 5)
            tom = await asyncio.to_thread(tcp_client, oocsi_server, "tom(JSON)")
            joined = await tracker.message()
            assert joined["recipient"] == "presence(tom)"
            assert joined["sender"] == "tom"
            assert joined["data"] == {"client": "tom", "join": "tom"}
            tom.send("quit\n")
            left = await tracker.message()
            assert left["data"] == {"client": "tom", "leave": "tom"}
            tom.close()

            await web.login("wendy")
            event = await asyncio.to_thread(tcp.message)
            assert strip_time(event) == {
                "client": "wendy",
                "join": "wendy",
                "recipient": "presence(wendy)",
                "sender": "wendy",
            }
            await web.send("subscribe lobby")
            created = strip_time(await asyncio.to_thread(tcp.message))
            assert created["created"] == "" and created["channel"] == "lobby"
            joined = strip_time(await asyncio.to_thread(tcp.message))
            assert joined["join"] == "wendy" and joined["channel"] == "lobby"

        # the websocket closed: wendy leaves, lobby closes
        events = [strip_time(await asyncio.to_thread(tcp.message)) for _ in range(3)]
        assert [e.get("leave") or e.get("closed") for e in events] == [
            "wendy",
            "wendy",
            "",
        ]

    try:
        run(scenario())
    finally:
        tcp.close()


def test_delay_and_retain_over_websocket(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        port = oocsi_server.http_port
        async with WsClient(port) as alice, WsClient(port) as bob:
            await alice.login("alice")
            await bob.login("bob")
            await alice.send(f'sendjson bob {{"later":1,"_DELAY":{2 * TICK}}}')
            await bob.silent(TICK)  # held, not delivered at once
            message = await bob.message(10 * TICK)
            assert message["data"]["later"] == 1

            await alice.send('sendjson news {"headline":"kept","_RETAIN":60}')
            await alice.silent(TICK / 5)
            async with WsClient(port) as carol:
                await carol.login("carol")
                await carol.send("subscribe news")
                retained = await carol.message()
                assert retained["recipient"] == "news"
                assert retained["data"]["headline"] == "kept"

    run(scenario())
