"""The exact lines the client writes for each operation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

import pytest

from pyoocsi.client import AsyncOOCSI, CallTimeout, Message
from tests.client.fake import FakeServer
from tests.wire import TICK

Scenario = Callable[[FakeServer, AsyncOOCSI], Awaitable[None]]


def run(scenario: Scenario, handle: str = "me") -> None:
    async def main() -> None:
        async with FakeServer() as server:
            client = AsyncOOCSI(handle, "127.0.0.1", server.port, reconnect=False)
            await client.connect()
            assert await server.line() == f"{handle}(JSON)"
            try:
                await scenario(server, client)
            finally:
                await client.close()

    asyncio.run(main())


def test_send_writes_compact_sendraw() -> None:
    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        await client.send("colors", {"color": 120, "name": "é", "list": [1, 2.5]})
        assert await server.line() == (
            'sendraw colors {"color":120,"name":"\\u00e9","list":[1,2.5]}'
        )
        await client.send("colors", None, level=3)
        assert await server.line() == 'sendraw colors {"level":3}'

    run(scenario)


def test_time_keys_are_keyword_arguments() -> None:
    moment = datetime(2030, 1, 2, 3, 4, 5)
    aware = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1)))

    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        await client.send("ch", {"a": 1}, retain=60)
        assert await server.line() == 'sendraw ch {"a":1,"_RETAIN":60}'
        await client.send("ch", {"a": 1}, delay=2.5)
        assert await server.line() == 'sendraw ch {"a":1,"_DELAY":2.5}'
        await client.send("ch", {"a": 1}, schedule=moment)
        assert await server.line() == (
            'sendraw ch {"a":1,"_SCHEDULE":"2030-01-02 03:04:05"}'
        )
        await client.send("ch", {}, schedule=aware)
        assert await server.line() == (
            'sendraw ch {"_SCHEDULE":"2030-01-02T03:04:05+01:00"}'
        )

    run(scenario)


def test_invalid_payloads_are_refused_before_the_wire() -> None:
    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        with pytest.raises(ValueError, match=r"NaN|JSON"):
            await client.send("ch", {"x": float("nan")})
        with pytest.raises(ValueError, match="spaces"):
            await client.send("two words", {"x": 1})
        await client.send_raw("ch", "plain text")
        assert await server.line() == "sendraw ch plain text"

    run(scenario)


def test_subscribe_once_per_channel_and_unsubscribe_after_the_last() -> None:
    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        first = client.subscribe("ch", lambda m: None)
        second = client.subscribe("ch", lambda m: None)
        client.presence("lobby")
        assert await server.line() == "subscribe ch"
        assert await server.line() == "subscribe presence(lobby)"
        first.unsubscribe()
        await server.silent()
        second.unsubscribe()
        assert await server.line() == "unsubscribe ch"

    run(scenario)


def test_ping_is_answered_with_a_dot_and_a_dot_is_not() -> None:
    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        server.write("ping")
        assert await server.line() == "."
        server.write(".")
        await server.silent()

    run(scenario)


def test_call_line_and_reply_matching() -> None:
    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        data = {"x": 1}
        task = asyncio.ensure_future(
            client.request("svc", "double", data, timeout=10 * TICK)
        )
        line = await server.line()
        prefix = 'sendraw svc {"x":1,"_MESSAGE_HANDLE":"double","_MESSAGE_ID":"'
        assert line.startswith(prefix) and line.endswith('"}')
        call_id = line[len(prefix) : -2]
        assert data == {"x": 1}  # the caller's dict is left alone
        server.write(
            f'{{"_MESSAGE_ID":"{call_id}","y":2,"recipient":"me",'
            '"timestamp":5,"sender":"svc_host"}'
        )
        reply = await task
        assert reply.data == {"y": 2}
        assert reply.sender == "svc_host"
        with pytest.raises(CallTimeout):
            await client.request("svc", "double", {"x": 1}, timeout=TICK)

    run(scenario)


def test_responder_replies_java_style_to_the_sender() -> None:
    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        def double(request: Message) -> dict[str, int]:
            return {"y": request.get_int("x") * 2}

        client.respond("double", double, channel="svc")
        assert await server.line() == "subscribe svc"
        server.write(
            '{"_MESSAGE_HANDLE":"double","_MESSAGE_ID":"id-1","x":21,'
            '"recipient":"svc","timestamp":5,"sender":"caller"}'
        )
        assert await server.line() == 'sendraw caller {"y":42,"_MESSAGE_ID":"id-1"}'

    run(scenario)


def test_listing_commands_and_answers() -> None:
    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        task = asyncio.ensure_future(client.clients())
        assert await server.line() == "clients"
        server.write("a,b,me")
        assert await task == ["a", "b", "me"]
        task = asyncio.ensure_future(client.channels("room"))
        assert await server.line() == "channels room"
        server.write("a, b")
        assert await task == ["a", "b"]

    run(scenario)


def test_variable_and_device_lines() -> None:
    async def scenario(server: FakeServer, client: AsyncOOCSI) -> None:
        variable = client.variable("shared", "level").min(0).max(10)
        assert await server.line() == "subscribe shared"
        variable.set(12)
        assert await server.line() == 'sendraw shared {"level":10}'
        device = client.device("lamp_1")
        device.add_property("creator", "me").add_location("desk", 1.5, 2.5)
        device.add_switch("sw", "sw_ch", True, icon="toggle")
        device.announce()
        assert await server.line() == (
            'sendraw heyOOCSI! {"lamp_1":{"properties":{"device_id":"me",'
            '"creator":"me"},"components":{"sw":{"channel_name":"sw_ch",'
            '"type":"switch","state":true,"icon":"toggle"}},'
            '"location":{"desk":[1.5,2.5]}}}'
        )

    run(scenario)


def test_close_says_quit() -> None:
    async def main() -> None:
        async with FakeServer() as server:
            client = AsyncOOCSI("me", "127.0.0.1", server.port)
            await client.connect()
            assert await server.line() == "me(JSON)"
            await client.close()
            assert await server.line() == "quit"
            assert not client.connected

    asyncio.run(main())


def test_keepalive_pings_an_idle_link() -> None:
    async def main() -> None:
        async with FakeServer() as server:
            client = AsyncOOCSI("me", "127.0.0.1", server.port, keepalive=TICK)
            await client.connect()
            assert await server.line() == "me(JSON)"
            assert await server.line() == "ping"
            await client.close()

    asyncio.run(main())
