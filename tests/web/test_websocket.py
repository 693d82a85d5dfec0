"""The ``/ws`` protocol: handshake, commands, frames and keep-alive."""

from __future__ import annotations

import orjson

from pyoocsi.core.hub import Hub
from pyoocsi.server.testing import RunningServer, running_server
from tests.web.wsclient import WsClient, run
from tests.wire import TICK


def hub(server: RunningServer) -> Hub:
    assert server.server is not None
    return server.server.hub


def test_welcome_frame_is_the_reference_text(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as alice:
            assert await alice.login("alice") == '{"message" : "welcome alice"}'

    run(scenario())


def test_taken_name_gets_the_error_frame_then_close(
    oocsi_server: RunningServer,
) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as first:
            await first.login("alice")
            async with WsClient(oocsi_server.http_port) as second:
                reply = await second.login("alice")
                assert reply == '{"message" : "ERROR: client alice exists already"}'
                assert await second.closed() is not None
            # the holder is untouched
            await first.send('sendjson alice {"still":true}')
            message = await first.message()
            assert message["data"] == {"still": True}

    run(scenario())


def test_name_rules(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as a:
            assert await a.login(" /bob/ ") == '{"message" : "welcome bob"}'
        async with WsClient(oocsi_server.http_port) as b:
            welcome = await b.login("has space")
            assert welcome.startswith('{"message" : "welcome webclient_')
            digits = welcome.removeprefix('{"message" : "welcome webclient_')[:4]
            assert digits.isdigit()
        async with WsClient(oocsi_server.http_port) as c:
            welcome = await c.login("carol_##")
            assert welcome.startswith('{"message" : "welcome carol_')
            assert welcome[-4:-2].isdigit()
        async with WsClient(oocsi_server.http_port) as d:
            assert await d.login("OOCSI_events") == (
                '{"message" : "ERROR: client OOCSI_events exists already"}'
            )
        async with WsClient(oocsi_server.http_port) as e:
            welcome = await e.login("nul\x00name")
            assert welcome.startswith('{"message" : "welcome webclient_')
            await e.send("subscribe evil\nbye")
            assert await e.frame() == (
                "error (a channel name cannot contain control characters)"
            )
            assert "evil" not in hub(oocsi_server).names

    run(scenario())


def test_private_name_checked_like_tcp(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as a:
            reply = await a.login("secret:pw")
            assert reply == '{"message" : "ERROR: password wrong for name: secret"}'
            assert await a.closed() is not None

    run(scenario())


def test_channel_message_frame_layout(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        port = oocsi_server.http_port
        async with WsClient(port) as alice, WsClient(port) as bob:
            await alice.login("alice")
            await bob.login("bob")
            await bob.send("subscribe lobby")
            await bob.silent(TICK / 5)
            await alice.send('sendjson lobby {"z":1,"a":{"y":2,"b":1.5},"m":1e20}')
            frame = await bob.frame()
            prefix = '{"recipient":"lobby","timestamp":'
            assert frame.startswith(prefix)
            stamp, _, rest = frame.removeprefix(prefix).partition(",")
            assert stamp.isdigit()
            assert rest == (
                '"sender":"alice","data":{"a":{"y":2,"b":1.5},"m":1.0E20,"z":1}}'
            )
            await alice.silent(TICK / 2)  # no echo to the sender

    run(scenario())


def test_direct_message_unsubscribe_and_bad_payloads(
    oocsi_server: RunningServer,
) -> None:
    async def scenario() -> None:
        port = oocsi_server.http_port
        async with WsClient(port) as alice, WsClient(port) as bob:
            await alice.login("alice")
            await bob.login("bob")
            await alice.send('sendjson bob {"direct":true}')
            message = await bob.message()
            assert message["recipient"] == "bob"
            assert message["sender"] == "alice"
            assert message["data"] == {"direct": True}
            await bob.send("subscribe lobby")
            await bob.send("unsubscribe lobby")
            await alice.send('sendjson lobby {"gone":1}')
            # like TCP sendraw: text that is not an object arrives as "data"
            await alice.send("sendjson bob [1, 2]")
            await alice.send("sendjson bob hello there")
            for text in ("[1, 2]", "hello there"):
                message = await bob.message()
                assert message["data"] == {"data": text}
            await alice.send("sendjson bob {broken")
            assert (await alice.frame()).startswith("error (invalid JSON: ")
            await alice.send("sendjson nobody {}")
            await bob.silent(TICK)
            assert hub(oocsi_server).stats.refused_payloads == 1
            assert alice.ws is not None
            await alice.ws.send_bytes(b"\x00binary")
            assert await alice.frame() == (
                "error (binary frames are not part of the protocol)"
            )

    run(scenario())


def test_ping_frames_keep_a_client_that_answers() -> None:
    async def scenario(server: RunningServer) -> None:
        async with WsClient(server.http_port, answer_pings=False) as alice:
            await alice.login("alice")
            for _ in range(4):  # longer than the timeout in all
                assert await alice.frame(10 * TICK) == "ping"
                await alice.send(".")
            assert "alice" in server.call(lambda: list(hub(server).clients))

    with running_server(ping_interval=TICK, timeout=3 * TICK) as server:
        run(scenario(server))


def test_silent_client_times_out() -> None:
    async def scenario(server: RunningServer) -> None:
        async with WsClient(server.http_port, answer_pings=False) as alice:
            await alice.login("alice")
            assert await alice.closed(40 * TICK) is not None
        assert "alice" not in server.call(lambda: list(hub(server).clients))

    with running_server(ping_interval=TICK, timeout=3 * TICK) as server:
        run(scenario(server))


def test_frame_size_limit() -> None:
    async def scenario(server: RunningServer) -> None:
        async with WsClient(server.http_port) as alice:
            await alice.login("alice")
            await alice.send(
                "sendjson alice " + orjson.dumps({"x": "y" * 5000}).decode()
            )
            assert await alice.closed() == 1009

    with running_server(max_line=1000) as server:
        run(scenario(server))


def test_a_binary_first_frame_is_refused_at_once(
    oocsi_server: RunningServer,
) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as client:
            assert client.ws is not None
            await client.ws.send_bytes(b"name")
            frame = await client.frame()
            assert "the first frame must be the name, as text" in frame
            assert await client.closed() is not None

    run(scenario())
