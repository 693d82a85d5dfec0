"""The HTTP and websocket side: one aiohttp application on the server's loop.

Routes are matched in the order they are added; the service-call catch-alls
(``/<service>/...``) come last, so every named page and route wins over a
service of the same name, as in the reference web server.

The port itself is opened by :class:`~pyoocsi.web.front.Entrance`: websockets
at ``/ws`` are served without aiohttp (:mod:`pyoocsi.web.websocket`), every
other connection is handed to aiohttp's protocol.

A request aiohttp cannot parse (a request line or header longer than
``MAX_REQUEST_LINE`` bytes, a malformed line) is answered 400 by aiohttp and
logged here as one WARNING line; any other failure keeps its traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from pyoocsi.core.hub import Hub
from pyoocsi.core.settings import Settings
from pyoocsi.web import api, calls, network, pages, send, sse
from pyoocsi.web.builtins import Builtins
from pyoocsi.web.front import Entrance, late_upgrade
from pyoocsi.web.heyoocsi import Registry
from pyoocsi.web.keys import DEVICES, HUB, SETTINGS, SOCKETS, STATE, WebState
from pyoocsi.web.settings import WebSettings
from pyoocsi.web.settings import web_settings as settings_from
from pyoocsi.web.websocket import WebSockets

__all__ = ["WebServer", "build_app", "open_port"]

logger = logging.getLogger("pyoocsi.web")

SHUTDOWN_TIMEOUT = 2.0  # seconds open requests get when the server stops
MAX_REQUEST_LINE = 8190  # bytes in the request line and in each header line
BRIEF = 120  # characters of a refused request's reason in the log


class _RequestLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's request error log: refused input is a WARNING, not a traceback.

    aiohttp reports a request it could not parse through ``exception`` with the
    parser's error as ``exc_info``; such input comes from the network, not from a
    fault in the server.
    """

    def exception(
        self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any
    ) -> None:
        if isinstance(exc_info, HttpProcessingError):
            reason = " ".join(str(exc_info.message).split())
            if len(reason) > BRIEF:
                reason = reason[: BRIEF - 3] + "..."
            self.logger.warning(f"{msg}: %s", *args, reason)
            return
        super().exception(msg, *args, exc_info=exc_info, **kwargs)


async def channels(request: web.Request) -> web.Response:
    """``GET /channels``: the TCP ``channels`` reply as plain text."""
    return web.Response(text=request.app[HUB].channel_list())


def build_app(
    hub: Hub, settings: WebSettings, devices: Registry | None = None
) -> web.Application:
    """The aiohttp application with every route; ``devices`` is the heyOOCSI
    registry the pages show (a new, empty one if not given)."""
    app = web.Application(client_max_size=settings.max_body)
    app[HUB] = hub
    app[DEVICES] = devices if devices is not None else Registry()
    app[SETTINGS] = settings
    app[STATE] = WebState()
    app[SOCKETS] = WebSockets(hub, app[STATE])
    app.on_response_prepare.append(_open_cors)
    app.router.add_get("/ws", late_upgrade)
    app.router.add_get("/channels", channels)
    network.add_routes(app)
    api.add_routes(app)
    send.add_routes(app)
    sse.add_routes(app)
    pages.add_routes(app)
    calls.add_routes(app)  # last: the catch-alls
    return app


async def _open_cors(request: web.Request, response: web.StreamResponse) -> None:
    # Pages elsewhere load the JS client and read the API; reads are open to all.
    if request.method in ("GET", "HEAD"):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")


async def open_port(
    app: web.Application, host: str | None, port: int, **runner_options: Any
) -> tuple[Entrance, int]:
    """Serve ``app`` on ``host`` (every interface when None) and ``port``, its
    websockets natively; the entrance (to close) and the port."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    entrance = Entrance(runner, app[SOCKETS])
    try:
        return entrance, await entrance.open(host, port)
    except BaseException:
        await runner.cleanup()
        raise


class WebServer:
    """Runs :func:`build_app` on the HTTP port next to the TCP listener."""

    def __init__(
        self, hub: Hub, settings: Settings, web_settings: WebSettings | None = None
    ) -> None:
        self.hub = hub
        self.settings = settings
        self.web_settings = web_settings or settings_from(settings)
        self.devices = Registry(
            self.web_settings.max_devices,
            max_parts=self.web_settings.max_device_parts,
            max_bytes=self.web_settings.max_device_bytes,
        )
        self.builtins = Builtins(hub, self.devices, self.web_settings)
        self.port = 0
        self.tcp_port = 0  # the line protocol's port, told by the server
        self._entrance: Entrance | None = None

    async def start(self) -> None:
        app = build_app(self.hub, self.web_settings, self.devices)
        app[STATE].tcp_port = self.tcp_port or self.settings.port
        self._entrance, self.port = await open_port(
            app,
            self.settings.host or None,
            self.settings.http_port,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            logger=_RequestLog(logger),
            max_line_size=MAX_REQUEST_LINE,
            max_field_size=MAX_REQUEST_LINE,
        )
        if self.web_settings.builtins:
            self.builtins.start()
        logger.info("serving HTTP and websocket on port %d", self.port)

    async def stop(self) -> None:
        self.builtins.stop()
        await self.builtins.closed()
        if self._entrance is not None:
            await self._entrance.close(SHUTDOWN_TIMEOUT)
            self._entrance = None
        logger.info("HTTP and websocket side stopped")
