"""``oocsi serve`` as a child process on free loopback ports, with its log."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping

from tests.wire import TICK


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without ``OOCSI_*``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OOCSI_")}
    env.update(extra or {})
    return env


class ServeProcess:
    """``python -m pyoocsi serve ARGS``; stderr is collected line by line."""

    def __init__(self, args: list[str], env: Mapping[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyoocsi", "serve", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_environment(env),
            text=True,
        )
        self.log: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.log.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_log(self, text: str, timeout: float = 20 * TICK) -> str:
        """The first log line containing ``text``; fails on exit or timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.log:
                    if text in line:
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._reader.is_alive():
                    raise AssertionError(f"no log line with {text!r} in {self.log}")
                self._changed.wait(remaining)

    def wait_listening(self) -> None:
        self.wait_for_log("serving OOCSI on")

    def exit_code(self, timeout: float = 20 * TICK) -> int:
        """Wait for the process to end; its exit status."""
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        return code

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.proc.send_signal(signum)

    def kill(self) -> None:
        """End the process if it still runs (the test failed midway)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(20 * TICK)
        self._reader.join(20 * TICK)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def serve_flags(port: int) -> list[str]:
    """Flags for a server on 127.0.0.1:port with a free HTTP port."""
    return [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--http-port",
        str(free_port()),
    ]
