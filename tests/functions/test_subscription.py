"""FunctionSpec: parsing subscription texts, and the per-subscriber views."""

from __future__ import annotations

from typing import Any

import pytest

from pyoocsi.core.encoding import Float32
from pyoocsi.core.message import Message
from pyoocsi.functions import MAX_FUNCTIONS, FunctionSpec, SpecError

FILTERED = "fchan[filter(x>3);transform(y, x*2)]"
WINDOWED = "fchan[transform(m,mean(x,3));transform(s,sum(x,3));transform(mx,emax(x,2))]"


def _message(data: dict[str, Any]) -> Message:
    return Message("fs", "fchan", 1234, data)


def _lines(spec_text: str, payloads: list[dict[str, Any]]) -> list[bytes | None]:
    spec = FunctionSpec.parse(spec_text)
    assert spec is not None
    view = spec.new_view()
    results = [view(_message(data)) for data in payloads]
    return [None if copy is None else copy.json_line() for copy in results]


def _line(data: str, recipient: str) -> bytes:
    envelope = f'"recipient":"{recipient}","timestamp":1234,"sender":"fs"'
    return f"{{{data},{envelope}}}\n".encode()


def test_filter_and_transform_as_the_reference_delivers() -> None:
    payloads: list[dict[str, Any]] = [
        {"x": 1},
        {"x": 5},
        {"x": "7"},
        {"y": 1},
        {"x": 5, "y": 9, "s": "keep"},
        {"x": True},
        {"x": "abc"},
        {"x": 4.5},
    ]
    assert _lines(FILTERED, payloads) == [
        None,
        _line('"x":5,"y":10.0', FILTERED),
        _line('"x":"7","y":14.0', FILTERED),
        None,
        _line('"s":"keep","x":5,"y":10.0', FILTERED),
        None,
        None,
        _line('"x":4.5,"y":9.0', FILTERED),
    ]


def test_window_transforms_as_the_reference_delivers() -> None:
    payloads: list[dict[str, Any]] = [{"x": 1}, {"x": 5}, {"x": "7"}, {"y": 1}]
    assert _lines(WINDOWED, payloads) == [
        _line('"m":0.33333334,"mx":1.0,"s":1.0,"x":1', WINDOWED),
        _line('"m":2.0,"mx":5.0,"s":6.0,"x":5', WINDOWED),
        _line('"m":4.3333335,"mx":7.0,"s":13.0,"x":"7"', WINDOWED),
        _line('"m":4.0,"mx":7.0,"s":12.0,"y":1', WINDOWED),
    ]


def test_failed_transform_leaves_its_key_out() -> None:
    text = "kchan[transform(z, w+1);transform(e, 1/0)]"
    assert _lines(text, [{"q": 1}]) == [_line('"q":1,"z":1.0', text)]
    assert _lines(WINDOWED, [{"x": True}]) == [_line('"x":true', WINDOWED)]


def test_transform_beyond_a_float_is_left_out() -> None:
    text = "c[transform(big, 1e39);transform(k, 1)]"
    assert _lines(text, [{}]) == [_line('"k":1.0', text)]


def test_transform_results_are_float32_and_replace_values() -> None:
    spec = FunctionSpec.parse("c[transform(x, x / 3)]")
    assert spec is not None
    copy = spec.new_view()(_message({"x": 1}))
    assert copy is not None
    assert isinstance(copy.data["x"], Float32)
    assert copy.data == {"x": pytest.approx(1 / 3, rel=1e-7)}


def test_transforms_read_the_original_data() -> None:
    text = "c[transform(a, 10);transform(b, a + 1)]"
    assert _lines(text, [{"a": 1}]) == [_line('"a":10.0,"b":2.0', text)]


def test_transform_key_is_kept_verbatim() -> None:
    text = "c[transform( my key ,x)]"
    assert _lines(text, [{"x": 2}]) == [_line('" my key ":2.0,"x":2', text)]


