"""The hub without any I/O: fake peers record what the hub asks of them."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pyoocsi.core.handshake import Handshake, parse_handshake
from pyoocsi.core.hub import Client, Hub, PasswordCheck
from pyoocsi.core.message import Message
from pyoocsi.core.peer import Departure
from pyoocsi.core.settings import Settings


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakePeer:
    """A peer that records every call of the hub, in order."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.events: list[tuple[str, Any]] = []
        self.messages: list[Message] = []

    def describe(self) -> str:
        return f"fake {self.label}"

    def admit(self, handshake: Handshake) -> None:
        self.events.append(("admit", handshake.name))

    def refuse(self, reason: str) -> None:
        self.events.append(("refuse", reason))

    def deliver(self, message: Message) -> None:
        self.messages.append(message)
        self.events.append(("deliver", message.recipient))

    def reply(self, text: str) -> None:
        self.events.append(("reply", text))

    def ping(self) -> None:
        self.events.append(("ping", None))

    def disconnect(self, departure: Departure) -> None:
        self.events.append(("disconnect", departure))

    def data(self) -> list[dict[str, Any]]:
        return [m.data for m in self.messages]


def make_hub(**overrides: Any) -> tuple[Hub, Clock]:
    clock = Clock()
    settings = dataclasses.replace(Settings(), **overrides)
    hub = Hub(settings, clock, lambda: 1_700_000_000_000)
    return hub, clock


def join(hub: Hub, line: str) -> tuple[FakePeer, Client]:
    """Register ``line`` (a handshake) and insist that it is admitted."""
    peer = FakePeer(line)
    hub.register(peer, parse_handshake(line))
    handshake = parse_handshake(line)
    assert peer.events == [("admit", handshake.name)]
    peer.events.clear()
    return peer, hub.clients[handshake.name]


def attempt(hub: Hub, line: str) -> FakePeer:
    peer = FakePeer(line)
    hub.register(peer, parse_handshake(line))
    return peer


# registration ---------------------------------------------------------------


def test_register_admits_and_lists_clients_in_order() -> None:
    hub, _ = make_hub()
    join(hub, "alice(JSON)")
    join(hub, "bob(JSON)")
    assert hub.client_list() == "alice,bob"
    assert hub.stats.connections == 2


def test_taken_name_is_refused_without_probe() -> None:
    hub, _ = make_hub(probe_seconds=0)
    holder, _ = join(hub, "alice(JSON)")
    newcomer = attempt(hub, "alice(JSON)")
    assert newcomer.events == [("refuse", "name already registered: alice")]
    assert holder.events == []


def test_names_are_case_sensitive() -> None:
    hub, _ = make_hub(probe_seconds=0)
    join(hub, "alice(JSON)")
    join(hub, "Alice(JSON)")
    assert hub.client_list() == "alice,Alice"


@pytest.mark.parametrize(
    "name",
    [
        "SERVER",
        "OOCSI_events",
        "OOCSI_connections",
        "OOCSI_metrics",
        "OOCSI_clients",
        "OOCSI_channels",
    ],
)
def test_reserved_names_are_refused(name: str) -> None:
    hub, _ = make_hub()
    peer = attempt(hub, f"{name}(JSON)")
    assert peer.events == [("refuse", f"name already registered: {name}")]
    assert hub.clients == {}


def test_channel_name_cannot_be_taken_by_a_client() -> None:
    hub, _ = make_hub()
    _, alice = join(hub, "alice(JSON)")
    hub.subscribe(alice, "kitchen")
    peer = attempt(hub, "kitchen(JSON)")
    assert peer.events == [("refuse", "name already registered: kitchen")]


def test_private_name_without_users_is_refused() -> None:
    hub, _ = make_hub()
    peer = attempt(hub, "carl:secret(JSON)")
    assert peer.events == [("refuse", "password wrong for name: carl")]


class LaterChecks:
    """A password check that answers only when the test says so."""

    def __init__(self) -> None:
        self.asked: list[PasswordCheck] = []

    def __call__(self, check: PasswordCheck) -> None:
        self.asked.append(check)


def test_a_password_is_checked_before_the_name_is_given() -> None:
    hub, _ = make_hub()
    checks = hub.authenticate = LaterChecks()
    right = attempt(hub, "carl:secret(JSON)")
    wrong = attempt(hub, "dora:guess(JSON)")
    assert [(c.name, c.password) for c in checks.asked] == [
        ("carl", "secret"),
        ("dora", "guess"),
    ]
    assert right.events == wrong.events == [] and hub.clients == {}
    checks.asked[1].answer(False)
    checks.asked[0].answer(True)
    assert wrong.events == [("refuse", "password wrong for name: dora")]
    assert right.events == [("admit", "carl")]
    assert list(hub.clients) == ["carl"] and hub.clients["carl"].private


