"""Routing and output formats over real sockets."""

from __future__ import annotations

from collections.abc import Callable

from tests.wire import TICK, LineClient, strip_time, sync

Connect = Callable[..., LineClient]
BLOB = (
    "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcAUH2sHDFmDRAwACRgAKbG9hZEZhY3RvckkACXRo"
    "cmVzaG9sZHhwP0AAAAAAAAx3CAAAABAAAAABdAAFZXJyb3J0ADRZb3VyIE9PQ1NJIGNsaWVu"
    "dCB2ZXJzaW9uIGlzIHRvbyBvbGQsIHBsZWFzZSB1cGRhdGUueA=="
)


def test_channel_reaches_every_subscriber_but_the_sender(connect: Connect) -> None:
    subscribers = [connect(f"m{i}(JSON)") for i in range(3)]
    sender = connect("ms(JSON)")
    for client in [*subscribers, sender]:
        client.send("subscribe chan\n")
        sync(client)
    sender.send('sendraw chan {"x":1}\n')
    for client in subscribers:
        line = client.line()
        assert line.startswith(b'{"x":1,"recipient":"chan","timestamp":')
        assert line.endswith(b',"sender":"ms"}')
    sender.silent()


def test_direct_and_self_messages(connect: Connect) -> None:
    alice = connect("alice(JSON)")
    bob = connect("bob(JSON)")
    alice.send('sendraw bob {"direct":1}\nsendraw alice {"self":1}\n')
    assert strip_time(bob.message()) == {
        "direct": 1,
        "recipient": "bob",
        "sender": "alice",
    }
    assert strip_time(alice.message()) == {
        "self": 1,
        "recipient": "alice",
        "sender": "alice",
    }


def test_password_suffix_is_ignored_for_clients(connect: Connect) -> None:
    alice = connect("alice(JSON)")
    bob = connect("bob(JSON)")
    bob.send('sendraw alice:wrong {"hi":3}\n')
    assert strip_time(alice.message()) == {
        "hi": 3,
        "recipient": "alice:wrong",
        "sender": "bob",
    }


def test_names_are_case_sensitive(connect: Connect) -> None:
    lower = connect("lower(JSON)")
    upper = connect("upper(JSON)")
    lower.send("subscribe chan\n")
    upper.send("subscribe Chan\n")
    sync(lower)
    sync(upper)
    sender = connect("s(JSON)")
    sender.send('sendraw Chan {"case":"upper"}\nsendraw CHAN {"case":"none"}\n')
    assert upper.message()["case"] == "upper"
    upper.silent()
    lower.silent()


def test_unknown_recipient_is_dropped_and_counted(
    connect: Connect, oocsi_server: object
) -> None:
    sender = connect("s(JSON)")
    sender.send('sendraw nobody {"x":1}\n')
    sync(sender)
    hub = oocsi_server.server.hub  # type: ignore[attr-defined]
    assert hub.stats.unroutable == 1


def test_text_payloads_and_refused_json(connect: Connect, oocsi_server: object) -> None:
    receiver = connect("r(JSON)")
    sender = connect("s(JSON)")
    sender.send(
        "sendraw r hello world\n"
        "sendraw r {bad json\n"
        "sendraw r {'single':1}\n"
        "sendraw r [1,2,3]\n"
        "send r plain text\n"
        'sendraw r {"x":1} trailing\n'
    )
    assert strip_time(receiver.message()) == {
        "data": "hello world",
        "recipient": "r",
        "sender": "s",
    }
    assert receiver.message()["data"] == "[1,2,3]"
    assert receiver.message()["data"] == "plain text"
    assert receiver.message()["x"] == 1
    receiver.silent()
    hub = oocsi_server.server.hub  # type: ignore[attr-defined]
    assert hub.stats.refused_payloads == 2
    # the sender is told, once per refused line
    for _ in range(2):
        assert sender.text().startswith("error (invalid JSON: ")


