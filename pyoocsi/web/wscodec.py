"""Websocket frames as a server reads and writes them (RFC 6455), without I/O.

Rules:
- :meth:`FrameReader.feed` takes whatever the socket read and returns every
  event completed by it, parsed in one loop: a text message as ``str``, the
  rest as :class:`Binary`, :class:`Ping`, :class:`Pong`, :class:`CloseReceived`
  or, last, :class:`Failure` with the close code the server must send.
- Client frames must be masked, with the reserved bits clear and a known
  opcode (else 1002). Control frames (close, ping, pong) hold at most 125
  bytes, are never fragmented (1002) and may arrive between the fragments of a
  message; a continuation without a message to continue, or a new message
  before the last one ended, is 1002.
- A message over ``max_size`` bytes is refused (1009) from its frame header,
  before its payload arrives; a text message must be valid UTF-8 (1007); a
  close frame must hold nothing, or a valid code and a UTF-8 reason (1002,
  1007).
- After a failure or a close frame nothing more is returned as data; the
  rest of an oversized frame is skipped, and later frames are still read, so
  the client's reply to the server's close is seen (:attr:`FrameReader.closed`).
- Server frames (:func:`server_frame`) are final and unmasked.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "Binary",
    "CloseReceived",
    "Event",
    "Failure",
    "FrameReader",
    "Ping",
    "Pong",
    "close_frame",
    "server_frame",
]

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_CONTROL = 125  # bytes in a control frame's payload

PROTOCOL_ERROR = 1002
INVALID_DATA = 1007
TOO_BIG = 1009

_U16 = struct.Struct("!H")
_U64 = struct.Struct("!Q")
# Codes a close frame may carry (RFC 6455, section 7.4, and the codes IANA
# registered since: 1012 to 1014): the defined ones that an endpoint may send,
# and the ranges for libraries and applications.
_SENDABLE = frozenset(
    (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014)
)
_SENDABLE_FROM = 3000
_SENDABLE_BELOW = 5000


@dataclass(frozen=True, slots=True)
class Binary:
    data: bytes


@dataclass(frozen=True, slots=True)
class Ping:
    data: bytes


@dataclass(frozen=True, slots=True)
class Pong:
    data: bytes


@dataclass(frozen=True, slots=True)
class CloseReceived:
    """The client's close frame; ``code`` is None when it carried none."""

    code: int | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Failure:
    """The client broke the protocol: close with ``code``."""

    code: int
    reason: str


Event = str | Binary | Ping | Pong | CloseReceived | Failure


