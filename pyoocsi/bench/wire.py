"""What the load generator writes and reads, over TCP lines or websocket frames.

Both wires turn received bytes into *units*, each ending in ``\\n``: a TCP
line, or a websocket text frame's payload. Message payloads carry one mark,
``"b":"<publisher>.<sequence>.<send time ns>"``, which a receiver finds with a
single regular expression over many units at once; the ``p`` key pads the
payload to its size.
"""

from __future__ import annotations

import base64
import os
import re
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["MARK", "Target", "TcpWire", "Wire", "WsWire", "message_payload"]

MARK = re.compile(rb'"b"\s*:\s*"(\d+)\.(\d+)\.(\d+)"')
PROBE = b'"w"'


@dataclass(frozen=True, slots=True)
class Target:
    """A server to measure: TCP ``host:port`` or a websocket URL."""

    host: str
    port: int
    path: str = ""  # websocket path; empty for the TCP line protocol

    @property
    def websocket(self) -> bool:
        return bool(self.path)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.websocket:
            return f"ws://{host}:{self.port}{self.path}"
        return f"{host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Target:
        """``HOST:PORT``, ``[V6]:PORT`` or ``ws://HOST:PORT/PATH``."""
        if text.startswith(("ws://", "http://")):
            url = urlsplit(text)
            if not url.hostname:
                raise ValueError(f"no host in {text!r}")
            try:
                port = url.port or 80
            except ValueError as exc:  # a port out of range
                raise ValueError(f"{text!r}: {exc}") from None
            path = url.path if url.path not in ("", "/") else "/ws"
            return cls(url.hostname, port, path)
        host, sep, port_text = text.rpartition(":")
        if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{text!r} is not HOST:PORT or a ws:// URL")
        return cls(host.strip("[]") or "127.0.0.1", int(port_text))


def message_payload(publisher: int, sequence: int, sent_ns: int, pad: str) -> str:
    return f'{{"b":"{publisher}.{sequence}.{sent_ns}","p":"{pad}"}}'


def padding(size: int) -> str:
    """Padding that brings a payload to about ``size`` bytes."""
    return "x" * max(1, size - 40)


class TcpWire:
    """The line protocol, JSON dialect."""

    braces = 1  # ``{`` per message unit; more means lines were spliced

    def __init__(self, target: Target) -> None:
        self._partial = b""

    def opening(self, name: str) -> bytes:
        return f"{name}(JSON)\n".encode()

    def handshake_done(self, data: bytes) -> bytes | None:
        return data  # no transport handshake: everything is protocol

    def command(self, text: str) -> bytes:
        return text.encode() + b"\n"

    def send_line(self, recipient: str, payload: str) -> str:
        return f"sendraw {recipient} {payload}\n"

    def encode_lines(self, text: str) -> bytes:
        return text.encode()

    def pong(self) -> bytes:
        return b".\n"

    def feed(self, data: bytes) -> bytes:
        """The complete lines in ``data`` (with what was left from before)."""
        end = data.rfind(b"\n") + 1
        if not end:
            self._partial += data
            return b""
        units = self._partial + data[:end] if self._partial else data[:end]
        self._partial = data[end:]
        return units.replace(b"\r\n", b"\n") if b"\r" in units else units


class WsWire:
    """The reference web server's websocket protocol, minimal RFC 6455 framing."""

    braces = 2  # a message frame wraps the data object in an envelope

    def __init__(self, target: Target) -> None:
        self._target = target
        self._buffer = b""
        self._upgraded = False
        self._fragments: list[bytes] = []
        self.control: list[bytes] = []  # frames to send back (pongs)
        self.closed = False

    def opening(self, name: str) -> bytes:
        key = base64.b64encode(os.urandom(16)).decode()
        host = self._target.host
        host = f"[{host}]" if ":" in host else host
        self._name = name
        return (
            f"GET {self._target.path} HTTP/1.1\r\n"
            f"Host: {host}:{self._target.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()

    def handshake_done(self, data: bytes) -> bytes | None:
        """Wait for the HTTP answer; then the name frame goes out.

        Returns what follows the answer, or None while it is incomplete.
        Raises ConnectionError if the server did not switch protocols.
        """
        if self._upgraded:
            return data
        self._buffer += data
        head, sep, rest = self._buffer.partition(b"\r\n\r\n")
        if not sep:
            return None
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode("latin-1"))
        self._upgraded = True
        self._buffer = b""
        return rest

    def name_frame(self) -> bytes:
        return self.command(self._name)

    def command(self, text: str) -> bytes:
        return _frame(0x1, text.encode())

    def send_line(self, recipient: str, payload: str) -> str:
        return f"sendjson {recipient} {payload}"

    def encode_lines(self, text: str) -> bytes:
        raise NotImplementedError  # websocket messages are framed one by one

    def pong(self) -> bytes:
        return self.command(".")

    def feed(self, data: bytes) -> bytes:
        """The payloads of the complete text frames in ``data``, one per line."""
        buffer = self._buffer + data if self._buffer else data
        units: list[bytes] = []
        at, size = 0, len(buffer)
        while size - at >= 2:
            first, second = buffer[at], buffer[at + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - at < 4:
                    break
                length, head = struct.unpack_from("!H", buffer, at + 2)[0], 4
            elif length == 127:
                if size - at < 10:
                    break
                length, head = struct.unpack_from("!Q", buffer, at + 2)[0], 10
            if second & 0x80:  # servers do not mask, but the format allows it
                head += 4
            if size - at < head + length:
                break
            payload = buffer[at + head : at + head + length]
            if second & 0x80:
                key = buffer[at + head - 4 : at + head]
                payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            at += head + length
            self._frame(first, payload, units)
        self._buffer = buffer[at:]
        return b"".join(units)

    def _frame(self, first: int, payload: bytes, units: list[bytes]) -> None:
        opcode = first & 0x0F
        if opcode in (0x1, 0x0):
            self._fragments.append(payload)
            if first & 0x80:
                units.append(b"".join(self._fragments) + b"\n")
                self._fragments.clear()
        elif opcode == 0x9:
            self.control.append(_frame(0xA, payload))
        elif opcode == 0x8:
            self.closed = True


def _frame(opcode: int, payload: bytes) -> bytes:
    # Clients must mask their frames. An all-zero key leaves the payload as it
    # is, which spares the generator a pass over every byte it sends; the
    # random key RFC 6455 asks for protects proxies, and a benchmark has none.
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return head + b"\0\0\0\0" + payload


Wire = TcpWire | WsWire
