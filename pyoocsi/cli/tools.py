"""Client sub-commands: send, listen, presence, call, clients, channels.

Each connects with :class:`~pyoocsi.client.AsyncOOCSI` to ``--host:--port``
(or ``--url``), does one thing, and exits 0; on failure it prints one line
``oocsi COMMAND: reason`` to stderr and exits 1 (2 for unusable arguments).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pyoocsi.client import (
    AsyncOOCSI,
    Message,
    NotSupported,
    OOCSIError,
    PresenceEvent,
)

__all__ = ["parse_data", "register"]

Command = Callable[[AsyncOOCSI, argparse.Namespace], Awaitable[int]]


class UsageError(ValueError):
    """Arguments that cannot be used; exit status 2."""


def parse_data(values: list[str]) -> dict[str, Any]:
    """One JSON object argument, or ``key=value`` pairs (values read as JSON if
    they parse, else kept as text)."""
    if len(values) == 1 and values[0].lstrip().startswith("{"):
        try:
            data = json.loads(values[0])
        except ValueError as exc:
            raise UsageError(f"not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise UsageError("the JSON payload must be an object")
        return data
    data = {}
    for item in values:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value, got {item!r}")
        try:
            data[key] = json.loads(text)
        except ValueError:
            data[key] = text
    return data


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


def _clock(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000).strftime("%H:%M:%S.%f")[:-3]


def _row(*cells: str) -> None:
    print(f"{cells[0]:<12} {cells[1]:<20} {cells[2]:<20} {cells[3]}", flush=True)


def _print_message(message: Message, pretty: bool) -> None:
    if not pretty:
        _print_json(message.to_dict())
        return
    fields = " ".join(
        f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in message.data.items()
    )
    _row(_clock(message.timestamp_ms), message.sender, message.recipient, fields)


def _print_presence(event: PresenceEvent, pretty: bool) -> None:
    if not pretty:
        _print_json(event.to_dict())
        return
    who = event.member or ", ".join(event.members or [])
    _row(_clock(event.message.timestamp_ms), event.target, event.event, who)


_MESSAGE_HEADER = ("time", "sender", "recipient", "data")
_PRESENCE_HEADER = ("time", "target", "event", "member")


async def _send(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    data = parse_data(args.data)
    await client.send(args.recipient, data, retain=args.retain, delay=args.delay)
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
    if args.pretty:
        header = _PRESENCE_HEADER if presence else _MESSAGE_HEADER
        _row(*header)
    received = 0
    while args.count is None or received < args.count:
        item = await inbox.get()
        if presence:
            _print_presence(item, args.pretty)
        else:
            _print_message(item, args.pretty)
        received += 1
    return 0


async def _listen(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    return await _stream(client, args, presence=False)


async def _presence(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    return await _stream(client, args, presence=True)


async def _call(client: AsyncOOCSI, args: argparse.Namespace) -> int:
    data = parse_data([args.data]) if args.data else {}
    reply = await client.request(args.channel, args.call, data, timeout=args.timeout)
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
            return asyncio.run(main())
        except UsageError as exc:
            print(f"oocsi {args.command}: {exc}", file=sys.stderr)
            return 2
        except (OOCSIError, ValueError) as exc:
            print(f"oocsi {args.command}: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0

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
        type=int,
        default=int(env.get("OOCSI_PORT", "4444")),
        help="server TCP port (default 4444)  [env OOCSI_PORT]",
    )
    parser.add_argument(
        "--url", help="websocket address instead of TCP, e.g. ws://host:9000/ws"
    )
    parser.add_argument(
        "--name",
        default="oocsi_cli_####",
        help="client name; each # becomes a digit (default oocsi_cli_####)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for the server (default 5)",
    )


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the client sub-commands."""

    def add(name: str, command: Command, text: str, long: bool = False) -> Any:
        parser = subparsers.add_parser(name, help=text, description=text)
        _common(parser)
        parser.set_defaults(handler=_runner(command, long))
        return parser

    send = add("send", _send, "send one message to a client or channel")
    send.add_argument("recipient", help="client name or channel")
    send.add_argument(
        "data", nargs="*", help="a JSON object, or key=value pairs (e.g. color=120)"
    )
    send.add_argument("--retain", type=float, help="retain for SECONDS (_RETAIN)")
    send.add_argument("--delay", type=float, help="deliver after SECONDS (_DELAY)")

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
            "--count", type=int, metavar="N", help="exit after N messages"
        )

    call = add("call", _call, "call a responder and print its reply")
    call.add_argument("channel", help="channel or client the responder listens on")
    call.add_argument("call", metavar="CALLNAME", help="the call's name")
    call.add_argument("data", nargs="?", help="the request as a JSON object")
    call.add_argument(
        "--timeout", type=float, default=2.0, help="seconds to wait (default 2)"
    )

    clients = add("clients", _clients, "list the connected clients")
    channels = add("channels", _channels, "list channels, or a channel's members")
    channels.add_argument("channel", nargs="?", help="list this channel's members")
    for parser in (clients, channels):
        parser.add_argument(
            "--timeout", type=float, default=2.0, help="seconds to wait (default 2)"
        )
