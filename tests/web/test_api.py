"""The JSON API, Prometheus metrics, CORS and the built-in clients."""

from __future__ import annotations

from datetime import datetime

import aiohttp

from pyoocsi.server.testing import RunningServer
from pyoocsi.web.builtins import time_data
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
            assert set(clients) == {"echo", "alice", "bob"}
            assert clients["bob"]["channels"] == ["lobby", "team/one"]
            assert clients["bob"]["transport"] == "websocket"
            async with http.get(f"{base}/channels") as r:
                assert await r.json() == {
                    "channels": [
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
        assert values["oocsi_clients"] == "2"  # alice and echo
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


def test_echo_returns_a_direct_message(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as alice:
            await alice.login("alice")
            await alice.send('sendjson echo {"hello":"me"}')
            message = await alice.message()
            assert message["sender"] == "echo"
            assert message["recipient"] == "alice"
            assert message["data"] == {"hello": "me"}

    run(scenario())


def test_timechannel_ticks_while_subscribed(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as alice:
            await alice.login("alice")
            await alice.send("subscribe timechannel")
            message = await alice.message(10 * TICK)
            assert message["sender"] == "OOCSI/tools/timechannel-gen"
            # "timestamp" is the message's own, as data keys cannot shadow it
            assert set(message["data"]) == {
                "y", "M", "d", "dw", "h", "m", "s", "datetime"
            }  # fmt: skip
            await alice.send("unsubscribe timechannel")
            await alice.drain(3 * TICK)  # one may have been on its way
            await alice.silent(4 * TICK)

    run(scenario())


def test_time_data_uses_reference_numbering() -> None:
    sunday = datetime(2026, 3, 1, 14, 5, 9)
    data = time_data(sunday, 1772370309000)
    assert data == {
        "y": 2026,
        "M": 3,
        "d": 1,
        "dw": 1,
        "h": 14,
        "m": 5,
        "s": 9,
        "timestamp": 1772370309000,
        "datetime": "2026-03-01T14:05:09",
    }
    assert time_data(datetime(2026, 3, 7), 0)["dw"] == 7  # Saturday
