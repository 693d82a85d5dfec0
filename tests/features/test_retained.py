"""Retained messages over real sockets: served to late subscribers, then gone."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.wire import TICK, LineClient, sync

Connect = Callable[..., LineClient]


def listed(client: LineClient) -> list[str]:
    client.send("channels\n")
    return client.text().split(", ")


def test_late_subscriber_gets_the_retained_message_as_sent(connect: Connect) -> None:
    early = connect("ret_e(JSON)")
    early.send("subscribe ret_c\n")
    sync(early)
    sender = connect("ret_s(JSON)")
    sender.send('sendraw ret_c {"v":1,"_RETAIN":60}\n')
    original = early.line()
    late = connect("ret_l(JSON)")
    late.send("subscribe ret_c\n")
    assert late.line() == original
    assert b'"_RETAIN":60' in original and b'"sender":"ret_s"' in original
    sender.silent()


def test_next_message_replaces_or_clears(connect: Connect) -> None:
    holder = connect("rep_h(JSON)")
    holder.send("subscribe rep_c\n")
    sync(holder)
    sender = connect("rep_s(JSON)")
    sender.send('sendraw rep_c {"v":1,"_RETAIN":60}\n')
    sender.send('sendraw rep_c {"v":2,"_RETAIN":"60"}\n')
    assert [holder.message()["v"] for _ in range(2)] == [1, 2]
    second = connect("rep_2(JSON)")
    second.send("subscribe rep_c\n")
    assert second.message()["v"] == 2
    sender.send('sendraw rep_c {"v":3}\n')
    holder.message()
    second.message()
    third = connect("rep_3(JSON)")
    third.send("subscribe rep_c\n")
    sync(third)
    third.silent()


def test_channel_lives_while_retained_then_closes(connect: Connect) -> None:
    sender = connect("life_s(JSON)")
    # Nobody holds the name: the retained message creates the channel.
    sender.send('sendraw life_c {"v":"kept","_RETAIN":1.5}\n')
    assert "life_c" in listed(sender)
    late = connect("life_l(JSON)")
    late.send("subscribe life_c\n")
    assert late.message()["v"] == "kept"
    late.send("unsubscribe life_c\n")
    sync(late)
    assert "life_c" in listed(sender)
    deadline = time.monotonic() + 1.5 + 10 * TICK
    while "life_c" in listed(sender):
        assert time.monotonic() < deadline, "expired retained channel still listed"
        time.sleep(TICK / 5)
    again = connect("life_a(JSON)")
    again.send("subscribe life_c\n")
    sync(again)
    again.silent()


def test_retained_to_a_client_is_delivered_not_kept(connect: Connect) -> None:
    target = connect("rc_t(JSON)")
    sender = connect("rc_s(JSON)")
    sender.send('sendraw rc_t {"v":1,"_RETAIN":60}\n')
    assert target.message()["v"] == 1
    other = connect("rc_o(JSON)")
    other.send("subscribe rc_t\n")
    sync(other)
    other.silent()


def test_private_channel_retains_for_the_right_password(connect: Connect) -> None:
    sender = connect("pr_s(JSON)")
    sender.send('sendraw pr_c:pw {"v":1,"_RETAIN":60}\n')
    sync(sender)
    wrong = connect("pr_w(JSON)")
    wrong.send("subscribe pr_c:nope\n")
    assert wrong.text() == "error (wrong password for channel pr_c)"
    sync(wrong)
    wrong.silent()
    right = connect("pr_r(JSON)")
    right.send("subscribe pr_c:pw\n")
    message = right.message()
    assert message["v"] == 1 and message["recipient"] == "pr_c:pw"
    assert "pr_c" not in listed(sender)


def test_delayed_retained_message_is_retained_when_due(connect: Connect) -> None:
    sender = connect("dr_s(JSON)")
    sender.send('sendraw dr_c {"v":1,"_RETAIN":60,"_DELAY":0.3}\n')
    sync(sender)
    early = connect("dr_e(JSON)")
    early.send("subscribe dr_c\n")
    assert early.message()["v"] == 1
    late = connect("dr_l(JSON)")
    late.send("subscribe dr_c\n")
    assert late.message()["v"] == 1


def test_a_client_takes_the_name_of_a_retained_only_channel(connect: Connect) -> None:
    sender = connect("own_s(JSON)")
    # Meant for a client that is offline: it must not lock that client out.
    sender.send('sendraw own_t {"v":1,"_RETAIN":60}\n')
    sync(sender)
    assert "own_t" in listed(sender)
    target = connect("own_t(JSON)")
    sender.send('sendraw own_t {"v":2}\n')
    assert target.message()["v"] == 2
    watcher = connect("own_w(JSON)")
    watcher.send("subscribe own_t\n")
    sync(watcher)
    watcher.silent()
