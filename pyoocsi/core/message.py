"""A message on the bus, and its wire lines rendered once per fan-out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoocsi.core.encoding import render_json, render_pd

__all__ = ["Message"]


@dataclass(slots=True, eq=False)
class Message:
    """One message: who sent it, the recipient text as written, when, and its data.

    ``recipient`` is the text the sender addressed (a channel, a client, ``ch:pw``,
    ``presence(x)``, or a function subscription's exact bracket text) and is what
    receivers see. The rendered lines are cached: a channel with a thousand
    subscribers renders each dialect once.
    """

    sender: str
    recipient: str
    timestamp: int
    data: dict[str, Any]
    _json: bytes | None = field(default=None, repr=False)
    _pd: bytes | None = field(default=None, repr=False)

    def json_line(self) -> bytes:
        """The line for JSON clients, with its ``\\n``."""
        if self._json is None:
            self._json = render_json(
                self.data, self.recipient, self.timestamp, self.sender
            )
        return self._json

    def pd_line(self) -> bytes:
        """The line for PD/Max clients, with its ``;`` and ``\\n``."""
        if self._pd is None:
            self._pd = render_pd(self.data, self.recipient, self.timestamp, self.sender)
        return self._pd

    def readdressed(
        self, recipient: str, data: dict[str, Any] | None = None
    ) -> Message:
        """A copy for another recipient text (function subscriptions), same origin."""
        return Message(
            self.sender,
            recipient,
            self.timestamp,
            self.data if data is None else data,
        )
