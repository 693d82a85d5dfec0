"""The hub: one namespace of clients and channels, and message routing.

Rules:
- Client and channel names share one case-sensitive namespace; reserved names
  (``SERVER``, the meta channels) are never given to clients.
- A direct message goes to the named client only (self-send allowed); the
  ``:suffix`` of a recipient is ignored for clients and is the password of a
  private channel.
- A channel message goes to every subscriber except the sender, each subscriber
  receiving every message of a sender in order; a channel exists from its first
  subscriber to its last.
- Unknown recipients and refused payloads are dropped, logged and counted.
- A subscription holding an ASCII control character is refused with an
  ``error (...)`` reply, and a retained message creates no such channel: the
  name would split the line replies that list channels.
- ``chan[filter(...);transform(...)]`` subscribes to ``chan`` through a view of
  its own (see :mod:`pyoocsi.functions`); an invalid spec is logged and ignored.
- A message with ``_DELAY`` or ``_SCHEDULE`` is held by the scheduler and routed
  when due, its recipient resolved then; one past a limit is refused, logged and
  answered with an ``error (...)`` line, never dropped silently.
- A message with ``_RETAIN`` on a channel is kept, served to every new
  subscriber and replaced (or cleared) by the channel's next message; a channel
  holding a valid retained message exists even without subscribers, and a
  retained message to a name nobody holds creates that channel.
- A name held by a client is taken over by a newcomer only after the holder was
  pinged and stayed silent for ``probe_seconds``; the holder then times out.
- A newcomer with a password waits for :attr:`Hub.authenticate`'s answer before
  it gets its name; one that leaves meanwhile gets nothing (its check need not
  run), and one still waiting at shutdown is refused.
- Only lines received from a client count as its activity.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoocsi.core.encoding import PayloadError, read_payload
from pyoocsi.core.fastline import FAST_RENDERS
from pyoocsi.core.handshake import Handshake, has_control, resolve_placeholders
from pyoocsi.core.message import Message
from pyoocsi.core.meta import EVENTS, META_CHANNELS, MetaChannels
from pyoocsi.core.peer import Departure, Peer
from pyoocsi.core.presence import Presence, presence_target
from pyoocsi.core.scheduler import Limits, Scheduler, SchedulerFullError
from pyoocsi.core.settings import Settings
from pyoocsi.core.store import Retained, Store
from pyoocsi.core.timing import TooFarAheadError, due_time, retain_ms
from pyoocsi.functions import ExpressionError, FunctionSpec

__all__ = [
    "NAME_TAKEN",
    "Channel",
    "Client",
    "Hub",
    "HubStats",
    "PasswordCheck",
    "SendRefusedError",
    "Sink",
]

logger = logging.getLogger("pyoocsi.server")

RESERVED_NAMES = frozenset({"SERVER", "SELF", *META_CHANNELS})
NAME_TAKEN = "name already registered"  # how a refusal for a taken name begins

# A peer the hub may feed directly: its wire form of a message (``render``,
# which caches on the message, so subscribers sharing it render once per
# fan-out), the list of bytes its writer drains, and ``wake``, which schedules
# that writer. The hub appends to the list and calls ``wake`` only when the
# list was empty, so a delivery costs no call; the writer must empty the list
# every time it runs, and ``wake`` must not write at once.
Render = Callable[[Message], bytes]
Wake = Callable[[], None]
Sink = tuple[Render, list[bytes], Wake]


class PasswordCheck:
    """A newcomer's password, to be checked by :attr:`Hub.authenticate`.

    The check answers at once or later: a slow one (a key derivation) must not
    hold up the hub, so the server runs it elsewhere, may skip it when the
    newcomer is no longer :meth:`wanted`, and answers on the hub's thread.
    """

    def __init__(self, hub: Hub, peer: Peer, handshake: Handshake, local: bool) -> None:
        assert handshake.password is not None
        self.name = handshake.name
        self.password = handshake.password
        self._hub, self._peer = hub, peer
        self._handshake, self._local = handshake, local

    def wanted(self) -> bool:
        """Whether the newcomer still waits (safe to ask from another thread)."""
        return self._peer in self._hub._checking

    def answer(self, right: bool) -> None:
        """The verdict: the newcomer gets its name, or is refused."""
        reason = None if right else f"password wrong for name: {self.name}"
        self._hub._checked(self._peer, self._handshake, self._local, reason)

    def refuse(self, reason: str) -> None:
        """No verdict: the newcomer is refused for ``reason``."""
        self._hub._checked(self._peer, self._handshake, self._local, reason)


Authenticate = Callable[[PasswordCheck], None]


class SendRefusedError(Exception):
    """A message the hub does not accept; the text says why."""


@dataclass(eq=False, slots=True)
class Client:
    """A registered client."""

    name: str
    peer: Peer
    private: bool
    last_seen: float
    last_ping: float
    channels: dict[str, None] = field(default_factory=dict)
    tracking: dict[str, None] = field(default_factory=dict)
    local: bool = False  # run by the server itself (built-in clients)
    sink: Sink | None = None  # set by peers that take rendered bytes as they are


@dataclass(eq=False, slots=True)
class Subscription:
    """A client's subscription to a channel; ``view`` filters and transforms."""

    client: Client
    text: str
    view: Callable[[Message], Message | None] | None = None


