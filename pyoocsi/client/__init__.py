"""The OOCSI client: ``AsyncOOCSI`` for asyncio, ``OOCSI`` for everything else.

``OOCSI`` keeps the constructor and the methods of the ``oocsi`` package, so
``from pyoocsi import OOCSI`` is the only change an existing script needs.
"""

from pyoocsi.client.client import AsyncOOCSI
from pyoocsi.client.device import Device, LedType, LightSpectrum, OOCSIDevice
from pyoocsi.client.errors import (
    AuthenticationFailed,
    CallTimeout,
    ConnectionFailed,
    ConnectionLost,
    HandleInUse,
    InvalidHandle,
    NotConnected,
    NotSupported,
    OOCSIDisconnect,
    OOCSIError,
)
from pyoocsi.client.message import Message, PresenceEvent
from pyoocsi.client.subscription import Registration, Subscription
from pyoocsi.client.sync import OOCSI, Handle, LegacyCall, OOCSICall, OOCSIThread
from pyoocsi.client.variable import OOCSIVariable, Variable

__all__ = [
    "OOCSI",
    "AsyncOOCSI",
    "AuthenticationFailed",
    "CallTimeout",
    "ConnectionFailed",
    "ConnectionLost",
    "Device",
    "Handle",
    "HandleInUse",
    "InvalidHandle",
    "LedType",
    "LegacyCall",
    "LightSpectrum",
    "Message",
    "NotConnected",
    "NotSupported",
    "OOCSICall",
    "OOCSIDevice",
    "OOCSIDisconnect",
    "OOCSIError",
    "OOCSIThread",
    "OOCSIVariable",
    "PresenceEvent",
    "Registration",
    "Subscription",
    "Variable",
]
