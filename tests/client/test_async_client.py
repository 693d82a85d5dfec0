"""AsyncOOCSI against the real pyoocsi server over TCP."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from pyoocsi.client import (
    AsyncOOCSI,
    CallTimeout,
    ConnectionFailed,
    HandleInUse,
    Message,
    NotConnected,
    PresenceEvent,
)
from pyoocsi.server.testing import RunningServer, running_server
from tests.client.conftest import async_client, free_port, run
from tests.wire import TICK


async def settle(*clients: AsyncOOCSI) -> None:
    """Wait until the server has handled every line the clients sent so far."""
    for client in clients:
        await client.clients()


def test_channel_messages_reach_handlers_and_iterators(server: RunningServer) -> None:
    async def main() -> None:
        async with (
            async_client(server, "alice") as alice,
            async_client(server, "bob") as bob,
        ):
            received: asyncio.Queue[Message] = asyncio.Queue()

            async def on_message(message: Message) -> None:
                await received.put(message)

            bob.subscribe("room", on_message)
            stream = bob.subscribe("room")
            await settle(bob)
            await alice.send("room", {"data": "kept", "n": 1})
            message = await asyncio.wait_for(received.get(), 10 * TICK)
            assert (message.sender, message.recipient) == ("alice", "room")
            assert message.data == {"data": "kept", "n": 1}
            assert message.timestamp_ms > 0
            assert (await stream.get(10 * TICK)).data == message.data

    run(main())


def test_placeholders_are_resolved_and_direct_messages_arrive(
    server: RunningServer,
) -> None:
    async def main() -> None:
        async with (
            async_client(server, "dev_###") as device,
            async_client(server, "sender") as sender,
        ):
            assert device.handle.startswith("dev_")
            assert device.handle[4:].isdigit()
            direct = device.on_direct()
            await sender.send(device.handle, {"hi": True})
            assert (await direct.get(10 * TICK)).data == {"hi": True}

    run(main())


def test_taken_name_and_unreachable_server(server: RunningServer) -> None:
    async def main() -> None:
        async with async_client(server, "holder"):
            with pytest.raises(HandleInUse, match="holder"):
                await async_client(server, "holder").connect()
        nobody = AsyncOOCSI("x", "127.0.0.1", free_port(), connect_timeout=5 * TICK)
        with pytest.raises(ConnectionFailed, match="cannot reach"):
            await nobody.connect()
        with pytest.raises(NotConnected):
            await nobody.send("ch", {"x": 1})

    run(main())


def test_handler_errors_are_logged_and_delivery_goes_on(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with (
            async_client(server, "a") as a,
            async_client(server, "b") as b,
        ):
            after: asyncio.Queue[Message] = asyncio.Queue()

            def broken(message: Message) -> None:
                raise RuntimeError("handler bug")

            b.subscribe("ch", broken)
            b.subscribe("ch", after.put_nowait)
            await settle(b)
            await a.send("ch", {"n": 1})
            await a.send("ch", {"n": 2})
            assert (await asyncio.wait_for(after.get(), 10 * TICK))["n"] == 1
            assert (await asyncio.wait_for(after.get(), 10 * TICK))["n"] == 2

    with caplog.at_level(logging.ERROR, "pyoocsi.client"):
        run(main())
    failures = [r for r in caplog.records if r.exc_info]
    assert len(failures) == 2
    assert "handler bug" in str(failures[0].exc_info)


def test_presence_events_are_typed(server: RunningServer) -> None:
    async def main() -> None:
        async with (
            async_client(server, "watcher") as watcher,
            async_client(server, "member") as member,
        ):
            events = watcher.presence("lobby")
            await settle(watcher)
            member.subscribe("lobby", lambda m: None)
            await settle(member)
            member.unsubscribe("lobby")
            seen: list[PresenceEvent] = [await events.get(10 * TICK) for _ in range(4)]
            assert [(e.event, e.member) for e in seen] == [
                ("created", ""),
                ("join", "member"),
                ("leave", "member"),
                ("closed", ""),
            ]
            assert {e.kind for e in seen} == {"channel"}

    run(main())


def test_request_and_respond(server: RunningServer) -> None:
    async def main() -> None:
        async with (
            async_client(server, "caller") as caller,
            async_client(server, "service") as service,
        ):

            @service.responder("double", channel="math")
            async def double(request: Message) -> dict[str, int]:
                return {"result": request.get_int("x") * 2}

            await settle(service)
            reply = await caller.request("math", "double", {"x": 21}, timeout=10 * TICK)
            assert reply.data == {"result": 42}
            assert reply.sender == "service"
            with pytest.raises(CallTimeout, match="nobody_home"):
                await caller.request("math", "nobody_home", {}, timeout=TICK)

    run(main())


def test_a_handler_may_await_a_call(server: RunningServer) -> None:
    async def main() -> None:
        async with (
            async_client(server, "a") as a,
            async_client(server, "b") as b,
        ):
            a.respond("repeat", lambda request: {"said": request["text"]})
            answers: asyncio.Queue[str] = asyncio.Queue()

            async def relay(message: Message) -> None:
                reply = await b.request("repeat", data=message, timeout=10 * TICK)
                await answers.put(reply.get_str("said"))

            b.subscribe("in", relay)
            await settle(a, b)
            await a.send("in", {"text": "hello"})
            assert await asyncio.wait_for(answers.get(), 10 * TICK) == "hello"

    run(main())


def test_clients_and_channels(server: RunningServer) -> None:
    async def main() -> None:
        async with async_client(server, "lister") as lister:
            lister.subscribe("listed", lambda m: None)
            assert "lister" in await lister.clients()
            assert "listed" in await lister.channels()
            assert await lister.channels("listed") == ["lister"]

    run(main())


def test_server_restart_keeps_subscriptions_and_responders() -> None:
    async def main() -> None:
        first = running_server()
        server = await asyncio.to_thread(first.__enter__)
        port = server.port
        listener = async_client(server, "listener")
        await listener.connect()
        inbox = listener.subscribe("stream")
        listener.respond("ping_me", lambda request: {"pong": True})
        await settle(listener)
        # Stopping the server ends the connection; the client keeps trying.
        await asyncio.to_thread(first.__exit__, None, None, None)
        second = running_server(port=port)
        server = await asyncio.to_thread(second.__enter__)
        try:
            await listener.wait_connected(20 * TICK)
            await settle(listener)
            async with async_client(server, "talker") as talker:
                await talker.send("stream", {"after": "restart"})
                assert (await inbox.get(10 * TICK)).data == {"after": "restart"}
                reply = await talker.request("ping_me", timeout=10 * TICK)
                assert reply.data == {"pong": True}
            await listener.close()
        finally:
            await asyncio.to_thread(second.__exit__, None, None, None)

    run(main())


def test_a_failing_responder_sends_no_reply(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with (
            async_client(server, "caller") as caller,
            async_client(server, "service") as service,
        ):

            async def divide(request: Message) -> dict[str, float]:
                return {"result": 10 / request.get_int("x")}

            service.respond("div", divide)
            await settle(service)
            with pytest.raises(CallTimeout):
                await caller.request("div", data={"x": 0}, timeout=2 * TICK)
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
            assert len(errors) == 1
            assert "divide" in errors[0].getMessage()

    run(main())


def test_a_late_listing_answer_is_dropped(server: RunningServer) -> None:
    async def main() -> None:
        async with async_client(server, "lister") as lister:
            lister.subscribe("only_channel", lambda m: None)
            await settle(lister)
            loop = asyncio.get_running_loop()
            pause = loop.run_in_executor(None, server.call, time.sleep, 2 * TICK)
            await asyncio.sleep(TICK / 2)
            with pytest.raises(CallTimeout):
                await lister.channels(timeout=TICK / 5)
            assert await lister.clients(timeout=10 * TICK) == ["lister"]
            await pause

    run(main())


def test_unsubscribe_keeps_variables(server: RunningServer) -> None:
    async def main() -> None:
        async with (
            async_client(server, "holder") as holder,
            async_client(server, "writer") as writer,
        ):
            level = holder.variable("shared", "level")
            holder.subscribe("shared", lambda m: None)
            holder.unsubscribe("shared")
            await settle(holder)
            await writer.send("shared", {"level": 3})
            for _ in range(100):
                if level.get() == 3:
                    break
                await asyncio.sleep(TICK / 10)
            assert level.get() == 3

    run(main())


def test_wait_connected_ends_when_reconnecting_gives_up() -> None:
    async def main() -> None:
        first = running_server()
        server = await asyncio.to_thread(first.__enter__)
        client = async_client(server, "quitter", max_reconnect_attempts=1)
        await client.connect()
        await asyncio.to_thread(first.__exit__, None, None, None)
        while client.connected:
            await asyncio.sleep(TICK / 10)
        try:
            with pytest.raises(ConnectionFailed, match="no longer connecting"):
                await client.wait_connected(20 * TICK)
        finally:
            await client.close()

    run(main())


def test_oversized_and_non_mapping_sends_are_refused(server: RunningServer) -> None:
    async def main() -> None:
        async with async_client(server, "big", max_message_size=64) as client:
            with pytest.raises(ValueError, match="limit of 64 bytes"):
                await client.send("ch", {"x": "a" * 64})
            with pytest.raises(TypeError, match="must be a dict"):
                await client.send("ch", ["not", "a", "dict"])  # type: ignore[arg-type]
            await client.send("ch", {"x": 1})

    run(main())