def test_lone_surrogates_are_refused_and_harm_nobody(connect: Connect) -> None:
    json_sub = connect("sur_j(JSON)")
    pd_sub = connect("sur_p;")
    for client in (json_sub, pd_sub):
        client.send("subscribe sur\n")
    sync(json_sub)
    pd_sub.send("ping\n")
    assert pd_sub.text() == ".;"
    sender = connect("sur_s(JSON)")
    for line in (
        'sendraw sur {"a":"\\ud800"}',
        'sendraw sur {"\\udc00":1,"_RETAIN":600}',
        'sendraw sur {"a":["ok","\\uDBFF"],"_DELAY":1}',
    ):
        sender.send(line + "\n")
        assert sender.text() == (
            "error (invalid JSON: a lone UTF-16 surrogate (\\ud800-\\udfff))"
        )
    sender.send('sendraw sur {"pair":"\\ud83d\\ude00"}\n')
    assert json_sub.message()["pair"] == "\U0001f600"
    late = connect("sur_l(JSON)")
    late.send("subscribe sur\n")
    sync(late)
    late.silent()


def test_numbers_and_key_order(connect: Connect) -> None:
    receiver = connect("r(JSON)")
    sender = connect("s(JSON)")
    sender.send(
        'send r {"i":1,"f":1.5,"big":12345678901,'
        '"huge":123456789012345678901234567890,"b":true,"s":"str","n":null,'
        '"o":{"k":[1,"a"],"a":0},"a":[1,2.5,"x"],"e":1e20,"neg":-0.0,'
        '"ts":1796382112863,"p53":9007199254740993,"tiny":1e-7,"B":4,"_x":5}\n'
    )
    line = receiver.line()
    body, _, tail = line.partition(b',"recipient":"r","timestamp":')
    assert body == (
        b'{"B":4,"_x":5,"a":[1,2.5,"x"],"b":true,"big":12345678901,"e":1.0E20,'
        b'"f":1.5,"huge":123456789012345678901234567890,"i":1,"n":null,'
        b'"neg":-0.0,"o":{"k":[1,"a"],"a":0},"p53":9007199254740993,"s":"str",'
        b'"tiny":1.0E-7,"ts":1796382112863'
    )
    assert tail.endswith(b',"sender":"s"}')


def test_envelope_keys_in_data_are_replaced(connect: Connect) -> None:
    receiver = connect("r(JSON)")
    sender = connect("s(JSON)")
    sender.send('sendraw r {"recipient":"fake","sender":"spoof","timestamp":5}\n')
    message = receiver.message()
    assert message["sender"] == "s"
    assert message["recipient"] == "r"
    assert message["timestamp"] > 5


def test_unicode_is_raw_utf8_and_survives_split_writes(connect: Connect) -> None:
    receiver = connect("r(JSON)")
    sender = connect("s(JSON)")
    payload = "sendraw r " + '{"t":"' + "é☃😀" * 2000 + '"}\n'
    data = payload.encode()
    # Cut inside multi-byte characters, across many writes.
    for start in range(0, len(data), 1021):
        sender.send(data[start : start + 1021])
    line = receiver.line()
    assert line.startswith(('{"t":"' + "é☃😀" * 2000 + '"').encode())


def test_pd_output_and_input(connect: Connect) -> None:
    pd = connect("mpd;")
    sender = connect("s(JSON)")
    sender.send(
        'sendraw mpd {"direct":3,"arr":[1,2],"s":"two words","B":1,"_x":2,'
        '"nl":"a\\nb","sender":"spoof"}\n'
    )
    line = pd.text()
    assert line.startswith("mpd timestamp=")
    assert line.endswith(" sender=s _x=2 arr=1,2 B=1 direct=3 nl=a b s=two words ;")
    # PD writes ' where JSON needs a comma, and ends lines with ;
    pd.send('clients;\nsendraw s {"pd":1\'"q":2};\nping;\n')
    assert pd.text() == "mpd,s;"
    assert strip_time(sender.message()) == {
        "pd": 1,
        "q": 2,
        "recipient": "s",
        "sender": "mpd",
    }
    assert pd.text() == ".;"


