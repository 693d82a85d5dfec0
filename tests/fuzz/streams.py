"""Byte streams for the line-protocol properties, and ways to cut them up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from hypothesis import strategies as st

# Pieces that steer random input towards the protocol's interesting corners.
TOKENS = [
    b"\n",
    b"\r\n",
    b"\r",
    b" ",
    b"\t",
    b"fuzzer(JSON)",
    b"pd;",
    b"plain",
    b"sendraw ",
    b"send ",
    b"subscribe ",
    b"unsubscribe ",
    b"presence(",
    b")",
    b"chan",
    b"chan:pw",
    b"channels",
    b"clients",
    b"ping",
    b".",
    b"quit",
    b"{",
    b"}",
    b'"k":',
    b"1e400",
    b"_DELAY",
    b"#",
    b"\x00",
    b"\xc3",
    b"\xa9",
    b"\xff",
    "é☃".encode(),
]

streams = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.binary(max_size=40)), max_size=40
).map(b"".join)

cuts = st.lists(st.integers(min_value=0, max_value=4000), max_size=12)

# A garbage line: never a command, because it starts with none of their letters.
garbage_lines = st.tuples(
    st.sampled_from([b"x", b"#", b"{", b"\xff", b"Q", b"9"]),
    st.binary(max_size=60).map(lambda raw: raw.replace(b"\n", b"")),
).map(b"".join)

# Items of a mixed stream: an int is a well-formed message, bytes are garbage.
mixed_items = st.lists(st.one_of(st.integers(0, 10**6), garbage_lines), max_size=30)

line_ends = st.sampled_from([b"\n", b"\r\n"])


def pieces(stream: bytes, positions: list[int]) -> Iterator[bytes]:
    """``stream`` cut at ``positions`` (taken modulo its length)."""
    if not stream:
        return
    bounds = sorted({p % len(stream) for p in positions} | {0, len(stream)})
    for start, end in itertools.pairwise(bounds):
        yield stream[start:end]


def mixed_stream(channel: str, items: list[int | bytes], end: bytes) -> bytes:
    """``sendraw CHANNEL {"i":N}`` for each int, the garbage line for bytes."""
    lines = []
    for item in items:
        if isinstance(item, int):
            lines.append(f'sendraw {channel} {{"i":{item}}}'.encode())
        else:
            lines.append(item)
    return b"".join(line + end for line in lines)


def expected_numbers(items: list[int | bytes]) -> list[int]:
    return [item for item in items if isinstance(item, int)]