def test_a_newcomer_gone_during_its_password_check_gets_no_name() -> None:
    hub, _ = make_hub()
    checks = hub.authenticate = LaterChecks()
    gone = attempt(hub, "carl:secret(JSON)")
    assert checks.asked[0].wanted()
    hub.withdraw(gone)
    assert not checks.asked[0].wanted()  # the check need not run at all
    checks.asked[0].answer(True)
    assert gone.events == [] and "carl" not in hub.names
    join(hub, "carl(JSON)")  # the name is still free


def test_a_failing_password_check_refuses_and_forgets_the_newcomer() -> None:
    hub, _ = make_hub()

    def broken(check: PasswordCheck) -> None:
        raise OSError("users file gone")

    hub.authenticate = broken
    peer = attempt(hub, "carl:secret(JSON)")
    assert peer.events == [("refuse", "the password could not be checked")]
    hub.withdraw(peer)
    join(hub, "carl(JSON)")  # nothing of the failed check is left behind


def test_newcomers_waiting_for_their_check_are_refused_at_shutdown() -> None:
    hub, _ = make_hub()
    checks = hub.authenticate = LaterChecks()
    waiting = attempt(hub, "carl:secret(JSON)")
    busy = attempt(hub, "dora:pw(JSON)")
    checks.asked[1].refuse("too many password checks waiting, try again later")
    assert busy.events == [
        ("refuse", "too many password checks waiting, try again later")
    ]
    hub.shutdown()
    assert waiting.events == [("refuse", "the server is shutting down")]
    checks.asked[0].answer(True)  # an answer after the shutdown changes nothing
    assert waiting.events == [("refuse", "the server is shutting down")]
    assert hub.clients == {}


def test_a_name_taken_during_the_password_check_is_refused_after_it() -> None:
    hub, _ = make_hub(probe_seconds=0)
    checks = hub.authenticate = LaterChecks()
    late = attempt(hub, "carl:secret(JSON)")
    join(hub, "carl(JSON)")
    checks.asked[0].answer(True)
    assert late.events == [("refuse", "name already registered: carl")]


def test_departure_frees_the_name_at_once() -> None:
    hub, _ = make_hub()
    peer, _ = join(hub, "alice(JSON)")
    hub.depart("alice", Departure.QUIT)
    assert peer.events == [("disconnect", Departure.QUIT)]
    join(hub, "alice(JSON)")


def test_max_clients_is_enforced() -> None:
    hub, _ = make_hub(max_clients=2)
    join(hub, "a(JSON)")
    join(hub, "b(JSON)")
    refused = attempt(hub, "c(JSON)")
    assert refused.events == [("refuse", "server full: at most 2 clients")]
    hub.depart("a", Departure.CLOSED)
    join(hub, "c(JSON)")


# name probes ----------------------------------------------------------------


def test_live_holder_keeps_its_name() -> None:
    hub, clock = make_hub()
    holder_peer, holder = join(hub, "alice(JSON)")
    newcomer = attempt(hub, "alice(JSON)")
    assert holder_peer.events == [("ping", None)]
    assert newcomer.events == []
    clock.now += 1.0
    hub.seen(holder)  # the holder answers
    assert newcomer.events == [("refuse", "name already registered: alice")]
    assert hub.clients["alice"] is holder
    clock.now += 5.0
    hub.tick()
    assert ("disconnect", Departure.TIMEOUT) not in holder_peer.events


def test_silent_holder_is_taken_over_after_the_probe() -> None:
    hub, clock = make_hub(probe_seconds=2.0)
    holder_peer, _ = join(hub, "alice(JSON)")
    newcomer = attempt(hub, "alice(JSON)")
    clock.now += 1.9
    hub.tick()
    assert newcomer.events == []
    clock.now += 0.2
    hub.tick()
    assert holder_peer.events[-1] == ("disconnect", Departure.TIMEOUT)
    assert newcomer.events == [("admit", "alice")]
    assert hub.clients["alice"].peer is newcomer


def test_second_newcomer_during_a_probe_is_refused_after_takeover() -> None:
    hub, clock = make_hub(probe_seconds=2.0)
    join(hub, "alice(JSON)")
    first = attempt(hub, "alice(JSON)")
    second = attempt(hub, "alice(JSON)")
    clock.now += 2.5
    hub.tick()
    assert first.events == [("admit", "alice")]
    assert second.events == [("refuse", "name already registered: alice")]