def _unmask(payload: bytes, mask: bytes) -> bytes:
    # One XOR of two big integers: the mask repeated to the payload's length.
    size = len(payload)
    if not size or mask == b"\x00\x00\x00\x00":
        return payload
    key = (mask * (size // 4 + 1))[:size]
    value = int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")
    return value.to_bytes(size, "little")


class FrameReader:
    """Reads one client's frames; ``max_size`` bounds a whole message."""

    __slots__ = (
        "_buffer",
        "_kind",
        "_need",
        "_parts",
        "_size",
        "_skip",
        "closed",
        "failed",
    )

    def __init__(self, max_size: int) -> None:
        self._size = max_size
        self._buffer: list[bytes] = []  # the unparsed rest of earlier reads
        self._need = 0  # bytes still missing from the frame begun in _buffer
        self._kind = 0  # TEXT or BINARY while a fragmented message is open
        # The fragments so far, joined as they come: however many frames carry
        # a message, it takes the memory of its bytes alone.
        self._parts = bytearray()
        self._skip = 0  # bytes of a refused frame still to pass over
        self.closed = False  # a close frame arrived
        self.failed = False  # a Failure was returned

    def feed(self, data: bytes) -> list[Event]:
        """Every event completed by ``data``, in order."""
        buffer = self._joined(data)
        events: list[Event] = []
        end = len(buffer)
        pos = 0
        while end - pos >= 2:
            first, second = buffer[pos], buffer[pos + 1]
            size = second & 0x7F
            start = pos + 2
            if size == 126:
                if end - start < 2:
                    break
                size = _U16.unpack_from(buffer, start)[0]
                start += 2
            elif size == 127:
                if end - start < 8:
                    break
                size = _U64.unpack_from(buffer, start)[0]
                start += 8
            payload_at = start + 4 if second & 0x80 else start
            opcode = first & 0x0F
            if not (self.failed or self.closed):
                refusal = self._refusal(first, second, opcode, size)
                if refusal is not None:
                    self._fail(events, *refusal)
            if self.failed or self.closed:
                # Only the client's close is still of interest; payloads are
                # passed over, across reads if need be.
                if opcode == CLOSE:
                    self.closed = True
                pos = payload_at + size
                if pos > end:
                    self._skip, pos = pos - end, end
                    break
                continue
            if end - payload_at < size:
                self._need = payload_at + size - end
                break
            pos = payload_at + size
            payload = _unmask(buffer[payload_at:pos], buffer[start:payload_at])
            self._frame(events, first & 0x80, opcode, payload)
        if pos < end:
            self._buffer.append(buffer[pos:])
            self._need = max(self._need, 1)
        return events

    def _joined(self, data: bytes) -> bytes:
        """What is left to parse: ``data`` after earlier reads' unparsed rest,
        less what is being passed over; empty while a frame is incomplete."""
        if self._skip:
            if len(data) <= self._skip:
                self._skip -= len(data)
                return b""
            data, self._skip = data[self._skip :], 0
        if not self._buffer:
            return data
        # A frame's bytes are joined once, when they are all there.
        self._buffer.append(data)
        self._need -= len(data)
        if self._need > 0:
            return b""
        self._need = 0
        buffer = b"".join(self._buffer)
        self._buffer.clear()
        return buffer

    def _refusal(
        self, first: int, second: int, opcode: int, size: int
    ) -> tuple[int, str] | None:
        """Why a frame is refused, read from its header alone."""
        if first & 0x70:
            return PROTOCOL_ERROR, "reserved bits set"
        if not second & 0x80:
            return PROTOCOL_ERROR, "unmasked frame"
        if opcode >= CLOSE:
            if opcode > PONG:
                return PROTOCOL_ERROR, f"unknown opcode {opcode}"
            if not first & 0x80 or size > MAX_CONTROL:
                return PROTOCOL_ERROR, "fragmented or long control frame"
            return None
        if opcode > BINARY:
            return PROTOCOL_ERROR, f"unknown opcode {opcode}"
        if opcode == CONTINUATION:
            if not self._kind:
                return PROTOCOL_ERROR, "continuation of nothing"
        elif self._kind:
            return PROTOCOL_ERROR, "new message inside a fragmented one"
        if len(self._parts) + size > self._size:
            return TOO_BIG, f"message over {self._size} bytes"
        return None

    def _frame(self, events: list[Event], final: int, opcode: int, data: bytes) -> None:
        if opcode == TEXT and final:
            self._message(events, TEXT, data)
        elif opcode >= CLOSE:
            if opcode == PING:
                events.append(Ping(data))
            elif opcode == PONG:
                events.append(Pong(data))
            else:
                self._close(events, data)
        elif opcode != CONTINUATION:
            if final:
                self._message(events, opcode, data)
            else:
                self._kind, self._parts = opcode, bytearray(data)
        elif final:
            self._parts += data
            kind, whole = self._kind, bytes(self._parts)
            self._kind, self._parts = 0, bytearray()
            self._message(events, kind, whole)
        else:
            self._parts += data

    def _message(self, events: list[Event], kind: int, data: bytes) -> None:
        if kind == BINARY:
            events.append(Binary(data))
            return
        try:
            events.append(data.decode())
        except UnicodeDecodeError:
            self._fail(events, INVALID_DATA, "text that is not UTF-8")

    def _close(self, events: list[Event], data: bytes) -> None:
        if not data:
            self.closed = True
            events.append(CloseReceived(None))
            return
        code = _U16.unpack_from(data)[0] if len(data) >= 2 else 0
        if code not in _SENDABLE and not _SENDABLE_FROM <= code < _SENDABLE_BELOW:
            self._fail(events, PROTOCOL_ERROR, "invalid close code")
            return
        try:
            reason = data[2:].decode()
        except UnicodeDecodeError:
            self._fail(events, INVALID_DATA, "close reason that is not UTF-8")
            return
        self.closed = True
        events.append(CloseReceived(code, reason))

    def _fail(self, events: list[Event], code: int, reason: str) -> None:
        self.failed = True
        self._kind, self._parts = 0, bytearray()
        events.append(Failure(code, reason))


def server_frame(opcode: int, payload: bytes) -> bytes:
    """A final, unmasked frame with ``payload``."""
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, size))
    elif size < 1 << 16:
        header = bytes((0x80 | opcode, 126)) + _U16.pack(size)
    else:
        header = bytes((0x80 | opcode, 127)) + _U64.pack(size)
    return header + payload


def close_frame(code: int | None, reason: str = "") -> bytes:
    """A close frame with ``code`` (none when None) and a short ``reason``."""
    if code is None:
        return server_frame(CLOSE, b"")
    # Cut to fit a control frame, never inside a character.
    text = reason.encode()[: MAX_CONTROL - 2].decode(errors="ignore").encode()
    return server_frame(CLOSE, _U16.pack(code) + text)
