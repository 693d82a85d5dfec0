"""HTTP service calls: ``/<service>/<call>[/<data>]`` as an OOCSI call.

Rules:
- ``GET /<service>`` says whether a channel or client of that name exists.
- A call is sent to ``<service>`` from a one-off client with
  ``{"webcall": call, "_MESSAGE_HANDLE": service, "_MESSAGE_ID": id}``, plus
  the fields of ``data`` when it is a JSON object, else ``"webcall_data"``.
  ``data`` comes from the path, ``?data=`` or the body of a POST.
- The first direct reply with the same ``_MESSAGE_ID`` is the answer: its
  ``html``, ``text``, ``json`` or ``csv`` field becomes the response body with
  the matching content type; a reply with none of them is an empty 200. HTML
  comes with ``Content-Security-Policy: sandbox``: a page shows, but runs no
  script in the server's origin (any client can make a reply say anything,
  echo's included).
- No reply within the call timeout is 504 (the reference says 404 after 5 s).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import orjson
from aiohttp import web

from pyoocsi.core.encoding import PayloadError, parse_object, render_value
from pyoocsi.core.hub import Hub
from pyoocsi.core.message import Message
from pyoocsi.web.keys import HUB, SETTINGS, STATE
from pyoocsi.web.local import LocalPeer

__all__ = ["add_routes"]

logger = logging.getLogger("pyoocsi.web")

CALLER_NAME = "serverclient##########"

# reply key -> content type of the response, in order of preference
REPLY_TYPES = (
    ("html", "text/html"),
    ("text", "text/plain"),
    ("json", "application/json"),
    ("csv", "text/csv"),
)


class _Caller(LocalPeer):
    """The one-off client that makes a call and waits for its reply."""

    def __init__(self, hub: Hub, ident: str) -> None:
        super().__init__(hub, CALLER_NAME, "HTTP service call")
        self.ident = ident
        self.reply_data: asyncio.Future[dict[str, Any]] = (
            asyncio.get_running_loop().create_future()
        )

    def received(self, message: Message) -> None:
        data = message.data
        if data.get("_MESSAGE_ID") == self.ident and not self.reply_data.done():
            self.reply_data.set_result(data)


def _request_data(service: str, call: str, raw: str, ident: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    text = raw.strip()
    if text.startswith("{"):
        try:
            data.update(parse_object(text))
        except PayloadError:
            data["webcall_data"] = raw
    elif raw:
        data["webcall_data"] = raw
    data.update({"webcall": call, "_MESSAGE_HANDLE": service, "_MESSAGE_ID": ident})
    return data


def _response(reply: dict[str, Any]) -> web.Response:
    for key, content_type in REPLY_TYPES:
        if key in reply:
            value = reply[key]
            if key == "json" and not isinstance(value, str):
                body = orjson.dumps(value).decode()
            else:
                body = render_value(value)
            response = web.Response(text=body, content_type=content_type)
            if key == "html":
                response.headers["Access-Control-Allow-Origin"] = "*"
                response.headers["Content-Security-Policy"] = "sandbox"
            return response
    return web.Response()


async def service_status(request: web.Request) -> web.Response:
    """``GET /<service>``: whether the service (a channel or client) exists."""
    service = request.match_info["service"]
    if service in request.app[HUB].names:
        return web.Response(text=f"{service} ok")
    return web.Response(status=404, text=f"{service} not found")


async def service_call(request: web.Request) -> web.Response:
    """``/<service>/<call>[/<data>]``: one call, answered by the reply."""
    hub = request.app[HUB]
    service = request.match_info["service"]
    call = request.match_info["call"]
    if service not in hub.names:
        return web.Response(status=404, text=f"{service} not found")
    if request.method == "POST":
        raw = await request.text()
    else:
        raw = request.match_info.get("data") or request.query.get("data", "")
    ident = str(uuid.uuid4())
    caller = _Caller(hub, ident)
    if not caller.join():
        return web.Response(status=503, text=f"ERROR: {caller.refusal}")
    request.app[STATE].service_calls += 1
    timeout = request.app[SETTINGS].call_timeout
    try:
        hub.publish(caller.name, service, _request_data(service, call, raw, ident))
        reply = await asyncio.wait_for(caller.reply_data, timeout)
    except TimeoutError:
        logger.info("service call %s/%s: no reply within %g s", service, call, timeout)
        return web.Response(
            status=504, text=f"{service} did not answer within {timeout:g} s"
        )
    finally:
        caller.leave()
    return _response(reply)


def add_routes(app: web.Application) -> None:
    """The catch-alls; add them after every other route."""
    router = app.router
    router.add_get("/{service}", service_status)
    router.add_get("/{service}/", service_status)
    router.add_get("/{service}/{call}", service_call)
    router.add_get("/{service}/{call}/{data:.*}", service_call)
    router.add_post("/{service}/{call}", service_call)
