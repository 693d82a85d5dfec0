"""A websocket client over a plain blocking socket, for frames no library sends.

It writes any frame (unmasked, reserved bits, unknown opcodes, fragments) and
reads the server's frames one by one; waits are multiples of ``TICK``.
"""

from __future__ import annotations

import os
import socket
import struct

from tests.wire import TICK

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example key
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # and its answer


def upgrade_request(path: str = "/ws", key: str = KEY, **extra: str) -> bytes:
    """A websocket request head; ``extra`` headers replace or add (``_`` is ``-``)."""
    headers = {
        "Host": "127.0.0.1",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    headers.update({name.replace("_", "-"): value for name, value in extra.items()})
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items() if value)
    return f"GET {path} HTTP/1.1\r\n{lines}\r\n".encode()


def frame(
    opcode: int,
    payload: bytes,
    *,
    final: bool = True,
    mask: bytes | None = None,
    rsv: int = 0,
) -> bytes:
    """A client frame; masked with a random key unless ``mask`` says b""."""
    key = os.urandom(4) if mask is None else mask
    size = len(payload)
    if size < 126:
        length = bytes((size,))
    elif size < 1 << 16:
        length = b"\x7e" + struct.pack("!H", size)
    else:
        length = b"\x7f" + struct.pack("!Q", size)
    first = (0x80 if final else 0) | rsv << 4 | opcode
    if key:
        length = bytes((length[0] | 0x80,)) + length[1:]
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes((first,)) + length + key + payload


class RawWebSocket:
    """One connection to the server's HTTP port."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10 * TICK)
        self.buffer = b""

    def __enter__(self) -> RawWebSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(1 << 16)
        self.buffer += chunk
        return bool(chunk)

    def head(self) -> str:
        """The response head (up to the empty line), as text."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise AssertionError(f"closed before a head: {self.buffer!r}")
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head.decode("latin-1")

    def body(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                break
        body, self.buffer = self.buffer[:size], self.buffer[size:]
        return body

    def open(self, request: bytes | None = None) -> str:
        """Send a websocket request and return the response head."""
        self.send(upgrade_request() if request is None else request)
        return self.head()

    def text(self, text: str) -> None:
        self.send(frame(TEXT, text.encode()))

    def read_frame(self) -> tuple[int, bytes]:
        """The next frame from the server: opcode and payload."""
        while True:
            data = self.buffer
            header = _header(data)
            if header is not None and len(data) >= header[1] + header[0]:
                size, start = header
                assert data[0] & 0x80, "server frames are final"
                assert not data[1] & 0x80, "server frames are not masked"
                self.buffer = data[start + size :]
                return data[0] & 0x0F, data[start : start + size]
            if not self._fill():
                raise AssertionError("closed without a close frame")

    def next_text(self) -> str:
        """The next text frame, pings answered on the way."""
        while True:
            opcode, payload = self.read_frame()
            if opcode == TEXT and payload != b"ping":
                return payload.decode()
            if opcode == TEXT:
                self.text(".")
            else:
                raise AssertionError(f"frame {opcode} {payload!r}")

    def close_frame(self) -> tuple[int | None, str]:
        """Skip frames up to the server's close: its code and reason."""
        while True:
            opcode, payload = self.read_frame()
            if opcode == CLOSE:
                if not payload:
                    return None, ""
                return struct.unpack_from("!H", payload)[0], payload[2:].decode()

    def at_end(self) -> bool:
        """Whether the server closed the socket (after what is left unread)."""
        try:
            while self._fill():
                pass
        except ConnectionResetError:
            return False
        return True


def _header(data: bytes) -> tuple[int, int] | None:
    """A frame's payload size and where its payload starts, once known."""
    if len(data) < 2:
        return None
    size = data[1] & 0x7F
    if size == 126:
        return (struct.unpack_from("!H", data, 2)[0], 4) if len(data) >= 4 else None
    if size == 127:
        return (struct.unpack_from("!Q", data, 2)[0], 10) if len(data) >= 10 else None
    return size, 2
