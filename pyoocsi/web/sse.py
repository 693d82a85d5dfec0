"""Server-sent events: ``GET /subscribe/<spec>`` streams a subscription.

Rules:
- The rest of the path, URL-decoded and slashes kept, is any subscription the
  TCP ``subscribe`` takes: a channel, ``name:password``, ``presence(X)`` or a
  function channel. The stream is a client ``Events-<epoch ms>`` on the bus.
  A function spec that does not parse is answered 400, a wrong password of an
  existing private channel 403, both with the reason, before any client joins.
- The stream's client leaves the bus on every way out of the handler.
- Each message is one event ``data: <message data as JSON>`` (data only, as
  the reference sends it). A comment goes out when the stream opens and after
  every quiet ``sse_keepalive`` seconds; the keep-alive ping of the server is
  answered by the stream itself, so a quiet stream is never timed out.
- Events are queued up to ``sse_buffer``; a reader that falls that far behind
  gets a final ``event: error`` saying so and the stream ends. Nothing is
  dropped silently. At most ``max_sse`` streams are open at once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging

import orjson
from aiohttp import web

from pyoocsi.core.hub import Hub
from pyoocsi.core.message import Message
from pyoocsi.core.peer import Departure
from pyoocsi.core.presence import presence_target
from pyoocsi.functions import ExpressionError, FunctionSpec
from pyoocsi.web.frames import data_json
from pyoocsi.web.keys import HUB, SETTINGS, STATE
from pyoocsi.web.local import LocalPeer

__all__ = ["add_routes"]

logger = logging.getLogger("pyoocsi.web")

CHECK_PERIOD = 1.0  # seconds between checks that a quiet stream's reader is there


class _Stream(LocalPeer):
    """One event stream as a client of the hub."""

    def __init__(self, hub: Hub, name: str, limit: int) -> None:
        super().__init__(hub, name, "event stream")
        self.limit = limit
        self.events: collections.deque[str] = collections.deque()
        self.wake = asyncio.Event()
        self.overflowed = False
        self.gone = False

    def deliver(self, message: Message) -> None:
        if self.overflowed:
            return
        if len(self.events) >= self.limit:
            self.overflowed = True
        else:
            self.events.append(data_json(message))
        self.wake.set()

    def disconnect(self, departure: Departure) -> None:
        super().disconnect(departure)
        self.gone = True
        self.wake.set()


def _stream_name(hub: Hub) -> str:
    stamp = hub.wall_ms()
    while f"Events-{stamp}" in hub.names:
        stamp += 1
    return f"Events-{stamp}"


def _spec_refusal(hub: Hub, spec: str) -> tuple[int, str] | None:
    """Status and reason for a subscription the hub would ignore, or None."""
    if presence_target(spec) is not None:
        return None
    try:
        function = FunctionSpec.parse(spec)
    except ExpressionError as exc:
        return 400, f"invalid subscription: {exc}"
    if function is not None:
        name, password = function.channel, function.password
    else:
        name, _sep, given = spec.partition(":")
        name, password = name.strip(), given or None
    refusal = hub.send_refusal(name if password is None else f"{name}:{password}")
    return None if refusal is None else (403, refusal)


async def subscribe(request: web.Request) -> web.StreamResponse:
    """``GET /subscribe/<spec>``: the subscription as an event stream."""
    hub = request.app[HUB]
    settings = request.app[SETTINGS]
    state = request.app[STATE]
    spec = request.match_info["spec"].strip()
    if not spec:
        return web.Response(status=400, text="ERROR: channel missing")
    if state.sse_streams >= settings.max_sse:
        logger.warning("event stream refused: %d open", state.sse_streams)
        return web.Response(
            status=503, text=f"ERROR: too many event streams (limit {settings.max_sse})"
        )
    refusal = _spec_refusal(hub, spec)
    if refusal is not None:
        status, reason = refusal
        logger.warning("event stream on %s refused: %s", spec, reason)
        return web.Response(status=status, text=f"ERROR: {reason}")
    stream = _Stream(hub, _stream_name(hub), settings.sse_buffer)
    if not stream.join():
        return web.Response(status=503, text=f"ERROR: {stream.refusal}")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "Access-Control-Allow-Origin": "*",
        }
    )
    state.sse_streams += 1
    logger.info("event stream %s on %s (%s)", stream.name, spec, request.remote)
    try:
        assert stream.client is not None
        hub.subscribe(stream.client, spec)
        await response.prepare(request)
        await response.write(f": {stream.name} subscribed to {spec}\n\n".encode())
        await _pump(stream, request, response, settings.sse_keepalive)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        state.sse_streams -= 1
        stream.leave()
        logger.info("event stream %s ended", stream.name)
    return response


async def _pump(
    stream: _Stream,
    request: web.Request,
    response: web.StreamResponse,
    keepalive: float,
) -> None:
    loop = asyncio.get_running_loop()
    last_write = loop.time()
    while not stream.gone:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stream.wake.wait(), min(keepalive, CHECK_PERIOD))
        stream.wake.clear()
        transport = request.transport
        if transport is None or transport.is_closing():
            return  # the reader went away
        if not stream.events and not stream.overflowed and not stream.gone:
            if loop.time() - last_write >= keepalive:
                await response.write(b": keep-alive\n\n")
                last_write = loop.time()
            continue
        chunk = "".join(f"data: {event}\n\n" for event in stream.events)
        stream.events.clear()
        if chunk:
            await response.write(chunk.encode())
            last_write = loop.time()
        if stream.overflowed:
            reason = f"more than {stream.limit} events waiting; stream ended"
            logger.warning("event stream %s: %s", stream.name, reason)
            error = orjson.dumps({"error": reason}).decode()
            await response.write(f"event: error\ndata: {error}\n\n".encode())
            return


def add_routes(app: web.Application) -> None:
    app.router.add_get("/subscribe/{spec:.+}", subscribe)
