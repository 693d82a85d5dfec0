"""Sending by HTTP: POST /send, the GET routes that act, and /channels."""

from __future__ import annotations

import aiohttp

from pyoocsi.server.testing import RunningServer
from pyoocsi.web import WebSettings
from tests.web.wsclient import WsClient, run, web_only
from tests.wire import TICK


def url(server: RunningServer, path: str) -> str:
    return f"http://127.0.0.1:{server.http_port}{path}"


def test_post_form_and_json(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of an IP address
        async with (
            WsClient(oocsi_server.http_port) as bob,
            aiohttp.ClientSession(cookie_jar=jar) as http,
        ):
            await bob.login("bob")
            await bob.send("subscribe sensors")
            await bob.silent(TICK / 5)
            form = {"sender": "curl", "param1": "1.6", "param2": "text"}
            async with http.post(url(oocsi_server, "/send/sensors"), data=form) as r:
                assert r.status == 200
                assert await r.text() == "Message delivered to sensors"
                user = r.cookies["userId"]
                assert user["httponly"] and user["max-age"] == "86400"
            message = await bob.message()
            assert message["sender"] == "curl"
            assert message["recipient"] == "sensors"
            data = message["data"]
            assert data.pop("userId") == user.value
            assert data == {"param1": "1.6", "param2": "text"}

            body = {
                "sender": "hook",
                "n": 1.6,
                "ok": True,
                "nested": {"b": 1, "a": [2]},
            }
            async with http.post(
                url(oocsi_server, "/send?channel=sensors"), json=body
            ) as r:
                assert r.status == 200
            message = await bob.message()
            data = message["data"]
            assert data.pop("userId") == user.value  # the cookie came back
            assert data == {"n": 1.6, "nested": {"b": 1, "a": [2]}, "ok": True}

    run(scenario())


def test_post_errors(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with (
            WsClient(oocsi_server.http_port) as bob,
            aiohttp.ClientSession() as http,
        ):
            await bob.login("bob")
            cases = [
                ("/send/bob", {"x": "1"}, 400, "ERROR: sender missing"),
                ("/send", {"sender": "s"}, 400, "ERROR: channel missing"),
                (
                    "/send/bob",
                    {"sender": "bob"},
                    401,
                    ("ERROR: different client with same name exists"),
                ),
                (
                    "/send/nowhere",
                    {"sender": "s"},
                    404,
                    "ERROR: channel not registered",
                ),
            ]
            for path, form, status, text in cases:
                async with http.post(url(oocsi_server, path), data=form) as r:
                    assert (r.status, await r.text()) == (status, text)
            async with http.post(
                url(oocsi_server, "/send/bob"),
                data="[1]",
                headers={"Content-Type": "application/json"},
            ) as r:
                assert r.status == 400
                assert "not a JSON object" in await r.text()
            await bob.silent(TICK / 2)

    run(scenario())


def test_get_send_track_and_close_page(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with (
            WsClient(oocsi_server.http_port) as bob,
            aiohttp.ClientSession() as http,
        ):
            await bob.login("bob")
            async with http.get(url(oocsi_server, "/send/bob/hello%20world")) as r:
                assert (r.status, await r.text()) == (200, "")
            message = await bob.message()
            assert message["sender"] == "WEB-REQUEST"
            assert message["data"]["parameter"] == "hello world"
            assert set(message["data"]) == {"parameter", "userId"}

            headers = {"User-Agent": "probe/1", "Referer": "http://example.test/"}
            async with http.get(
                url(oocsi_server, "/track/bob/x"), headers=headers
            ) as r:
                assert r.status == 200
            data = (await bob.message())["data"]
            assert data["User-Agent"] == "probe/1"
            assert data["Referer"] == "http://example.test/"
            assert data["Origin"] == ""

            async with http.get(url(oocsi_server, "/sendAndClose/bob/qr")) as r:
                assert r.status == 200
                assert "window.close()" in await r.text()
            assert (await bob.message())["data"]["parameter"] == "qr"

            async with http.get(url(oocsi_server, "/send/nobody/x")) as r:
                assert (r.status, await r.text()) == (404, "ERROR: channel not found")

    run(scenario())


def test_channels_lists_public_channels_and_clients(
    oocsi_server: RunningServer,
) -> None:
    async def scenario() -> None:
        async with (
            WsClient(oocsi_server.http_port) as bob,
            aiohttp.ClientSession() as http,
        ):
            await bob.login("bob")
            await bob.send("subscribe lobby")
            await bob.send("subscribe secret:pw")
            await bob.silent(TICK / 5)
            async with http.get(url(oocsi_server, "/channels")) as r:
                assert r.status == 200
                assert await r.text() == (
                    "echo, heyOOCSIClient, heyOOCSI!, http-web-request, bob, lobby"
                )

    run(scenario())


def test_origin_check_when_configured() -> None:
    async def scenario() -> None:
        settings = WebSettings(allowed_origins=("http://good.test",))
        async with web_only(settings) as port:
            base = f"http://127.0.0.1:{port}"
            async with WsClient(port) as bob, aiohttp.ClientSession() as http:
                await bob.login("bob")
                form = {"sender": "page"}
                bad = {"Origin": "http://evil.test"}
                async with http.post(f"{base}/send/bob", data=form, headers=bad) as r:
                    assert r.status == 403
                    assert await r.text() == "ERROR: origin not allowed"
                good = {"Origin": "http://good.test"}
                async with http.post(f"{base}/send/bob", data=form, headers=good) as r:
                    assert r.status == 200
                async with http.post(f"{base}/send/bob", data=form) as r:
                    assert r.status == 200  # no Origin: not a browser page
                assert (await bob.message())["sender"] == "page"

    run(scenario())
