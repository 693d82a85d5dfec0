"""Handlers and their running order: subscriptions, responders, the dispatcher.

Rules:
- Every handler runs on the client's dispatcher task, one at a time, in the
  order messages arrived; a handler may be a plain function or a coroutine
  function. An exception in a handler is logged with its traceback and the
  client carries on.
- A subscription without a handler keeps its messages in a queue for
  ``async for``. When the queue is full the newest message is dropped and a
  warning is logged (the queue is unbounded unless a size is given).
- Responders run as their own tasks, so a slow responder delays no one.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pyoocsi.client.message import Message

if TYPE_CHECKING:
    from pyoocsi.client.client import AsyncOOCSI

__all__ = ["Dispatcher", "Handler", "Registration", "Responder", "Subscription"]

logger = logging.getLogger("pyoocsi.client")

T = TypeVar("T")
Handler = Callable[[Any], Any]
Responder = Callable[
    [Message], Mapping[str, Any] | Awaitable[Mapping[str, Any] | None] | None
]


async def run_callback(callback: Callable[..., Any], *args: Any) -> Any:
    """Call a plain or async callable; log (and swallow) what it raises."""
    try:
        result = callback(*args)
        if inspect.isawaitable(result):
            result = await result
        return result
    except Exception:
        logger.exception("callback %s raised", getattr(callback, "__name__", callback))
        return None


class Dispatcher:
    """Runs handlers one after another on a task of their own."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[tuple[Handler, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def put(self, handler: Handler, argument: Any) -> None:
        self._queue.put_nowait((handler, argument))

    async def _run(self) -> None:
        while True:
            handler, argument = await self._queue.get()
            await run_callback(handler, argument)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


class Subscription(Generic[T]):
    """One handler (or queue) on one channel; ``unsubscribe()`` removes it.

    Without a handler it is an async iterator over the channel's messages::

        async with client.subscribe("sensors") as sub:
            async for message in sub:
                ...
    """

    def __init__(
        self,
        client: AsyncOOCSI,
        channel: str,
        handler: Callable[[T], Any] | None,
        convert: Callable[[Message], T | None],
        queue_size: int = 0,
    ) -> None:
        self.client = client
        self.channel = channel
        self.handler = handler
        self._convert = convert
        self._queue: asyncio.Queue[T | None] | None = None
        if handler is None:
            self._queue = asyncio.Queue(queue_size)
        self.active = True
        self.internal = False  # a variable's: kept by ``unsubscribe(channel)``

    def deliver(self, message: Message, dispatcher: Dispatcher) -> None:
        item = self._convert(message)
        if item is None:
            return
        if self.handler is not None:
            dispatcher.put(self.handler, item)
            return
        assert self._queue is not None
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            logger.warning("queue of %s is full; dropped a message", self.channel)

    def unsubscribe(self) -> None:
        """Stop receiving; the server is told when no handler is left."""
        if self.active:
            self.active = False
            self.client._remove_subscription(self)
            if self._queue is not None:
                self._queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self._queue is None:
            raise TypeError("a subscription with a handler cannot be iterated")
        item = await self._queue.get()
        if item is None:
            raise StopAsyncIteration
        return item

    async def get(self, timeout: float | None = None) -> T:
        """The next item, waiting at most ``timeout`` seconds."""
        return await asyncio.wait_for(self.__anext__(), timeout)

    async def __aenter__(self) -> Subscription[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.unsubscribe()


@dataclass
class Registration:
    """A responder for calls named ``call_name``, listening on ``channel``."""

    client: AsyncOOCSI
    call_name: str
    channel: str
    handler: Responder

    def unregister(self) -> None:
        """Stop answering; the channel is left when nothing else needs it."""
        self.client._remove_responder(self)

    def __enter__(self) -> Registration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unregister()
