"""Handshake parsing without sockets."""

from __future__ import annotations

import random

import pytest

from pyoocsi.core.handshake import (
    Dialect,
    Handshake,
    HandshakeRefusedError,
    error_line,
    parse_handshake,
    resolve_placeholders,
    welcome_line,
)


@pytest.mark.parametrize(
    ("line", "dialect", "name", "password"),
    [
        ("alice", Dialect.PLAIN, "alice", None),
        ("bob(JSON)", Dialect.JSON, "bob", None),
        ("carol;", Dialect.PD, "carol", None),
        ("dave(JSON);", Dialect.PD, "dave", None),
        ("/lead/(JSON)", Dialect.JSON, "lead", None),
        ("//dbl//(JSON)", Dialect.JSON, "/dbl/", None),
        ("alice:pw1(JSON)", Dialect.JSON, "alice", "pw1"),
    ],
)
def test_parse(line: str, dialect: Dialect, name: str, password: str | None) -> None:
    handshake = parse_handshake(line)
    assert (handshake.dialect, handshake.name, handshake.password) == (
        dialect,
        name,
        password,
    )


def test_limit_is_200_characters() -> None:
    assert parse_handshake("M" * 194 + "(JSON)").name == "M" * 194
    with pytest.raises(HandshakeRefusedError, match="longer than 200"):
        parse_handshake("N" * 195 + "(JSON)")


@pytest.mark.parametrize("line", ["", "café", "a b", "SSH-2.0-OpenSSH_9", ":pw", "x:"])
def test_refused(line: str) -> None:
    with pytest.raises(HandshakeRefusedError):
        parse_handshake(line)


def test_placeholders_avoid_taken_names() -> None:
    taken = {f"dev_{n}" for n in range(10) if n != 7}
    handshake = resolve_placeholders(
        parse_handshake("dev_#(JSON)"), taken.__contains__, random.Random(1)
    )
    assert handshake.name == "dev_7"
    assert handshake.token == "dev_7"


def test_welcome_repeats_the_token_with_password() -> None:
    handshake = Handshake(Dialect.JSON, "alice", "pw1", "alice:pw1")
    assert welcome_line(handshake) == b"{'message' : \"welcome alice:pw1\"}\n"
    assert error_line("x", Dialect.PD) == b"error (x);\n"
