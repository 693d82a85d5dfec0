"""The usual message's wire form, written in C from the payload text.

Nearly every message is a flat JSON object of ASCII strings, integers,
booleans and nulls. For those, the C extension ``_fastline`` writes a
message's TCP line or websocket frame straight from the payload text, with no
data dict and no :class:`~pyoocsi.core.message.Message`: the same bytes as
the render it stands for (:meth:`Message.json_line`, the websocket adapter's
frame), which remains the definition. For any other payload it answers None,
and the hub parses the payload in Python.

:data:`FAST_RENDERS` pairs a render with its C writer. It is empty where the
extension is not there (pyoocsi installed without a C compiler) or when the
environment variable ``PYOOCSI_PURE_PYTHON`` is set to anything but ``0``,
``false``, ``no``, ``off`` or nothing; every message then takes the Python
path: the same bytes, more CPU (docs/performance.md). :data:`STATUS` says
which, for the server's start-up log.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from types import ModuleType

from pyoocsi.core.message import Message

__all__ = [
    "FAST_RENDERS",
    "STATUS",
    "FastRender",
    "json_line",
    "pair",
    "websocket_frame",
]

# (payload text, recipient, clock, sender) -> the wire bytes, or None; the clock
# (epoch ms) is read for a message the writer writes, and only then
FastRender = Callable[[str, str, Callable[[], int], str], bytes | None]

_OFF_WORDS = ("", "0", "false", "no", "off")

_native: ModuleType | None = None
if os.environ.get("PYOOCSI_PURE_PYTHON", "").strip().lower() in _OFF_WORDS:
    with contextlib.suppress(ImportError):  # built without a C compiler
        from pyoocsi.core import _fastline as _native
    STATUS = (
        "C extension on"
        if _native is not None
        else "C extension off (not built: no C compiler or Python.h at install)"
    )
else:
    STATUS = "C extension off (PYOOCSI_PURE_PYTHON is set)"

json_line: FastRender | None = None if _native is None else _native.json_line
websocket_frame: FastRender | None = (
    None if _native is None else _native.websocket_frame
)

FAST_RENDERS: dict[Callable[[Message], bytes], FastRender] = {}


def pair(render: Callable[[Message], bytes], fast: FastRender | None) -> None:
    """Let the hub use ``fast`` for receivers whose sink renders with ``render``.

    ``fast(payload, recipient, clock, sender)`` must return exactly what
    ``render`` returns for that message stamped ``clock()``, or None without
    reading the clock.
    """
    if fast is not None:
        FAST_RENDERS[render] = fast


pair(Message.json_line, json_line)
