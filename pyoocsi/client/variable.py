"""``Variable``: one value kept in step across clients through a channel.

Rules (wire-compatible with the Java and Python clients):
- A write sends ``{key: value}`` to the channel; every holder of a variable
  with that key on that channel takes the value. The server never echoes a
  message to its sender, so a write does not come back.
- A value, local or remote, is first clamped to ``min`` and then to ``max``
  (numbers only), then held to ``sigma`` of the running mean when smoothing:
  a jump larger than ``sigma`` moves the value one step of
  ``sigma / window length`` towards it.
- With smoothing over ``n`` values, ``get()`` is the mean of the last ``n``.
- As in the Java client, the value sent is the filtered one;
  ``send_filtered=False`` sends the input as given, as the ``oocsi`` package
  did.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from pyoocsi.client.message import Message

__all__ = ["OOCSIVariable", "Variable"]

logger = logging.getLogger("pyoocsi.client")

Subscribe = Callable[[str, Callable[[Message], Any]], Any]
Send = Callable[[str, dict[str, Any]], Any]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Variable:
    """A value shared on ``channel`` under ``key``.

    Create one with ``client.variable(channel, key)``. Read it with ``get()``
    or ``value``; write it with ``set(v)``. ``min``, ``max`` and ``smooth``
    return the variable, so they chain.
    """

    def __init__(
        self,
        subscribe: Subscribe,
        send: Send,
        channel: str,
        key: str,
        *,
        default: Any = None,
        min: float | None = None,
        max: float | None = None,
        smooth: int = 0,
        sigma: float | None = None,
        send_filtered: bool = True,
    ) -> None:
        self.channel = channel
        self.key = key
        self.minvalue = min
        self.maxvalue = max
        self.windowLength = smooth  # the oocsi package's name
        self.sigma = sigma
        self.send_filtered = send_filtered
        self.values: list[float] = []
        self._value: Any = default
        self._listeners: list[Callable[[Any], Any]] = []
        self._send = send
        self._subscription = subscribe(channel, self._receive)

    # ------------------------------------------------------------- reading

    def get(self) -> Any:
        """The current value (the window mean when smoothing)."""
        if self.windowLength > 0 and self.values:
            return math.fsum(self.values) / len(self.values)
        return self._value

    @property
    def value(self) -> Any:
        return self.get()

    @value.setter
    def value(self, value: Any) -> None:
        self.set(value)

    # ------------------------------------------------------------- writing

    def set(self, value: Any) -> None:
        """Take ``value`` locally and send it to the channel."""
        filtered = self._take(value)
        self._send(self.channel, {self.key: filtered if self.send_filtered else value})

    def set_local(self, value: Any) -> None:
        """Take ``value`` without telling anyone."""
        self._take(value)

    def on_change(self, listener: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Call ``listener(value)`` after each change; usable as a decorator."""
        self._listeners.append(listener)
        return listener

    def close(self) -> None:
        """Stop following the channel."""
        unsubscribe = getattr(self._subscription, "unsubscribe", None)
        if callable(unsubscribe):
            unsubscribe()

    # ------------------------------------------------------------- filters

    def min(self, value: float) -> Variable:
        """Clamp values below ``value``; chainable."""
        self.minvalue = value
        self._value = self._clamp(self._value)
        return self

    def max(self, value: float) -> Variable:
        """Clamp values above ``value``; chainable."""
        self.maxvalue = value
        self._value = self._clamp(self._value)
        return self

    def smooth(self, window: int, sigma: float | None = None) -> Variable:
        """Average the last ``window`` values, limiting jumps to ``sigma``."""
        self.windowLength = window
        self.sigma = sigma
        return self

    def _clamp(self, value: Any) -> Any:
        if not _is_number(value):
            return value
        if self.minvalue is not None and value < self.minvalue:
            value = self.minvalue
        if self.maxvalue is not None and value > self.maxvalue:
            value = self.maxvalue
        return value

    def _filter(self, value: Any) -> Any:
        value = self._clamp(value)
        mean = self.get()
        if (
            self.sigma is not None
            and _is_number(value)
            and _is_number(mean)
            and abs(mean - value) > self.sigma
        ):
            step = self.sigma / max(1, len(self.values))
            value = mean - step if mean > value else mean + step
        return value

    def _take(self, value: Any) -> Any:
        filtered = self._filter(value)
        if self.windowLength > 0 and _is_number(filtered):
            self.values = [*self.values, filtered][-self.windowLength :]
        self._value = filtered
        for listener in list(self._listeners):
            try:
                listener(self.get())
            except Exception:
                logger.exception("variable listener %r raised", listener)
        return filtered

    def _receive(self, message: Message) -> None:
        if self.key in message.data:
            self._take(message.data[self.key])


class OOCSIVariable(Variable):
    """The ``oocsi`` package's name; build one with ``oocsi.variable(...)``."""

    def __init__(self, *args: Any, **options: Any) -> None:
        if not args or not callable(args[0]):
            raise TypeError(
                "make a variable with oocsi.variable(channel, key),"
                " not OOCSIVariable(oocsi, channel, key)"
            )
        super().__init__(*args, **options)
