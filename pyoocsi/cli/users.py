"""``oocsi users``: write the users file of private client names."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from pyoocsi.server.config import ConfigError
from pyoocsi.server.users import UsersFile

__all__ = ["register"]

_BAD_NAME_CHARACTERS = set(" :;#()[]{}\"'")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``oocsi users add|remove|list``."""
    parser = subparsers.add_parser(
        "users",
        help="manage the users file of private client names",
        description=(
            "Private clients connect as name:password; the server checks them "
            "against a users file of salted PBKDF2 hashes given with "
            "'oocsi serve --users FILE'. A name in the file cannot be taken "
            "without its password."
        ),
    )
    help_text = "the users file (default: $OOCSI_USERS or users.txt)"
    default = os.environ.get("OOCSI_USERS") or "users.txt"
    parser.add_argument("--file", default=default, help=help_text)
    # --file may come after the action too (oocsi users add ada --file f)
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--file", default=argparse.SUPPRESS, help=help_text)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", parents=[after], help="add a name or change its password"
    )
    add.add_argument("name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    remove = actions.add_parser("remove", parents=[after], help="remove a name")
    remove.add_argument("name")
    actions.add_parser("list", parents=[after], help="list the names")
    parser.set_defaults(handler=run)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise ValueError(
                "no password given: standard input is empty and not a terminal; "
                f"pipe one in (echo PASSWORD | oocsi users add {args.name}) "
                "or run this in a terminal"
            )
        return line.rstrip("\r\n")
    try:
        first = getpass.getpass(f"password for {args.name}: ")
        again = getpass.getpass("again: ")
    except EOFError:
        raise ValueError("no password given") from None
    if again != first:
        raise ValueError("the passwords differ")
    return first


def _check_name(name: str) -> None:
    if not name or not name.isascii() or _BAD_NAME_CHARACTERS & set(name):
        raise ValueError(
            f"{name!r} is not a client name (ASCII, no spaces or :;#()[]{{}} quotes)"
        )


def run(args: argparse.Namespace) -> int:
    """Carry out one action on the users file."""
    try:
        users = UsersFile.load(args.file, missing_ok=args.action == "add")
        if args.action == "list":
            for name in users.names():
                print(name)
            return 0
        if args.action == "remove":
            if not users.remove(args.name):
                raise ValueError(f"{args.name} is not in {args.file}")
            users.save()
            print(f"removed {args.name} from {args.file}")
            return 0
        _check_name(args.name)
        password = _password(args)
        if (
            not password
            or not password.isascii()
            or any(c.isspace() or c in "()" for c in password)
        ):
            raise ValueError(
                "the password must be non-empty ASCII without spaces or "
                "parentheses, as it travels in the handshake line"
            )
        users.set(args.name, password)
        users.save()
    except (ConfigError, ValueError, OSError) as exc:
        print(f"oocsi users: {exc}", file=sys.stderr)
        return 1
    print(f"saved {args.name} in {args.file}")
    return 0
