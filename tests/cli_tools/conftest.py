"""Fixtures for running the client sub-commands as processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pyoocsi import OOCSI
from pyoocsi.server.testing import RunningServer, running_server
from tests.wire import TICK

ROOT = Path(__file__).parents[2]


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


@pytest.fixture
def peer(server: RunningServer) -> Iterator[OOCSI]:
    client = OOCSI("peer", "127.0.0.1", server.port)
    yield client
    client.stop()


def command(args: tuple[str, ...], port: int | str) -> list[str]:
    """The ``oocsi`` command line for ``args`` against 127.0.0.1:``port``."""
    address = ["--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "pyoocsi", *args, *address]


def oocsi(*args: str, port: int | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(args, port),
        capture_output=True,
        text=True,
        timeout=40 * TICK,
        check=False,
        cwd=ROOT,
    )


Start = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def start() -> Iterator[Start]:
    """Start ``oocsi ARGS`` in the background; stopped after the test if needed."""
    started: list[subprocess.Popen[str]] = []

    def run(*args: str, port: int | str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            command(args, port),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        started.append(process)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def wait_ready(process: subprocess.Popen[str]) -> None:
    """Wait for the line a listening command prints once it is subscribed."""
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "Ctrl-C stops" in line, line


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=20 * TICK)
    return process.returncode, out, err
