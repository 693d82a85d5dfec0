"""The HTTP and websocket side: one aiohttp application on the server's loop.

Routes are matched in the order they are added; the service-call catch-alls
(``/<service>/...``) come last, so every named page and route wins over a
service of the same name, as in the reference web server.

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
from pyoocsi.web import api, calls, pages, send, sse
from pyoocsi.web.builtins import Builtins
from pyoocsi.web.keys import HUB, SETTINGS, STATE, WebState
from pyoocsi.web.settings import WebSettings
from pyoocsi.web.settings import web_settings as settings_from
from pyoocsi.web.websocket import websocket_handler

__all__ = ["WebServer", "build_app"]

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


def build_app(hub: Hub, settings: WebSettings) -> web.Application:
    """The aiohttp application with every route."""
    app = web.Application(client_max_size=settings.max_body)
    app[HUB] = hub
    app[SETTINGS] = settings
    app[STATE] = WebState()
    app.on_response_prepare.append(_open_cors)
    app.router.add_get("/ws", websocket_handler)
    app.router.add_get("/channels", channels)
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


class WebServer:
    """Runs :func:`build_app` on the HTTP port next to the TCP listener."""

    def __init__(
        self, hub: Hub, settings: Settings, web_settings: WebSettings | None = None
    ) -> None:
        self.hub = hub
        self.settings = settings
        self.web_settings = web_settings or settings_from(settings)
        self.builtins = Builtins(hub)
        self.port = 0
        self.tcp_port = 0  # the line protocol's port, told by the server
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = build_app(self.hub, self.web_settings)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            logger=_RequestLog(logger),
            max_line_size=MAX_REQUEST_LINE,
            max_field_size=MAX_REQUEST_LINE,
        )
        app[STATE].tcp_port = self.tcp_port or self.settings.port
        await runner.setup()
        site = web.TCPSite(
            runner,
            host=self.settings.host or None,
            port=self.settings.http_port,
            reuse_address=True,
        )
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self.port = address[1]
        if self.web_settings.builtins:
            self.builtins.start()
        logger.info("serving HTTP and websocket on port %d", self.port)

    async def stop(self) -> None:
        self.builtins.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        logger.info("HTTP and websocket side stopped")
