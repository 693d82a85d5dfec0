"""pyoocsi: the OOCSI server, client library and command line, in Python.

The client is importable from here: ``from pyoocsi import OOCSI`` (blocking,
compatible with the ``oocsi`` package) or ``from pyoocsi import AsyncOOCSI``.
"""

from pyoocsi._version import __version__
from pyoocsi.client import (
    OOCSI,
    AsyncOOCSI,
    AuthenticationFailed,
    CallTimeout,
    ConnectionFailed,
    ConnectionLost,
    Device,
    HandleInUse,
    InvalidHandle,
    Message,
    NotConnected,
    NotSupported,
    OOCSICall,
    OOCSIDevice,
    OOCSIDisconnect,
    OOCSIError,
    OOCSIThread,
    OOCSIVariable,
    PresenceEvent,
    Variable,
)

__all__ = [
    "OOCSI",
    "AsyncOOCSI",
    "AuthenticationFailed",
    "CallTimeout",
    "ConnectionFailed",
    "ConnectionLost",
    "Device",
    "HandleInUse",
    "InvalidHandle",
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
    "Variable",
    "__version__",
]
