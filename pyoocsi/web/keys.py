"""Typed keys for what the web application shares between its handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from pyoocsi.core.hub import Hub
from pyoocsi.web.settings import WebSettings

if TYPE_CHECKING:
    from pyoocsi.web.server import WebState

__all__ = ["HUB", "SETTINGS", "STATE"]

HUB = web.AppKey("hub", Hub)
SETTINGS = web.AppKey("web_settings", WebSettings)
STATE: web.AppKey[WebState] = web.AppKey("web_state")