def test_withdrawn_newcomer_is_not_admitted() -> None:
    hub, clock = make_hub(probe_seconds=2.0)
    holder_peer, _ = join(hub, "alice(JSON)")
    newcomer = attempt(hub, "alice(JSON)")
    hub.withdraw(newcomer)
    clock.now += 2.5
    hub.tick()
    assert newcomer.events == []
    # with nobody waiting, a silent holder is not removed by the probe
    assert hub.clients["alice"].peer is holder_peer


# keep-alive -----------------------------------------------------------------


def test_idle_client_is_pinged_each_interval_then_timed_out() -> None:
    hub, clock = make_hub(ping_interval=5.0, timeout=20.0)
    peer, _ = join(hub, "idle(JSON)")
    clock.now += 4.9
    hub.tick()
    assert peer.events == []
    clock.now += 0.1
    hub.tick()
    hub.tick()
    assert peer.events == [("ping", None)]
    clock.now += 5.0
    hub.tick()
    assert peer.events == [("ping", None)] * 2
    clock.now += 10.0
    hub.tick()
    assert peer.events[-1] == ("disconnect", Departure.TIMEOUT)
    assert "idle" not in hub.clients


def test_lines_from_the_client_keep_it_alive() -> None:
    hub, clock = make_hub(ping_interval=5.0, timeout=20.0)
    peer, client = join(hub, "busy(JSON)")
    for _ in range(10):
        clock.now += 4.0
        hub.seen(client)
        hub.tick()
    assert peer.events == []
    assert "busy" in hub.clients


def test_messages_to_a_client_are_not_its_activity() -> None:
    hub, clock = make_hub(ping_interval=5.0, timeout=20.0)
    fed_peer, _ = join(hub, "fed(JSON)")
    join(hub, "feeder(JSON)")
    for _ in range(6):
        clock.now += 4.0
        hub.publish("feeder", "fed", {"tick": 1})
        hub.tick()
    assert fed_peer.events[-1] == ("disconnect", Departure.TIMEOUT)


# routing --------------------------------------------------------------------


def test_direct_message_reaches_only_its_recipient() -> None:
    hub, _ = make_hub()
    alice, _ = join(hub, "alice(JSON)")
    bob, _ = join(hub, "bob(JSON)")
    assert hub.publish("alice", "bob", {"x": 1}) == 1
    assert bob.data() == [{"x": 1}]
    message = bob.messages[0]
    assert (message.sender, message.recipient) == ("alice", "bob")
    assert message.timestamp == 1_700_000_000_000
    assert alice.messages == []


def test_self_send_is_delivered() -> None:
    hub, _ = make_hub()
    alice, _ = join(hub, "alice(JSON)")
    assert hub.publish("alice", "alice", {"self": True}) == 1
    assert alice.data() == [{"self": True}]


def test_password_suffix_is_ignored_for_clients() -> None:
    hub, _ = make_hub()
    alice, _ = join(hub, "alice(JSON)")
    join(hub, "bob(JSON)")
    hub.publish("bob", "alice:wrong", {"hi": 3})
    assert [m.recipient for m in alice.messages] == ["alice:wrong"]


def test_channel_reaches_every_subscriber_but_the_sender_in_order() -> None:
    hub, _ = make_hub()
    peers = {}
    for name in ("s", "a", "b", "c"):
        peer, client = join(hub, f"{name}(JSON)")
        hub.subscribe(client, "chan")
        peers[name] = peer
    for i in range(5):
        assert hub.publish("s", "chan", {"i": i}) == 3
    for name in ("a", "b", "c"):
        assert peers[name].data() == [{"i": i} for i in range(5)]
    assert peers["s"].messages == []
    assert hub.stats.messages == 5
    assert hub.stats.deliveries == 15


def test_subscribing_twice_delivers_once() -> None:
    hub, _ = make_hub()
    a, alice = join(hub, "a(JSON)")
    join(hub, "s(JSON)")
    hub.subscribe(alice, "chan")
    hub.subscribe(alice, "chan")
    hub.publish("s", "chan", {})
    assert len(a.messages) == 1


def test_channel_lives_from_first_to_last_subscriber() -> None:
    hub, _ = make_hub()
    _, a = join(hub, "a(JSON)")
    _, b = join(hub, "b(JSON)")
    assert hub.channel_list() == "a, b"
    hub.subscribe(a, "room")
    hub.subscribe(b, "room")
    assert hub.channel_list() == "a, b, room"
    assert hub.member_list("room") == "a, b"
    hub.unsubscribe(a, "room")
    assert hub.member_list("room") == "b"
    hub.depart("b", Departure.CLOSED)
    assert "room" not in hub.names
    assert hub.channel_list() == "a"
    assert hub.member_list("room") == ""


