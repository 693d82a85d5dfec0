"""``AsyncOOCSI``: the asyncio client every other client API is built on.

Rules:
- One reader task per connection reads lines in order. Calls are resolved and
  responders started by the reader itself, so a handler that awaits a call
  never waits for its own dispatcher.
- Dispatch of an incoming message: a responder registered for its
  ``_MESSAGE_HANDLE`` answers it; else a pending call with its
  ``_MESSAGE_ID`` takes it; else the handlers of its recipient get it (a
  direct message goes to the direct handlers).
- Subscriptions, responders and announced devices are remembered; after a
  reconnect every channel is subscribed again and every device re-announced.
- A link is dead after ``3 * keepalive`` seconds without a line; the client
  sends ``ping`` after ``keepalive`` idle seconds (TCP).
- Reconnect waits grow exponentially from ``backoff[0]`` to ``backoff[1]``
  seconds, each drawn at random between half and all of its value.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from pyoocsi.client.device import Device
from pyoocsi.client.errors import (
    CallTimeout,
    ConnectionFailed,
    ConnectionLost,
    NotConnected,
    NotSupported,
)
from pyoocsi.client.message import CALL_HANDLE, CALL_ID, Message, PresenceEvent
from pyoocsi.client.subscription import (
    Dispatcher,
    Handler,
    Registration,
    Responder,
    Subscription,
)
from pyoocsi.client.transport import Transport, open_transport
from pyoocsi.client.variable import Variable
from pyoocsi.client.wire import (
    MAX_MESSAGE_SIZE,
    Dialect,
    Line,
    check_size,
    classify,
    default_handle,
    handshake,
    parse_list,
    parse_welcome,
    raw_line,
    send_line,
    time_keys,
    validate_handle,
    websocket_url,
)

__all__ = ["AsyncOOCSI"]

logger = logging.getLogger("pyoocsi.client")

HEY_OOCSI = "heyOOCSI!"
EXPIRED_CALLS_KEPT = 1000  # ids of unanswered calls kept to drop late replies


def _as_message(message: Message) -> Message:
    return message


class AsyncOOCSI:
    """An OOCSI client for asyncio programs.

    Args:
        handle: the client's name; ``#`` characters are replaced by the
            server with random digits. None picks a random name.
        host, port: the server's TCP address.
        url: a websocket address (``ws://host:9000/ws``); used instead of
            ``host``/``port`` when given. ``http://host:9000/`` is read as
            ``ws://host:9000/ws``.
        reconnect: reconnect after the connection is lost.
        max_reconnect_attempts: give up after this many failed attempts in a
            row (None: never).
        backoff: the first and the longest wait between attempts, in seconds.
        connect_timeout: seconds to wait for the connection and the welcome.
        keepalive: idle seconds before a ``ping``; three times that without
            any line means the link is dead.
        max_message_size: the longest line, in bytes, the client will send;
            longer messages raise ValueError (the server's default limit).

    Use it as ``async with AsyncOOCSI("me") as client:`` or call
    :meth:`connect` and :meth:`close`.
    """

    def __init__(
        self,
        handle: str | None = None,
        host: str = "localhost",
        port: int = 4444,
        *,
        url: str | None = None,
        reconnect: bool = True,
        max_reconnect_attempts: int | None = None,
        backoff: tuple[float, float] = (0.5, 30.0),
        connect_timeout: float = 10.0,
        keepalive: float = 10.0,
        max_message_size: int = MAX_MESSAGE_SIZE,
    ) -> None:
        self.handle = validate_handle(handle) if handle else default_handle()
        self.host = host
        self.port = port
        self.url = websocket_url(url) if url is not None else None
        self.max_message_size = max_message_size
        self.reconnect = reconnect
        self.max_reconnect_attempts = max_reconnect_attempts
        self.backoff = backoff
        self.connect_timeout = connect_timeout
        self.keepalive = keepalive
        self._transport: Transport | None = None
        self._connected = asyncio.Event()
        self._gave_up = asyncio.Event()
        self._closing = False
        self._runner: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._dispatcher = Dispatcher()
        self._subscriptions: dict[str, list[Subscription[Any]]] = {}
        self._direct: list[Subscription[Any]] = []
        self._responders: dict[str, Registration] = {}
        self._calls: dict[str, asyncio.Future[Message]] = {}
        self._expired_calls: OrderedDict[str, None] = OrderedDict()
        self._listings: deque[asyncio.Future[str]] = deque()
        self._devices: dict[str, Device] = {}
        self._last_line = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()

    # ----------------------------------------------------------------- links

    @property
    def connected(self) -> bool:
        """True while a connection is open and welcomed."""
        return self._connected.is_set()

    @property
    def dialect(self) -> Dialect:
        return Dialect.TCP if self.url is None else Dialect.WEBSOCKET

    async def connect(self) -> None:
        """Connect and handshake; raises :class:`ConnectionFailed` (or a subclass).

        After the first success, lost connections are re-established in the
        background while ``reconnect`` is true.
        """
        if self._runner is not None:
            return
        self._closing = False
        self._gave_up.clear()
        self._dispatcher.start()
        try:
            await self._open()
        except BaseException:
            await self._dispatcher.stop()
            raise
        self._runner = asyncio.get_running_loop().create_task(self._run())

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until the client is connected.

        Raises TimeoutError, or :class:`ConnectionFailed` once the client has
        given up reconnecting (``max_reconnect_attempts``) or was closed.
        """
        waits = [
            asyncio.ensure_future(event.wait())
            for event in (self._connected, self._gave_up)
        ]
        try:
            await asyncio.wait(
                waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for wait in waits:
                wait.cancel()
        if self._connected.is_set():
            return
        if self._gave_up.is_set():
            raise ConnectionFailed(f"no longer connecting to {self._address()}")
        raise TimeoutError(f"not connected within {timeout:g} s")

    async def _open(self) -> None:
        transport = await open_transport(
            self.host, self.port, self.url, self.connect_timeout
        )
        try:
            transport.write(handshake(self.handle, transport.dialect))
            line = await asyncio.wait_for(transport.read(), self.connect_timeout)
            if line is None:
                raise ConnectionFailed("the server closed the connection at once")
            name = parse_welcome(line)
        except (TimeoutError, ConnectionFailed, NotConnected) as exc:
            transport.close()
            await transport.wait_closed()
            if isinstance(exc, ConnectionFailed):
                raise
            raise ConnectionFailed(f"no welcome from the server: {exc!r}") from exc
        self.handle = name
        self._transport = transport
        self._last_line = asyncio.get_running_loop().time()
        for channel in sorted(self._channels()):
            transport.write(f"subscribe {channel}")
        self._connected.set()
        logger.info("connected as %s to %s", name, self._address())
        for device in list(self._devices.values()):
            self._announce(device)
        self._watchdog = asyncio.get_running_loop().create_task(self._watch(transport))

    def _address(self) -> str:
        return self.url if self.url is not None else f"{self.host}:{self.port}"

    async def _run(self) -> None:
        while True:
            transport = self._transport
            assert transport is not None
            await self._read(transport)
            self._link_lost(transport)
            if self._closing or not self.reconnect or not await self._reconnect():
                self._gave_up.set()
                return

    def _link_lost(self, transport: Transport) -> None:
        self._connected.clear()
        self._transport = None
        transport.close()
        if self._watchdog is not None:
            self._watchdog.cancel()
        while self._listings:
            future = self._listings.popleft()
            if not future.done():
                future.set_exception(ConnectionLost("connection lost"))
        if not self._closing:
            logger.warning("lost the connection to %s", self._address())

    async def _reconnect(self) -> bool:
        first, longest = self.backoff
        attempt = 0
        while not self._closing:
            wait = min(longest, first * 2**attempt)
            await asyncio.sleep(random.uniform(wait / 2, wait))
            try:
                await self._open()
                return True
            except ConnectionFailed as exc:
                attempt += 1
                logger.info("reconnect attempt %d failed: %s", attempt, exc)
                limit = self.max_reconnect_attempts
                if limit is not None and attempt >= limit:
                    logger.error("gave up reconnecting after %d attempts", attempt)
                    return False
        return False

    async def _watch(self, transport: Transport) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.keepalive / 2)
            idle = loop.time() - self._last_line
            if idle > 3 * self.keepalive:
                logger.warning("no line for %.0f s; dropping the link", idle)
                transport.close()
                return
            if idle > self.keepalive and transport.dialect is Dialect.TCP:
                with contextlib.suppress(NotConnected):
                    transport.write("ping")

    async def close(self) -> None:
        """Say ``quit``, close the connection and stop every task."""
        self._closing = True
        self._gave_up.set()
        transport = self._transport
        for task in (self._runner, self._watchdog):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._runner = self._watchdog = None
        if transport is not None:
            with contextlib.suppress(NotConnected, asyncio.TimeoutError):
                if transport.dialect is Dialect.TCP:
                    transport.write("quit")
                await asyncio.wait_for(transport.drain(), 1.0)
            self._link_lost(transport)
            await transport.wait_closed()
            logger.info("closed the connection as %s", self.handle)
        for future in self._calls.values():
            future.cancel()
        await self._dispatcher.stop()
        for task in list(self._tasks):
            task.cancel()

    async def __aenter__(self) -> AsyncOOCSI:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --------------------------------------------------------------- reading

    async def _read(self, transport: Transport) -> None:
        loop = asyncio.get_running_loop()
        while True:
            line = await transport.read()
            if line is None:
                return
            self._last_line = loop.time()
            kind, content = classify(line, transport.dialect)
            if kind is Line.PING:
                with contextlib.suppress(NotConnected):
                    transport.write(".")
            elif kind is Line.MESSAGE:
                assert isinstance(content, Message)
                self._on_message(content)
            elif kind is Line.TEXT and self._listings:
                self._answer_listing(str(content))
            elif kind is Line.ERROR:
                logger.warning("server: %s", content)
            elif kind is not Line.PONG:
                logger.debug("ignored line %r", str(content)[:80])

    def _answer_listing(self, text: str) -> None:
        # The server answers listings in order; the answer to a request whose
        # caller gave up still comes, and is dropped here.
        future = self._listings.popleft()
        if future.done():
            logger.debug("dropped a late listing answer %r", text[:80])
        else:
            future.set_result(text)

    def _is_direct(self, recipient: str) -> bool:
        return recipient in (self.handle, self.handle.partition(":")[0])

    def _on_message(self, message: Message) -> None:
        name = message.call_name
        if name is not None and name in self._responders:
            self._spawn(self._respond(self._responders[name], message))
            return
        call_id = message.data.get(CALL_ID)
        if isinstance(call_id, str) and call_id in self._calls:
            future = self._calls.pop(call_id)
            if not future.done():
                data = {k: v for k, v in message.data.items() if k != CALL_ID}
                reply = Message(
                    message.sender, message.recipient, message.timestamp_ms, data
                )
                future.set_result(reply)
            return
        if isinstance(call_id, str) and call_id in self._expired_calls:
            logger.debug("dropped a late reply to call %s", call_id)
            return
        subscriptions = self._subscriptions.get(message.recipient)
        if subscriptions is None and self._is_direct(message.recipient):
            subscriptions = self._direct
        for subscription in list(subscriptions or ()):
            subscription.deliver(message, self._dispatcher)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _respond(self, registration: Registration, request: Message) -> None:
        # A responder that fails sends nothing, so the caller times out rather
        # than taking an empty reply for a success.
        handler = registration.handler
        name = getattr(handler, "__qualname__", repr(handler))
        try:
            result = handler(request)
            if inspect.isawaitable(result):
                result = await result
        except Exception:
            logger.exception("responder %s for %s raised", name, registration.call_name)
            return
        if result is not None and not isinstance(result, Mapping):
            logger.warning(
                "responder %s for %s returned %s, not a mapping; no reply sent",
                name,
                registration.call_name,
                type(result).__name__,
            )
            return
        reply = dict(result or {})
        reply.pop(CALL_HANDLE, None)
        reply[CALL_ID] = request.call_id
        try:
            await self.send(request.sender, reply)
        except (NotConnected, ValueError) as exc:
            logger.warning("could not answer call %s: %s", registration.call_name, exc)

    # ------------------------------------------------------------- messaging

    def _write(self, line: str) -> Transport:
        transport = self._transport
        if transport is None or not self._connected.is_set():
            raise NotConnected(f"not connected to {self._address()}")
        check_size(line, self.max_message_size)
        transport.write(line)
        return transport

    def send_nowait(
        self,
        recipient: str,
        data: Mapping[str, Any] | None = None,
        /,
        *,
        retain: float | None = None,
        delay: float | None = None,
        schedule: datetime | str | None = None,
        **fields: Any,
    ) -> None:
        """Queue a message without waiting for it to be written (see :meth:`send`)."""
        if data is not None and not isinstance(data, Mapping):
            raise TypeError(
                f"data must be a dict (a mapping), not {type(data).__name__}:"
                " send(recipient, {'key': value})"
            )
        payload = {**(data or {}), **fields, **time_keys(retain, delay, schedule)}
        self._write(send_line(recipient, payload, self.dialect))

    async def send(
        self,
        recipient: str,
        data: Mapping[str, Any] | None = None,
        /,
        *,
        retain: float | None = None,
        delay: float | None = None,
        schedule: datetime | str | None = None,
        **fields: Any,
    ) -> None:
        """Send ``data`` (and ``fields``) to a client or a channel.

        Args:
            recipient: a client handle or a channel name.
            data: the payload, a JSON-ready mapping.
            retain: keep the message on the channel for this many seconds and
                give it to new subscribers (``_RETAIN``).
            delay: deliver after this many seconds (``_DELAY``).
            schedule: deliver at this time (``_SCHEDULE``).

        Raises:
            NotConnected: while there is no connection.
            ValueError: for a recipient with spaces, a NaN in the data, or a
                line longer than ``max_message_size``.
            TypeError: when ``data`` is not a mapping.
        """
        self.send_nowait(
            recipient, data, retain=retain, delay=delay, schedule=schedule, **fields
        )
        await self._drain()

    async def _drain(self) -> None:
        transport = self._transport
        if transport is not None:
            await transport.drain()

    async def send_raw(self, recipient: str, text: str) -> None:
        """Send plain text; it arrives as ``{"data": text}`` (TCP only)."""
        if self.dialect is not Dialect.TCP:
            raise NotSupported("raw text cannot be sent over websocket")
        self._write(raw_line(recipient, text))
        await self._drain()

    def _channels(self) -> set[str]:
        channels = set(self._subscriptions)
        channels.update(r.channel for r in self._responders.values())
        return channels

    def _join(self, channel: str) -> None:
        if channel not in self._channels() and self.connected:
            self._write(f"subscribe {channel}")

    def _leave(self, channel: str) -> None:
        if channel not in self._channels() and self.connected:
            self._write(f"unsubscribe {channel}")

    def _add(self, subscription: Subscription[Any]) -> None:
        self._join(subscription.channel)
        self._subscriptions.setdefault(subscription.channel, []).append(subscription)

    def subscribe(
        self,
        channel: str,
        handler: Handler | None = None,
        *,
        queue_size: int = 0,
    ) -> Subscription[Message]:
        """Receive the messages of ``channel`` (exact text: ``ch:pw``, ``ch[...]``).

        With a handler (plain or async) each message is passed to it; without
        one, iterate the returned subscription with ``async for``. Works while
        disconnected too: the server is told on (re)connection.
        """
        if not channel or any(ch.isspace() for ch in channel):
            raise ValueError(f"a channel needs a name without spaces: {channel!r}")
        subscription = Subscription(self, channel, handler, _as_message, queue_size)
        self._add(subscription)
        return subscription

    def on(self, channel: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`subscribe`."""

        def register(handler: Handler) -> Handler:
            self.subscribe(channel, handler)
            return handler

        return register

    def unsubscribe(self, channel: str, handler: Handler | None = None) -> None:
        """Remove ``handler`` (or every handler) from ``channel``.

        Variables on the channel stay subscribed; ``close()`` them to stop.
        """
        for subscription in list(self._subscriptions.get(channel, ())):
            if handler == subscription.handler or (
                handler is None and not subscription.internal
            ):
                subscription.unsubscribe()

    def _remove_subscription(self, subscription: Subscription[Any]) -> None:
        if subscription in self._direct:
            self._direct.remove(subscription)
            return
        subscriptions = self._subscriptions.get(subscription.channel, [])
        if subscription in subscriptions:
            subscriptions.remove(subscription)
        if not subscriptions:
            self._subscriptions.pop(subscription.channel, None)
            with contextlib.suppress(NotConnected):
                self._leave(subscription.channel)

    def on_direct(self, handler: Handler | None = None) -> Subscription[Message]:
        """Receive messages sent to this client's own handle."""
        subscription = Subscription(self, self.handle, handler, _as_message)
        self._direct.append(subscription)
        return subscription

    def presence(
        self,
        name: str,
        handler: Callable[[PresenceEvent], Any] | None = None,
    ) -> Subscription[PresenceEvent]:
        """Receive :class:`PresenceEvent` s about the channel or client ``name``."""
        channel = f"presence({name})"
        subscription = Subscription(self, channel, handler, PresenceEvent.from_message)
        self._add(subscription)
        return subscription

    # ------------------------------------------------------- request / reply

    def _start_call(
        self,
        recipient: str,
        call_name: str | None,
        data: Mapping[str, Any] | None,
    ) -> asyncio.Future[Message]:
        call_id = str(uuid.uuid4())
        payload = dict(data or {})
        payload[CALL_HANDLE] = call_name or recipient
        payload[CALL_ID] = call_id
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._write(send_line(recipient, payload, self.dialect))
        self._calls[call_id] = future
        future.add_done_callback(lambda done: self._end_call(call_id, done))
        return future

    def _end_call(self, call_id: str, future: asyncio.Future[Message]) -> None:
        self._calls.pop(call_id, None)
        if future.cancelled():
            self._expired_calls[call_id] = None
            while len(self._expired_calls) > EXPIRED_CALLS_KEPT:
                self._expired_calls.popitem(last=False)

    async def request(
        self,
        recipient: str,
        call_name: str | None = None,
        data: Mapping[str, Any] | None = None,
        *,
        timeout: float = 1.0,
    ) -> Message:
        """Call ``call_name`` on a channel or client and return the reply.

        The reply's data holds the responder's fields (``_MESSAGE_ID`` removed).
        ``call_name`` defaults to ``recipient``, the convention of the Java and
        JavaScript clients.

        Raises:
            CallTimeout: no reply within ``timeout`` seconds.
        """
        future = self._start_call(recipient, call_name, data)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            name = call_name or recipient
            raise CallTimeout(f"no reply to {name} within {timeout:g} s") from None

    def respond(
        self,
        call_name: str,
        handler: Responder,
        *,
        channel: str | None = None,
    ) -> Registration:
        """Answer calls named ``call_name`` arriving on ``channel``.

        The handler gets the request :class:`Message` and returns the reply's
        fields (a mapping, or None for an empty reply); the reply goes straight
        back to the caller with the request's ``_MESSAGE_ID``, as the Java
        client does. ``channel`` defaults to ``call_name``.
        """
        registration = Registration(self, call_name, channel or call_name, handler)
        self._remove_responder(self._responders.get(call_name))
        self._join(registration.channel)
        self._responders[call_name] = registration
        return registration

    def responder(
        self, call_name: str, *, channel: str | None = None
    ) -> Callable[[Responder], Responder]:
        """Decorator form of :meth:`respond`."""

        def register(handler: Responder) -> Responder:
            self.respond(call_name, handler, channel=channel)
            return handler

        return register

    def _remove_responder(self, registration: Registration | None) -> None:
        if registration is None:
            return
        if self._responders.get(registration.call_name) is registration:
            del self._responders[registration.call_name]
            with contextlib.suppress(NotConnected):
                self._leave(registration.channel)

    # --------------------------------------------------------------- listing

    async def _listing(self, command: str, timeout: float) -> list[str]:
        if self.dialect is not Dialect.TCP:
            raise NotSupported("listing is not available over websocket")
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._write(command)
        self._listings.append(future)
        try:
            return parse_list(await asyncio.wait_for(future, timeout))
        except TimeoutError:
            raise CallTimeout(f"no answer to {command!r} in {timeout:g} s") from None

    async def clients(self, timeout: float = 2.0) -> list[str]:
        """The names of the connected clients (TCP only)."""
        return await self._listing("clients", timeout)

    async def channels(
        self, channel: str | None = None, timeout: float = 2.0
    ) -> list[str]:
        """The open channels, or the members of ``channel`` (TCP only)."""
        command = "channels" if channel is None else f"channels {channel}"
        return await self._listing(command, timeout)

    # ------------------------------------------------------ higher level

    def variable(self, channel: str, key: str, **options: Any) -> Variable:
        """A value shared with every client using ``key`` on ``channel``."""

        def follow(channel: str, handler: Handler) -> Subscription[Message]:
            subscription = self.subscribe(channel, handler)
            subscription.internal = True
            return subscription

        return Variable(follow, self.send_nowait, channel, key, **options)

    def device(self, name: str | None = None, **options: Any) -> Device:
        """A heyOOCSI device description; send it with ``announce()``."""
        return Device(self, name, self.send_nowait, **options)

    def _announce(self, device: Device) -> None:
        self._devices[device.name] = device
        with contextlib.suppress(NotConnected):
            self.send_nowait(HEY_OOCSI, device.to_dict())
