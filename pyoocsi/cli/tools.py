"""Client-side sub-commands (send, listen, presence, call, clients, channels)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: "argparse._SubParsersAction[Any]") -> None:
    """Add the client sub-commands (none yet)."""
    del subparsers
