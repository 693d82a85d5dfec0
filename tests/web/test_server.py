"""The HTTP server itself: requests it cannot parse."""

from __future__ import annotations

import logging
import socket

import pytest

from pyoocsi.server.testing import running_server
from pyoocsi.web.server import MAX_REQUEST_LINE
from tests.wire import TICK


def raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10 * TICK) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


def test_too_long_url_is_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    path = "/" + "a" * MAX_REQUEST_LINE
    with running_server() as server:
        for _ in range(2):
            request = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            reply = raw_request(server.http_port, request)
            assert reply.startswith(b"HTTP/1.0 400 Bad Request")
        header = f"GET / HTTP/1.1\r\nX-Big: {'b' * MAX_REQUEST_LINE}\r\n\r\n"
        assert raw_request(server.http_port, header.encode()).startswith(
            b"HTTP/1.0 400 "
        )
    refused = [r for r in caplog.records if "Error handling request" in r.message]
    assert len(refused) == 3
    for record in refused:
        assert (record.name, record.levelno) == ("pyoocsi.web", logging.WARNING)
        assert record.exc_info is None
        assert "\n" not in record.getMessage()
        assert len(record.getMessage()) < 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
