"""The dashboard and data tiles in a real Chromium, fed over TCP and testchannel."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pyoocsi.server.testing import RunningServer
from tests.web.browser import Browser, find_chromium
from tests.web.wsclient import run, subscribed, tcp_client
from tests.wire import TICK

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHART = "document.querySelector('.chart[data-selector=\"{}\"] .current').textContent"
TILE = (
    '(document.querySelector(\'.board[data-channel="{}"] .tile[data-key="{}"]'
    " .value') || {{}}).textContent"
)


def test_dashboard_charts_selected_values(oocsi_server: RunningServer) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port
    tcp = tcp_client(oocsi_server, "probe(JSON)")

    async def scenario() -> None:
        async with Browser(CHROMIUM) as browser:
            await browser.goto(f"http://127.0.0.1:{port}/dashboard")
            await browser.wait_for("OOCSI.isConnected()")
            # the default charts follow the built-in testchannel
            for selector in ("color", "position"):
                value = await browser.wait_for(
                    f"Number({CHART.format(selector)}) >= 20"
                    f" && {CHART.format(selector)}"
                )
                assert 20 <= float(value) <= 160
            for selector in ("data.temp", "a.b.1", "constructor", "mode"):
                await browser.evaluate(
                    f"""document.getElementById('channel').value = 'sensors';
                    document.getElementById('selector').value = '{selector}';
                    document.getElementById('add').click(); true"""
                )
            await subscribed(port, "sensors")
            tcp.send('sendraw sensors {"temp":21.5,"a":{"b":[7,8]},"mode":"eco"}\n')
            await browser.wait_for(f"{CHART.format('data.temp')} === '21.5'")
            await browser.wait_for(f"{CHART.format('a.b.1')} === '8'")
            await browser.wait_for(f"{CHART.format('mode')} === 'eco'")
            tcp.send('sendraw sensors {"temp":"22.25"}\n')
            await browser.wait_for(f"{CHART.format('data.temp')} === '22.25'")
            # a path never reaches into the prototype, and text is not charted
            assert (
                await browser.evaluate(CHART.format("constructor")) == "\u2013"
            )  # nothing found yet
            hidden = await browser.evaluate(
                "document.querySelector('.chart[data-selector=\"mode\"] canvas').hidden"
            )
            assert hidden is True
            await asyncio.sleep(4 * TICK)  # a few more testchannel points
            await browser.screenshot(ARTIFACTS / "dashboard.png")
            # the charts survive a reload
            await browser.goto(f"http://127.0.0.1:{port}/dashboard")
            kept = await browser.evaluate(
                "Array.from(document.querySelectorAll('.chart'))"
                ".map(c => c.dataset.channel + ' ' + c.dataset.selector)"
            )
            assert kept == [
                "testchannel color",
                "testchannel position",
                "sensors data.temp",
                "sensors a.b.1",
                "sensors constructor",
                "sensors mode",
            ]
            assert browser.exceptions == []

    try:
        run(scenario())
    finally:
        tcp.close()


def test_selector_reads_dotted_paths_only(oocsi_server: RunningServer) -> None:
    assert CHROMIUM is not None

    async def scenario() -> None:
        async with Browser(CHROMIUM) as browser:
            await browser.goto(f"http://127.0.0.1:{oocsi_server.http_port}/dashboard")
            found = await browser.evaluate(
                """(function () {
                  var d = {temp: 3, a: {b: [7, 8]}, data: {x: 1}};
                  function pick(s) {
                    var parts = OOCSIPages.parsePath(s);
                    if (!parts) return "refused";
                    var r = OOCSIPages.select(d, parts);
                    return r.found ? r.value : "missing";
                  }
                  return ["temp", "a.b.0", "a.b.2", "data.x", "data.temp",
                          "toString", "a.b.length", "a..b", "temp; alert(1)",
                          "a['b']", ""].map(pick);
                })()"""
            )
            assert found == [
                3, 7, "missing", 1, "missing",
                "missing", "missing", "refused", "refused",
                "refused", "refused",
            ]  # fmt: skip
            lenient = await browser.evaluate(
                "OOCSIPages.select({temp: 4}, OOCSIPages.parsePath('data.temp'))"
            )
            assert lenient == {"found": True, "value": 4}

    run(scenario())


def test_datatiles_show_the_latest_value_of_each_key(
    oocsi_server: RunningServer,
) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port
    tcp = tcp_client(oocsi_server, "probe(JSON)")

    async def scenario() -> None:
        async with Browser(CHROMIUM) as browser:
            await browser.goto(f"http://127.0.0.1:{port}/datatiles")
            await browser.wait_for("OOCSI.isConnected()")
            for channel in ("sensors", "testchannel"):
                await browser.evaluate(
                    f"""document.getElementById('channel').value = '{channel}';
                    document.getElementById('add').click(); true"""
                )
            await subscribed(port, "sensors")
            tcp.send('sendraw sensors {"temp":21.46,"state":"on","pos":[1,2]}\n')
            await browser.wait_for(f"{TILE.format('sensors', 'temp')} === '21.5'")
            assert await browser.evaluate(TILE.format("sensors", "state")) == "on"
            assert await browser.evaluate(TILE.format("sensors", "pos")) == "[1,2]"
            tcp.send('sendraw sensors {"temp":19}\n')
            await browser.wait_for(f"{TILE.format('sensors', 'temp')} === '19'")
            keys = await browser.evaluate(
                "Array.from(document.querySelectorAll("
                "'.board[data-channel=\"sensors\"] .tile')).map(t => t.dataset.key)"
            )
            assert keys == ["pos", "state", "temp"]
            for key in ("color", "position"):
                await browser.wait_for(f"{TILE.format('testchannel', key)}")
            await asyncio.sleep(2 * TICK)  # let the bars fill a little
            await browser.screenshot(ARTIFACTS / "datatiles.png")
            # the channels survive a reload
            await browser.goto(f"http://127.0.0.1:{port}/datatiles")
            kept = await browser.evaluate(
                "Array.from(document.querySelectorAll('.board'))"
                ".map(b => b.dataset.channel)"
            )
            assert kept == ["sensors", "testchannel"]
            assert browser.exceptions == []

    try:
        run(scenario())
    finally:
        tcp.close()
