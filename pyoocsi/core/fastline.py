"""The usual direct message's line, written in C where the extension was built.

:func:`json_line` is :func:`pyoocsi.core.encoding.render_json` for the one
payload shape that nearly every message has, a flat JSON object of ASCII
strings, integers, booleans and nulls, given as its text; it answers None for
anything else, and the caller then parses the payload in Python. It is None
itself where the extension is not there (pyoocsi installed without a C
compiler) or when the environment variable ``PYOOCSI_PURE_PYTHON`` is set, and
every message takes the Python path: same lines, more CPU (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

__all__ = ["json_line"]

JsonLine = Callable[[str, str, int, str], bytes | None]

json_line: JsonLine | None = None
if not os.environ.get("PYOOCSI_PURE_PYTHON"):
    with contextlib.suppress(ImportError):  # built without a C compiler
        from pyoocsi.core._fastline import json_line
