"""Payload parsing and line rendering, exact to the byte."""

from __future__ import annotations

import math

import pytest

from pyoocsi.core.encoding import (
    Float32,
    PayloadError,
    java_double,
    java_float,
    parse_object,
    read_payload,
    render_json,
    render_pd,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100.0, "100.0"),
        (12.5, "12.5"),
        (1e20, "1.0E20"),
        (1e-7, "1.0E-7"),
        (-0.0, "-0.0"),
        (0.0, "0.0"),
        (12345678.0, "1.2345678E7"),
        (1234567.0, "1234567.0"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (-2.5e-10, "-2.5E-10"),
        (1.5e300, "1.5E300"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
    ],
)
def test_java_double(value: float, text: str) -> None:
    assert java_double(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(1 / 3, "0.33333334"), (10.0, "10.0"), (0.1, "0.1"), (1e10, "1.0E10")],
)
def test_java_float(value: float, text: str) -> None:
    assert java_float(value) == text


def test_parse_keeps_big_integers_and_nulls() -> None:
    data = parse_object('{"huge":123456789012345678901234567890,"n":null,"i":-7}')
    assert data == {"huge": 123456789012345678901234567890, "n": None, "i": -7}
    assert isinstance(data["huge"], int)


def test_parse_ignores_text_after_the_object() -> None:
    assert parse_object('{"x":1}{"y":2}') == {"x": 1}


@pytest.mark.parametrize(
    "text", ["{bad", "{'single':1}", '{"trail":1,}', '{"x":NaN}', '{"a":"\x00"}']
)
def test_parse_refuses_broken_objects(text: str) -> None:
    with pytest.raises(PayloadError):
        parse_object(text)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_numbers_are_refused_by_name(constant: str) -> None:
    with pytest.raises(PayloadError, match=f"^{constant} is not JSON$"):
        parse_object(f'{{"v": {constant}}}')


def test_text_payload_becomes_data() -> None:
    assert read_payload("  spaced text ") == ({"data": "  spaced text "}, None)
    assert read_payload("[1,2]") == ({"data": "[1,2]"}, None)


def test_render_json_order_and_numbers() -> None:
    line = render_json(
        {"z": 1, "B": 2, "_x": 3, "a": {"k": 1, "b": [1.0, None]}, "f": Float32(1 / 3)},
        "chan",
        1796382112863,
        "ms",
    )
    assert line == (
        b'{"B":2,"_x":3,"a":{"k":1,"b":[1.0,null]},"f":0.33333334,"z":1,'
        b'"recipient":"chan","timestamp":1796382112863,"sender":"ms"}\n'
    )


def test_render_json_replaces_envelope_keys_and_writes_infinity() -> None:
    data = parse_object('{"sender":"spoof","e":1e400}')
    line = render_json(data, "r", 5, "s")
    assert line == b'{"e":"Infinity","recipient":"r","timestamp":5,"sender":"s"}\n'


def test_render_json_sorts_by_utf16_code_units() -> None:
    # U+FF5E sorts after U+1F600 in UTF-16 (the latter is a surrogate pair).
    line = render_json({"\uff5e": 1, "\U0001f600": 2}, "r", 1, "s")
    assert line.startswith('{"\U0001f600":2,"\uff5e":1'.encode())


def test_render_pd() -> None:
    line = render_pd(
        {"s": "two words", "a": [1, 2], "B": True, "_x": {"k": 1}, "nl": "a\nb"},
        "mpd",
        5,
        "ms",
    )
    assert line == (
        b'mpd timestamp=5 sender=ms _x={"k":1} a=1,2 B=true nl=a b s=two words ;\n'
    )


def test_render_pd_empty() -> None:
    assert render_pd({}, "chan", 5, "ms") == b"chan timestamp=5 sender=ms ;\n"
