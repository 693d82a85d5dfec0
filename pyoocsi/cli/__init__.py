"""The ``oocsi`` command: one sub-command per module in this package.

Each module named in ``_COMMANDS`` has ``register(subparsers)``, which adds its
sub-command(s) and sets ``handler`` (a callable taking the parsed arguments and
returning the exit status) as the parser's default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from pyoocsi._version import __version__

__all__ = ["build_parser", "main"]

_COMMANDS = ("serve", "users", "tools", "bench")


def build_parser() -> argparse.ArgumentParser:
    """The full ``oocsi`` argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="oocsi",
        description="OOCSI server, client tools and benchmarks.",
    )
    parser.add_argument("--version", action="version", version=f"oocsi {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        module = importlib.import_module(f"pyoocsi.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    return handler(args)
