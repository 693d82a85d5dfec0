"""Run a real server in a background thread, for tests and examples.

``running_server()`` starts a :class:`~pyoocsi.server.app.Server` on free
loopback ports in its own thread and event loop, and stops it on exit::

    with running_server(timeout=5) as server:
        sock = socket.create_connection((server.host, server.port))
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyoocsi.core.settings import Settings
from pyoocsi.server.app import Server
from pyoocsi.web import WebSettings

__all__ = ["RunningServer", "running_server"]


class RunningServer:
    """A server running in a thread; ``host``, ``port`` and ``http_port`` say where."""

    def __init__(
        self, settings: Settings, web_settings: WebSettings | None = None
    ) -> None:
        self.settings = settings
        self.web_settings = web_settings
        self.host = settings.host
        self.port = 0
        self.http_port = 0
        self.server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="oocsi-server", daemon=True
        )
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError("server failed to start") from self._error
        if self.server is None:
            raise RuntimeError("server did not start within 10 s")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        server = Server(self.settings, self.web_settings)
        await server.start()
        self.server = server
        self.port = server.tcp_port
        self.http_port = server.http_port
        self._ready.set()
        await server.serve_until_stopped()

    def call(self, function: Any, *args: Any) -> Any:
        """Run ``function(*args)`` in the server's loop and return its result."""
        assert self._loop is not None

        async def run() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def stop(self) -> None:
        """Shut the server down (clients get ``bye``) and join its thread."""
        if self._loop is not None and self.server is not None and self._thread:
            if self._thread.is_alive():
                self._loop.call_soon_threadsafe(self.server.request_stop)
            self._thread.join(10)


@contextmanager
def running_server(
    web_settings: WebSettings | None = None, **overrides: Any
) -> Iterator[RunningServer]:
    """Start a server on free loopback ports with the given settings.

    Unless told otherwise (``builtin_clients=True`` or ``web_settings``) the
    server runs without its built-in clients (``echo``), so client lists hold
    only the test's own clients.
    """
    base = {"host": "127.0.0.1", "port": 0, "http_port": 0, "builtin_clients": False}
    base.update(overrides)
    settings = dataclasses.replace(Settings(), **base)  # type: ignore[arg-type]
    running = RunningServer(settings, web_settings)
    running.start()
    try:
        yield running
    finally:
        running.stop()
