"""The JSON API, Prometheus metrics and CORS."""

from __future__ import annotations

import aiohttp

from pyoocsi.server.testing import RunningServer
from tests.web.wsclient import WsClient, run
from tests.wire import TICK


def test_json_api(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        base = f"http://127.0.0.1:{oocsi_server.http_port}/api"
        port = oocsi_server.http_port
        async with (
            WsClient(port) as alice,
            WsClient(port) as bob,
            aiohttp.ClientSession() as http,
        ):
            await alice.login("alice")
            await bob.login("bob")
            for spec in ("lobby", "team/one", "hidden:pw", "presence(lobby)"):
                await bob.send(f"subscribe {spec}")
            await alice.send("subscribe lobby")
            await alice.silent(TICK / 5)
            async with http.get(f"{base}/clients") as r:
                clients = {c["name"]: c for c in (await r.json())["clients"]}
            builtin = {"echo", "heyOOCSIClient", "http-web-request"}
            assert set(clients) == {*builtin, "alice", "bob"}
            assert clients["bob"]["channels"] == ["lobby", "team/one"]
            assert clients["bob"]["transport"] == "websocket"
            async with http.get(f"{base}/channels") as r:
                assert await r.json() == {
                    "channels": [
                        {"name": "heyOOCSI!", "subscribers": 1},
                        {"name": "lobby", "subscribers": 2},
                        {"name": "team/one", "subscribers": 1},
                    ]
                }
            async with http.get(f"{base}/channels/team/one") as r:
                assert await r.json() == {"name": "team/one", "subscribers": ["bob"]}
            async with http.get(f"{base}/channels/hidden") as r:
                assert r.status == 404
                assert await r.json() == {"error": "no channel hidden"}
            async with http.get(f"{base}/presence/lobby") as r:
                assert await r.json() == {
                    "name": "lobby",
                    "kind": "channel",
                    "members": ["bob", "alice"],
                    "trackers": 1,
                }
            async with http.get(f"{base}/presence/alice") as r:
                assert await r.json() == {
                    "name": "alice",
                    "kind": "client",
                    "channels": ["lobby"],
                    "trackers": 0,
                }
            async with http.get(f"{base}/presence/nobody") as r:
                assert (await r.json())["kind"] is None

    run(scenario())


def test_prometheus_metrics(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        port = oocsi_server.http_port
        async with WsClient(port) as alice, aiohttp.ClientSession() as http:
            await alice.login("alice")
            await alice.send('sendjson alice {"x":1}')
            await alice.message()
            async with http.get(f"http://127.0.0.1:{port}/api/metrics") as r:
                assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                text = await r.text()
        values = {
            line.split(" ")[0]: line.split(" ")[1]
            for line in text.splitlines()
            if not line.startswith("#")
        }
        assert values["oocsi_clients"] == "4"  # alice and the three built-in ones
        assert values["oocsi_websockets"] == "1"
        assert values["oocsi_messages_total"] == "1"
        assert "# TYPE oocsi_messages_total counter" in text

    run(scenario())


def test_cors_open_for_reads(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        port = oocsi_server.http_port
        async with aiohttp.ClientSession() as http:
            for path in ("/assets/js/oocsi-web.js", "/api/clients", "/channels"):
                async with http.get(f"http://127.0.0.1:{port}{path}") as r:
                    assert r.status == 200, path
                    assert r.headers["Access-Control-Allow-Origin"] == "*"

    run(scenario())
