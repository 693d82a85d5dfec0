"""Client sub-commands: send, listen, presence, call, clients, channels.

Each connects with :class:`~pyoocsi.client.AsyncOOCSI` to ``--host:--port``
(or ``--url``), does one thing, and exits 0; on failure it prints one line
``oocsi COMMAND: reason`` to stderr and exits 1 (2 for unusable arguments,
130 when Ctrl-C interrupts a command that was still waiting). ``listen`` and
``presence`` run until Ctrl-C, so for them Ctrl-C is a normal end: exit 0.
Options may come before, between or after the positional arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

from pyoocsi.client import (
    AsyncOOCSI,
    Message,
    NotSupported,
    OOCSIError,
    PresenceEvent,
)
from pyoocsi.core.timing import MAX_AHEAD_MS, MAX_RETAIN_MS

__all__ = [
    "OneLineParser",
    "add_command",
    "parse_data",
    "port_number",
    "positive_seconds",
    "register",
]

Command = Callable[[AsyncOOCSI, argparse.Namespace], Awaitable[int]]

INTERRUPTED = 130  # the shell's status for a command ended by SIGINT
MAX_RETAIN_S = MAX_RETAIN_MS // 1000  # two days, as servers keep at most
MAX_DELAY_S = MAX_AHEAD_MS // 1000  # 31 days, as far ahead as servers accept


class UsageError(ValueError):
    """Arguments that cannot be used; exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """A sub-command parser that takes options anywhere between its positional
    arguments (``oocsi send ch --retain 60 x=1``) and reports unusable
    arguments in one line, ``oocsi COMMAND: reason``, with exit status 2."""

    _inner = False  # parse_known_intermixed_args calls parse_known_args itself

    def parse_known_args(  # type: ignore[override]  # one of its overloads
        self,
        args: Sequence[str] | None = None,
        namespace: argparse.Namespace | None = None,
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._inner:
            return super().parse_known_args(args, namespace)
        self._inner = True
        try:
            parsed, extras = self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inner = False
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, **kwargs: Any
) -> OneLineParser:
    """Add a sub-command whose parser is a :class:`OneLineParser`."""
    parser = subparsers.add_parser(name, **kwargs)
    # The sub-parsers action builds every parser with the top-level class;
    # the added parser keeps its state and only gains the methods above.
    parser.__class__ = OneLineParser
    assert isinstance(parser, OneLineParser)
    return parser


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    return _whole_number(text, 65535, "a port number (1-65535)")


def _count(text: str) -> int:
    return _whole_number(text, sys.maxsize, "a whole number above 0")