@dataclass(eq=False, slots=True)
class Channel:
    """A channel and its subscribers in the order they joined."""

    name: str
    password: str | None
    subscribers: dict[str, Subscription] = field(default_factory=dict)
    retained: Message | None = None
    retain_until: int = 0  # epoch ms
    # (name, sink or None, subscription) per subscriber, rebuilt after changes:
    # a fan-out reads each subscriber's fields once per subscription, not once
    # per message. The sink is None for views and for peers without one.
    _targets: list[tuple[str, Sink | None, Subscription]] | None = None
    # When every subscriber has a sink with the same render (the usual case):
    # that render and each subscriber's (name, queue, wake).
    _uniform: tuple[Render, list[tuple[str, list[bytes], Wake]]] | None = None

    def add(self, subscription: Subscription) -> None:
        self.subscribers[subscription.client.name] = subscription
        self._targets = None

    def remove(self, name: str) -> None:
        if self.subscribers.pop(name, None) is not None:
            self._targets = None

    def targets(self) -> list[tuple[str, Sink | None, Subscription]]:
        targets = self._targets
        if targets is None:
            targets = self._refresh()
        return targets

    def uniform(
        self,
    ) -> tuple[Render, list[tuple[str, list[bytes], Wake]]] | None:
        if self._targets is None:
            self._refresh()
        return self._uniform

    def _refresh(self) -> list[tuple[str, Sink | None, Subscription]]:
        targets = self._targets = [
            (name, None if sub.view is not None else sub.client.sink, sub)
            for name, sub in self.subscribers.items()
        ]
        sinks = [sink for _name, sink, _sub in targets if sink is not None]
        renders = {sink[0] for sink in sinks}
        self._uniform = None
        if len(sinks) == len(targets) and len(renders) == 1:
            queues = [(name, sink[1], sink[2]) for name, sink, _sub in targets if sink]
            self._uniform = (renders.pop(), queues)
        return targets


@dataclass(slots=True)
class HubStats:
    """Counters for logs, meta channels and metrics."""

    messages: int = 0  # messages routed to at least one recipient
    deliveries: int = 0
    unroutable: int = 0
    refused_payloads: int = 0
    refused_sends: int = 0
    connections: int = 0
    held: int = 0  # delayed and scheduled messages accepted


@dataclass(eq=False, slots=True)
class _Probe:
    """A name holder being checked while newcomers wait for its name."""

    holder: Client
    deadline: float
    waiting: list[tuple[Peer, Handshake]]


