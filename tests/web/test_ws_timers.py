"""Waits at the websocket's edges: the request head, the name, the close."""

from __future__ import annotations

import logging
import socket

import pytest

from pyoocsi.server.testing import running_server
from pyoocsi.web import front, websocket
from tests.web.rawws import RawWebSocket
from tests.wire import TICK


def test_a_connection_that_never_sends_a_head_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(front, "HEAD_TIMEOUT", TICK)
    with running_server() as server, RawWebSocket(server.http_port) as silent:
        assert silent.at_end() and silent.buffer == b""


def test_a_head_cut_short_by_the_client_goes_to_aiohttp(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with running_server() as server, RawWebSocket(server.http_port) as ws:
        ws.send(b"GET /ws HTTP/1.1\r\nHost: x\r\n")
        ws.sock.shutdown(socket.SHUT_WR)
        assert ws.at_end() and ws.buffer == b""
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_websocket_without_a_name_is_refused_in_time() -> None:
    with (
        running_server(handshake_timeout=TICK) as server,
        RawWebSocket(server.http_port) as ws,
    ):
        ws.open()
        assert ws.next_text() == (
            f'{{"message" : "ERROR: no name received within {TICK:g} s"}}'
        )
        assert ws.close_frame() == (1000, "")


def test_a_client_that_never_answers_the_close_is_cut_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket, "CLOSE_GRACE", TICK)
    with (
        running_server(handshake_timeout=TICK) as server,
        RawWebSocket(server.http_port) as ws,
    ):
        ws.open()
        assert ws.close_frame() == (1000, "")
        ws.at_end()  # EOF or a reset, not a timeout: the socket was cut
