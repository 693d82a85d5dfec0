"""The JSON API and Prometheus metrics: read-only views of the bus.

Private channels (``name:password``) and private clients' memberships are
never listed. Errors are JSON objects with an ``error`` reason.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from pyoocsi._version import __version__
from pyoocsi.core.hub import Channel, Client, Hub
from pyoocsi.web.heyoocsi import describe, forget_gone
from pyoocsi.web.keys import DEVICES, HUB, SETTINGS, STATE, WebState

__all__ = ["add_routes", "prometheus_text", "snapshot"]


def _public_channels(hub: Hub) -> list[Channel]:
    return [
        entry
        for entry in hub.names.values()
        if isinstance(entry, Channel) and entry.password is None
    ]


def _members(channel: Channel) -> list[str]:
    return [name for name, sub in channel.subscribers.items() if not sub.client.private]


def _client_channels(hub: Hub, client: Client) -> list[str]:
    listed = []
    for name in client.channels:
        entry = hub.names.get(name)
        if isinstance(entry, Channel) and entry.password is None:
            listed.append(name)
    return listed


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


async def clients(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    now = hub.monotonic()
    return _json(
        {
            "clients": [
                {
                    "name": client.name,
                    "transport": client.peer.describe().split(" ")[0],
                    "private": client.private,
                    "idle": round(now - client.last_seen, 1),
                    "channels": [] if client.private else _client_channels(hub, client),
                }
                for client in hub.clients.values()
            ]
        }
    )


async def channels(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    return _json(
        {
            "channels": [
                {"name": channel.name, "subscribers": len(channel.subscribers)}
                for channel in _public_channels(hub)
            ]
        }
    )


async def channel(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    name = request.match_info["name"]
    entry = hub.names.get(name)
    if not isinstance(entry, Channel) or entry.password is not None:
        return _json({"error": f"no channel {name}"}, 404)
    return _json({"name": name, "subscribers": _members(entry)})


async def presence(request: web.Request) -> web.Response:
    """What presence(X) would report about X now."""
    hub = request.app[HUB]
    name = request.match_info["name"]
    entry = hub.names.get(name)
    data: dict[str, Any] = {"name": name, "kind": None}
    if isinstance(entry, Client):
        data["kind"] = "client"
        data["channels"] = [] if entry.private else _client_channels(hub, entry)
    elif isinstance(entry, Channel) and entry.password is None:
        data["kind"] = "channel"
        data["members"] = _members(entry)
    data["trackers"] = len(list(hub.presence.subscribers(name)))
    return _json(data)


def snapshot(hub: Hub, state: WebState) -> dict[str, Any]:
    """The numbers the metrics page charts, as one JSON object."""
    stats = hub.stats
    return {
        "uptime": round((time.monotonic() - state.started) * 1000),
        "messagesTotal": stats.messages,
        "deliveries": stats.deliveries,
        "clients": len(hub.clients),
        "channels": len(_public_channels(hub)),
        "websockets": state.websockets,
        "streams": state.sse_streams,
    }


async def server_info(request: web.Request) -> web.Response:
    """What the pages show about this server."""
    return _json(
        {
            "version": __version__,
            "tcp_port": request.app[STATE].tcp_port,
            "notice": request.app[SETTINGS].notice,
        }
    )


async def stats(request: web.Request) -> web.Response:
    return _json(snapshot(request.app[HUB], request.app[STATE]))


# name, type, help, value(hub, state)
_METRICS: tuple[tuple[str, str, str, Any], ...] = (
    ("oocsi_clients", "gauge", "Connected clients", lambda h, s: len(h.clients)),
    ("oocsi_channels", "gauge", "Open channels", lambda h, s: _count_channels(h)),
    ("oocsi_websockets", "gauge", "Open websockets", lambda h, s: s.websockets),
    ("oocsi_event_streams", "gauge", "Open event streams", lambda h, s: s.sse_streams),
    (
        "oocsi_messages_total",
        "counter",
        "Messages routed to at least one recipient",
        lambda h, s: h.stats.messages,
    ),
    (
        "oocsi_deliveries_total",
        "counter",
        "Messages delivered to clients",
        lambda h, s: h.stats.deliveries,
    ),
    (
        "oocsi_unroutable_total",
        "counter",
        "Messages without a recipient",
        lambda h, s: h.stats.unroutable,
    ),
    (
        "oocsi_refused_payloads_total",
        "counter",
        "Payloads refused as invalid JSON",
        lambda h, s: h.stats.refused_payloads,
    ),
    (
        "oocsi_connections_total",
        "counter",
        "Clients admitted since start",
        lambda h, s: h.stats.connections,
    ),
    (
        "oocsi_http_sends_total",
        "counter",
        "Messages sent by HTTP",
        lambda h, s: s.http_sends,
    ),
    (
        "oocsi_service_calls_total",
        "counter",
        "HTTP service calls",
        lambda h, s: s.service_calls,
    ),
    (
        "oocsi_uptime_seconds",
        "gauge",
        "Seconds since the web side started",
        lambda h, s: round(time.monotonic() - s.started, 3),
    ),
)


def _count_channels(hub: Hub) -> int:
    return sum(isinstance(entry, Channel) for entry in hub.names.values())


def prometheus_text(hub: Hub, state: WebState) -> str:
    """Every metric in the Prometheus text format."""
    lines = [
        "# HELP oocsi_info The server's version",
        "# TYPE oocsi_info gauge",
        f'oocsi_info{{version="{__version__}"}} 1',
    ]
    for name, kind, text, value in _METRICS:
        lines.append(f"# HELP {name} {text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.append(f"{name} {value(hub, state)}")
    return "\n".join(lines) + "\n"


async def metrics(request: web.Request) -> web.Response:
    text = prometheus_text(request.app[HUB], request.app[STATE])
    response = web.Response(text=text)
    response.content_type = "text/plain"
    response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    return response


async def devices(request: web.Request) -> web.Response:
    """The heyOOCSI registry, each device as a ``clientHandle`` question is
    answered, with its name, client and whether that client is connected."""
    hub = request.app[HUB]
    registry = request.app[DEVICES]
    forget_gone(registry, hub)
    return _json(
        {
            "devices": [
                {
                    **describe(device),
                    "device_id": device.device_id,
                    "online": device.device_id in hub.clients,
                }
                for device in registry.devices.values()
            ]
        }
    )


async def client_refresh(request: web.Request) -> web.Response:
    """The reference's debug view: each client's last activity, epoch ms."""
    hub = request.app[HUB]
    now_wall, now = hub.wall_ms(), hub.monotonic()
    return _json(
        {
            name: now_wall - round((now - client.last_seen) * 1000)
            for name, client in hub.clients.items()
        }
    )


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/api/devices", devices)
    router.add_get("/test/server/clientRefresh", client_refresh)
    router.add_get("/api/clients", clients)
    router.add_get("/api/channels", channels)
    router.add_get("/api/channels/{name:.+}", channel)
    router.add_get("/api/presence/{name:.+}", presence)
    router.add_get("/api/server", server_info)
    router.add_get("/api/stats", stats)
    router.add_get("/api/metrics", metrics)
