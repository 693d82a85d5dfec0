"""Function channel subscriptions over real sockets, with exact lines."""

from __future__ import annotations

from collections.abc import Callable

from pyoocsi.server.testing import running_server
from tests.wire import LineClient, strip_time, sync

Connect = Callable[..., LineClient]


def test_filter_and_transform_exact_lines(connect: Connect) -> None:
    spec = "fc[filter(x > 3);transform(y,x * 2)]"
    viewer = connect("fn_v(JSON)")
    viewer.send(f"subscribe {spec}\n")
    plain = connect("fn_p(JSON)")
    plain.send("subscribe fc\n")
    sync(viewer)
    sync(plain)
    sender = connect("fn_s(JSON)")
    sender.send('sendraw fc {"x":1}\nsendraw fc {"x":5}\n')
    assert plain.message()["x"] == 1
    assert plain.message()["x"] == 5
    line = viewer.line()
    assert line.startswith(b'{"x":5,"y":10.0,"recipient":"' + spec.encode() + b'"')
    assert line.endswith(b'"sender":"fn_s"}')
    viewer.silent()


def test_window_mean_and_stdev_as_32_bit_floats(connect: Connect) -> None:
    viewer = connect("win_v(JSON)")
    viewer.send("subscribe wm[transform(m,mean(x,3))]\n")
    viewer.send("subscribe ws[transform(s,stdev(x,2))]\n")
    sync(viewer)
    sender = connect("win_s(JSON)")
    sender.send('sendraw wm {"x":1}\n')
    assert b'"m":0.33333334,' in viewer.line()
    sender.send('sendraw ws {"x":100}\n')
    # 35.355339 to six places, written as Java writes the nearest 32-bit float
    assert b'"s":35.35534,' in viewer.line()
    sender.send('sendraw wm {"x":2}\n')
    assert b'"m":1.0,' in viewer.line()


def test_missing_key_filter_drops_and_transform_reads_zero(connect: Connect) -> None:
    viewer = connect("mk_v(JSON)")
    viewer.send("subscribe mk[filter(a < 10)]\n")
    other = connect("mk_o(JSON)")
    other.send("subscribe mk[transform(t,b + 1)]\n")
    sync(viewer)
    sync(other)
    sender = connect("mk_s(JSON)")
    sender.send('sendraw mk {"c":1}\n')
    assert strip_time(other.message())["t"] == 1.0
    viewer.silent()


def test_retained_message_passes_the_filter_of_a_new_subscriber(
    connect: Connect,
) -> None:
    sender = connect("rf_s(JSON)")
    sender.send('sendraw rf {"x":7,"_RETAIN":60}\n')
    sync(sender)
    passing = connect("rf_p(JSON)")
    passing.send("subscribe rf[filter(x > 3)]\n")
    message = passing.message()
    assert message["x"] == 7 and message["recipient"] == "rf[filter(x > 3)]"
    blocked = connect("rf_b(JSON)")
    blocked.send("subscribe rf[filter(x > 30)]\n")
    sync(blocked)
    blocked.silent()


def test_malformed_spec_is_ignored_and_unsubscribe_by_spec(connect: Connect) -> None:
    viewer = connect("bad_v(JSON)")
    viewer.send("subscribe bc[filter(x > 3)\nsubscribe bc[nope(1)]\nchannels\n")
    assert "bc" not in viewer.text().split(", ")
    viewer.send("subscribe bc[filter(x > 3)]\nchannels bc\n")
    assert viewer.text() == "bad_v"
    viewer.send("unsubscribe bc[filter(x > 3)]\nchannels bc\n")
    assert viewer.text() == ""


def test_function_subscriptions_per_client_are_bounded() -> None:
    with running_server(max_functions=2) as server:
        client = LineClient(server.host, server.port)
        client.send("lim_f(JSON)\n")
        client.text()
        for n in range(3):
            client.send(f"subscribe lf{n}[filter(x > {n})]\n")
        client.send("channels\n")
        names = client.text().split(", ")
        assert "lf0" in names and "lf1" in names and "lf2" not in names
        client.close()


def test_sending_to_a_bracket_name_reaches_nobody(connect: Connect) -> None:
    viewer = connect("br_v(JSON)")
    viewer.send("subscribe brc[filter(x > 3)]\n")
    sync(viewer)
    sender = connect("br_s(JSON)")
    sender.send('sendraw brc[filter(x > 3)] {"x":9}\n')
    sync(sender)
    viewer.silent()
