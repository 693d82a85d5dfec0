"""The built-in clients: echo, timechannel and testchannel, with exact keys."""

from __future__ import annotations

from datetime import datetime

from pyoocsi.server.testing import RunningServer
from pyoocsi.web.builtins import GENERATORS, time_data, wave_data
from tests.web.wsclient import WsClient, run, tcp_client
from tests.wire import TICK, LineClient, strip_time


def test_echo_returns_a_direct_message(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as alice:
            await alice.login("alice")
            await alice.send('sendjson echo {"hello":"me"}')
            message = await alice.message()
            assert message["sender"] == "echo"
            assert message["recipient"] == "alice"
            assert message["data"] == {"hello": "me"}

    run(scenario())


def test_timechannel_ticks_while_subscribed(oocsi_server: RunningServer) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as alice:
            await alice.login("alice")
            await alice.send("subscribe timechannel")
            message = await alice.message(10 * TICK)
            assert message["sender"] == "OOCSI/tools/timechannel-gen"
            # "timestamp" is the message's own, as data keys cannot shadow it
            assert set(message["data"]) == {
                "y", "M", "d", "dw", "h", "m", "s", "datetime"
            }  # fmt: skip
            await alice.send("unsubscribe timechannel")
            await alice.drain(3 * TICK)  # one may have been on its way
            await alice.silent(4 * TICK)

    run(scenario())


def test_time_data_uses_reference_numbering() -> None:
    sunday = datetime(2026, 3, 1, 14, 5, 9)
    data = time_data(sunday, 1772370309000)
    assert data == {
        "y": 2026,
        "M": 3,
        "d": 1,
        "dw": 1,
        "h": 14,
        "m": 5,
        "s": 9,
        "timestamp": 1772370309000,
        "datetime": "2026-03-01T14:05:09",
    }
    assert time_data(datetime(2026, 3, 7), 0)["dw"] == 7  # Saturday


def test_testchannel_sends_the_waves_from_the_start(
    oocsi_server: RunningServer,
) -> None:
    async def scenario() -> None:
        async with WsClient(oocsi_server.http_port) as alice:
            await alice.login("alice")
            await alice.send("subscribe testchannel")
            for n in range(3):
                message = await alice.message(10 * TICK)
                assert message["recipient"] == "testchannel"
                assert message["sender"] == "OOCSI/tools/testchannel-gen"
                assert message["data"] == wave_data(n)
            await alice.send("unsubscribe testchannel")
            await alice.drain(2 * TICK)  # one may have been on its way
            await alice.silent(2 * TICK)

    run(scenario())


def test_testchannel_reaches_tcp_clients_with_exact_keys(
    oocsi_server: RunningServer,
) -> None:
    tcp = tcp_client(oocsi_server, "tom(JSON)")
    try:
        tcp.send("subscribe testchannel\n")
        first = strip_time(tcp.message(answer_pings=True))
        assert first == {
            "color": 90,
            "position": 160,
            "recipient": "testchannel",
            "sender": "OOCSI/tools/testchannel-gen",
        }
        second = strip_time(tcp.message(answer_pings=True))
        assert second["color"] == 100  # 90 + round(70 sin(1/7))
        assert second["position"] == 159  # 90 + round(70 cos(1/8))
    finally:
        tcp.close()


def test_wave_data_stays_within_its_range() -> None:
    values = [wave_data(n) for n in range(2000)]
    assert all(set(v) == {"color", "position"} for v in values)
    colors = [v["color"] for v in values]
    positions = [v["position"] for v in values]
    assert (min(colors), max(colors)) == (20, 160)
    assert (min(positions), max(positions)) == (20, 160)
    assert all(isinstance(c, int) for c in colors + positions)


def test_generators_run_at_the_reference_rates() -> None:
    rates = {g.channel: (g.sender, g.period) for g in GENERATORS}
    assert rates == {
        "timechannel": ("OOCSI/tools/timechannel-gen", 1.0),
        "testchannel": ("OOCSI/tools/testchannel-gen", 0.333),
    }


def test_generator_channels_cannot_be_taken_as_names(
    oocsi_server: RunningServer,
) -> None:
    for name in ("timechannel", "testchannel"):
        client = LineClient(oocsi_server.host, oocsi_server.port)
        client.send(f"{name}(JSON)\n")
        assert client.text() == f"error (name already registered: {name})"
        client.close()
