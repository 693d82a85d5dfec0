"""The blocking OOCSI facade against the real server."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from pyoocsi import OOCSI, CallTimeout, HandleInUse, Message, OOCSIDisconnect
from pyoocsi.client import PresenceEvent
from pyoocsi.server.testing import RunningServer
from tests.client.conftest import free_port
from tests.wire import TICK

EXAMPLES = Path(__file__).parent / "examples"


def run_example(name: str, port: int, tmp_path: Path) -> list[str]:
    """Run an example with ``from oocsi`` changed to ``from pyoocsi``."""
    source = (EXAMPLES / name).read_text()
    assert "from oocsi import OOCSI" in source
    script = tmp_path / name
    script.write_text(source.replace("from oocsi import", "from pyoocsi import"))
    result = subprocess.run(
        [sys.executable, str(script), str(port)],
        capture_output=True,
        text=True,
        timeout=40 * TICK,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_example_sender_receiver(server: RunningServer, tmp_path: Path) -> None:
    assert run_example("sender_receiver.py", server.port, tmp_path) == [
        "received example_sender colorChannel 10",
        "received example_sender colorChannel 20",
        "received example_sender colorChannel 30",
        "done",
    ]


def test_example_call_response(server: RunningServer, tmp_path: Path) -> None:
    lines = run_example("call_response.py", server.port, tmp_path)
    assert lines == ["response 10", "response 2", "done"]


def test_example_variables(server: RunningServer, tmp_path: Path) -> None:
    assert run_example("variables.py", server.port, tmp_path) == [
        "value 42 42",
        "done",
    ]


def test_example_hey_oocsi(server: RunningServer, tmp_path: Path) -> None:
    assert run_example("hey_oocsi.py", server.port, tmp_path) == [
        "device my_lamp ['lamp', 'temp']",
        "done",
    ]


def test_a_script_that_forgets_stop_still_exits(
    server: RunningServer, tmp_path: Path
) -> None:
    assert run_example("forgets_to_stop.py", server.port, tmp_path) == ["connected"]


@pytest.fixture
def pair(server: RunningServer) -> Any:
    a = OOCSI("sync_a", "127.0.0.1", server.port)
    b = OOCSI("sync_b", "127.0.0.1", server.port)
    yield a, b
    a.stop()
    b.stop()


def test_call_from_inside_a_callback(pair: tuple[OOCSI, OOCSI]) -> None:
    a, b = pair
    b.register("math", "square", lambda event: event.update(y=event["x"] ** 2))
    results: list[Any] = []
    done = threading.Event()

    def on_message(sender: str, recipient: str, event: dict[str, Any]) -> None:
        call = a.callAndWait("math", "square", {"x": event["x"]}, 10 * TICK)
        results.append(call.get("response"))
        results.append(a.request("math", "square", {"x": 3}, timeout=10 * TICK))
        done.set()

    a.subscribe("numbers", on_message)
    a.clients()
    b.clients()
    b.send("numbers", {"x": 7})
    assert done.wait(10 * TICK)
    assert results[0] == {"x": 7, "y": 49}
    assert isinstance(results[1], Message)
    assert results[1]["y"] == 9


def test_modern_callbacks_data_key_and_unsubscribe(
    pair: tuple[OOCSI, OOCSI],
) -> None:
    a, b = pair
    seen: list[Message] = []
    got = threading.Event()

    def modern(message: Message) -> None:
        seen.append(message)
        got.set()

    a.subscribe("ch", modern)
    a.clients()
    b.send("ch", {"data": "still here"})
    assert got.wait(10 * TICK)
    assert seen[0].data == {"data": "still here"}
    a.unsubscribe("ch")
    a.unsubscribe("never_subscribed")
    assert "sync_a" not in b.channels("ch")


def test_direct_messages_without_callback_are_harmless(
    pair: tuple[OOCSI, OOCSI],
) -> None:
    a, b = pair
    b.send("sync_a", {"x": 1})
    with pytest.raises(CallTimeout):
        b.request("nowhere", "nothing", {}, timeout=TICK)
    assert a.connected


def test_messages_iterator_and_presence(pair: tuple[OOCSI, OOCSI]) -> None:
    a, b = pair
    events: list[PresenceEvent] = []
    joined = threading.Event()

    def on_presence(event: PresenceEvent) -> None:
        events.append(event)
        # a's own stream joins the channel too; wait for b's join
        if event.event == "join" and event.member == "sync_b":
            joined.set()

    a.presence("feed", on_presence)
    a.clients()
    stream = a.messages("feed", timeout=10 * TICK)
    a.clients()
    b.send("feed", {"n": 1})
    assert next(stream)["n"] == 1
    stream.close()
    b.subscribe("feed", lambda m: None)
    assert joined.wait(10 * TICK)
    joins = [(e.kind, e.member) for e in events if e.event == "join"]
    assert joins == [("channel", "sync_a"), ("channel", "sync_b")]


def test_constructor_errors(server: RunningServer) -> None:
    with OOCSI("taken", "127.0.0.1", server.port), pytest.raises(HandleInUse):
        OOCSI("taken", "127.0.0.1", server.port)
    with pytest.raises(OOCSIDisconnect):
        OOCSI("nobody", "127.0.0.1", free_port(), connect_timeout=5 * TICK)


def test_legacy_logger_function(server: RunningServer) -> None:
    notes: list[str] = []
    client = OOCSI("logged", "127.0.0.1", server.port, None, notes.append, 1)
    client.subscribe("x", lambda s, r, e: None)
    client.stop()
    assert any("subscribed to x" in note for note in notes)
    assert client.returnHandle() == "logged"


def test_variable_filters_and_device(pair: tuple[OOCSI, OOCSI]) -> None:
    a, b = pair
    changed = threading.Event()
    low = a.variable("shared", "level").min(2).max(6)
    high = b.variable("shared", "level").min(3).max(5)
    high.on_change(lambda value: changed.set())
    a.clients()
    b.clients()
    low.set(10.2)
    assert low.get() == 6
    assert changed.wait(10 * TICK)
    assert high.get() == 5
    smooth = a.variable("other", "v").smooth(2)
    smooth.set(1)
    smooth.set(3)
    assert smooth.get() == 2
    device = a.heyOOCSI()
    with pytest.raises(ValueError, match="LED type"):
        device.addLight("bad", "ch", "PURPLE", "RGB")
    assert device.to_dict() == {
        "sync_a": {
            "properties": {"device_id": "sync_a"},
            "components": {},
            "location": {},
        }
    }
