"""Typed keys for what the web application shares between its handlers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aiohttp import web

from pyoocsi.core.hub import Hub
from pyoocsi.web.heyoocsi import Registry
from pyoocsi.web.settings import WebSettings
from pyoocsi.web.websocket import WebSockets

__all__ = ["DEVICES", "HUB", "SETTINGS", "SOCKETS", "STATE", "WebState"]


@dataclass(slots=True)
class WebState:
    """Counters the web side keeps for the API and metrics."""

    started: float = field(default_factory=time.monotonic)
    websockets: int = 0
    sse_streams: int = 0
    http_sends: int = 0
    service_calls: int = 0
    tcp_port: int = 0  # where the line protocol listens (set once it does)


HUB = web.AppKey("hub", Hub)
SETTINGS = web.AppKey("web_settings", WebSettings)
STATE = web.AppKey("web_state", WebState)
SOCKETS = web.AppKey("websockets", WebSockets)
DEVICES = web.AppKey("heyoocsi_devices", Registry)
