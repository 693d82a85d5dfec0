"""The two daemon threads behind the blocking client.

The event-loop thread runs the asyncio client and all I/O; the callback
thread runs user callbacks one at a time, in arrival order. Because the two
are apart, a callback may block on a call: the reply is read by the loop
thread while the callback thread waits. Both are daemon threads, so a script
that never calls ``stop()`` still exits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["CallbackThread", "LoopThread"]

logger = logging.getLogger("pyoocsi.client")

T = TypeVar("T")


class LoopThread:
    """An asyncio event loop running on a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
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
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)


class CallbackThread:
    """Runs queued callables one after another on a daemon thread."""

    _STOP = object()

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._main, name=f"{name}-callbacks", daemon=True
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
            try:
                result = function(*args)
            except Exception as exc:
                logger.exception(
                    "callback %s raised", getattr(function, "__name__", function)
                )
                if future is not None:
                    future.set_exception(exc)
            else:
                if future is not None:
                    future.set_result(result)

    def stop(self, timeout: float) -> None:
        self._queue.put(self._STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
