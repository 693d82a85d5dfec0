"""A message on the bus, and its wire lines rendered once per fan-out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyoocsi.core.encoding import line_of, render_data, render_pd

__all__ = ["Message"]


@dataclass(slots=True, eq=False)
class Message:
    """One message: who sent it, the recipient text as written, when, and its data.

    ``recipient`` is the text the sender addressed (a channel, a client, ``ch:pw``,
    ``presence(x)``, or a function subscription's exact bracket text) and is what
    receivers see. The rendered lines are cached: a channel with a thousand
    subscribers renders each dialect once. Adapters with a wire form of their own
    cache it the same way with :meth:`rendered`. A parser that has already
    written the data's JSON (:func:`~pyoocsi.core.encoding.read_payload`) passes
    it fifth; it must be what :func:`render_data` would return.
    """

    sender: str
    recipient: str
    timestamp: int
    data: dict[str, Any]
    _data_json: bytes | None = field(default=None, repr=False)
    _json: bytes | None = field(default=None, repr=False)
    _pd: bytes | None = field(default=None, repr=False)
    _rendered: dict[Callable[[Message], bytes], bytes] | None = field(
        default=None, repr=False
    )

    def data_json(self) -> bytes:
        """The data as JSON lines carry it (see :func:`render_data`)."""
        if self._data_json is None:
            self._data_json = render_data(self.data)
        return self._data_json

    def json_line(self) -> bytes:
        """The line for JSON clients, with its ``\\n``."""
        if self._json is None:
            self._json = line_of(
                self.data_json(), self.recipient, self.timestamp, self.sender
            )
        return self._json

    def pd_line(self) -> bytes:
        """The line for PD/Max clients, with its ``;`` and ``\\n``."""
        if self._pd is None:
            self._pd = render_pd(self.data, self.recipient, self.timestamp, self.sender)
        return self._pd

    def rendered(self, render: Callable[[Message], bytes]) -> bytes:
        """``render(self)``, computed on the first call and cached per ``render``.

        For an adapter's own wire form (a websocket frame, for one): called once per
        subscriber, it renders once per fan-out. ``render`` must depend only on the
        message, which is not changed once published.
        """
        cache = self._rendered
        if cache is None:
            cache = self._rendered = {}
        else:
            done = cache.get(render)
            if done is not None:
                return done
        value = cache[render] = render(self)
        return value

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
