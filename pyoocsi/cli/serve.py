"""``oocsi serve``: run the server until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from pyoocsi._version import __version__
from pyoocsi.core.settings import Settings
from pyoocsi.server.app import Server
from pyoocsi.server.config import HELP, ConfigError, load_settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``oocsi serve``."""
    parser = subparsers.add_parser(
        "serve",
        help="run an OOCSI server",
        description=(
            "Run an OOCSI server. Each setting can also come from an environment "
            "variable OOCSI_<NAME> (e.g. OOCSI_PORT=4445) or a TOML file given "
            "with --config or OOCSI_CONFIG; flags win over the environment, "
            "which wins over the file."
        ),
    )
    parser.add_argument("--version", action="version", version=f"oocsi {__version__}")
    parser.add_argument(
        "--config", metavar="FILE", help="TOML file with settings (a [server] table)"
    )
    for name in Settings.names():
        default = getattr(Settings(), name)
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=str if isinstance(default, str | bool) else type(default),
            default=None,
            metavar=name.upper(),
            help=f"{HELP[name]}  [env OOCSI_{name.upper()}]",
        )
    parser.set_defaults(handler=run)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(args: argparse.Namespace) -> int:
    """Start the server with the merged settings and serve until stopped."""
    flags = {name: getattr(args, name) for name in Settings.names()}
    try:
        settings = load_settings(flags, os.environ, args.config)
    except ConfigError as exc:
        print(f"oocsi serve: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        try:
            return runner.run(_serve(settings))
        except KeyboardInterrupt:
            return 0


async def _serve(settings: Settings) -> int:
    server = Server(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.request_stop)
    try:
        await server.start()
    except ConfigError as exc:
        logging.getLogger("pyoocsi.server").error("%s", exc)
        return 2
    except OSError as exc:
        logging.getLogger("pyoocsi.server").error("cannot listen: %s", exc)
        return 1
    await server.serve_until_stopped()
    return 0