class Hub:
    """All clients and channels of one server; every transport feeds this object."""

    def __init__(
        self,
        settings: Settings,
        monotonic: Callable[[], float],
        wall_ms: Callable[[], int],
    ) -> None:
        self.settings = settings
        self.monotonic = monotonic
        self.wall_ms = wall_ms
        # one namespace, in creation order (the ``channels`` listing order)
        self.names: dict[str, Client | Channel] = {}
        self.clients: dict[str, Client] = {}
        self.stats = HubStats()
        self.presence = Presence(
            self._emit_presence,
            self.is_client,
            self._member_names,
            settings.presence_style,
        )
        # private client names: ``authenticate`` checks one, and
        # ``protected(name)`` says whether a name needs a password at all
        self.authenticate: Authenticate | None = None
        self.protected: Callable[[str], bool] = _nobody
        self._checking: set[Peer] = set()  # newcomers whose password is checked
        self._probes: dict[str, _Probe] = {}
        self._local = 0  # clients run by the server itself
        # channel names the server publishes to (built-in generators)
        self.reserved: set[str] = set()
        self.scheduler = Scheduler(
            Limits(
                settings.max_delayed,
                settings.max_delayed_bytes,
                settings.max_delayed_total,
                settings.max_delayed_total_bytes,
            )
        )
        # ``wake(due_ms)``: the adapter's timer, called when the earliest
        # pending message changes; it then calls :meth:`deliver_due`.
        self.wake: Callable[[int], None] = _no_timer
        self.store: Store | None = None
        self._retaining: dict[str, Channel] = {}
        self.meta = MetaChannels(self)

    # lookups ----------------------------------------------------------------

    def is_client(self, name: str) -> bool:
        return name in self.clients

    def is_taken(self, name: str) -> bool:
        return (
            name in self.names
            or name in RESERVED_NAMES
            or name in self.reserved
            or name in self._probes
        )

    def _member_names(self, name: str) -> list[str]:
        entry = self.names.get(name)
        if isinstance(entry, Channel):
            return [s for s, sub in entry.subscribers.items() if not sub.client.private]
        return []

    # registration -----------------------------------------------------------

    def register(self, peer: Peer, handshake: Handshake, local: bool = False) -> None:
        """Admit or refuse a handshake; the peer is told now, after its password
        is checked or after a name probe.

        ``local`` clients are run by the server itself and do not count
        against ``max_clients``.
        """
        handshake = resolve_placeholders(handshake, self.is_taken)
        name = handshake.name
        if handshake.password is not None:
            check = self.authenticate
            if check is None:
                peer.refuse(f"password wrong for name: {name}")
                return
            self._checking.add(peer)
            try:
                check(PasswordCheck(self, peer, handshake, local))
            except Exception:
                logger.exception("checking the password of %s failed", name)
                self._checking.discard(peer)
                peer.refuse("the password could not be checked")
            return
        if self.protected(name):
            logger.warning(
                "%s asked for protected name %s without a password",
                peer.describe(),
                name,
            )
            peer.refuse(f"password wrong for name: {name}")
            return
        self._claim(peer, handshake, local)

    def _checked(
        self, peer: Peer, handshake: Handshake, local: bool, refusal: str | None
    ) -> None:
        if peer not in self._checking:  # it went away meanwhile, or shutdown
            return
        self._checking.discard(peer)
        if refusal is not None:
            peer.refuse(refusal)
            return
        self._claim(peer, handshake, local)

    def _claim(self, peer: Peer, handshake: Handshake, local: bool) -> None:
        """Give a newcomer, its password checked, the name it asks for."""
        name = handshake.name
        # A takeover of a held name does not add a client: probe before the limit.
        probe = self._probes.get(name)
        if probe is not None:
            probe.waiting.append((peer, handshake))
            return
        holder = self.clients.get(name)
        if holder is not None and self.settings.probe_seconds > 0:
            self._start_probe(holder, peer, handshake)
            return
        entry = self.names.get(name)
        if isinstance(entry, Channel) and not entry.subscribers:
            # Only a retained message keeps this channel: the client wins.
            logger.info(
                "client %s takes over channel %s and its retained message", name, name
            )
            self._clear_retained(entry)
        if name in RESERVED_NAMES or name in self.reserved or name in self.names:
            peer.refuse(f"{NAME_TAKEN}: {name}")
            return
        limit = self.settings.max_clients
        if limit and not local and len(self.clients) - self._local >= limit:
            plural = "s" if limit != 1 else ""
            peer.refuse(f"server full: at most {limit} client{plural}")
            return
        self._admit(peer, handshake, local)

    def _admit(self, peer: Peer, handshake: Handshake, local: bool = False) -> None:
        now = self.monotonic()
        client = Client(handshake.name, peer, handshake.password is not None, now, now)
        client.local = local
        self._local += local
        self.names[client.name] = client
        self.clients[client.name] = client
        self.stats.connections += 1
        logger.info("client %s connected (%s)", client.name, peer.describe())
        peer.admit(handshake)
        self.presence.connected(client.name)
        self.meta.connection(client.name, "OOCSI", "client connected")

    def _start_probe(self, holder: Client, peer: Peer, handshake: Handshake) -> None:
        logger.info(
            "name %s asked for by %s: probing the current holder",
            holder.name,
            peer.describe(),
        )
        deadline = self.monotonic() + self.settings.probe_seconds
        self._probes[holder.name] = _Probe(holder, deadline, [(peer, handshake)])
        holder.peer.ping()

    def _resolve_probe(self, name: str, holder_alive: bool) -> None:
        probe = self._probes.pop(name)
        waiting = probe.waiting
        if not holder_alive and waiting:
            logger.warning("client %s did not answer a name probe", name)
            self.depart(name, Departure.TIMEOUT)
            peer, handshake = waiting.pop(0)
            self._admit(peer, handshake)
        for peer, _handshake in waiting:
            peer.refuse(f"{NAME_TAKEN}: {name}")

    def withdraw(self, peer: Peer) -> None:
        """A newcomer waiting for its password check or a name probe went away."""
        self._checking.discard(peer)
        for probe in self._probes.values():
            probe.waiting = [(p, h) for p, h in probe.waiting if p is not peer]

    def depart(self, name: str, departure: Departure) -> None:
        """Forget a client at once (its name is free on return) and close it."""
        client = self.clients.pop(name, None)
        if client is None:
            return
        del self.names[name]
        self._local -= client.local
        closed_channels: list[tuple[str, bool]] = []
        for channel_name in client.channels:
            channel = self.names.get(channel_name)
            if isinstance(channel, Channel):
                channel.remove(name)
                closed_channels.append((channel_name, self._close_if_empty(channel)))
        self.presence.forget(name, client.tracking)
        logger.info("client %s disconnected (%s)", name, departure.value)
        client.peer.disconnect(departure)
        self.presence.departed(name, closed_channels, departure is Departure.TIMEOUT)
        self.meta.connection("SERVER", name, "removed channel")
        if name in self._probes:
            self._resolve_probe(name, holder_alive=False)

    # activity and keep-alive ------------------------------------------------

    def seen(self, client: Client) -> None:
        """A line arrived from the client."""
        client.last_seen = self.monotonic()
        if client.name in self._probes:
            self._resolve_probe(client.name, holder_alive=True)

    def answered(self, client: Client) -> None:
        """The client sent ``ping`` or a pong: presence ``refresh``."""
        self.presence.refreshed(client.name, client.channels, client.last_seen)

    def tick(self) -> None:
        """Periodic work: pings, timeouts, name probes, presence lists."""
        now = self.monotonic()
        interval = self.settings.ping_interval
        timeout = self.settings.timeout
        for client in list(self.clients.values()):
            idle = now - client.last_seen
            if idle >= timeout:
                logger.warning("client %s timed out after %.0f s", client.name, idle)
                self.depart(client.name, Departure.TIMEOUT)
            elif idle >= interval and now - client.last_ping >= interval:
                client.last_ping = now
                client.peer.ping()
        for name, probe in list(self._probes.items()):
            if now >= probe.deadline:
                self._resolve_probe(name, holder_alive=False)
        self.presence.tick(now)
        self._expire_retained()
        self.meta.tick(now)

    # subscriptions ----------------------------------------------------------

    def subscribe(self, client: Client, spec: str) -> None:
        """``subscribe SPEC``: a channel, ``name:password``, or ``presence(X)``."""
        spec = spec.strip()
        if has_control(spec):
            logger.warning(
                "%s: subscription with control characters ignored", client.name
            )
            client.peer.reply(
                "error (a channel name cannot contain control characters)"
            )
            return
        target = presence_target(spec)
        if target is not None:
            client.tracking[target] = None
            self.presence.track(client.name, target)
            return
        if "[" in spec:
            self._subscribe_function(client, spec)
            return
        name, _sep, password = spec.partition(":")
        self._subscribe(client, name.strip(), password or None, spec, None)

    def _subscribe_function(self, client: Client, spec: str) -> None:
        """``chan[filter(...);transform(...)]``: a filtered, transformed view."""
        try:
            function = FunctionSpec.parse(spec)
        except ExpressionError as exc:
            logger.warning("%s: subscription %r ignored: %s", client.name, spec, exc)
            return
        assert function is not None
        held = sum(1 for _ in self._function_subscriptions(client))
        if held >= self.settings.max_functions:
            logger.warning(
                "%s: subscription %r ignored: at most %d function subscriptions",
                client.name,
                spec,
                self.settings.max_functions,
            )
            return
        self._subscribe(
            client, function.channel, function.password, spec, function.new_view()
        )

    def _function_subscriptions(self, client: Client) -> Iterable[Subscription]:
        for name in client.channels:
            channel = self.names.get(name)
            if isinstance(channel, Channel):
                subscription = channel.subscribers.get(client.name)
                if subscription is not None and subscription.view is not None:
                    yield subscription

    def _subscribe(
        self,
        client: Client,
        name: str,
        password: str | None,
        spec: str,
        view: Callable[[Message], Message | None] | None,
    ) -> None:
        if not name or name in (client.name, "SELF", "SERVER"):
            return
        entry = self.names.get(name)
        if isinstance(entry, Client):
            return
        created = entry is None
        if entry is None:
            entry = self._new_channel(name, password)
        elif entry.password != password:
            logger.warning(
                "client %s refused on channel %s: wrong password", client.name, name
            )
            client.peer.reply(f"error (wrong password for channel {name})")
            return
        if client.name in entry.subscribers:
            return
        entry.add(Subscription(client, spec, view))
        client.channels[name] = None
        if not client.private:
            self.presence.subscribed(client.name, name, created)
        self.meta.connection(client.name, name, "subscribed")
        retained = entry.retained
        if retained is not None and entry.retain_until > self.wall_ms():
            copy = retained if view is None else view(retained)
            if copy is not None:
                client.peer.deliver(copy)

    def _new_channel(self, name: str, password: str | None) -> Channel:
        channel = Channel(name, password)
        self.names[name] = channel
        logger.debug("channel %s created", name)
        self.meta.connection("SERVER", name, "added channel")
        return channel

    def unsubscribe(self, client: Client, spec: str) -> None:
        """``unsubscribe SPEC``: ends a channel or presence subscription."""
        spec = spec.strip()
        target = presence_target(spec)
        if target is not None:
            client.tracking.pop(target, None)
            self.presence.untrack(client.name, target)
            return
        # A function spec unsubscribes from its channel, whatever its functions.
        name = spec.partition("[")[0].partition(":")[0].strip()
        entry = self.names.get(name)
        if not isinstance(entry, Channel) or client.name not in entry.subscribers:
            return
        entry.remove(client.name)
        client.channels.pop(name, None)
        closed = self._close_if_empty(entry)
        if not client.private:
            self.presence.left_channel(client.name, name, closed)
        self.meta.connection(client.name, name, "unsubscribed")

    def _close_if_empty(self, channel: Channel) -> bool:
        if channel.subscribers or channel.retained is not None:
            return False
        if self.names.get(channel.name) is channel:
            del self.names[channel.name]
        logger.debug("channel %s closed", channel.name)
        self.meta.connection("SERVER", channel.name, "closed empty channel")
        return True

    # routing ----------------------------------------------------------------

    def publish(
        self,
        sender: str,
        recipient: str,
        data: dict[str, Any],
        *,
        strict: bool = False,
    ) -> int:
        """Route a message now, or hold it when it is for later.

        Returns the number of deliveries made now (0 for a held message). A
        message that cannot be accepted is logged and counted, and its sender
        (a connected client) told; with ``strict`` the refusal raises
        :class:`SendRefusedError` instead, for transports that answer each
        request (HTTP).
        """
        now = self.wall_ms()
        if "_DELAY" not in data and "_SCHEDULE" not in data:  # the usual message
            return self.route(Message(sender, recipient, now, data))
        try:
            due = due_time(data, now)
        except TooFarAheadError as exc:
            self._refuse(sender, recipient, str(exc), strict)
            return 0
        if due is None:
            return self.route(Message(sender, recipient, now, data))
        try:
            self.hold(Message(sender, recipient, due, data))
        except SchedulerFullError as exc:
            self._refuse(sender, recipient, str(exc), strict)
        return 0

    def _refuse(self, sender: str, recipient: str, reason: str, strict: bool) -> None:
        if not strict:
            self.refuse_send(sender, recipient, reason)
            return
        self.stats.refused_sends += 1
        logger.warning("message from %s to %s refused: %s", sender, recipient, reason)
        raise SendRefusedError(reason)

    def publish_text(self, client: Client, recipient: str, payload: str) -> None:
        """``sendraw`` (TCP) and ``sendjson`` (websocket): parse, then publish."""
        self.publish_texts(client, [(recipient, payload)])

    def publish_texts(self, client: Client, sends: list[tuple[str, str]]) -> None:
        """Several ``(recipient, payload)`` sends of one read, in order.

        Each is :meth:`publish` of the parsed payload. A payload that is not
        valid JSON, or any refusal, is answered to the client; so is a defect
        while routing (logged with its traceback), so that it costs nobody their
        connection.
        """
        wall_ms = self.wall_ms
        sender = client.name
        names = self.names
        fast = FAST_RENDERS
        routed = deliveries = 0
        for recipient, payload in sends:
            try:
                # The usual message, to a client or an open channel without a
                # retained message, whose receivers' sinks have a C writer: its
                # line or frame is written from the payload text
                # (core/fastline.py), with no data dict and no Message, and
                # queued as route() queues it. Watching events needs the
                # Message, so then every send takes the usual path. The client
                # case is inline (a call less per direct message); the channel
                # case is a method, its fan-out outweighs the call.
                entry = names.get(recipient) if fast else None
                if type(entry) is Client:
                    sink = entry.sink
                    write = None if sink is None else fast.get(sink[0])
                    if write is not None and EVENTS not in names:
                        assert sink is not None
                        wire = write(payload, recipient, wall_ms, sender)
                        if wire is not None:
                            queue = sink[1]
                            if not queue:
                                sink[2]()
                            queue.append(wire)
                            routed += 1
                            deliveries += 1
                            continue
                elif type(entry) is Channel and EVENTS not in names:
                    delivered = self._fast_fan_out(entry, recipient, payload, sender)
                    if delivered is not None:
                        routed += delivered > 0
                        deliveries += delivered
                        continue
                try:
                    data, data_json = read_payload(payload)
                except PayloadError as exc:
                    self.stats.refused_payloads += 1
                    self.refuse_send(sender, recipient, str(exc), counted=False)
                    continue
                if "_DELAY" in data or "_SCHEDULE" in data:
                    self.publish(sender, recipient, data)
                else:
                    # publish's usual case, inlined: a call less per message,
                    # and the data JSON the parse already wrote goes along
                    message = Message(sender, recipient, wall_ms(), data, data_json)
                    self.route(message)
            except Exception:
                logger.exception("message from %s to %s failed", sender, recipient)
                client.peer.reply("error (the server failed to route this message)")
        if routed:
            self.stats.messages += routed
            self.stats.deliveries += deliveries

    def refuse_send(
        self, sender: str, recipient: str, reason: str, counted: bool = True
    ) -> None:
        """A message is not accepted: log it, count it and tell its sender."""
        self.stats.refused_sends += counted
        logger.warning("message from %s to %s refused: %s", sender, recipient, reason)
        client = self.clients.get(sender)
        if client is not None:
            client.peer.reply(f"error ({reason})")

    def send_refusal(self, recipient: str) -> str | None:
        """Why a message to ``recipient`` would be refused now, or None."""
        name, sep, password = recipient.partition(":")
        entry = self.names.get(name)
        if isinstance(entry, Channel):
            return _password_refusal(entry, password if sep else None)
        return None

    # held messages ----------------------------------------------------------

    def hold(self, message: Message) -> None:
        """Keep a message until ``message.timestamp``.

        Raises:
            SchedulerFullError: A limit on held messages refused it.
        """
        earliest = self.scheduler.next_due()
        pending = self.scheduler.add(message)
        self.stats.held += 1
        if self.store is not None:
            self.store.pending_added(pending.ident, message)
        if earliest is None or message.timestamp < earliest:
            self.wake(message.timestamp)

    def restore_pending(self, ident: int, message: Message) -> None:
        """Hold a message read back from the store (no limits, no store write)."""
        earliest = self.scheduler.next_due()
        self.scheduler.add(message, ident)
        if earliest is None or message.timestamp < earliest:
            self.wake(message.timestamp)

    def deliver_due(self) -> int | None:
        """Route every held message that is due; returns the next due time."""
        due = self.scheduler.pop_due(self.wall_ms())
        for pending in due:
            self.route(pending.message)
        if due and self.store is not None:
            self.store.pending_done([pending.ident for pending in due])
        return self.scheduler.next_due()

    # retained messages ------------------------------------------------------

    def _retain(self, channel: Channel, message: Message) -> None:
        """A message on a channel replaces (or clears) its retained message."""
        keep = retain_ms(message.data)
        if keep is None:
            if channel.retained is not None:
                self._clear_retained(channel)
            return
        channel.retained = message
        channel.retain_until = self.wall_ms() + keep
        self._retaining[channel.name] = channel
        if self.store is not None:
            self.store.retained_set(
                Retained(channel.name, channel.password, message, channel.retain_until)
            )

    def _clear_retained(self, channel: Channel) -> None:
        channel.retained = None
        self._retaining.pop(channel.name, None)
        if self.store is not None:
            self.store.retained_cleared(channel.name)
        self._close_if_empty(channel)

    def _expire_retained(self) -> None:
        now = self.wall_ms()
        for channel in list(self._retaining.values()):
            if channel.retain_until <= now:
                logger.debug("retained message of %s expired", channel.name)
                self._clear_retained(channel)

    def restore_retained(self, retained: Retained) -> None:
        """Put back a retained message read from the store."""
        if retained.until <= self.wall_ms():
            return
        entry = self.names.get(retained.channel)
        if entry is None:
            entry = self._new_channel(retained.channel, retained.password)
        if not isinstance(entry, Channel) or entry.password != retained.password:
            return
        entry.retained = retained.message
        entry.retain_until = retained.until
        self._retaining[entry.name] = entry

    def _retaining_channel(self, name: str, password: str | None) -> Channel | None:
        """The channel a retained message to a free name creates, if it may."""
        if (
            not name
            or name in RESERVED_NAMES
            or "[" in name
            or "(" in name
            or has_control(name)
        ):
            return None
        return self._new_channel(name, password)

    # routing ----------------------------------------------------------------

    def route(self, message: Message) -> int:
        """Deliver a message to its recipient; unknown recipients are counted."""
        name, sep, password = message.recipient.partition(":")
        entry = self.names.get(name)
        if entry is None and retain_ms(message.data) is not None:
            entry = self._retaining_channel(name, password if sep else None)
        delivered = 0
        receivers: list[str] | None = None
        if EVENTS in self.names and self.meta.events_wanted(message):
            receivers = []
        if isinstance(entry, Client):
            sink = entry.sink
            if sink is None:
                entry.peer.deliver(message)
            else:
                render, queue, wake = sink
                if not queue:
                    wake()
                queue.append(render(message))
            delivered = 1
            if receivers is not None:
                receivers.append(name)
        elif isinstance(entry, Channel):
            refusal = _password_refusal(entry, password if sep else None)
            if refusal is not None:
                self.refuse_send(message.sender, name, refusal)
                return 0
            uniform = entry.uniform() if receivers is None else None
            if uniform is not None:
                delivered = _write_all(uniform[0](message), uniform[1], message.sender)
            else:
                delivered = self._fan_out(entry.targets(), message, receivers)
            if entry.retained is not None or "_RETAIN" in message.data:
                self._retain(entry, message)
        if delivered:
            self.stats.messages += 1
            self.stats.deliveries += delivered
        elif not (isinstance(entry, Channel) and entry.retained is message):
            self._unroutable(message.sender, message.recipient)
        if receivers is not None:
            channel = name if isinstance(entry, Channel) else ""
            self.meta.routed(message, channel, receivers)
        return delivered

    def _fast_fan_out(
        self, channel: Channel, recipient: str, payload: str, sender: str
    ) -> int | None:
        """publish_texts' C path to a channel: the deliveries, or None if not taken.

        Taken when the channel is open, holds no retained message and all its
        subscribers take one form that has a C writer, and the writer takes
        the payload.
        """
        if channel.password is not None or channel.retained is not None:
            return None
        uniform = channel.uniform()
        if uniform is None:
            return None
        write = FAST_RENDERS.get(uniform[0])
        if write is None:
            return None
        wire = write(payload, recipient, self.wall_ms, sender)
        if wire is None:
            return None
        delivered = _write_all(wire, uniform[1], sender)
        if not delivered:
            self._unroutable(sender, recipient)
        return delivered

    def _unroutable(self, sender: str, recipient: str) -> None:
        self.stats.unroutable += 1
        logger.debug("message from %s to %s dropped: no recipient", sender, recipient)

    @staticmethod
    def _fan_out(
        targets: list[tuple[str, Sink | None, Subscription]],
        message: Message,
        receivers: list[str] | None,
    ) -> int:
        # The message object is shared so each dialect's line is rendered once,
        # and subscribers with a sink get those bytes without a call to deliver.
        sender = message.sender
        count = 0
        render: Render | None = None
        rendered = b""
        for name, sink, subscription in targets:
            if name == sender:
                continue
            if sink is not None:
                if sink[0] is not render:
                    render = sink[0]
                    rendered = render(message)
                queue = sink[1]
                if not queue:
                    sink[2]()
                queue.append(rendered)
            else:
                view = subscription.view
                copy = message if view is None else view(message)
                if copy is None:
                    continue
                subscription.client.peer.deliver(copy)
            count += 1
            if receivers is not None and not subscription.client.private:
                receivers.append(name)
        return count

    def _emit_presence(self, target: str, data: dict[str, Any]) -> None:
        message = Message(target, f"presence({target})", self.wall_ms(), data)
        for name in self.presence.subscribers(target):
            client = self.clients.get(name)
            if client is not None and name != target:
                client.peer.deliver(message)

    # listings ---------------------------------------------------------------

    def channel_list(self) -> str:
        """The ``channels`` reply: public top-level names, oldest first."""
        return ", ".join(
            name for name, entry in self.names.items() if _listed(name, entry)
        )

    def member_list(self, spec: str) -> str:
        """The ``channels X`` reply: X's subscribers (empty if none or unknown)."""
        name, sep, password = spec.partition(":")
        entry = self.names.get(name)
        if not isinstance(entry, Channel) or entry.password != (
            password if sep else None
        ):
            return ""
        return ", ".join(entry.subscribers)

    def client_list(self) -> str:
        """The ``clients`` reply: every client name, comma separated."""
        return ",".join(self.clients)

    def shutdown(self) -> None:
        """Disconnect every client (they get ``bye``) and refuse newcomers."""
        waiting, self._checking = self._checking, set()
        for peer in waiting:
            peer.refuse("the server is shutting down")
        for name in list(self.clients):
            self.depart(name, Departure.SHUTDOWN)


def _write_all(
    line: bytes, queues: list[tuple[str, list[bytes], Wake]], sender: str
) -> int:
    """One rendering to every subscriber but the sender: the usual fan-out."""
    count = 0
    for name, queue, wake in queues:
        if name != sender:
            if not queue:
                wake()
            queue.append(line)
            count += 1
    return count


def _listed(name: str, entry: Client | Channel) -> bool:
    if isinstance(entry, Channel) and entry.password is not None:
        return False
    return "#" not in name and "+" not in name and not name.endswith("/?")


def _password_refusal(channel: Channel, password: str | None) -> str | None:
    """Why a send with ``password`` may not reach ``channel``, or None."""
    if channel.password != password:
        return f"wrong password for channel {channel.name}"
    return None


def _nobody(name: str) -> bool:
    return False


def _no_timer(due_ms: int) -> None:
    return None