def _whole_number(text: str, most: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def positive_seconds(text: str) -> float:
    """An argparse type: a finite number of seconds, more than 0."""
    return _seconds(text, "above 0")


def _retain_seconds(text: str) -> float:
    words = f"from 0 to {MAX_RETAIN_S} (two days)"
    return _seconds(text, words, most=MAX_RETAIN_S, zero=True)


def _delay_seconds(text: str) -> float:
    words = f"from 0 to {MAX_DELAY_S} (31 days)"
    return _seconds(text, words, most=MAX_DELAY_S, zero=True)


def _seconds(
    text: str, words: str, *, most: float = math.inf, zero: bool = False
) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    low_enough = value >= 0 if zero else value > 0  # false for NaN
    if not (low_enough and math.isfinite(value) and value <= most):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds {words}")
    return value


def _websocket_url(text: str) -> str:
    """``ws(s)://HOST:PORT/PATH``; ``http(s)://`` maps to ``ws(s)://``, and an
    address without a path gets the servers' websocket path, ``/ws``."""
    usage = f"{text!r} is not a websocket address such as ws://HOST:9000/ws"
    try:
        url = urlsplit(text)
        port = url.port  # a ValueError when out of range
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from exc
    scheme = {"ws": "ws", "http": "ws", "wss": "wss", "https": "wss"}
    if url.scheme not in scheme or not url.hostname or port == 0:
        raise argparse.ArgumentTypeError(usage)
    path = url.path if url.path not in ("", "/") else "/ws"
    return urlunsplit((scheme[url.scheme], url.netloc, path, url.query, ""))


def _refuse_constant(name: str) -> NoReturn:
    raise UsageError(f"{name} is not a JSON number; quote it to send it as text")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UsageError(f"{text} is too large for a number")
    return value


def _loads(text: str) -> Any:
    """JSON without NaN or infinities, which no OOCSI message can carry."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)


def parse_data(values: list[str]) -> dict[str, Any]:
    """One JSON object argument, or ``key=value`` pairs (values read as JSON if
    they parse, else kept as text)."""
    if len(values) == 1 and values[0].lstrip().startswith(("{", "[")):
        try:
            data = _loads(values[0])
        except UsageError:
            raise
        except ValueError as exc:
            raise UsageError(f"not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise UsageError("the data must be a JSON object or key=value pairs")
        return data
    data = {}
    for item in values:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise UsageError(f"expected a JSON object or key=value, got {item!r}")
        try:
            data[key] = _loads(text)
        except UsageError as exc:
            raise UsageError(f"{item}: {exc}") from exc
        except ValueError:
            data[key] = text
    return data


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


def _clock(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000).strftime("%H:%M:%S.%f")[:-3]


class _Table:
    """The ``--pretty`` table: a row per line, printed as it comes.

    Rows cannot be realigned once printed, so a column widens to the longest
    cell seen so far and the rows after it line up again.
    """

    def __init__(self, *header: str) -> None:
        self.widths = [12, 20, 20]
        self.row(*header)

    def row(self, *cells: str) -> None:
        *fixed, last = cells
        self.widths = [max(w, len(c)) for w, c in zip(self.widths, fixed, strict=True)]
        padded = (f"{c:<{w}}" for c, w in zip(fixed, self.widths, strict=True))
        print(" ".join([*padded, last]), flush=True)


def _print_message(message: Message, table: _Table | None) -> None:
    if table is None:
        _print_json(message.to_dict())
        return
    fields = " ".join(
        f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in message.data.items()
    )
    table.row(_clock(message.timestamp_ms), message.sender, message.recipient, fields)


def _print_presence(event: PresenceEvent, table: _Table | None) -> None:
    if table is None:
        _print_json(event.to_dict())
        return
    who = event.member or ", ".join(event.members or [])
    table.row(_clock(event.message.timestamp_ms), event.target, event.event, who)


_MESSAGE_HEADER = ("time", "sender", "recipient", "data")
_PRESENCE_HEADER = ("time", "target", "event", "member")


async def _send(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    await client.send(
        args.recipient, args.payload, retain=args.retain, delay=args.delay
    )
    return 0


async def _stream(client: AsyncOOCSI, args: argparse.Namespace, presence: bool) -> int:
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    for name in args.names:
        if presence:
            client.presence(name, inbox.put_nowait)
        else:
            client.subscribe(name, inbox.put_nowait)
    with contextlib.suppress(NotSupported):
        await client.clients()  # a round trip: the server has the subscriptions
    names = ", ".join(args.names)
    print(
        f"oocsi {args.command}: {names} as {client.handle} (Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    table = None
    if args.pretty:
        table = _Table(*(_PRESENCE_HEADER if presence else _MESSAGE_HEADER))
    received = 0
    while args.count is None or received < args.count:
        item = await inbox.get()
        if presence:
            _print_presence(item, table)
        else:
            _print_message(item, table)
        received += 1
    return 0


async def _listen(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    return await _stream(client, args, presence=False)


async def _presence(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    return await _stream(client, args, presence=True)


async def _call(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    reply = await client.request(
        args.channel, args.call, args.payload, timeout=args.timeout
    )
    _print_json(dict(reply.data))
    return 0


async def _clients(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    for name in await client.clients(timeout=args.timeout):
        print(name)
    return 0


async def _channels(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    for name in await client.channels(args.channel, timeout=args.timeout):
        print(name)
    return 0


def _runner(
    command: Command, long_running: bool
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def main() -> int:
            client = AsyncOOCSI(
                args.name,
                args.host,
                args.port,
                url=args.url,
                reconnect=long_running,
                connect_timeout=args.connect_timeout,
            )
            async with client:
                return await command(client, args)

        try:
            # Unusable data is reported before connecting, as other arguments are.
            args.payload = parse_data(getattr(args, "data", []))
            return asyncio.run(main())
        except UsageError as exc:
            print(f"oocsi {args.command}: {exc}", file=sys.stderr)
            return 2
        except (OOCSIError, ValueError) as exc:
            print(f"oocsi {args.command}: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            if long_running:
                return 0
            print(f"oocsi {args.command}: interrupted", file=sys.stderr)
            return INTERRUPTED

    return run


def _common(parser: argparse.ArgumentParser) -> None:
    env = os.environ
    parser.add_argument(
        "--host",
        default=env.get("OOCSI_HOST", "localhost"),
        help="server host (default localhost)  [env OOCSI_HOST]",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=env.get("OOCSI_PORT", "4444"),
        help="server TCP port (default 4444)  [env OOCSI_PORT]",
    )
    parser.add_argument(
        "--url",
        type=_websocket_url,
        help="websocket address instead of TCP, e.g. ws://host:9000/ws",
    )
    parser.add_argument(
        "--name",
        default="oocsi_cli_####",
        help="client name; each # becomes a digit (default oocsi_cli_####)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for the server (default 5)",
    )


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the client sub-commands."""

    def add(name: str, command: Command, text: str, long: bool = False) -> Any:
        parser = add_command(subparsers, name, help=text, description=text)
        _common(parser)
        parser.set_defaults(handler=_runner(command, long))
        return parser

    send = add("send", _send, "send one message to a client or channel")
    send.add_argument("recipient", help="client name or channel")
    send.add_argument(
        "data",
        nargs="*",
        default=[],
        help="a JSON object, or key=value pairs (e.g. color=120)",
    )
    send.add_argument(
        "--retain",
        type=_retain_seconds,
        metavar="SECONDS",
        help="retain for SECONDS, at most two days (_RETAIN)",
    )
    send.add_argument(
        "--delay",
        type=_delay_seconds,
        metavar="SECONDS",
        help="deliver after SECONDS, at most 31 days (_DELAY)",
    )

    for name, command, text, what in (
        (
            "listen",
            _listen,
            "print the messages of channels, one JSON line each",
            "channel",
        ),
        (
            "presence",
            _presence,
            "print presence events of channels or clients",
            "channel or client",
        ),
    ):
        parser = add(name, command, text, long=True)
        parser.add_argument("names", nargs="+", metavar="NAME", help=what)
        parser.add_argument(
            "--pretty", action="store_true", help="a readable table instead of JSON"
        )
        parser.add_argument(
            "--count", type=_count, metavar="N", help="exit after N messages"
        )

    call = add("call", _call, "call a responder and print its reply")
    call.add_argument("channel", help="channel or client the responder listens on")
    call.add_argument("call", metavar="CALLNAME", help="the call's name")
    call.add_argument(
        "data",
        nargs="*",
        default=[],
        help="the request: a JSON object, or key=value pairs",
    )
    call.add_argument(
        "--timeout",
        type=positive_seconds,
        default=2.0,
        help="seconds to wait (default 2)",
    )

    clients = add("clients", _clients, "list the connected clients")
    channels = add("channels", _channels, "list channels, or a channel's members")
    channels.add_argument("channel", nargs="?", help="list this channel's members")
    for parser in (clients, channels):
        parser.add_argument(
            "--timeout",
            type=positive_seconds,
            default=2.0,
            help="seconds to wait (default 2)",
        )
