"""Held and retained messages survive a killed or stopped server (--state-dir)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from pyoocsi.server.state import StateStore
from pyoocsi.web.heyoocsi import Registry
from tests.interop.processes import ServeProcess, free_port, serve_flags
from tests.wire import TICK, LineClient, sync

HOLD = 4.0  # seconds; long enough for the server to restart in between


def start(port: int, state: Path) -> ServeProcess:
    process = ServeProcess([*serve_flags(port), "--state-dir", str(state)])
    process.wait_listening()
    return process


def connect(port: int, name: str) -> LineClient:
    client = LineClient("127.0.0.1", port)
    client.send(f"{name}(JSON)\n")
    assert "welcome" in client.text()
    return client


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_pending_and_retained_messages_survive_a_restart(
    tmp_path: Path, how: signal.Signals
) -> None:
    port = free_port()
    first = start(port, tmp_path)
    try:
        sender = connect(port, "st_s")
        sent = time.time()
        for n in range(3):
            sender.send(f'sendraw st_r {{"n":{n},"_DELAY":{HOLD}}}\n')
        sender.send('sendraw st_c {"kept":true,"_RETAIN":60}\n')
        sender.send('sendraw st_c {"kept":"late","_RETAIN":60,"_DELAY":1}\n')
        sync(sender)
        first.signal(how)
        assert first.exit_code() == (-9 if how == signal.SIGKILL else 0)
        sender.close()
    finally:
        first.kill()
    second = start(port, tmp_path)
    try:
        receiver = connect(port, "st_r")
        assert time.time() < sent + HOLD, "restart took longer than the hold"
        got = [receiver.message(timeout=HOLD + 10 * TICK) for _ in range(3)]
        assert [m["n"] for m in got] == [0, 1, 2]
        assert all(m["sender"] == "st_s" for m in got)
        assert all(round(m["timestamp"] / 1000 - sent - HOLD) == 0 for m in got)
        late = connect(port, "st_l")
        late.send("subscribe st_c\n")
        assert late.message()["kept"] == "late"
        receiver.silent()
        for client in (receiver, late):
            client.close()
        second.signal(signal.SIGTERM)
        assert second.exit_code() == 0
    finally:
        second.kill()
    # three for st_r and the delayed retained one; one retained message
    assert any("restored 4 held and 1 retained messages" in x for x in second.log)


def test_heyoocsi_devices_survive_a_restart_and_leave_when_forgotten(
    tmp_path: Path,
) -> None:
    port = free_port()
    first = start(port, tmp_path)
    try:
        device = connect(port, "st_dev")
        device.send(
            'sendraw heyOOCSI! {"st_lamp":{"location":{"hall":[1,2]},'
            '"components":{"big":{"value":123456789012345678901234567890}}}}\n'
        )
        sync(device)
        first.signal(signal.SIGKILL)
        first.exit_code()
        device.close()
    finally:
        first.kill()
    second = start(port, tmp_path)
    try:
        asker = connect(port, "st_asker")
        asker.send('sendraw heyOOCSIClient {"clientHandle":"st_lamp"}\n')
        answer = asker.message()
        assert answer["location"] == {"hall": [1.0, 2.0]}
        assert answer["properties"] == {}
        big = answer["components"]["big"]["default_value"]
        assert big == "123456789012345678901234567890"
        asker.close()
    finally:
        second.kill()
    # the store holds what the registry holds: a forgotten device is removed
    store = StateStore.open(tmp_path)
    registry = Registry(keep_absent=0)
    for name, sender, value in store.devices():
        registry.restore(name, value, sender)
    registry.store = store
    assert list(registry.devices) == ["st_lamp"]
    assert registry.devices["st_lamp"].device_id == "st_dev"
    registry.sweep(lambda name: False, 0.0)
    registry.sweep(lambda name: False, 1.0)
    assert registry.devices == {} and store.devices() == []
    store.close()


def test_stored_devices_come_back_in_order_of_first_announcement(
    tmp_path: Path,
) -> None:
    store = StateStore.open(tmp_path)
    registry = Registry()
    registry.store = store
    for name in ("a", "b", "a"):
        registry.announce({name: {"properties": {"n": name}}}, "x")
    assert [name for name, _, _ in store.devices()] == ["a", "b"]
    store.close()
