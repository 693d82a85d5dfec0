"""HTTP sends that are refused: odd senders, private channels, unwritable data."""

from __future__ import annotations

import aiohttp

from pyoocsi.server.testing import RunningServer, running_server
from tests.web.wsclient import WsClient, run
from tests.wire import TICK

JSON = {"Content-Type": "application/json"}


def url(server: RunningServer, path: str) -> str:
    return f"http://127.0.0.1:{server.http_port}{path}"


SPACE = "sender cannot contain whitespace or control characters"


def test_senders_that_are_not_oocsi_names() -> None:
    cases = [
        ({"sender": "SERVER"}, "sender SERVER is reserved"),
        ({"sender": "OOCSI_events"}, "sender OOCSI_events is reserved"),
        ({"sender": "two words"}, SPACE),
        ({"sender": "tab\tname"}, SPACE),
        ({"sender": "bell\x07"}, SPACE),
        ({"sender": "caf\u00e9"}, "sender must be ASCII"),
        ({"sender": "x" * 201}, "sender longer than 200 characters"),
        ({"sender": ["a"]}, "sender must be a string"),
        ({"sender": {"name": "a"}}, "sender must be a string"),
        ({"sender": 7}, "sender must be a string"),
        ({"sender": "  "}, "sender missing"),
    ]

    async def scenario(server: RunningServer) -> None:
        async with (
            WsClient(server.http_port) as bob,
            aiohttp.ClientSession() as http,
        ):
            await bob.login("bob")
            for body, reason in cases:
                async with http.post(url(server, "/send/bob"), json=body) as r:
                    assert (r.status, await r.text()) == (400, f"ERROR: {reason}")
            form = {"sender": "SERVER"}
            async with http.post(url(server, "/send/bob"), data=form) as r:
                assert r.status == 400
            async with http.post(url(server, "/send/bob?sender=SELF")) as r:
                assert (r.status, await r.text()) == (
                    400,
                    "ERROR: sender SELF is reserved",
                )
            await bob.silent(TICK / 2)
            body = {"sender": "x" * 200, "ok": 1}
            async with http.post(url(server, "/send/bob"), json=body) as r:
                assert r.status == 200
            assert (await bob.message())["sender"] == "x" * 200

    with running_server() as server:
        run(scenario(server))


def test_private_channel_needs_its_password() -> None:
    async def scenario(server: RunningServer) -> None:
        async with (
            WsClient(server.http_port) as bob,
            aiohttp.ClientSession() as http,
        ):
            await bob.login("bob")
            await bob.send("subscribe vault:pw")
            await bob.silent(TICK / 5)
            form = {"sender": "curl", "n": "1"}
            reason = "ERROR: wrong password for channel vault"
            for path in ("/send/vault", "/send/vault:wrong", "/send?channel=vault"):
                async with http.post(url(server, path), data=form) as r:
                    assert (r.status, await r.text()) == (403, reason)
            for route in ("send", "track", "sendAndClose"):
                for channel in ("vault", "vault:wrong"):
                    async with http.get(url(server, f"/{route}/{channel}/x")) as r:
                        assert (r.status, await r.text()) == (403, reason)
            await bob.silent(TICK / 2)

            async with http.post(url(server, "/send/vault:pw"), data=form) as r:
                assert (r.status, await r.text()) == (
                    200,
                    "Message delivered to vault:pw",
                )
            message = await bob.message()
            assert (message["sender"], message["data"]["n"]) == ("curl", "1")
            async with http.get(url(server, "/send/vault:pw/hello")) as r:
                assert r.status == 200
            assert (await bob.message())["data"]["parameter"] == "hello"

    with running_server() as server:
        run(scenario(server))


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_data_that_cannot_be_written_is_refused() -> None:
    async def scenario(server: RunningServer) -> None:
        async with (
            WsClient(server.http_port) as bob,
            aiohttp.ClientSession() as http,
        ):
            await bob.login("bob")
            # Deeper than the server accepts (it could not write it out again).
            body = '{"sender":"s","deep":' + nested(600) + "}"
            async with http.post(
                url(server, "/send/bob"), data=body, headers=JSON
            ) as r:
                assert r.status == 400
                assert "nested deeper than 100 levels" in await r.text()
            body = '{"sender":"s","text":"\\ud800"}'
            async with http.post(
                url(server, "/send/bob"), data=body, headers=JSON
            ) as r:
                assert r.status == 400
                assert "surrogate" in await r.text()
            await bob.silent(TICK / 2)
            # The deepest accepted: the body object and 99 arrays in it.
            body = '{"sender":"s","deep":' + nested(99) + "}"
            async with http.post(
                url(server, "/send/bob"), data=body, headers=JSON
            ) as r:
                assert r.status == 200
            value = (await bob.message())["data"]["deep"]
            for _ in range(98):
                value = value[0]
            assert value == []

    with running_server() as server:
        run(scenario(server))


def test_held_messages_the_hub_refuses_are_not_reported_delivered() -> None:
    async def scenario(server: RunningServer) -> None:
        async with (
            WsClient(server.http_port) as bob,
            aiohttp.ClientSession() as http,
        ):
            await bob.login("bob")
            far = {"sender": "web", "_DELAY": 99_999_999}
            async with http.post(url(server, "/send/bob"), json=far) as r:
                assert r.status == 400
                assert "too far ahead" in await r.text()
            for n in range(2):
                held = {"sender": "web", "n": n, "_DELAY": 0.2}
                async with http.post(url(server, "/send/bob"), json=held) as r:
                    assert r.status == 200
            full = {"sender": "web", "n": 2, "_DELAY": 0.2}
            async with http.post(url(server, "/send/bob"), json=full) as r:
                assert (r.status, await r.text()) == (
                    400,
                    "ERROR: web has 2 messages pending already",
                )
            got = [await bob.message() for _ in range(2)]
            assert [m["data"]["n"] for m in got] == [0, 1]
            await bob.silent(TICK)

    with running_server(max_delayed=2) as server:
        run(scenario(server))
