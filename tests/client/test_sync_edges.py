"""The blocking client's edges: failing responders, threads, stop, limits."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pyoocsi import (
    OOCSI,
    NotConnected,
    OOCSIDevice,
    OOCSIVariable,
    PresenceEvent,
)
from pyoocsi.server.testing import RunningServer
from tests.wire import TICK


@pytest.fixture
def pair(server: RunningServer) -> Iterator[tuple[OOCSI, OOCSI]]:
    a = OOCSI("edge_a", "127.0.0.1", server.port)
    b = OOCSI("edge_b", "127.0.0.1", server.port)
    yield a, b
    a.stop()
    b.stop()


def settle(*clients: OOCSI) -> None:
    """Wait until the server has handled every line the clients sent so far."""
    for client in clients:
        client.clients()


def error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_failing_register_callback_sends_no_reply(
    pair: tuple[OOCSI, OOCSI], caplog: pytest.LogCaptureFixture
) -> None:
    a, b = pair
    b.register("math", "div", lambda event: event.update(result=10 / event["x"]))
    settle(b)
    assert a.callAndWait("math", "div", {"x": 2}, 10 * TICK)["response"] == {
        "x": 2,
        "result": 5.0,
    }
    caplog.clear()
    call = a.callAndWait("math", "div", {"x": 0}, 2 * TICK)
    assert "response" not in call
    (record,) = error_records(caplog)
    assert "<lambda>" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError


def test_a_failing_or_odd_respond_handler_sends_no_reply(
    pair: tuple[OOCSI, OOCSI], caplog: pytest.LogCaptureFixture
) -> None:
    a, b = pair

    def broken(message: Any) -> dict[str, Any]:
        raise RuntimeError("broken responder")

    b.respond("broken", broken)
    b.respond("odd", lambda message: 42)
    settle(b)
    assert "response" not in a.callAndWait("broken", "broken", {}, 2 * TICK)
    (record,) = error_records(caplog)
    assert "broken" in record.getMessage()
    assert "response" not in a.callAndWait("odd", "odd", {}, 2 * TICK)
    assert any("not a mapping" in r.getMessage() for r in caplog.records)


def test_a_slow_callback_does_not_hold_up_responders(
    pair: tuple[OOCSI, OOCSI],
) -> None:
    a, b = pair
    started = threading.Event()
    release = threading.Event()

    def slow(message: Any) -> None:
        started.set()
        release.wait(10 * TICK)

    b.subscribe("slow", slow)
    b.respond("quick", lambda message: {"ok": True})
    settle(b)
    a.send("slow", {"n": 1})
    assert started.wait(10 * TICK)
    try:
        call = a.callAndWait("quick", "quick", {}, 4 * TICK)
        assert call.get("response") == {"ok": True}
    finally:
        release.set()


def test_stop_drops_queued_responders(
    pair: tuple[OOCSI, OOCSI], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair
    crashes: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    started = threading.Event()
    ran: list[str] = []

    def slow(message: Any) -> dict[str, Any]:
        started.set()
        time.sleep(2 * TICK)
        ran.append("slow")
        return {}

    def queued(message: Any) -> dict[str, Any]:
        ran.append("queued")
        return {}

    b.respond("slow", slow)
    b.respond("queued", queued)
    settle(b)
    a.call("slow", "slow", {}, 10 * TICK)
    assert started.wait(10 * TICK)
    a.call("queued", "queued", {}, 10 * TICK)
    settle(a, b)
    b.stop()
    time.sleep(2 * TICK)
    assert ran == ["slow"]
    assert crashes == []


def test_presence_can_be_stopped(
    pair: tuple[OOCSI, OOCSI], server: RunningServer
) -> None:
    a, b = pair
    by_handle: list[PresenceEvent] = []
    by_name: list[PresenceEvent] = []
    handle = a.presence("room", by_handle.append)
    a.presence("room", by_name.append)
    settle(a)
    b.subscribe("room", lambda message: None)
    settle(b)
    deadline = time.monotonic() + 10 * TICK
    while len(by_name) < 1 or len(by_handle) < 1:
        assert time.monotonic() < deadline
        time.sleep(TICK / 10)
    handle.unsubscribe()
    a.unsubscribe("presence(room)")
    seen = len(by_handle), len(by_name)
    with OOCSI("edge_c", "127.0.0.1", server.port) as c:
        c.subscribe("room", lambda message: None)
        settle(c)
        time.sleep(TICK)
    assert (len(by_handle), len(by_name)) == seen


def test_unsubscribe_keeps_variables(pair: tuple[OOCSI, OOCSI]) -> None:
    a, b = pair
    level = a.variable("shared", "level")
    a.subscribe("shared", lambda message: None)
    a.unsubscribe("shared")
    settle(a)
    b.send("shared", {"level": 7})
    deadline = time.monotonic() + 10 * TICK
    while level.get() != 7:
        assert time.monotonic() < deadline, "the variable lost its channel"
        time.sleep(TICK / 10)


def test_oversized_messages_are_refused_client_side(
    server: RunningServer,
) -> None:
    with OOCSI("edge_big", "127.0.0.1", server.port) as client:
        with pytest.raises(ValueError, match="4194304 bytes"):
            client.send("ch", {"x": "a" * (4 * 1024 * 1024)})
        assert client.connected
    with OOCSI("edge_small", "127.0.0.1", server.port, max_message_size=100) as small:
        with pytest.raises(ValueError, match="limit of 100 bytes"):
            small.send("ch", {"x": "a" * 100})
        small.send("ch", {"x": "a"})


def test_send_needs_a_dict(pair: tuple[OOCSI, OOCSI]) -> None:
    a, _ = pair
    with pytest.raises(TypeError, match="must be a dict"):
        a.send("ch", "hello")  # type: ignore[arg-type]


def test_late_call_replies_do_not_reach_the_direct_callback(
    server: RunningServer,
) -> None:
    direct: list[Any] = []
    with (
        OOCSI("edge_caller", "127.0.0.1", server.port, direct.append) as caller,
        OOCSI("edge_slow", "127.0.0.1", server.port) as responder,
    ):

        def slow(message: Any) -> dict[str, Any]:
            time.sleep(2 * TICK)
            return {"late": True}

        responder.respond("slow", slow)
        settle(responder)
        assert "response" not in caller.callAndWait("slow", "slow", {}, TICK / 2)
        time.sleep(3 * TICK)
        settle(responder, caller)
    assert direct == []


def test_old_constructors_point_at_the_factories(pair: tuple[OOCSI, OOCSI]) -> None:
    a, _ = pair
    with pytest.raises(TypeError, match=r"oocsi\.variable"):
        OOCSIVariable(a, "ch", "key")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"oocsi\.heyOOCSI"):
        OOCSIDevice(a, "lamp")  # type: ignore[arg-type]


def test_a_stopped_client_says_so(server: RunningServer) -> None:
    client = OOCSI("edge_stopped", "127.0.0.1", server.port)
    client.stop()
    with pytest.raises(NotConnected, match="stopped"):
        client.send("ch", {"x": 1})
    with pytest.raises(NotConnected, match="stopped"):
        client.subscribe("ch", lambda message: None)
    with pytest.raises(NotConnected, match="stopped"):
        client.clients()


def test_http_url_is_read_as_websocket(server: RunningServer) -> None:
    assert server.server is not None
    url = f"http://127.0.0.1:{server.server.http_port}/"
    with OOCSI("edge_web", url=url) as client:
        assert client.client.url == f"ws://127.0.0.1:{server.server.http_port}/ws"
        assert client.connected


def test_every_documented_error_is_exported_at_the_top() -> None:
    import pyoocsi
    from pyoocsi.client import errors

    for name in errors.__all__:
        assert getattr(pyoocsi, name) is getattr(errors, name)
        assert name in pyoocsi.__all__
