"""The two daemon threads behind the blocking client.

The event-loop thread runs the asyncio client and all I/O; the callback
thread runs user callbacks one at a time, in arrival order, and a third runs
responders, so a slow callback never holds up an answer. Because they are
apart, a callback may block on a call: the reply is read by the loop thread
while the callback thread waits. Once stopped, queued responders are dropped.
All are daemon threads, so a script that never calls ``stop()`` still exits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from pyoocsi.client.errors import NotConnected

__all__ = ["CallbackThread", "LoopThread"]

logger = logging.getLogger("pyoocsi.client")

T = TypeVar("T")


class LoopThread:
    """An asyncio event loop running on a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._stopped = False
        self._thread = threading.Thread(
            target=self._main, name=f"{name}-loop", daemon=True
        )
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    def _check_thread(self) -> None:
        if threading.current_thread() is self._thread:
            raise RuntimeError("a blocking OOCSI method cannot run on its I/O thread")

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the loop and wait for its result."""
        self._check_thread()
        if self._stopped or self.loop.is_closed():
            coroutine.close()
            raise NotConnected("the client was stopped; make a new one")
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run a plain function on the loop and wait for its result."""

        async def run() -> T:
            return function(*args)

        return self.run(run())

    def stop(self, timeout: float) -> None:
        self._stopped = True
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)


class CallbackThread:
    """Runs queued callables one after another on a daemon thread."""

    _STOP = object()

    def __init__(self, name: str, role: str = "callbacks") -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._main, name=f"{name}-{role}", daemon=True
        )
        self._thread.start()

    def put(self, function: Callable[..., Any], *args: Any) -> None:
        self._queue.put((function, args, None))

    def submit(
        self, function: Callable[..., T], *args: Any
    ) -> concurrent.futures.Future[T]:
        """Queue a call whose result (or exception) goes to the future."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._queue.put((function, args, future))
        return future

    def _main(self) -> None:
        while True:
            item = self._queue.get()
            if item is self._STOP:
                return
            function, args, future = item
            if future is None:
                self._run_plain(function, args)
            elif self._stopping:
                future.cancel()
            elif future.set_running_or_notify_cancel():
                try:
                    result = function(*args)
                except Exception as exc:
                    # The one who submitted the call reports it.
                    future.set_exception(exc)
                else:
                    future.set_result(result)

    @staticmethod
    def _run_plain(function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            function(*args)
        except Exception:
            name = getattr(function, "__qualname__", function)
            logger.exception("callback %s raised", name)

    def stop(self, timeout: float) -> None:
        """End the thread; submitted calls still queued are cancelled, not run."""
        self._stopping = True
        self._queue.put(self._STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
