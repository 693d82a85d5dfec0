"""Sending by HTTP: ``POST /send/<channel>`` and the GET routes that act.

Rules:
- ``POST /send[/<channel>]`` (channel also as ``?channel=`` or a body field)
  takes a form or a JSON object; ``sender`` is required, must be a valid OOCSI
  name (ASCII, no whitespace or control characters, at most 200 characters)
  that is neither reserved (``SERVER``, the meta channels) nor the name of a
  connected client; the channel (or client) must exist and a private channel
  needs its password (``channel:password``). The message
  comes from ``sender`` with every other field as data; JSON values keep their
  types, form values are strings. ``sender`` and ``channel`` are not repeated
  in the data (the reference leaves ``sender`` in).
- ``GET /send/<channel>/<data>`` sends ``{"parameter": data}`` from
  ``WEB-REQUEST``; ``/track/...`` adds the request's User-Agent, Referer and
  Origin; ``/sendAndClose/...`` answers with a page that closes itself. These
  GET routes act: a link, a QR code or an image tag triggers them.
- Data that cannot be written out as a message line (nested too deeply, a
  lone UTF-16 surrogate) is refused with 400 before anything is sent.
- Every send carries ``userId``, a random id kept in a cookie for a day, so a
  prototype can tell browsers apart without knowing who they are.
- When allowed origins are configured, a POST from another origin is refused.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiohttp import web

from pyoocsi.core.encoding import PayloadError, parse_object, render_json
from pyoocsi.core.handshake import MAX_HANDSHAKE
from pyoocsi.core.hub import RESERVED_NAMES, Hub, SendRefusedError
from pyoocsi.web.keys import HUB, SETTINGS, STATE

__all__ = ["add_routes"]

logger = logging.getLogger("pyoocsi.web")

WEB_SENDER = "WEB-REQUEST"
USER_COOKIE = "userId"
USER_COOKIE_AGE = 24 * 3600

CLOSE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sent</title></head>
<body><p>Sent. You can close this page.</p>
<script>window.close();</script></body></html>
"""


def _error(status: int, reason: str) -> web.Response:
    return web.Response(status=status, text=f"ERROR: {reason}")


def _user_id(request: web.Request) -> str:
    value = request.cookies.get(USER_COOKIE, "")
    return value if 0 < len(value) <= 64 else str(uuid.uuid4())


def _with_cookie(
    request: web.Request, response: web.Response, user: str
) -> web.Response:
    response.set_cookie(
        USER_COOKIE,
        user,
        max_age=USER_COOKIE_AGE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.secure,
    )
    return response


def _exists(hub: Hub, recipient: str) -> bool:
    return recipient.partition(":")[0] in hub.names


def _sender_refusal(sender: object) -> str | None:
    """Why ``sender`` cannot be the sender of a message, or None."""
    if not isinstance(sender, str):
        return "sender must be a string"
    if not sender:
        return "sender missing"
    if len(sender) > MAX_HANDSHAKE:
        return f"sender longer than {MAX_HANDSHAKE} characters"
    if not sender.isascii():
        return "sender must be ASCII"
    if not sender.isprintable() or any(ch.isspace() for ch in sender):
        return "sender cannot contain whitespace or control characters"
    if sender in RESERVED_NAMES:
        return f"sender {sender} is reserved"
    return None


def _render_refusal(data: dict[str, Any]) -> str | None:
    """Why ``data`` cannot be written as a message line, or None."""
    try:
        render_json(data, "", 0, "")
    except RecursionError:
        return "data nested too deeply"
    except (TypeError, ValueError) as exc:  # a lone surrogate, an odd value
        return f"data cannot be written as JSON: {exc}"
    return None


def _publish(
    request: web.Request, sender: str, channel: str, data: dict[str, Any]
) -> web.Response | None:
    """Publish an HTTP send to an existing channel; the error answer, or None."""
    hub = request.app[HUB]
    refusal = hub.send_refusal(channel)
    if refusal is not None:
        return _error(403, refusal)
    refusal = _render_refusal(data)
    if refusal is not None:
        return _error(400, refusal)
    try:
        hub.publish(sender, channel, data, strict=True)
    except SendRefusedError as exc:
        return _error(400, str(exc))
    request.app[STATE].http_sends += 1
    return None


def _origin_refused(request: web.Request) -> bool:
    allowed = request.app[SETTINGS].allowed_origins
    origin = request.headers.get("Origin")
    return bool(allowed) and origin is not None and origin not in allowed


async def _body(request: web.Request) -> dict[str, Any]:
    """The request's fields; raises HTTPBadRequest for a body that is not one."""
    if request.content_type == "application/json":
        text = await request.text()
        try:
            return parse_object(text.strip() or "{}")
        except PayloadError as exc:
            raise web.HTTPBadRequest(text=f"ERROR: body {exc}") from None
    if not request.can_read_body:
        return {}
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def post_send(request: web.Request) -> web.Response:
    """``POST /send/<channel>``: a message from ``sender`` to the channel."""
    if _origin_refused(request):
        return _error(403, "origin not allowed")
    fields = await _body(request)
    channel = (
        request.match_info.get("channel")
        or request.query.get("channel")
        or str(fields.get("channel") or "")
    ).strip()
    sender = fields.pop("sender", None)
    if sender is None or sender == "":
        sender = request.query.get("sender", "")
    if isinstance(sender, str):
        sender = sender.strip()
    fields.pop("channel", None)
    hub = request.app[HUB]
    refusal = _sender_refusal(sender)
    if refusal is not None:
        return _error(400, refusal)
    assert isinstance(sender, str)
    if not channel:
        return _error(400, "channel missing")
    if sender in hub.clients:
        return _error(401, "different client with same name exists")
    if not _exists(hub, channel):
        return _error(404, "channel not registered")
    user = _user_id(request)
    fields["userId"] = user
    failed = _publish(request, sender, channel, fields)
    if failed is not None:
        return failed
    logger.info("HTTP send from %s to %s", sender, channel)
    return _with_cookie(
        request, web.Response(text=f"Message delivered to {channel}"), user
    )


def _get_send(extra: bool, page: bool) -> Any:
    async def handler(request: web.Request) -> web.Response:
        hub = request.app[HUB]
        channel = request.match_info["channel"].strip()
        if not channel:
            return _error(400, "channel missing")
        if not _exists(hub, channel):
            return _error(404, "channel not found")
        user = _user_id(request)
        data: dict[str, Any] = {
            "parameter": request.match_info["data"],
            "userId": user,
        }
        if extra:
            for header in ("User-Agent", "Referer", "Origin"):
                data[header] = request.headers.get(header, "")
        failed = _publish(request, WEB_SENDER, channel, data)
        if failed is not None:
            return failed
        if page:
            response = web.Response(text=CLOSE_PAGE, content_type="text/html")
        else:
            response = web.Response()
        return _with_cookie(request, response, user)

    return handler


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_post("/send", post_send)
    router.add_post("/send/", post_send)
    router.add_post("/send/{channel}", post_send)
    router.add_get("/send/{channel}/{data:.*}", _get_send(False, False))
    router.add_get("/track/{channel}/{data:.*}", _get_send(True, False))
    router.add_get("/sendAndClose/{channel}/{data:.*}", _get_send(False, True))
