"""Static files and the web pages, served from the package's ``static`` folder.

Pages are plain HTML files that fill in the server's address in the browser
(``location.host``), so one file serves every host name the server is reached
by. Assets are served under ``/assets/`` with open CORS, as pages elsewhere
load the JavaScript client from there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

__all__ = ["PAGES", "STATIC", "add_routes"]

STATIC = Path(__file__).parent / "static"

# path -> page file in STATIC
PAGES = {
    "/": "index.html",
    "/dashboard": "dashboard.html",
    "/datatiles": "datatiles.html",
    "/heyOOCSI": "heyoocsi.html",
    "/metrics": "metrics.html",
    "/network": "network.html",
    "/test/visual": "visual.html",
    "/tools": "tools.html",
}


def _page(file: Path) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(file, headers={"Cache-Control": "no-cache"})

    return handler


def add_routes(app: web.Application) -> None:
    router = app.router
    for path, name in PAGES.items():
        router.add_get(path, _page(STATIC / name))
    # the full-screen graph with its client filter filled in (read by the page)
    router.add_get("/network/{filter:.*}", _page(STATIC / "network.html"))
    # the reference takes a route after /heyOOCSI/ and ignores it
    router.add_get("/heyOOCSI/{route:.*}", _page(STATIC / "heyoocsi.html"))
    router.add_static("/assets", STATIC / "assets", append_version=False)
