"""Message payloads in and message lines out, exactly as OOCSI clients expect them.

Rules:
- A payload starting with ``{`` must be one JSON object (trailing text after the
  object is ignored, as the reference's Jackson parser does); anything else that
  starts with ``{`` is refused, never delivered as an empty message.
- Integers keep every digit (``2**64`` and beyond too); ``null`` values are kept.
- Doubles are written the way Java's ``Double.toString`` writes them
  (``100.0``, ``1.0E20``, ``1.0E-7``); :class:`Float32` values, produced by
  function channels, the way ``Float.toString`` does (``0.33333334``). A number
  that overflows a double (``1e400``) is read as the string ``"Infinity"``.
- JSON lines carry the data's top-level keys sorted by UTF-16 code unit, nested
  objects in the sender's order, then ``recipient``, ``timestamp``, ``sender``.
  Data keys with those three names are replaced by the server's values.
- Rendering is the hot path: orjson writes the line, and a cheap scan of its
  output decides whether a slower exact writer must redo it (big integers,
  floats that Java writes in scientific notation).
"""

from __future__ import annotations

import json
import math
import re
import struct
import sys
from decimal import Decimal
from typing import Any

import orjson

__all__ = [
    "ENVELOPE_KEYS",
    "LEGACY_BLOB",
    "Float32",
    "PayloadError",
    "java_double",
    "java_float",
    "line_of",
    "parse_object",
    "read_payload",
    "render_data",
    "render_json",
    "render_pd",
    "render_value",
]

ENVELOPE_KEYS = ("recipient", "timestamp", "sender")
_ENVELOPE = frozenset(ENVELOPE_KEYS)

# The reference server sends legacy (plain-name) clients this constant
# Java-serialised map, which tells an out-of-date client to update.
LEGACY_BLOB = (
    "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcAUH2sHDFmDRAwACRgAKbG9hZEZhY3RvckkACXRo"
    "cmVzaG9sZHhwP0AAAAAAAAx3CAAAABAAAAABdAAFZXJyb3J0ADRZb3VyIE9PQ1NJIGNsaWVu"
    "dCB2ZXJzaW9uIGlzIHRvbyBvbGQsIHBsZWFzZSB1cGRhdGUueA=="
)


class PayloadError(ValueError):
    """A payload that looks like JSON (starts with ``{``) but is not an object."""


class Float32(float):
    """A float that is written as a 32-bit Java ``float`` (function channel results)."""

    __slots__ = ()


# orjson reads integers beyond 64 bits as floats; a run of 19 or more digits
# sends the payload to the standard library parser, which keeps them exact.
_LONG_DIGITS = re.compile(r"\d{19}")
# Output that orjson may have written differently from Java: exponents, large
# or tiny doubles. Matches inside strings only cost a slower, still exact, pass.
_JAVA_DIFFERS = re.compile(rb"\de|\d{8}\.\d|0\.000")
# Values orjson writes exactly as Java does, whatever they hold. Data made only
# of these needs neither scan above, which together cost more than orjson does.
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def _reject_constant(name: str) -> Any:
    raise PayloadError(f"{name} is not JSON")


def _parse_double(text: str) -> float | str:
    # Java writes a double that overflowed as the string "Infinity"; doing it at
    # parse time keeps non-finite floats out of the data orjson renders.
    value = float(text)
    if math.isinf(value):
        return java_double(value)
    return value


_decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_parse_double)


MAX_DEPTH = 100  # nesting of objects and arrays in one message


def parse_object(text: str) -> dict[str, Any]:
    """Parse text that starts with ``{`` into a dict, or raise :class:`PayloadError`.

    Objects nested deeper than :data:`MAX_DEPTH` are refused too: writing them
    out again (orjson, or the exact writer) would fail for every receiver.
    """
    return _load(text)[0]


