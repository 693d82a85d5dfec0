"""The exceptions the client raises; every one is an :class:`OOCSIError`."""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "CallTimeout",
    "ConnectionFailed",
    "ConnectionLost",
    "HandleInUse",
    "InvalidHandle",
    "NotConnected",
    "NotSupported",
    "OOCSIDisconnect",
    "OOCSIError",
]


class OOCSIError(Exception):
    """The base of every error raised by the pyoocsi client."""


class ConnectionFailed(OOCSIError):  # noqa: N818 - the names of the spec
    """The server could not be reached, or it refused the handshake."""


# The name the ``oocsi`` package uses for a failed connection.
OOCSIDisconnect = ConnectionFailed


class HandleInUse(ConnectionFailed):
    """The server refused the handshake because the name is taken."""


class AuthenticationFailed(ConnectionFailed):
    """The server refused the password of a ``name:password`` handle."""


class InvalidHandle(ConnectionFailed, ValueError):  # noqa: N818 - the names of the spec
    """The handle is not acceptable (empty, non-ASCII, spaces, too long)."""


class NotConnected(OOCSIError):  # noqa: N818 - the names of the spec
    """An operation needs a connection and there is none right now."""


class ConnectionLost(OOCSIError):  # noqa: N818 - the names of the spec
    """The connection went away while an operation was waiting on it."""


class CallTimeout(OOCSIError, TimeoutError):  # noqa: N818 - the names of the spec
    """No reply arrived for a call (or a listing) within its timeout."""


class NotSupported(OOCSIError):  # noqa: N818 - the names of the spec
    """The transport cannot do this (listing over websocket, raw text)."""
