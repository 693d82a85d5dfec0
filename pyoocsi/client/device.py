"""heyOOCSI device descriptions: what a device offers, announced on ``heyOOCSI!``.

The message is ``{<device name>: {"properties", "components", "location"}}``;
``properties.device_id`` is the client's handle when the message is sent.
Every component carries ``channel_name``, ``type`` and ``icon`` (``null``
when not given), because the reference web server fails on a missing
``icon``. Component keys follow the ``oocsi`` package (``ledType``,
``min_max``, spectrum as a string), which the reference web server and Home
Assistant read.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyoocsi.client.client import AsyncOOCSI

__all__ = ["HEY_OOCSI", "Device", "LedType", "LightSpectrum", "OOCSIDevice"]

HEY_OOCSI = "heyOOCSI!"


class LedType(enum.StrEnum):
    RGB = "RGB"
    RGBW = "RGBW"
    RGBWW = "RGBWW"
    CCT = "CCT"
    DIMMABLE = "DIMMABLE"
    ONOFF = "ONOFF"


class LightSpectrum(enum.StrEnum):
    CCT = "CCT"
    WHITE = "WHITE"
    RGB = "RGB"


def _text(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


class Device:
    """A heyOOCSI device; the ``add_*`` methods chain, ``announce()`` sends.

    The camelCase names of the ``oocsi`` package (``addSensor``, ``sayHi``,
    ...) are kept as aliases. An unknown LED type or spectrum raises
    ``ValueError`` unless the device was made with ``lenient=True``.
    """

    def __init__(
        self,
        client: AsyncOOCSI,
        name: str | None,
        send: Callable[[str, dict[str, Any]], Any],
        *,
        lenient: bool = False,
    ) -> None:
        self._client = client
        self._name = name
        self._send = send
        self.lenient = lenient
        self.properties: dict[str, Any] = {}
        self.components: dict[str, dict[str, Any]] = {}
        self.locations: dict[str, list[float]] = {}

    @property
    def name(self) -> str:
        """The device name: the one given, else the client's handle."""
        return self._name if self._name is not None else self._client.handle

    def to_dict(self) -> dict[str, Any]:
        """The exact ``heyOOCSI!`` payload."""
        properties = {"device_id": self._client.handle, **self.properties}
        body = {
            "properties": properties,
            "components": {k: dict(v) for k, v in self.components.items()},
            "location": {k: list(v) for k, v in self.locations.items()},
        }
        return {self.name: body}

    def announce(self) -> None:
        """Send the description; it is sent again after each reconnect."""
        self._send(HEY_OOCSI, self.to_dict())
        self._client._devices[self.name] = self

    def add_property(self, name: str, value: Any) -> Device:
        self.properties[name] = value
        return self

    def add_location(
        self, name: str, lat_or_x: float = 0, lng_or_y: float = 0
    ) -> Device:
        self.locations[name] = [lat_or_x, lng_or_y]
        return self

    def _component(self, name: str, channel: str, kind: str, **keys: Any) -> Device:
        icon = keys.pop("icon", None)
        self.components[name] = {"channel_name": channel, "type": kind, **keys}
        self.components[name]["icon"] = icon
        return self

    def add_sensor(  # noqa: PLR0917 - the oocsi package's order
        self,
        name: str,
        channel: str,
        sensor_type: str,
        unit: str,
        default: float,
        mode: str = "auto",
        step: float | None = None,
        icon: str | None = None,
    ) -> Device:
        return self._component(
            name,
            channel,
            "sensor",
            sensor_type=_text(sensor_type),
            unit=unit,
            value=default,
            mode=mode,
            step=step,
            icon=icon,
        )

    def add_number(  # noqa: PLR0917 - the oocsi package's order
        self,
        name: str,
        channel: str,
        min_max: Sequence[float] = (0, 100),
        unit: str = "",
        default: float = 0,
        icon: str | None = None,
    ) -> Device:
        return self._component(
            name,
            channel,
            "number",
            min_max=list(min_max),
            unit=unit,
            value=default,
            icon=icon,
        )

    def add_binary_sensor(
        self,
        name: str,
        channel: str,
        sensor_type: str,
        default: bool = False,
        icon: str | None = None,
    ) -> Device:
        return self._component(
            name,
            channel,
            "binary_sensor",
            sensor_type=_text(sensor_type),
            state=default,
            icon=icon,
        )

    def add_switch(
        self, name: str, channel: str, default: bool = False, icon: str | None = None
    ) -> Device:
        return self._component(name, channel, "switch", state=default, icon=icon)

    def add_light(  # noqa: PLR0917 - the oocsi package's order
        self,
        name: str,
        channel: str,
        led_type: str,
        spectrum: str,
        default_state: bool = False,
        default_brightness: int = 0,
        mired_min_max: Sequence[int] | None = None,
        icon: str | None = None,
    ) -> Device:
        led, light = _text(led_type), _text(spectrum)
        if not self.lenient:
            if led not in {t.value for t in LedType}:
                raise ValueError(f"unknown LED type {led!r} for light {name}")
            if light not in {s.value for s in LightSpectrum}:
                raise ValueError(f"unknown spectrum {light!r} for light {name}")
        return self._component(
            name,
            channel,
            "light",
            ledType=led,
            spectrum=light,
            min_max=list(mired_min_max) if mired_min_max is not None else None,
            state=default_state,
            brightness=default_brightness,
            icon=icon,
        )

    def set_value(self, component: str, value: Any, key: str = "value") -> None:
        """Report a component's value on its channel (``{key, "component"}``)."""
        channel = self.components[component]["channel_name"]
        self._send(channel, {key: value, "component": component})

    def set_state(self, component: str, state: bool, key: str = "state") -> None:
        self.set_value(component, state, key)

    # The names of the oocsi package.
    addProperty = add_property  # noqa: N815
    addLocation = add_location  # noqa: N815
    addSensor = add_sensor  # noqa: N815
    addNumber = add_number  # noqa: N815
    addBinarySensor = add_binary_sensor  # noqa: N815
    addSwitch = add_switch  # noqa: N815
    addLight = add_light  # noqa: N815
    submit = announce
    sayHi = announce  # noqa: N815


class OOCSIDevice(Device):
    """The ``oocsi`` package's name; build one with ``oocsi.heyOOCSI(name)``."""

    def __init__(self, *args: Any, **options: Any) -> None:
        if len(args) + ("send" in options) < 3:
            raise TypeError(
                "make a device with oocsi.heyOOCSI(name) or oocsi.device(name),"
                " not OOCSIDevice(oocsi, name)"
            )
        super().__init__(*args, **options)
