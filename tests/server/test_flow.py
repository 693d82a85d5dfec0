"""Bursts and slow readers: nothing lost, nothing spliced, nobody slowed."""

from __future__ import annotations

import logging
import time

import pytest

from pyoocsi.server.testing import running_server
from tests.wire import TICK, LineClient


def test_burst_reaches_every_subscriber_complete_and_in_order() -> None:
    count, subscribers = 10_000, 10
    with running_server() as server:
        readers = []
        for index in range(subscribers):
            reader = LineClient(server.host, server.port)
            reader.send(f"sub{index}(JSON)\nsubscribe burst\nping\n")
            reader.text()
            assert reader.text() == "."
            readers.append(reader)
        sender = LineClient(server.host, server.port)
        sender.send("pub(JSON)\n")
        sender.text()
        sender.send(
            "".join(
                f'sendraw burst {{"n":{n},"pad":"{"x" * 20}"}}\n' for n in range(count)
            )
        )
        for reader in readers:
            for n in range(count):
                message = reader.message(timeout=20 * TICK)
                assert message["n"] == n
                assert message["sender"] == "pub"
            reader.close()
        sender.close()


def test_stalled_reader_neither_slows_others_nor_loses_until_cut(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="pyoocsi.tcp")
    limit = 256 * 1024
    with running_server(max_pending=limit) as server:
        stalled = LineClient(server.host, server.port)
        stalled.send("stalled(JSON)\nsubscribe flood\n")
        stalled.text()
        fast = LineClient(server.host, server.port)
        fast.send("fast(JSON)\nsubscribe flood\nping\n")
        fast.text()
        assert fast.text() == "."
        sender = LineClient(server.host, server.port)
        sender.send("pub(JSON)\n")
        sender.text()
        payload = "y" * 4000
        total = 2000  # 8 MB: far past what the stalled socket and limit hold
        started = time.monotonic()
        for batch in range(0, total, 100):
            sender.send(
                "".join(
                    f'sendraw flood {{"n":{n},"p":"{payload}"}}\n'
                    for n in range(batch, batch + 100)
                )
            )
            for n in range(batch, batch + 100):
                assert fast.message(timeout=20 * TICK)["n"] == n
        assert time.monotonic() - started < 60 * TICK
        # The stalled reader got whole lines, in order, up to where it was cut.
        received = 0
        stalled.sock.setblocking(True)
        while True:
            try:
                message = stalled.message(timeout=4 * TICK)
            except AssertionError as exc:
                assert "closed" in str(exc) or "no line" in str(exc)
                break
            assert message["n"] == received
            received += 1
        assert 0 < received < total
        assert any(
            "stalled" in r.getMessage() and "pending" in r.getMessage()
            for r in caplog.records
        )
        sender.send("clients\n")
        assert sender.text() == "fast,pub"
        for client in (stalled, fast, sender):
            client.close()
