"""The message keys that involve time: ``_RETAIN``, ``_DELAY`` and ``_SCHEDULE``.

Rules:
- ``_RETAIN`` and ``_DELAY`` are seconds, as a number or a numeric string;
  fractions are allowed. ``_RETAIN`` is capped at two days.
- ``_SCHEDULE`` is ``yyyy-MM-dd HH:mm:ss`` in the server's local time, or ISO
  8601 (``2026-12-04T11:05:27+01:00``; without an offset it is local time).
- ``_DELAY`` wins over ``_SCHEDULE``. A time that is not in the future, or a
  value that cannot be read, means "now".
- Both are capped at ``MAX_AHEAD``; a later time is refused, not delivered early.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

__all__ = [
    "MAX_AHEAD_MS",
    "MAX_RETAIN_MS",
    "TooFarAheadError",
    "due_time",
    "retain_ms",
]

MAX_RETAIN_MS = 2 * 24 * 3600 * 1000
MAX_AHEAD_MS = 31 * 24 * 3600 * 1000


class TooFarAheadError(ValueError):
    """A delay or schedule further ahead than the server keeps messages."""


def _seconds(value: Any) -> float | None:
    """Seconds as a float; a huge integer becomes an infinity of its sign."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        seconds = value
    elif isinstance(value, str):
        try:
            seconds = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return None if math.isnan(seconds) else seconds


def retain_ms(data: dict[str, Any]) -> int | None:
    """How long to retain a message in ms, or None when it is not retained."""
    seconds = _seconds(data.get("_RETAIN"))
    if seconds is None or seconds <= 0:
        return None
    return min(round(min(seconds, MAX_RETAIN_MS / 1000) * 1000), MAX_RETAIN_MS)


def _schedule_ms(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    # A naive time is local time; timestamp() reads it that way. Year 1 in a
    # zone east of UTC falls before year 1 and cannot be converted: it is past.
    try:
        return round(moment.timestamp() * 1000)
    except (ValueError, OverflowError, OSError):
        return None


def due_time(data: dict[str, Any], now_ms: int) -> int | None:
    """When a message is due, if it is for later; None means deliver now."""
    due: int | None = None
    if "_DELAY" in data:
        seconds = _seconds(data["_DELAY"])
        if seconds is not None and seconds > 0:
            if seconds * 1000 > MAX_AHEAD_MS:
                raise TooFarAheadError(f"_DELAY of {seconds:g} s is too far ahead")
            due = now_ms + round(seconds * 1000)
    if due is None and "_SCHEDULE" in data:
        due = _schedule_ms(data["_SCHEDULE"])
        if due is not None and due - now_ms > MAX_AHEAD_MS:
            raise TooFarAheadError(f"_SCHEDULE {data['_SCHEDULE']!r} is too far ahead")
    if due is None or due <= now_ms:
        return None
    return due