def test_every_filter_must_pass() -> None:
    text = "c[filter(x > 1); filter(x < 5)]"
    lines = _lines(text, [{"x": 0}, {"x": 3}, {"x": 9}])
    assert lines == [None, _line('"x":3', text), None]


def test_a_numeric_filter_result_passes_when_not_zero() -> None:
    assert _lines("c[filter(x)]", [{"x": 0}, {"x": 2}])[0] is None
    assert _lines("c[filter(x)]", [{"x": 2}])[0] is not None


def test_the_original_message_is_left_alone() -> None:
    spec = FunctionSpec.parse("c[transform(y, 1)]")
    assert spec is not None
    message = _message({"x": 1})
    copy = spec.new_view()(message)
    assert copy is not None
    assert message.data == {"x": 1}
    assert message.recipient == "fchan"
    assert (copy.sender, copy.timestamp) == ("fs", 1234)


def test_views_keep_their_own_windows() -> None:
    spec = FunctionSpec.parse("c[transform(s, sum(x, 5))]")
    assert spec is not None
    first, second = spec.new_view(), spec.new_view()
    for _ in range(3):
        first(_message({"x": 1}))
    copy = second(_message({"x": 1}))
    assert copy is not None
    assert copy.data["s"] == 1.0


def test_a_filter_that_drops_stops_later_filters_windows() -> None:
    spec = FunctionSpec.parse("c[filter(x > 0);transform(s, sum(1, 10))]")
    assert spec is not None
    view = spec.new_view()
    results = [view(_message({"x": x})) for x in (1, -1, 1)]
    assert [None if r is None else r.data["s"] for r in results] == [1.0, None, 2.0]


def test_no_bracket_is_no_function_spec() -> None:
    assert FunctionSpec.parse("chan") is None
    assert FunctionSpec.parse("chan:pw") is None
    assert FunctionSpec.parse("presence(x)") is None


@pytest.mark.parametrize(
    ("text", "channel", "password"),
    [
        ("fchan[filter(x>3)]", "fchan", None),
        ("  fchan [filter(x>3)]  ", "fchan", None),
        ("hh/ii[filter(x>0)]", "hh/ii", None),
        ("secret:pw[filter(x>0)]", "secret", "pw"),
        ("secret:[filter(x>0)]", "secret", ""),
        ("c[]", "c", None),
        ("c[;;]", "c", None),
    ],
)
def test_channel_and_password(text: str, channel: str, password: str | None) -> None:
    spec = FunctionSpec.parse(text)
    assert spec is not None
    assert (spec.channel, spec.password, spec.text) == (channel, password, text)


def test_spec_without_functions_delivers_everything() -> None:
    assert _lines("c[]", [{"x": 1}]) == [_line('"x":1', "c[]")]


@pytest.mark.parametrize(
    "text",
    [
        "gchan[filter(x>3)",
        "channel_filter4[",
        "c]x[filter(x>3)",
        "[filter(x>3)]",
        " :pw[filter(x>3)]",
        "c[filter(x>3)] trailing",
        "c[filtre(x>3)]",
        "c[filter x>3]",
        "c[filter(x>3]",
        "c[Filter(x>3)]",
        "c[transform(y)]",
        "c[transform(,x)]",
        "c[filter()]",
        "c[filter(x >)]",
        "c[transform(y, foo(x))]",
        "c[" + ";".join(["filter(1)"] * (MAX_FUNCTIONS + 1)) + "]",
        "c[filter(" + "1+" * 600 + "1)]",
    ],
)
def test_malformed_spec(text: str) -> None:
    with pytest.raises(SpecError):
        FunctionSpec.parse(text)


def test_the_most_functions_allowed() -> None:
    spec = FunctionSpec.parse("c[" + ";".join(["filter(1)"] * MAX_FUNCTIONS) + "]")
    assert spec is not None
    assert len(spec.filters) == MAX_FUNCTIONS
