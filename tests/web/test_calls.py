"""HTTP service calls answered by a websocket responder."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson

from pyoocsi.server.testing import RunningServer
from pyoocsi.web import WebSettings
from tests.web.wsclient import WsClient, run, web_only
from tests.wire import TICK


async def respond(client: WsClient, answer: dict[str, Any]) -> dict[str, Any]:
    """Answer one call request with ``answer``; returns the request's data."""
    request = await client.message()
    data = request["data"]
    reply = {"_MESSAGE_ID": data["_MESSAGE_ID"], **answer}
    await client.send(f"sendjson {request['sender']} {orjson.dumps(reply).decode()}")
    return dict(data)


def test_service_status(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        base = f"http://127.0.0.1:{oocsi_server.http_port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/echo") as r:
                assert (r.status, await r.text()) == (200, "echo ok")
            async with http.get(f"{base}/nothing/") as r:
                assert (r.status, await r.text()) == (404, "nothing not found")

    run(scenario())


def test_calls_map_replies_to_responses(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        base = f"http://127.0.0.1:{oocsi_server.http_port}"
        async with (
            WsClient(oocsi_server.http_port) as svc,
            aiohttp.ClientSession() as http,
        ):
            await svc.login("svc")
            await svc.send("subscribe adder")
            await svc.silent(TICK / 5)

            call = asyncio.create_task(http.get(f'{base}/adder/sum/{{"number":1}}'))
            data = await respond(svc, {"html": "<b>2</b>"})
            assert data["webcall"] == "sum"
            assert data["_MESSAGE_HANDLE"] == "adder"
            assert data["number"] == 1
            async with await call as r:
                assert r.status == 200
                assert r.content_type == "text/html"
                assert await r.text() == "<b>2</b>"
                # any client can make a reply say anything: no script may run
                assert r.headers["Content-Security-Policy"] == "sandbox"

            call = asyncio.create_task(http.get(f"{base}/adder/raw?data=plain"))
            data = await respond(svc, {"json": {"b": [1, 2]}})
            assert data["webcall_data"] == "plain"
            async with await call as r:
                assert r.content_type == "application/json"
                assert await r.json() == {"b": [1, 2]}

            call = asyncio.create_task(
                http.post(
                    f"{base}/adder/post",
                    data="a,b",
                    headers={"Content-Type": "text/plain"},
                )
            )
            data = await respond(svc, {"csv": "a,b\n1,2"})
            assert data["webcall_data"] == "a,b"
            async with await call as r:
                assert (r.content_type, await r.text()) == ("text/csv", "a,b\n1,2")

            call = asyncio.create_task(http.get(f"{base}/adder/none"))
            await respond(svc, {"other": 1})
            async with await call as r:
                assert (r.status, await r.text()) == (200, "")

    run(scenario())


def test_unanswered_call_is_504() -> None:
    async def scenario() -> None:
        async with (
            web_only(WebSettings(call_timeout=TICK)) as port,
            WsClient(port) as svc,
            aiohttp.ClientSession() as http,
        ):
            await svc.login("svc")
            async with http.get(f"http://127.0.0.1:{port}/svc/anything") as r:
                assert r.status == 504
                assert await r.text() == f"svc did not answer within {TICK:g} s"
            request = await svc.message()  # it did arrive, as a direct message
            assert request["data"]["webcall"] == "anything"

    run(scenario())
