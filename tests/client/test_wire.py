"""Reading server lines and checking handles, without any connection."""

from __future__ import annotations

import pytest

from pyoocsi.client import (
    AuthenticationFailed,
    ConnectionFailed,
    HandleInUse,
    InvalidHandle,
    Message,
    PresenceEvent,
)
from pyoocsi.client.wire import (
    Dialect,
    Line,
    classify,
    parse_list,
    parse_welcome,
    validate_handle,
)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("{'message' : \"welcome alice_42\"}", "alice_42"),
        ('{"message" : "welcome web_1"}', "web_1"),
        ("welcome plain", "plain"),
        ("{'message' : \"welcome me:secret\"}", "me:secret"),
    ],
)
def test_welcome_names(line: str, name: str) -> None:
    assert parse_welcome(line) == name


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("error (name already registered: bob)", HandleInUse),
        ('{"message" : "ERROR: client bob exists already"}', HandleInUse),
        ("error (password wrong for name: bob)", AuthenticationFailed),
        ("error (name cannot contain spaces)", InvalidHandle),
        ("error (server full: at most 2 clients)", ConnectionFailed),
        ("SSH-2.0-something", ConnectionFailed),
    ],
)
def test_refusals(line: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_welcome(line)


@pytest.mark.parametrize("handle", ["", " ", "two words", "naïve", "x" * 201])
def test_bad_handles(handle: str) -> None:
    with pytest.raises(InvalidHandle):
        validate_handle(handle)


def test_tcp_message_keeps_every_data_key() -> None:
    kind, message = classify(
        '{"data":"hi","x":1,"recipient":"ch","timestamp":7,"sender":"a"}',
        Dialect.TCP,
    )
    assert kind is Line.MESSAGE
    assert message == Message("a", "ch", 7, {"data": "hi", "x": 1})


def test_websocket_message_reads_the_data_envelope() -> None:
    kind, message = classify(
        '{"recipient":"ch","timestamp":7,"sender":"a","data":{"x":1}}',
        Dialect.WEBSOCKET,
    )
    assert kind is Line.MESSAGE
    assert message == Message("a", "ch", 7, {"x": 1})


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("ping", Line.PING),
        (".", Line.PONG),
        ("error (bad)", Line.ERROR),
        ("{'message' : \"welcome x\"}", Line.NOTICE),
        ("a,b", Line.TEXT),
    ],
)
def test_line_kinds(line: str, kind: Line) -> None:
    assert classify(line, Dialect.TCP)[0] is kind


def test_lists() -> None:
    assert parse_list("a,b,c") == ["a", "b", "c"]
    assert parse_list("a, b") == ["a", "b"]
    assert parse_list("") == []


def test_typed_getters_convert_loosely() -> None:
    message = Message(
        "a", "ch", 0, {"i": "3", "f": 2.5, "b": "true", "n": None, "l": [1]}
    )
    assert message.get_int("i") == 3
    assert message.get_int("f") == 2
    assert message.get_float("i") == 3.0
    assert message.get_bool("b") is True
    assert message.get_str("f") == "2.5"
    assert message.get_int("missing", 9) == 9
    assert message.get_str("n", "d") == "d"
    assert message.get_list("l") == [1]
    assert message.getInt("i") == 3
    assert dict(message) == message.data


def test_presence_events() -> None:
    join = PresenceEvent.from_message(
        Message("room", "presence(room)", 1, {"channel": "room", "join": "bob"})
    )
    assert join is not None
    assert (join.target, join.kind, join.event, join.member) == (
        "room",
        "channel",
        "join",
        "bob",
    )
    refresh = PresenceEvent.from_message(
        Message("bob", "presence(bob)", 1, {"client": "bob", "refresh": ["x"]})
    )
    assert refresh is not None
    assert (refresh.kind, refresh.event, refresh.members) == (
        "client",
        "refresh",
        ["x"],
    )
    assert PresenceEvent.from_message(Message("a", "presence(a)", 1, {})) is None