def test_legacy_clients_get_the_update_notice(connect: Connect) -> None:
    legacy = connect("mplain")
    sender = connect("s(JSON)")
    sender.send('sendraw mplain {"x":1}\n')
    parts = legacy.text().split(" ")
    assert parts[0:3] == ["send", "mplain", BLOB]
    assert parts[3].isdigit() and parts[4] == "s"


def test_commands_and_listings(connect: Connect) -> None:
    a = connect("ma(JSON)")
    b = connect("mb(JSON)")
    a.send("subscribe chan\nsubscribe sec:pw\n")
    sync(a)
    b.send("subscribe chan\n")
    sync(b)
    a.send(
        "channels\nchannels chan\nchannelsX chan\nclients\n"
        "channels nochan\nchannels mb\nchannels sec\nchannels sec:pw\n"
        "pingX\nclientsX\n.\ngarbage\n\nping\n"
    )
    assert a.text() == "ma, mb, chan"
    assert a.text() == "ma, mb"
    assert a.text() == "ma, mb"
    assert a.text() == "ma,mb"
    assert a.text() == ""  # an empty result is an empty line, not silence
    assert a.text() == ""
    assert a.text() == ""
    assert a.text() == "ma"
    assert a.text() == "."


def test_unsubscribe_and_channel_lifecycle(connect: Connect) -> None:
    a = connect("a(JSON)")
    s = connect("s(JSON)")
    a.send("subscribe tmp\n")
    sync(a)
    s.send("channels\n")
    assert s.text() == "a, s, tmp"
    a.send("unsubscribe tmp\n")
    sync(a)
    s.send('channels\nsendraw tmp {"x":1}\n')
    assert s.text() == "a, s"
    a.silent()


def test_quit_flushes_queued_output_then_bye(connect: Connect) -> None:
    receiver = connect("r(JSON)")
    sender = connect("s(JSON)")
    sender.send("".join(f'sendraw r {{"n":{n}}}\n' for n in range(100)))
    sync(sender)
    receiver.send("quit\n")
    for n in range(100):
        assert receiver.message()["n"] == n
    assert receiver.text() == "bye"
    assert receiver.closed()


def test_line_too_long_disconnects_only_that_client() -> None:
    from pyoocsi.server.testing import running_server

    with running_server(max_line=4096) as server:
        big = LineClient(server.host, server.port)
        other = LineClient(server.host, server.port)
        big.send("big(JSON)\n")
        other.send("other(JSON)\n")
        big.text()
        other.text()
        big.send("sendraw other " + "x" * 5000 + "\n")
        assert big.text() == "error (line longer than 4096 bytes)"
        assert big.closed()
        other.send("ping\n")
        assert other.text() == "."
        other.send("clients\n")
        assert other.text() == "other"
        other.silent(TICK / 2)
        big.close()
        other.close()


def test_nesting_deeper_than_100_levels_is_refused(connect: Connect) -> None:
    receiver = connect("deep_r(JSON)")
    sender = connect("deep_s(JSON)")
    sender.send('sendraw deep_r {"a":' + "[" * 100 + "]" * 100 + "}\n")
    assert sender.text() == "error (invalid JSON: nested deeper than 100 levels)"
    sender.send('sendraw deep_r {"a":' + "[" * 99 + "]" * 99 + "}\n")
    assert receiver.line().startswith(b'{"a":[[[')


def test_channel_names_with_control_characters_are_refused(connect: Connect) -> None:
    a = connect("ctl(JSON)")
    a.send(
        b"subscribe evil\x00bye\nsubscribe bell\x07[filter(x>1)]\n"
        b"subscribe presence(ring\x1b)\n"
        b'sendraw dele\x7fte {"_RETAIN":60,"v":1}\nchannels\n'
    )
    refusal = "error (a channel name cannot contain control characters)"
    assert [a.text(), a.text(), a.text()] == [refusal] * 3
    assert a.text() == "ctl"  # no channel was made, by a subscription or retained