def test_unknown_recipient_is_dropped_and_counted() -> None:
    hub, _ = make_hub()
    alice, _ = join(hub, "alice(JSON)")
    assert hub.publish("alice", "nowhere", {"x": 1}) == 0
    assert hub.stats.unroutable == 1
    assert hub.stats.messages == 0
    assert alice.messages == []


def test_client_name_is_not_a_channel() -> None:
    hub, _ = make_hub()
    alice, _ = join(hub, "alice(JSON)")
    bob_peer, bob = join(hub, "bob(JSON)")
    hub.subscribe(bob, "alice")  # ignored: alice is a client
    hub.publish("carl", "alice", {"x": 1})
    assert bob_peer.messages == []
    assert alice.data() == [{"x": 1}]


def test_private_channel_needs_its_password() -> None:
    hub, _ = make_hub()
    w_peer, w = join(hub, "w(JSON)")
    x_peer, x = join(hub, "x(JSON)")
    join(hub, "s(JSON)")
    hub.subscribe(w, "sec:s3cret")
    hub.subscribe(x, "sec:wrong")
    hub.subscribe(x, "sec")
    for recipient in ("sec:s3cret", "sec", "sec:wrong"):
        hub.publish("s", recipient, {"p": 1})
    assert [m.recipient for m in w_peer.messages] == ["sec:s3cret"]
    assert x_peer.messages == []
    assert hub.stats.refused_sends == 2
    assert "sec" not in hub.channel_list()


# presence -------------------------------------------------------------------


def presence_log(peer: FakePeer) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.sender, m.recipient, m.data) for m in peer.messages]


def watch_x_in_room(hub: Hub) -> tuple[FakePeer, Client]:
    """A watcher of ``presence(x)`` and ``presence(room)``; x joins room."""
    watcher_peer, watcher = join(hub, "w(JSON)")
    hub.subscribe(watcher, "presence(x)")
    hub.subscribe(watcher, "presence(room)")
    _, x = join(hub, "x(JSON)")
    hub.subscribe(x, "room")
    return watcher_peer, watcher


def test_presence_events_in_order_for_one_client_and_channel() -> None:
    hub, _ = make_hub()
    watcher_peer, _ = watch_x_in_room(hub)
    hub.depart("x", Departure.CLOSED)
    x_events = ("x", "presence(x)")
    room_events = ("room", "presence(room)")
    assert presence_log(watcher_peer) == [
        (*x_events, {"client": "x", "join": "x"}),
        (*room_events, {"channel": "room", "created": ""}),
        (*room_events, {"channel": "room", "join": "x"}),
        (*x_events, {"client": "x", "leave": "x"}),
        (*room_events, {"channel": "room", "leave": "x"}),
        (*room_events, {"channel": "room", "closed": ""}),
    ]


def test_timed_out_client_gives_timeout_not_leave() -> None:
    hub, clock = make_hub(ping_interval=5.0, timeout=20.0)
    watcher_peer, watcher = watch_x_in_room(hub)
    watcher_peer.messages.clear()
    for _ in range(5):
        clock.now += 5.0
        hub.seen(watcher)
        hub.tick()
    assert presence_log(watcher_peer) == [
        ("x", "presence(x)", {"client": "x", "timeout": "x"}),
        ("room", "presence(room)", {"channel": "room", "timeout": "x"}),
        ("room", "presence(room)", {"channel": "room", "closed": ""}),
    ]


def test_unsubscribe_presence_stops_events() -> None:
    hub, _ = make_hub()
    watcher_peer, watcher = join(hub, "w(JSON)")
    hub.subscribe(watcher, "presence(room)")
    hub.unsubscribe(watcher, "presence(room)")
    _, x = join(hub, "x(JSON)")
    hub.subscribe(x, "room")
    assert watcher_peer.messages == []
    assert hub.presence.trackers == {}


def test_full_server_still_probes_a_held_name() -> None:
    hub, clock = make_hub(max_clients=1, probe_seconds=2.0)
    holder_peer, _ = join(hub, "board(JSON)")
    newcomer = attempt(hub, "board(JSON)")
    assert holder_peer.events == [("ping", None)]
    clock.now += 2.5
    hub.tick()
    assert newcomer.events == [("admit", "board")]
