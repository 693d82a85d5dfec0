"""``OOCSI``: the blocking client, a drop-in for the ``oocsi`` package.

It keeps that package's constructor order and methods (``send``,
``subscribe``, ``unsubscribe``, ``call``, ``callAndWait``, ``register``,
``variable``, ``heyOOCSI``, ``stop``, ``returnHandle``, ``with``) and adds the
modern names of :class:`~pyoocsi.client.client.AsyncOOCSI` in blocking form.

Callbacks take either ``(sender, recipient, event)`` (the ``oocsi`` package's
shape; ``event`` is a dict copy of the data) or one :class:`Message`; the
shape is read once, from the number of required positional parameters.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import inspect
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from pyoocsi.client.client import AsyncOOCSI
from pyoocsi.client.device import Device
from pyoocsi.client.errors import CallTimeout
from pyoocsi.client.message import CALL_HANDLE, CALL_ID, Message, PresenceEvent
from pyoocsi.client.subscription import Subscription
from pyoocsi.client.threads import CallbackThread, LoopThread
from pyoocsi.client.variable import Variable
from pyoocsi.client.wire import MAX_MESSAGE_SIZE

__all__ = ["OOCSI", "Handle", "LegacyCall", "OOCSICall", "OOCSIThread"]

logger = logging.getLogger("pyoocsi.client")

SEND_TIMEOUT = 30.0  # seconds a blocking send may wait for a slow connection


def is_legacy_callback(function: Callable[..., Any]) -> bool:
    """True for ``f(sender, recipient, event)``, False for ``f(message)``."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )
    required = [
        p
        for p in parameters
        if p.kind in positional and p.default is inspect.Parameter.empty
    ]
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return len(required) != 1
    return len(required) >= 3


class LegacyCall(dict[str, Any]):
    """A call as the ``oocsi`` package returns it: a dict that fills in.

    It holds ``_MESSAGE_HANDLE``, ``_MESSAGE_ID`` and ``expiration`` while
    waiting; when the reply comes, ``_MESSAGE_ID`` and ``expiration`` go and
    ``response`` (the reply's data) appears. ``wait(timeout)`` blocks until
    then; ``message`` is the reply as a :class:`Message`.
    """

    def __init__(self, call_name: str, call_id: str, timeout: float) -> None:
        super().__init__(
            {
                CALL_HANDLE: call_name,
                CALL_ID: call_id,
                "expiration": time.time() + timeout,
            }
        )
        self.message: Message | None = None
        self._done = threading.Event()

    def _resolve(self, reply: Message) -> None:
        self.message = reply
        self.pop("expiration", None)
        self.pop(CALL_ID, None)
        self["response"] = dict(reply.data)
        self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the reply; True when it came."""
        return self._done.wait(timeout)


OOCSICall = LegacyCall


class Handle:
    """A blocking subscription: ``unsubscribe()`` (or ``cancel()``) ends it."""

    def __init__(self, owner: OOCSI, key: str, subscription: Subscription[Any]) -> None:
        self._owner = owner
        self.channel = key
        self._subscription = subscription

    def unsubscribe(self) -> None:
        self._owner._drop(self)

    cancel = unsubscribe


class OOCSIThread(threading.Thread):
    """Kept so that imports of the ``oocsi`` package's name still work; unused."""


