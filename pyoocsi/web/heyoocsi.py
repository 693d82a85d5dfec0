"""heyOOCSI: the registry of devices that announce themselves on ``heyOOCSI!``.

Rules:
- A message on ``heyOOCSI!`` describes devices: each top-level key whose value
  is an object is a device name, holding ``properties`` (``device_id`` is the
  OOCSI client behind it), ``location`` (name -> ``[x, y]``) and
  ``components`` (name -> ``channel_name``, ``type``, ``icon`` and a default
  ``value``, else ``state``). A new description replaces the old one.
- Missing or malformed parts are tolerated: a component without a channel,
  type or icon is kept with empty text there, a location that is not two
  numbers is left out, and a device without ``device_id`` is the sender's.
- A direct message to ``heyOOCSIClient`` asks, in this order: for one device
  (``clientHandle``), for devices near a point (``x``, ``y``, ``distance``,
  optional ``closest``, nearest first) or for the devices at a location
  (``location``, any case). The answer goes to the asker; an unknown device
  gets none. ``_MESSAGE_ID`` is kept, so ``call`` works.
- A device whose client has been gone for an hour is forgotten; coming back
  within the hour starts that hour again.
- With a state directory, devices survive a restart: each announcement is
  written as it arrives and each forgotten device removed (:class:`DeviceStore`).
- Limits, each a setting: at most ``max_devices`` devices (a new one beyond it
  is refused with a warning, known ones are still updated), at most
  ``max_device_parts`` properties, locations and components each per device
  (the rest are left out; :data:`MAX_PARTS` by default), and a description of
  at most ``max_device_bytes`` bytes of JSON (a longer one is refused with a
  warning; :data:`MAX_DEVICE_BYTES` by default).

The :class:`Registry` is plain data; :class:`HeyOOCSIClient` puts it on the bus.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

from pyoocsi.core.encoding import render_value
from pyoocsi.core.hub import Hub
from pyoocsi.core.message import Message
from pyoocsi.core.settings import Settings
from pyoocsi.web.local import LocalPeer

__all__ = [
    "ANNOUNCE_CHANNEL",
    "CLIENT_NAME",
    "MAX_PARTS",
    "Component",
    "Device",
    "DeviceStore",
    "HeyOOCSIClient",
    "Registry",
    "describe",
    "forget_gone",
]

logger = logging.getLogger("pyoocsi.web")

ANNOUNCE_CHANNEL = "heyOOCSI!"
CLIENT_NAME = "heyOOCSIClient"
KEEP_ABSENT = 3600.0  # seconds a device outlives its client
CLOSEST = 100  # devices in an answer about a point, unless asked otherwise
# the defaults of the max_devices, max_device_parts and max_device_bytes settings
_DEFAULT = Settings()
MAX_PARTS = _DEFAULT.max_device_parts  # properties, locations, components each
MAX_DEVICE_BYTES = _DEFAULT.max_device_bytes  # the JSON of one device
SWEEP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    channel: str
    type: str
    icon: str
    default: str  # the announced ``value``, else ``state``, as text


@dataclass(slots=True)
class Device:
    name: str
    device_id: str
    properties: dict[str, str]
    locations: dict[str, tuple[float, float]]
    components: dict[str, Component]
    absent_since: float | None = field(default=None, compare=False)


def _text(value: Any) -> str:
    return "" if value is None else render_value(value)


def _point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    x, y = _number(value[0]), _number(value[1])
    return None if x is None or y is None else (x, y)


def _number(value: Any) -> float | None:
    """A JSON number as a finite float; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) else None


def _component(name: str, value: dict[str, Any]) -> Component:
    default = value.get("value")
    if default is None:
        default = value.get("state")
    return Component(
        name,
        _text(value.get("channel_name")),
        _text(value.get("type")),
        _text(value.get("icon")),
        _text(default),
    )


def _parts(value: Any, most: int) -> list[tuple[str, Any]]:
    """The first ``most`` entries of an object (none for a non-object)."""
    if not isinstance(value, dict):
        return []
    return [(str(k), v) for k, v in islice(value.items(), most)]


def _device(name: str, value: dict[str, Any], sender: str, most: int) -> Device:
    properties = _parts(value.get("properties"), most)
    device_id = dict(properties).get("device_id")
    return Device(
        name,
        device_id if isinstance(device_id, str) and device_id else sender,
        {k: _text(v) for k, v in properties},
        {
            k: point
            for k, v in _parts(value.get("location"), most)
            if (point := _point(v)) is not None
        },
        {
            k: _component(k, v)
            for k, v in _parts(value.get("components"), most)
            if isinstance(v, dict)
        },
    )


class DeviceStore(Protocol):
    """A durable copy of the registry's announcements."""

    def device_set(self, name: str, sender: str, value: dict[str, Any]) -> None:
        """A device was announced (``value`` as announced), replacing any earlier."""
        ...

    def device_removed(self, name: str) -> None:
        """A device was forgotten."""
        ...


