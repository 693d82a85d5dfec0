"""``GET /network.json``: the bus and the heyOOCSI devices as one graph.

The graph is in the shape D3's force layouts read: ``{"nodes": [...],
"links": [...]}``, a node ``{"id", "group", "value"}`` (plus ``label`` for
heyOOCSI nodes), a link ``{"source", "target"}`` naming two node ids (plus
``value``, its weight, for the bus's links). Groups, as the reference numbers
them:

| group | node | id | linked from |
|---|---|---|---|
| 0 | the server | ``OOCSI Server`` | |
| 1 | a channel | its name | the server |
| 2 | a client | its name | the server, and each channel it is subscribed to |
| 3 | a heyOOCSI location | its name | the server |
| 4 | a heyOOCSI device | ``[ name ]`` | its locations and its client |
| 5 | a device's component | ``device_component`` | its device |

Private channels, names starting with ``OOCSI_`` and names with spaces are
left out, and so are private clients' subscriptions. A device without a
location hangs from its client alone (the reference leaves it out). Node ids
are unique: an announced place, device or component whose id is already taken
is left out, with the links that would hang from it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyoocsi.core.hub import Channel, Client, Hub
from pyoocsi.web.heyoocsi import Registry, forget_gone
from pyoocsi.web.keys import DEVICES, HUB

__all__ = ["SERVER_NODE", "add_routes", "graph"]

SERVER_NODE = "OOCSI Server"


def _shown(name: str, entry: Client | Channel) -> bool:
    if isinstance(entry, Channel) and entry.password is not None:
        return False
    return not name.startswith("OOCSI_") and " " not in name


def graph(hub: Hub, devices: Registry) -> dict[str, Any]:
    """The graph of the bus and its devices now."""
    nodes: list[dict[str, Any]] = [{"id": SERVER_NODE, "group": 0, "value": 4}]
    links: list[dict[str, Any]] = []
    for name, entry in hub.names.items():
        if not _shown(name, entry):
            continue
        if isinstance(entry, Client):
            nodes.append({"id": name, "group": 2, "value": 0})
            links.append({"source": SERVER_NODE, "target": name, "value": 5})
            continue
        members = [
            member
            for member, subscription in entry.subscribers.items()
            if not subscription.client.private and _shown(member, subscription.client)
        ]
        nodes.append({"id": name, "group": 1, "value": len(members)})
        links.append({"source": SERVER_NODE, "target": name, "value": 1 + len(members)})
        links.extend({"source": name, "target": m, "value": 1} for m in members)
    _add_devices(devices, hub, nodes, links)
    return {"nodes": nodes, "links": links}


def _add_devices(
    devices: Registry,
    hub: Hub,
    nodes: list[dict[str, Any]],
    links: list[dict[str, Any]],
) -> None:
    # Ids are unique: an announced name that is already a node's id (a place
    # called like a channel, say) is left out with what hangs from it.
    taken = {node["id"] for node in nodes}

    def add(node_id: str, group: int, value: int, label: str) -> bool:
        if node_id in taken:
            return False
        taken.add(node_id)
        nodes.append({"id": node_id, "group": group, "value": value, "label": label})
        return True

    places = {
        place: add(place, 3, 3, f"\N{ROUND PUSHPIN} {place}")
        for device in devices.devices.values()
        for place in device.locations
        if place not in taken
    }
    links.extend(
        {"source": SERVER_NODE, "target": p} for p, new in places.items() if new
    )
    for device in devices.devices.values():
        node = f"[ {device.name} ]"
        if not add(node, 4, 1, f"\N{PACKAGE} {device.name}"):
            continue
        links.extend(
            {"source": p, "target": node} for p in device.locations if places.get(p)
        )
        client = hub.clients.get(device.device_id)
        if client is not None and _shown(client.name, client):
            links.append({"source": device.device_id, "target": node})
        for component in device.components.values():
            part = f"{device.name}_{component.name}"
            kind = f" ({component.type})" if component.type else ""
            if add(part, 5, 2, component.name + kind):
                links.append({"source": node, "target": part})


async def network_json(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    devices = request.app[DEVICES]
    forget_gone(devices, hub)
    return web.json_response(graph(hub, devices))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/network.json", network_json)