class OOCSI:
    """A blocking OOCSI client, compatible with the ``oocsi`` package.

    Args:
        handle: the client's name (``#`` is replaced by the server with
            digits); None picks a random one.
        host, port: the server's TCP address.
        callback: receives direct messages (legacy or modern shape).
        logger: a function taking one string (as in the ``oocsi`` package) or a
            :class:`logging.Logger`; lifecycle notes go to it.
        maxReconnectionAttempts: give up reconnecting after this many failed
            attempts in a row (None: never).
        url: a websocket address (``ws://host:9000/ws``) instead of TCP.
        reconnect, connect_timeout, keepalive, backoff, max_message_size: as
            for :class:`AsyncOOCSI`.

    Raises:
        ConnectionFailed: (also known as ``OOCSIDisconnect``) when the first
            connection fails; :class:`HandleInUse` when the name is taken.
    """

    def __init__(  # noqa: PLR0917 - the oocsi package's order
        self,
        handle: str | None = None,
        host: str = "localhost",
        port: int = 4444,
        callback: Callable[..., Any] | None = None,
        logger: Callable[[str], Any] | logging.Logger | None = None,
        maxReconnectionAttempts: int | None = None,  # noqa: N803
        *,
        url: str | None = None,
        reconnect: bool = True,
        connect_timeout: float = 10.0,
        keepalive: float = 10.0,
        backoff: tuple[float, float] = (0.5, 30.0),
        max_message_size: int = MAX_MESSAGE_SIZE,
    ) -> None:
        self._logger = logger
        self._subscriptions: dict[str, list[tuple[Any, Handle]]] = {}
        self._loop_thread = LoopThread("oocsi")
        self._callbacks = CallbackThread("oocsi")
        self._responders = CallbackThread("oocsi", "responders")
        self._stopped = False

        def create() -> AsyncOOCSI:
            return AsyncOOCSI(
                handle or None,
                host,
                port,
                url=url,
                reconnect=reconnect,
                max_reconnect_attempts=maxReconnectionAttempts,
                connect_timeout=connect_timeout,
                keepalive=keepalive,
                backoff=backoff,
                max_message_size=max_message_size,
            )

        try:
            self._core = self._loop_thread.call(create)
            self._loop_thread.run(self._core.connect(), connect_timeout * 2 + 5)
        except BaseException:
            self._stop_threads()
            raise
        if callback is not None:
            self._loop_thread.call(self._core.on_direct, self._forward(callback))
        atexit.register(self.stop)
        self.log(f"connected to {self._core._address()} as {self.handle}")

    # ----------------------------------------------------------- properties

    @property
    def handle(self) -> str:
        """The name the server confirmed."""
        return self._core.handle

    @property
    def connected(self) -> bool:
        return self._core.connected

    @property
    def client(self) -> AsyncOOCSI:
        """The asyncio client underneath (its methods run on the I/O thread)."""
        return self._core

    def returnHandle(self) -> str:  # noqa: N802
        return self.handle

    def log(self, message: str) -> None:
        """Report a lifecycle note to the ``logger`` given, else to logging."""
        if isinstance(self._logger, logging.Logger):
            self._logger.info(message)
        elif callable(self._logger):
            self._logger(message)
        else:
            logger.info("[%s] %s", self._core.handle, message)

    def wait_connected(self, timeout: float | None = None) -> None:
        """Block until connected (after a reconnect, say).

        Raises TimeoutError, or :class:`ConnectionFailed` once the client has
        given up reconnecting (``maxReconnectionAttempts``).
        """
        self._loop_thread.run(self._core.wait_connected(timeout))

    # ------------------------------------------------------------ callbacks

    def _forward(
        self, function: Callable[..., Any], legacy: bool | None = None
    ) -> Callable[[Message], None]:
        """A loop-side handler that runs ``function`` on the callback thread."""
        old_shape = is_legacy_callback(function) if legacy is None else legacy

        def invoke(message: Message) -> None:
            if old_shape:
                function(message.sender, message.recipient, dict(message.data))
            else:
                function(message)

        def forward(message: Message) -> None:
            self._callbacks.put(invoke, message)

        return forward

    # ------------------------------------------------------------ messaging

    def send(
        self,
        channelName: str,  # noqa: N803
        data: Mapping[str, Any] | None = None,
        *,
        retain: float | None = None,
        delay: float | None = None,
        schedule: datetime | str | None = None,
        **fields: Any,
    ) -> None:
        """Send ``data`` to a client or channel (see :meth:`AsyncOOCSI.send`).

        Raises :class:`NotConnected` while the connection is down.
        """
        coroutine = self._core.send(
            channelName, data, retain=retain, delay=delay, schedule=schedule, **fields
        )
        self._loop_thread.run(coroutine, SEND_TIMEOUT)

    def send_raw(self, recipient: str, text: str) -> None:
        """Send plain text; it arrives as ``{"data": text}`` (TCP only)."""
        self._loop_thread.run(self._core.send_raw(recipient, text), SEND_TIMEOUT)

    def subscribe(
        self,
        channelName: str,  # noqa: N803
        f: Callable[..., Any],
        *,
        legacy: bool | None = None,
    ) -> Handle:
        """Call ``f`` for each message on ``channelName`` (callback thread)."""
        handle = self._keep(
            channelName, f, self._core.subscribe, self._forward(f, legacy)
        )
        self.log(f"subscribed to {channelName}")
        return handle

    def _keep(
        self, key: str, f: Any, open_: Callable[..., Subscription[Any]], *args: Any
    ) -> Handle:
        subscription = self._loop_thread.call(open_, key, *args)
        handle = Handle(self, subscription.channel, subscription)
        self._subscriptions.setdefault(handle.channel, []).append((f, handle))
        return handle

    def _drop(self, handle: Handle) -> None:
        entries = self._subscriptions.get(handle.channel, [])
        for entry in list(entries):
            if entry[1] is handle:
                entries.remove(entry)
        if not entries:
            self._subscriptions.pop(handle.channel, None)
        if not self._stopped:
            self._loop_thread.call(handle._subscription.unsubscribe)

    def unsubscribe(
        self,
        channelName: str,  # noqa: N803
        f: Callable[..., Any] | None = None,
    ) -> None:
        """Remove ``f`` (or every callback) from ``channelName``.

        ``presence(NAME)`` removes presence handlers; variables on the channel
        stay subscribed.
        """
        for entry in list(self._subscriptions.get(channelName, [])):
            if f is None or entry[0] == f:
                self._drop(entry[1])
        self.log(f"unsubscribed from {channelName}")

    def messages(
        self, channel: str | None = None, timeout: float | None = None
    ) -> Iterator[Message]:
        """Iterate over the messages of ``channel`` (None: direct messages).

        Stops after ``timeout`` seconds without a message (None: never);
        leaving the loop unsubscribes.
        """
        inbox: queue.SimpleQueue[Message] = queue.SimpleQueue()
        if channel is None:
            subscription = self._loop_thread.call(self._core.on_direct, inbox.put)
        else:
            subscription = self._loop_thread.call(
                self._core.subscribe, channel, inbox.put
            )

        def iterate() -> Iterator[Message]:
            try:
                while True:
                    try:
                        yield inbox.get(timeout=timeout)
                    except queue.Empty:
                        return
            finally:
                if not self._stopped:
                    self._loop_thread.call(subscription.unsubscribe)

        return iterate()

    def presence(self, name: str, handler: Callable[[PresenceEvent], Any]) -> Handle:
        """Call ``handler(event)`` for each presence event about ``name``.

        Stop with the returned handle's ``unsubscribe()``, or with
        ``unsubscribe("presence(NAME)")``.
        """

        def forward(event: PresenceEvent) -> None:
            self._callbacks.put(handler, event)

        return self._keep(name, handler, self._core.presence, forward)

    # -------------------------------------------------------- request / reply

    def call(
        self,
        channelName: str,  # noqa: N803
        callName: str,  # noqa: N803
        data: Mapping[str, Any] | None = None,
        timeout: float = 1,
    ) -> LegacyCall:
        """Start a call and return at once; the result fills in later.

        Unlike the ``oocsi`` package, ``data`` is not changed. Raises
        :class:`NotConnected` while the connection is down.
        """

        def start() -> LegacyCall:
            future = self._core._start_call(channelName, callName, data)
            call_id = next(k for k, v in self._core._calls.items() if v is future)
            result = LegacyCall(callName, call_id, timeout)
            loop = asyncio.get_running_loop()
            expiry = loop.call_later(timeout, future.cancel)

            def done(finished: asyncio.Future[Message]) -> None:
                expiry.cancel()
                if not finished.cancelled():
                    result._resolve(finished.result())

            future.add_done_callback(done)
            return result

        return self._loop_thread.call(start)

    def callAndWait(  # noqa: N802
        self,
        channelName: str,  # noqa: N803
        callName: str,  # noqa: N803
        data: Mapping[str, Any] | None = None,
        timeout: float = 1,
    ) -> LegacyCall:
        """Call and wait up to ``timeout`` seconds; ``response`` is set on success.

        Works inside a callback, unlike in the ``oocsi`` package.
        """
        result = self.call(channelName, callName, data, timeout)
        result.wait(timeout)
        return result

    def request(
        self,
        recipient: str,
        call_name: str | None = None,
        data: Mapping[str, Any] | None = None,
        *,
        timeout: float = 1.0,
    ) -> Message:
        """Call and return the reply; raises :class:`CallTimeout`."""
        result = self.call(recipient, call_name or recipient, data, timeout)
        if not result.wait(timeout) or result.message is None:
            name = call_name or recipient
            raise CallTimeout(f"no reply to {name} within {timeout:g} s")
        return result.message

    def register(
        self,
        channelName: str,  # noqa: N803
        callName: str,  # noqa: N803
        callback: Callable[[dict[str, Any]], Any],
    ) -> None:
        """Answer calls the ``oocsi`` package way: ``callback(event)`` edits ``event``.

        The edited request goes back to the caller. If the callback returns a
        mapping, that is sent instead.
        """

        @functools.wraps(callback)
        def answer(request: Message) -> Mapping[str, Any]:
            event = {k: v for k, v in request.data.items() if k != CALL_HANDLE}
            result = callback(event)
            return result if isinstance(result, Mapping) else event

        self._register(callName, answer, channelName)
        self.log(f"registered responder on {channelName} for {callName}")

    def respond(
        self,
        call_name: str,
        handler: Callable[[Message], Mapping[str, Any] | None],
        *,
        channel: str | None = None,
    ) -> None:
        """Answer calls named ``call_name``: the handler returns the reply fields."""
        self._register(call_name, handler, channel or call_name)

    def _register(
        self,
        call_name: str,
        handler: Callable[[Message], Mapping[str, Any] | None],
        channel: str,
    ) -> None:
        @functools.wraps(handler)
        async def on_responder_thread(request: Message) -> Mapping[str, Any] | None:
            future = self._responders.submit(handler, request)
            return await asyncio.wrap_future(future)

        self._loop_thread.call(
            lambda: self._core.respond(call_name, on_responder_thread, channel=channel)
        )

    def unregister(self, callName: str) -> None:  # noqa: N803
        """Stop answering calls named ``callName``."""
        registration = self._core._responders.get(callName)
        if registration is not None:
            self._loop_thread.call(registration.unregister)

    # -------------------------------------------------------------- listing

    def clients(self, timeout: float = 2.0) -> list[str]:
        """The names of the connected clients (TCP only)."""
        return self._loop_thread.run(self._core.clients(timeout))

    def channels(self, channel: str | None = None, timeout: float = 2.0) -> list[str]:
        """The open channels, or the members of ``channel`` (TCP only)."""
        return self._loop_thread.run(self._core.channels(channel, timeout))

    # --------------------------------------------------------- higher level

    def variable(self, channelName: str, key: str, **options: Any) -> Variable:  # noqa: N803
        """A value shared under ``key`` on ``channelName``.

        ``unsubscribe(channelName)`` leaves it alone; ``close()`` ends it.
        """

        def follow(channel: str, handler: Callable[[Message], Any]) -> Handle:
            subscription = self._loop_thread.call(
                self._core.subscribe, channel, self._forward(handler, legacy=False)
            )
            return Handle(self, channel, subscription)

        return Variable(
            follow,
            self.send,
            channelName,
            key,
            **options,
        )

    def device(self, name: str | None = None, **options: Any) -> Device:
        """A heyOOCSI device description; send it with ``announce()``."""
        return Device(self._core, name, self.send, **options)

    def heyOOCSI(self, custom_name: str | None = None) -> Device:  # noqa: N802
        """The ``oocsi`` package's name for :meth:`device`."""
        return self.device(custom_name)

    # ------------------------------------------------------------ lifecycle

    def _stop_threads(self) -> None:
        self._callbacks.stop(2.0)
        self._responders.stop(2.0)
        self._loop_thread.stop(2.0)

    def stop(self) -> None:
        """Say ``quit``, close the connection and end both threads (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        try:
            self._loop_thread.run(self._core.close(), 5.0)
        except Exception:
            logger.exception("closing the connection failed")
        self._stop_threads()

    close = stop

    def __enter__(self) -> OOCSI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