class Registry:
    """The announced devices, by device name, in order of first announcement."""

    def __init__(
        self,
        max_devices: int = _DEFAULT.max_devices,
        keep_absent: float = KEEP_ABSENT,
        max_parts: int = MAX_PARTS,
        max_bytes: int = MAX_DEVICE_BYTES,
    ) -> None:
        self.max_devices = max_devices  # 0: no limit
        self.max_parts = max_parts
        self.max_bytes = max_bytes
        self.keep_absent = keep_absent
        self.devices: dict[str, Device] = {}
        self.store: DeviceStore | None = None

    def announce(self, data: dict[str, Any], sender: str) -> list[str]:
        """Take in a ``heyOOCSI!`` message; the names of the devices it held."""
        names = []
        for name, value in data.items():
            if not isinstance(value, dict):
                continue
            full = 0 < self.max_devices <= len(self.devices)
            if full and name not in self.devices:
                logger.warning(
                    "heyOOCSI device %s from %s refused: at most %d devices",
                    name,
                    sender,
                    self.max_devices,
                )
                continue
            if len(json.dumps(value)) > self.max_bytes:
                logger.warning(
                    "heyOOCSI device %s from %s refused: over %d bytes",
                    name,
                    sender,
                    self.max_bytes,
                )
                continue
            self.devices[name] = _device(name, value, sender, self.max_parts)
            if self.store is not None:
                self.store.device_set(name, sender, value)
            names.append(name)
        return names

    def restore(self, name: str, value: dict[str, Any], sender: str) -> None:
        """Take back an announcement read from a store (not written again)."""
        self.devices[name] = _device(name, value, sender, self.max_parts)

    def answer(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The answer to a question sent to ``heyOOCSIClient``, or None."""
        reply = self._answer(data)
        if reply is not None and "_MESSAGE_ID" in data:
            reply["_MESSAGE_ID"] = data["_MESSAGE_ID"]
        return reply

    def _answer(self, data: dict[str, Any]) -> dict[str, Any] | None:
        if "clientHandle" in data:
            device = self.devices.get(_text(data["clientHandle"]))
            return None if device is None else describe(device)
        x, y = _number(data.get("x")), _number(data.get("y"))
        distance = _number(data.get("distance"))
        if x is not None and y is not None and distance is not None:
            closest = data.get("closest", CLOSEST)
            if isinstance(closest, int) and not isinstance(closest, bool):
                limit = closest
            else:
                number = _number(closest)
                limit = CLOSEST if number is None else int(number)
            found = self.near(x, y, distance, limit)
            return {
                "x": data["x"],
                "y": data["y"],
                "distance": data["distance"],
                "clients": found,
            }
        if isinstance(data.get("location"), str):
            location = data["location"]
            return {"location": location, "clients": self.at(location)}
        return None

    def near(self, x: float, y: float, distance: float, limit: int) -> list[str]:
        """Device ids with a location within ``distance`` of (x, y), nearest first."""
        found: list[tuple[float, int, str]] = []
        for order, device in enumerate(self.devices.values()):
            gaps = [math.dist((x, y), p) for p in device.locations.values()]
            nearest = min(gaps, default=math.inf)
            if nearest <= distance:
                found.append((nearest, order, device.device_id))
        found.sort()
        return [device_id for _, _, device_id in found[: max(limit, 0)]]

    def at(self, location: str) -> list[str]:
        """Device ids with a location of this name, in any case."""
        wanted = location.casefold()
        return [
            device.device_id
            for device in self.devices.values()
            if any(name.casefold() == wanted for name in device.locations)
        ]

    def sweep(self, connected: Callable[[str], bool], now: float) -> list[str]:
        """Forget devices whose client has been gone ``keep_absent`` seconds."""
        gone = []
        for name, device in list(self.devices.items()):
            if connected(device.device_id):
                device.absent_since = None
            elif device.absent_since is None:
                device.absent_since = now
            elif now - device.absent_since >= self.keep_absent:
                del self.devices[name]
                if self.store is not None:
                    self.store.device_removed(name)
                gone.append(name)
        return gone


def forget_gone(registry: Registry, hub: Hub) -> None:
    """Sweep the registry against the hub's clients now (before it is read)."""
    for name in registry.sweep(hub.clients.__contains__, hub.monotonic()):
        logger.info("heyOOCSI device %s forgotten: its client left", name)


def describe(device: Device) -> dict[str, Any]:
    """One device as a ``clientHandle`` question is answered."""
    return {
        "clientHandle": device.name,
        "location": {name: list(point) for name, point in device.locations.items()},
        "components": {
            name: {
                "channel_name": c.channel,
                "default_value": c.default,
                "type": c.type,
                "icon": c.icon,
            }
            for name, c in device.components.items()
        },
        "properties": dict(device.properties),
    }


class HeyOOCSIClient(LocalPeer):
    """``heyOOCSIClient`` on the bus: listens on ``heyOOCSI!``, answers questions."""

    def __init__(self, hub: Hub, registry: Registry) -> None:
        super().__init__(hub, CLIENT_NAME, "built-in client", builtin=True)
        self.registry = registry
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        if self.join():
            assert self.client is not None
            self.hub.subscribe(self.client, ANNOUNCE_CHANNEL)
            self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.leave()

    def sweep(self) -> None:
        forget_gone(self.registry, self.hub)

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(SWEEP_SECONDS, self._tick)

    def _tick(self) -> None:
        self._schedule()
        self.sweep()

    def received(self, message: Message) -> None:
        if self.client is None:
            return
        if message.recipient == ANNOUNCE_CHANNEL:
            known = set(self.registry.devices)
            for name in self.registry.announce(message.data, message.sender):
                # devices announce themselves again and again: only news is INFO
                level = logging.DEBUG if name in known else logging.INFO
                logger.log(
                    level, "heyOOCSI device %s announced by %s", name, message.sender
                )
        elif self.asked(message):
            self.sweep()
            reply = self.registry.answer(message.data)
            if reply is not None:
                self.hub.publish(self.name, message.sender, reply)
