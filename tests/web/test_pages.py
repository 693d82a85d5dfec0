"""The web pages in a real headless Chromium; screenshots go to test-artifacts/."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web import WebSettings
from tests.web.browser import Browser, find_chromium
from tests.web.wsclient import WsClient, get_json, run, subscribed, tcp_client
from tests.wire import TICK, LineClient, sync

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_landing_page_shows_clients_channels_presence_and_snippets(
    oocsi_server: RunningServer,
) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port

    async def scenario() -> None:
        async with WsClient(port) as bob, Browser(CHROMIUM) as browser:
            await bob.login("bob")
            await bob.send("subscribe kitchen")
            await browser.goto(f"http://127.0.0.1:{port}/")
            # the list refreshes every 2 s; the page's own connection shows too
            clients = await browser.wait_for(
                "document.getElementById('clients').textContent"
                ".includes('OOCSI/tools/landing_')"
                " && document.getElementById('clients').textContent"
            )
            assert "echo" in clients
            assert "bob" in clients
            await browser.wait_for(
                "document.getElementById('channels').textContent.includes('kitchen')"
            )
            snippet = await browser.evaluate(
                "document.getElementById('snippet-processing').textContent"
            )
            assert '"127.0.0.1"' in snippet
            curl = await browser.evaluate(
                "document.getElementById('snippet-curl').textContent"
            )
            assert f"http://127.0.0.1:{port}/send/testchannel" in curl
            # presence of the listed channel shows up live
            await asyncio.sleep(TICK)
            await subscribed(port, "presence(kitchen)")
            async with WsClient(port) as carol:
                await carol.login("carol")
                await carol.send("subscribe kitchen")
                await browser.wait_for(
                    "document.getElementById('presence').textContent"
                    ".includes('join carol')"
                )
            await browser.screenshot(ARTIFACTS / "landing.png")
            assert browser.exceptions == []

    run(scenario())


def test_landing_page_draws_the_network_and_the_notice() -> None:
    assert CHROMIUM is not None
    notice = "Public server: everyone can read what you send."
    with running_server(WebSettings(notice=notice)) as server:
        port = server.http_port
        tcp = tcp_client(server, "tom(JSON)")

        async def scenario() -> None:
            async with WsClient(port) as bob, Browser(CHROMIUM) as browser:
                await bob.login("bob")
                await bob.send("subscribe kitchen")
                await browser.goto(f"http://127.0.0.1:{port}/")
                shown = await browser.wait_for(
                    "!document.getElementById('notice').hidden"
                    " && document.getElementById('notice').textContent"
                )
                assert shown == notice
                # the listed names are nodes before any message
                await browser.wait_for(
                    "oocsiGraph.nodes().includes('kitchen:channel')"
                    " && oocsiGraph.nodes().includes('bob:client')"
                )
                await subscribed(port, "OOCSI_events")
                for n in range(3):
                    tcp.send(f'sendraw kitchen {{"n":{n}}}\n')
                    tcp.send(f'sendraw bob {{"direct":{n}}}\n')
                # events arrive one by one: wait until all three links are drawn
                links = await browser.wait_for(
                    "['tom>kitchen', 'kitchen>bob', 'tom>bob']"
                    ".every(l => oocsiGraph.links().includes(l))"
                    " && oocsiGraph.links()"
                )
                assert {"tom>kitchen", "kitchen>bob", "tom>bob"} <= set(links)
                nodes = await browser.evaluate("oocsiGraph.nodes()")
                assert "tom:client" in nodes
                assert not [n for n in nodes if n.startswith("OOCSI_")]
                frames = [await bob.message() for _ in range(6)]
                assert {f["sender"] for f in frames} == {"tom"}
                await browser.screenshot(ARTIFACTS / "network.png")
                assert browser.exceptions == []

        try:
            run(scenario())
        finally:
            tcp.close()


def test_network_page_filters_clients_by_name(oocsi_server: RunningServer) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port
    team = tcp_client(oocsi_server, "TeamA/lamp(JSON)")
    other = tcp_client(oocsi_server, "other(JSON)")

    async def scenario() -> None:
        async with WsClient(port) as watcher, Browser(CHROMIUM) as browser:
            await watcher.login("teama_watcher")
            await watcher.send("subscribe team_room")
            await browser.goto(f"http://127.0.0.1:{port}/network/teama")
            assert await browser.evaluate(
                "document.getElementById('filter').value"
            ) == ("teama")
            nodes = await browser.wait_for(
                "oocsiGraph.nodes().includes('team_room:channel')"
                " && oocsiGraph.nodes().includes('TeamA/lamp:client')"
                " && oocsiGraph.nodes()"
            )
            assert "other:client" not in nodes and "echo:client" not in nodes
            await subscribed(port, "OOCSI_events")
            # the events the filter hides come first, so once the last one
            # shows, the page has seen them all
            other.send('sendraw team_room {"on":false}\n')
            assert (await watcher.message())["sender"] == "other"
            team.send('sendraw other {"hi":1}\nsendraw team_room {"on":true}\n')
            assert (await watcher.message())["sender"] == "TeamA/lamp"
            await browser.wait_for(
                "['TeamA/lamp>team_room', 'team_room>teama_watcher']"
                ".every(l => oocsiGraph.links().includes(l))"
            )
            links = await browser.evaluate("oocsiGraph.links()")
            assert "other>team_room" not in links and "TeamA/lamp>other" not in links
            # clearing the filter shows everyone
            await browser.evaluate(
                "(b => { b.value = ''; b.dispatchEvent(new Event('input')); })"
                "(document.getElementById('filter'))"
            )
            await browser.wait_for("oocsiGraph.nodes().includes('other:client')")
            assert await browser.evaluate("location.pathname") == "/network"
            await browser.screenshot(ARTIFACTS / "network-full.png")
            # a filter that is not valid percent-encoding is taken as typed
            await browser.goto(f"http://127.0.0.1:{port}/network/50%25%E0%A4%A")
            typed = await browser.wait_for(
                "oocsiGraph && document.getElementById('filter').value"
            )
            assert typed == "50%25%E0%A4%A"
            assert browser.exceptions == []

    try:
        run(scenario())
    finally:
        team.close()
        other.close()


def announcing(server: RunningServer, name: str, devices: str) -> LineClient:
    """A TCP client that has announced ``devices`` (JSON text) on heyOOCSI!."""
    client = tcp_client(server, f"{name}(JSON)")
    client.send(f"sendraw heyOOCSI! {devices}\n")
    sync(client)
    return client


def test_heyoocsi_page_lists_devices_with_live_values(
    oocsi_server: RunningServer,
) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port
    device = announcing(
        oocsi_server,
        "lamp_board",
        '{"desk_lamp":{"properties":{"device_id":"lamp_board"},'
        '"location":{"studio":[1,2]},"components":{'
        '"brightness":{"channel_name":"lamp_level","type":"number","value":10},'
        '"power":{"channel_name":"lamp_power","type":"switch","state":false}}}}',
    )

    async def scenario() -> None:
        async with Browser(CHROMIUM) as browser:
            await browser.goto(f"http://127.0.0.1:{port}/heyOOCSI/any/route")
            await browser.wait_for("window.heyOOCSIReady === true")
            place = await browser.evaluate(
                "document.querySelector('[data-place=studio] h3').textContent"
            )
            assert place == "\N{ROUND PUSHPIN} studio"
            rows = await browser.evaluate(
                "[...document.querySelectorAll('.component')]"
                ".map(r => r.dataset.channel + '=' + r.querySelector('.value')"
                ".textContent)"
            )
            assert rows == ["lamp_level=10", "lamp_power=false"]
            assert await browser.evaluate("document.getElementById('empty').hidden")
            await subscribed(port, "lamp_level")
            for level in (20, 35):
                device.send(f'sendraw lamp_level {{"value":{level}}}\n')
            await browser.wait_for(
                "document.querySelector('[data-channel=lamp_level] .value')"
                ".textContent === '35'"
            )
            # "subscribe" routes the component's channel into the event log
            await browser.evaluate(
                "document.querySelector('[data-channel=lamp_level] button').click()"
            )
            device.send('sendraw lamp_level {"value":50}\n')
            await browser.wait_for(
                "document.getElementById('log').textContent"
                ".includes('lamp_level  {\"value\":50}')"
            )
            await browser.screenshot(ARTIFACTS / "heyoocsi.png")
            assert browser.exceptions == []

    try:
        run(scenario())
    finally:
        device.close()


def devices(port: int) -> list[str]:
    return [d["clientHandle"] for d in get_json(port, "/api/devices")["devices"]]


def test_heyoocsi_page_takes_names_that_are_object_properties(
    oocsi_server: RunningServer,
) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port
    device = announcing(
        oocsi_server,
        "proto_board",
        '{"odd":{"location":{"constructor":[0,0],"__proto__":[1,1]},'
        '"components":{"c":{"channel_name":"toString","type":"constructor"}}}}',
    )

    async def scenario() -> None:
        async with Browser(CHROMIUM) as browser:
            await browser.goto(f"http://127.0.0.1:{port}/heyOOCSI")
            await browser.wait_for("window.heyOOCSIReady === true")
            places = await browser.evaluate(
                "[...document.querySelectorAll('[data-place]')]"
                ".map(p => p.dataset.place)"
            )
            assert places == ["constructor", "__proto__"]
            assert browser.exceptions == []

    try:
        run(scenario())
    finally:
        device.close()


def test_the_browser_client_announces_a_device_to_the_registry(
    oocsi_server: RunningServer,
) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port

    async def scenario() -> None:
        async with Browser(CHROMIUM) as browser:
            await browser.goto(f"http://127.0.0.1:{port}/test/visual")
            handle = await browser.wait_for("OOCSI.isConnected() && OOCSI.handle()")
            # a brick without an icon, as the reference registry could not take
            await browser.evaluate(
                "OOCSI.heyOOCSI('web_lamp').add_location('hall', 3, 4)"
                ".add_switch_brick('power', 'power_ch', true).submit()"
            )
            for _ in range(100):  # the page's frame and the question race
                if "web_lamp" in devices(port):
                    break
                await asyncio.sleep(TICK / 10)
            async with WsClient(port) as asker:
                await asker.login("web_asker")
                await asker.send('sendjson heyOOCSIClient {"clientHandle":"web_lamp"}')
                answer = (await asker.message())["data"]
            assert answer["properties"] == {"device_id": handle}
            assert answer["location"] == {"hall": [3.0, 4.0]}
            assert answer["components"]["power"] == {
                "channel_name": "power_ch",
                "default_value": "true",
                "type": "switch",
                "icon": "",
            }
            assert browser.exceptions == []

    run(scenario())


def test_chat_widget_joins_talks_and_shows_other_traffic(
    oocsi_server: RunningServer,
) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port
    bob = tcp_client(oocsi_server, "bob(JSON)")
    bob.send("subscribe lounge\n")
    sync(bob)

    def chat(data: dict[str, object]) -> None:
        bob.send(f"sendraw lounge {json.dumps(data)}\n")

    async def scenario() -> None:
        async with Browser(CHROMIUM) as browser:
            # /tools has no OOCSI connection of its own: the widget makes one
            await browser.goto(f"http://127.0.0.1:{port}/tools")
            await browser.wait_for("document.querySelector('.oc-button') !== null")
            assert await browser.evaluate("typeof OOCSI") == "undefined"
            await browser.evaluate(
                "document.querySelector('.oc-button').click();"
                "const [name, channel] = document.querySelectorAll('.oc-panel input');"
                "name.value = 'ann'; channel.value = 'lounge';"
                "document.querySelector('.oc-panel button').click();"
            )
            joined = bob.message()
            assert joined["sender"].startswith("ChatClient_")
            assert (joined["message"], joined["username"]) == ("<JOIN>", "ann")
            chat({"message": "hi ann", "username": "bob", "timestamp": 1})
            chat({"temperature": 21})
            await browser.wait_for(
                "document.querySelector('.oc-log').textContent.includes('bob: hi ann')"
                " && document.querySelector('.oc-json pre') !== null"
            )
            assert '"temperature": 21' in await browser.evaluate(
                "document.querySelector('.oc-json pre').textContent"
            )
            await browser.evaluate(
                "const box = document.querySelectorAll('.oc-panel input')[2];"
                "box.value = 'hello bob';"
                "box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));"
            )
            said = bob.message()
            assert (said["message"], said["username"]) == ("hello bob", "ann")
            assert isinstance(said["timestamp"], int)
            # closed, the widget counts what arrives
            await browser.evaluate("document.querySelector('.oc-button').click()")
            chat({"message": "still there?", "username": "bob", "timestamp": 2})
            badge = await browser.wait_for(
                "document.querySelector('.oc-badge').textContent === '1'"
                " && !document.querySelector('.oc-badge').hidden"
            )
            assert badge is True
            cookies = await browser.evaluate("document.cookie")
            assert "oc_username=ann" in cookies and "oc_channel=lounge" in cookies
            await browser.screenshot(ARTIFACTS / "chat.png")
            assert browser.exceptions == []

    try:
        run(scenario())
    finally:
        bob.close()


def test_metrics_page_charts_live_numbers(oocsi_server: RunningServer) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port

    async def scenario() -> None:
        async with WsClient(port) as bob, Browser(CHROMIUM) as browser:
            await bob.login("bob")
            await browser.goto(f"http://127.0.0.1:{port}/metrics")
            for _ in range(5):
                await bob.send('sendjson bob {"n":1}')
            clients = await browser.wait_for(
                "document.getElementById('clients-value').textContent"
            )
            assert clients == "4"  # bob and three built-in clients (read over HTTP)
            await browser.wait_for(
                "document.getElementById('rate-value').textContent !== ''"
            )
            await asyncio.sleep(2 * TICK)
            await browser.screenshot(ARTIFACTS / "metrics.png")
            assert browser.exceptions == []

    run(scenario())


def test_send_and_subscribe_page_by_hand(oocsi_server: RunningServer) -> None:
    assert CHROMIUM is not None
    port = oocsi_server.http_port

    async def scenario() -> None:
        async with WsClient(port) as bob, Browser(CHROMIUM) as browser:
            await bob.login("bob")
            await bob.send("subscribe lobby")
            await browser.goto(f"http://127.0.0.1:{port}/test/visual")
            await browser.wait_for("OOCSI.isConnected()")
            await browser.evaluate(
                """document.getElementById('channel').value = 'news';
                document.getElementById('subscribe').click();
                document.getElementById('recipient').value = 'lobby';
                document.getElementById('data').value = '{"from": "page"}';
                document.getElementById('send').click(); true"""
            )
            message = await bob.message()
            assert message["data"] == {"from": "page"}
            assert message["sender"].startswith("OOCSI/test/visual_")
            await subscribed(port, "news")
            await bob.send('sendjson news {"headline":"hi"}')
            await browser.wait_for(
                "document.getElementById('received').textContent"
                '.includes(\'{"headline":"hi"}\')'
            )
            # a call by hand, answered by echo
            await browser.evaluate(
                """document.getElementById('recipient').value = 'echo';
                document.getElementById('as-call').checked = true;
                document.getElementById('send').click(); true"""
            )
            await browser.wait_for(
                "document.getElementById('replies').textContent"
                ".includes('reply from echo')"
            )
            await browser.screenshot(ARTIFACTS / "visual.png")
            assert browser.exceptions == []

    run(scenario())


def test_tools_page_loads(oocsi_server: RunningServer) -> None:
    assert CHROMIUM is not None

    async def scenario() -> None:
        async with Browser(CHROMIUM) as browser:
            await browser.goto(f"http://127.0.0.1:{oocsi_server.http_port}/tools")
            title = await browser.evaluate("document.title")
            assert title == "OOCSI tools"
            assert browser.exceptions == []

    run(scenario())
