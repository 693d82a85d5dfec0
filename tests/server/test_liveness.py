"""Keep-alive pings, timeouts, and what counts as activity."""

from __future__ import annotations

import time

from pyoocsi.server.testing import running_server
from tests.wire import TICK, LineClient


def test_idle_client_is_pinged_and_kept_while_answering() -> None:
    with running_server(ping_interval=TICK, timeout=6 * TICK) as server:
        client = LineClient(server.host, server.port)
        client.send("idle(JSON)\n")
        client.text()
        started = time.monotonic()
        pings = 0
        while time.monotonic() - started < 10 * TICK:
            assert client.text(timeout=4 * TICK) == "ping"
            client.send(".\n")
            pings += 1
        assert pings >= 4
        client.send("clients\n")
        assert client.text() == "idle"
        client.close()


def test_messages_to_a_client_are_not_its_activity() -> None:
    with running_server(ping_interval=TICK, timeout=4 * TICK) as server:
        fed = LineClient(server.host, server.port)
        fed.send("fed(JSON)\n")
        fed.text()
        feeder = LineClient(server.host, server.port)
        feeder.send("feeder(JSON)\n")
        feeder.text()
        started = time.monotonic()
        lines: list[bytes] = []
        while time.monotonic() - started < 12 * TICK:
            feeder.send('sendraw fed {"tick":1}\n')
            feeder.send(".\n")
            try:
                lines.append(fed.line(timeout=TICK / 2))
            except AssertionError as exc:
                assert "closed" in str(exc)
                break
        assert b"bye" in lines
        assert time.monotonic() - started < 12 * TICK
        feeder.send("clients\n")
        assert feeder.text() == "feeder"
        fed.close()
        feeder.close()


def test_client_silent_mid_line_times_out() -> None:
    with running_server(ping_interval=TICK, timeout=3 * TICK) as server:
        half = LineClient(server.host, server.port)
        half.send('half(JSON)\nsendraw chan {"late":')
        half.text()
        lines = []
        while (line := half.text(timeout=10 * TICK)) == "ping":
            lines.append(line)
        assert line == "bye"
        assert half.closed()
        half.close()