def _load(text: str) -> tuple[dict[str, Any], bool]:
    """:func:`parse_object`, and whether the object is flat and plain."""
    try:
        loaded = orjson.loads(text)
    except orjson.JSONDecodeError:
        value = _parse_exact(text)
    else:
        # The usual message: a flat object of strings, integers, booleans and
        # nulls. It is not nested, and only a float can be an integer orjson
        # cut short, so it needs no further check.
        if isinstance(loaded, dict) and _PLAIN_TYPES.issuperset(
            map(type, loaded.values())
        ):
            return loaded, True
        if _LONG_DIGITS.search(text):
            value = _parse_exact(text)
        elif isinstance(loaded, dict):
            value = loaded
        else:
            raise PayloadError("not a JSON object")
    # Counting brackets is cheap; only a text that could be too deep is walked.
    if text.count("{") + text.count("[") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise PayloadError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels")
    return value, False


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest in parsed JSON (iteratively)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _parse_exact(text: str) -> dict[str, Any]:
    """The standard library's parser: every digit kept, trailing text ignored."""
    try:
        value, _end = _decoder.raw_decode(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise PayloadError(f"invalid JSON: {exc}") from None
    except PayloadError:  # NaN or Infinity, refused by _reject_constant
        raise
    except ValueError:  # Python's limit on the digits of one integer
        limit = sys.get_int_max_str_digits()
        raise PayloadError(f"invalid JSON: an integer over {limit} digits") from None
    if not isinstance(value, dict):
        raise PayloadError("not a JSON object")
    if _SURROGATE_ESCAPE.search(text) and not _encodable(value):
        # orjson refuses these; the standard library lets them through, and no
        # UTF-8 line could carry them out again.
        raise PayloadError("invalid JSON: a lone UTF-16 surrogate (\\ud800-\\udfff)")
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _encodable(value: Any) -> bool:
    """Whether every string (keys too) in parsed JSON is valid Unicode text."""
    try:
        if isinstance(value, str):
            value.encode("utf-8")
        elif isinstance(value, dict):
            return all(_encodable(k) and _encodable(v) for k, v in value.items())
        elif isinstance(value, list):
            return all(_encodable(item) for item in value)
    except (UnicodeEncodeError, RecursionError):
        return False
    return True


def read_payload(payload: str) -> tuple[dict[str, Any], bytes | None]:
    """Turn the payload of ``sendraw``/``send``/``sendjson`` into message data.

    A payload starting with ``{`` must be a JSON object; any other text becomes
    ``{"data": text}``, spaces kept. All three commands read payloads this way
    (see docs/decisions.md).

    Returns the data and, for the usual message, its JSON as :func:`render_data`
    writes it (None otherwise): the parse has just looked at every value's type,
    and a message is nearly always delivered, so it is written at once.
    """
    if not payload.startswith("{"):
        return {"data": payload}, None
    data, plain = _load(payload)
    return data, _render_flat(data) if plain else None


def java_double(value: float) -> str:
    """Write a double as Java's ``Double.toString`` does."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    return _java_decimal(repr(value), abs(value))


def java_float(value: float) -> str:
    """Write a value as Java's ``Float.toString`` writes the nearest 32-bit float."""
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isnan(single) or math.isinf(single) or single == 0:
        return java_double(single)
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            return _java_decimal(text, abs(single))
    return _java_decimal(repr(single), abs(single))  # pragma: no cover


def _java_decimal(shortest: str, magnitude: float) -> str:
    """Lay out the shortest decimal digits of a number in Java's notation."""
    sign, digits, exponent = Decimal(shortest).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    # Position of the decimal point relative to the first digit.
    point = len(digits) + exponent
    prefix = "-" if sign else ""
    if 1e-3 <= magnitude < 1e7:
        if point <= 0:
            return f"{prefix}0.{'0' * -point}{text}"
        whole = text[:point].ljust(point, "0")
        fraction = text[point:] or "0"
        return f"{prefix}{whole}.{fraction}"
    fraction = text[1:] or "0"
    return f"{prefix}{text[0]}.{fraction}E{point - 1}"


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _sorted_items(data: dict[str, Any]) -> list[tuple[str, Any]]:
    items = [(k, v) for k, v in data.items() if k not in ENVELOPE_KEYS]
    # ASCII keys, the usual case, are checked in one call; keys are unique, so
    # sorting the pairs themselves never compares two values.
    if not "".join(data).isascii() and any(
        ord(ch) > 0xFFFF for k, _ in items for ch in k
    ):
        items.sort(key=lambda kv: _utf16_key(kv[0]))
    else:
        items.sort()
    return items


def render_data(data: dict[str, Any]) -> bytes:
    """A message's data as its JSON line carries it, without the envelope.

    Top-level keys sorted by UTF-16 code unit, nested objects in the sender's
    order, numbers as Java writes them; data keys named like the envelope's are
    left out (the envelope replaces them).
    """
    plain = _PLAIN_TYPES.issuperset(map(type, data.values()))
    if plain:
        flat = _render_flat(data)
        if flat is not None:
            return flat
    body = dict(_sorted_items(data))
    try:
        text = orjson.dumps(body)
    except TypeError:
        text = b""
    if not text or (not plain and _JAVA_DIFFERS.search(text)):
        text = _exact_json(body).encode()
    return text


def _render_flat(data: dict[str, Any]) -> bytes | None:
    """:func:`render_data` of flat, plain data in one orjson call, when it can be."""
    if not _ENVELOPE.isdisjoint(data):
        return None
    # Flat and plain: orjson sorts its keys, and there is no nested object whose
    # order sorting would change.
    try:
        flat = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits
        return None
    # orjson sorts by code point; UTF-16 order differs only past U+FFFF
    if flat.isascii() or "".join(data).isascii():
        return flat
    return None


def line_of(data_json: bytes, recipient: str, timestamp: int, sender: str) -> bytes:
    """A message's JSON line (with ``\\n``), its data written by :func:`render_data`."""
    return b'%b%b"recipient":%b,"timestamp":%d,"sender":%b}\n' % (
        data_json[:-1],
        b"," if len(data_json) > 2 else b"",
        orjson.dumps(recipient),
        timestamp,
        orjson.dumps(sender),
    )


def render_json(
    data: dict[str, Any], recipient: str, timestamp: int, sender: str
) -> bytes:
    """One JSON line (with ``\\n``) for a message, as the reference writes it."""
    return line_of(render_data(data), recipient, timestamp, sender)


def _exact_json(value: Any) -> str:
    """The slow, exact writer: Java number notation and unlimited integers."""
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, Float32):
        text = java_float(value)
        return text if math.isfinite(value) else f'"{text}"'
    if isinstance(value, float):
        text = java_double(value)
        return text if math.isfinite(value) else f'"{text}"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        inner = ",".join(
            f"{_exact_json(str(k))}:{_exact_json(v)}" for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_exact_json(v) for v in value) + "]"
    return orjson.dumps(str(value)).decode()


def render_value(value: Any) -> str:
    """A value as plain text, the way PD lines and meta lists show it."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ",".join(render_value(v) for v in value)
    if isinstance(value, dict):
        return _exact_json(value)
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, Float32):
        return java_float(value)
    if isinstance(value, float):
        return java_double(value)
    return str(value)


def _pd_text(value: Any) -> str:
    # A line break inside a value would end the PD message early: fold it.
    return render_value(value).replace("\r", " ").replace("\n", " ")


def render_pd(
    data: dict[str, Any], recipient: str, timestamp: int, sender: str
) -> bytes:
    """One PD/Max line: ``RECIPIENT timestamp=TS sender=S k=v ... ;``."""
    keys = sorted((k for k in data if k not in ENVELOPE_KEYS), key=str.lower)
    pairs = "".join(f"{k}={_pd_text(data[k])} " for k in keys)
    return f"{recipient} timestamp={timestamp} sender={sender} {pairs};\n".encode()
