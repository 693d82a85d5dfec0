"""Hostile use of this session's work: private names checked in a worker
thread, the heyOOCSI registry, ``/network.json`` and the ``/network`` pages.

Each test drives a real server on free loopback ports with odd but legal
input and checks that the server keeps its word: lines sent before a private
welcome run after it, right and wrong passwords for one name settle cleanly,
hostile announcements and questions never break ``/network.json`` or the
registry, and any filter in ``/network/<filter>`` gets the page.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.server.users import hash_password
from pyoocsi.web import WebSettings
from pyoocsi.web.heyoocsi import Registry
from tests.web.wsclient import WsClient, run, tcp_client
from tests.wire import LineClient, sync

# A cheap hash: the check still goes through the worker thread the first time.
ROUNDS = 1000


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server whose users file reserves ``ada`` (password ``right``)."""
    path = tmp_path / "users.txt"
    path.write_text(
        f"ada:{hash_password('right', ROUNDS)}\nwsp:{hash_password('pw', ROUNDS)}\n"
    )
    with running_server(WebSettings(), users=str(path)) as server:
        yield server


def get(server: RunningServer, path: str) -> tuple[int, str, bytes]:
    url = f"http://127.0.0.1:{server.http_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            kind = response.headers["Content-Type"]
            return response.status, kind, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def graph(server: RunningServer) -> dict[str, Any]:
    """``/network.json``, checked to be a graph whose links join its nodes."""
    status, kind, body = get(server, "/network.json")
    assert status == 200 and kind.startswith("application/json"), body[:200]
    value: dict[str, Any] = json.loads(body)
    ids = {node["id"] for node in value["nodes"]}
    assert all(isinstance(node["id"], str) for node in value["nodes"])
    assert all(isinstance(node["group"], int) for node in value["nodes"])
    for link in value["links"]:
        assert link["source"] in ids and link["target"] in ids, link
    return value


# private names, checked in the worker thread ------------------------------------


def test_lines_sent_with_a_private_handshake_run_after_the_welcome(
    private_server: RunningServer,
) -> None:
    at = (private_server.host, private_server.port)
    ada = LineClient(*at)
    ada.send("ada:right(JSON)\nsubscribe att_room\nclients\n")  # one segment
    assert ada.text() == "{'message' : \"welcome ada:right\"}"
    assert "ada" in ada.text().split(",")  # ``clients`` ran once ada was in
    poster = tcp_client(private_server, "att_poster(JSON)")
    poster.send('sendraw att_room {"n":7}\n')
    message = ada.message()
    assert message["n"] == 7 and message["sender"] == "att_poster"
    for client in (ada, poster):
        client.close()


def test_right_and_wrong_passwords_for_one_name_at_once(
    private_server: RunningServer,
) -> None:
    at = (private_server.host, private_server.port)
    wrong, right = LineClient(*at), LineClient(*at)
    wrong.send("ada:guess(JSON)\n")
    right.send("ada:right(JSON)\n")
    assert wrong.text() == "error (password wrong for name: ada)"
    assert wrong.closed()
    assert right.text() == "{'message' : \"welcome ada:right\"}"
    # A wrong password for the held name is still a wrong password.
    late = LineClient(*at)
    late.send("ada:guess2(JSON)\n")
    assert late.text() == "error (password wrong for name: ada)"
    assert late.closed()
    sync(right)
    watcher = tcp_client(private_server, "att_watcher(JSON)")
    watcher.send("clients\n")
    assert watcher.text().split(",").count("ada") == 1
    for client in (wrong, right, late, watcher):
        client.close()


def test_a_wrong_password_is_not_remembered_and_a_right_one_is(
    private_server: RunningServer,
) -> None:
    at = (private_server.host, private_server.port)
    for attempt in ("ada:wrong", "ada:wrong", "ada:right", "ada:wrong", "ada:right"):
        client = LineClient(*at)
        client.send(f"{attempt}(JSON)\n")
        if attempt.endswith(":right"):
            assert client.text() == "{'message' : \"welcome ada:right\"}"
            client.send("quit\n")
            assert client.text() == "bye"
        else:
            assert client.text() == "error (password wrong for name: ada)"
        assert client.closed()
        client.close()


def test_a_newcomer_gone_during_its_check_takes_nothing(
    private_server: RunningServer,
) -> None:
    at = (private_server.host, private_server.port)
    for attempt in ("ada:right", "ada:wrong"):
        gone = LineClient(*at)
        gone.send(f"{attempt}(JSON)\n")
        gone.close()
    # One worker thread checks in turn: once wsp is in, ada's checks are over.
    wsp = LineClient(*at)
    wsp.send("wsp:pw(JSON)\n")
    assert wsp.text() == "{'message' : \"welcome wsp:pw\"}"
    sync(wsp)
    wsp.send("clients\n")
    assert "ada" not in wsp.text().split(",")
    ada = LineClient(*at)
    ada.send("ada:right(JSON)\nclients\n")
    assert ada.text() == "{'message' : \"welcome ada:right\"}"
    assert ada.text().split(",").count("ada") == 1
    wsp.silent()  # nobody was probed for ada's name
    for client in (wsp, ada):
        client.close()


def test_a_websocket_private_name_holds_its_frames_until_the_welcome(
    private_server: RunningServer,
) -> None:
    async def scenario() -> None:
        port = private_server.http_port
        async with WsClient(port) as wrong:
            assert await wrong.login("wsp:nope") == (
                '{"message" : "ERROR: password wrong for name: wsp"}'
            )
            assert await wrong.closed() is not None
        async with WsClient(port) as right:
            await right.send("wsp:pw")
            await right.send("subscribe att_ws_room")  # before the welcome
            assert await right.frame() == '{"message" : "welcome wsp:pw"}'
            poster = tcp_client(private_server, "att_ws_poster(JSON)")
            poster.send("channels att_ws_room\n")
            assert poster.text() == "wsp"
            poster.send('sendraw att_ws_room {"n":3}\n')
            message = await right.message()
            assert message["data"] == {"n": 3}
            poster.close()

    run(scenario())


# heyOOCSI and /network.json --------------------------------------------------------

HOSTILE = [
    "[1, 2, 3]",
    '"just text"',
    '{"a": 1, "b": true, "c": null, "d": [1, 2]}',
    '{"h1": {"properties": [1, 2], "location": "x", "components": 7}}',
    '{"h2": {"properties": {"device_id": 42}}}',
    '{"h3": {"properties": {"device_id": {"a": [1]}}}}',
    '{"h4": {"location": {"p1": [1], "p2": [1, 2, 3], "p3": ["1", "2"],'
    ' "p4": [true, false], "p5": [1e308, -1e308], "p6": [null, 1],'
    ' "p7": {"x": 1}, "p8": [1e400, 1]}}}',
    '{"h5": {"properties": {"a": {"b": [[{"c": 1}]]}}, "components": {"c1":'
    ' {"channel_name": {"x": [1]}, "type": [1], "icon": 5, "value": {"q": 1}},'
    ' "c2": "text", "c3": [1], "c4": {}}}}',
    '{"\\ud83d\\udce6 box": {"properties": {"device_id": "\\u00fcn\\u00ef"},'
    ' "location": {"K\\u00fcche \\ud83c\\udfe0": [1, 2]},'
    ' "components": {"l\\u00e1mpara": {"type": "\\ud83d\\udca1"}}}}',
    # names that collide with the server, channels, clients and device nodes
    '{"echo": {"location": {"heyOOCSI!": [0, 0], "OOCSI Server": [1, 1],'
    ' "att_announcer": [2, 2], "[ echo ]": [3, 3]}, "components": {"x": {}}}}',
    '{"att_announcer": {"components": {"x": {}}}, "att_announcer_x": {}}',
    '{"": {"location": {"": [0, 0]}, "components": {"": {}}}}',
    '{"a b": {"location": {"c d": [0, 0]}, "components": {"e f": {}}}}',
    '{"n\\u0000ul": {"location": {"p\\u0000": [0, 0]}, "components":'
    ' {"c\\u0000": {"type": "\\u0000"}}}}',
    '{"OOCSI_x": {"properties": {"device_id": "att_announcer"},'
    ' "location": {"OOCSI_place": [-0.0, 1e-400]}}}',
]


def test_hostile_announcements_never_break_the_graph(
    oocsi_server: RunningServer,
) -> None:
    announcer = tcp_client(oocsi_server, "att_announcer(JSON)")
    announcer.send("subscribe att_chan\n")
    for data in HOSTILE:
        announcer.send(f"sendraw heyOOCSI! {data}\n")
        sync(announcer)
        graph(oocsi_server)
    asker = tcp_client(oocsi_server, "asker(JSON)")
    asker.send('sendraw heyOOCSIClient {"clientHandle": "h4", "_MESSAGE_ID": [1]}\n')
    answer = asker.message()
    assert answer["_MESSAGE_ID"] == [1]
    # Only two finite numbers make a place; 1e400 arrives as "Infinity".
    assert answer["location"] == {"p5": [1e308, -1e308]}
    asker.send('sendraw heyOOCSIClient {"location": "K\\u00dcCHE \\ud83c\\udfe0"}\n')
    assert asker.message()["clients"] == ["\u00fcn\u00ef"]
    nodes = {node["id"]: node for node in graph(oocsi_server)["nodes"]}
    assert nodes["[ \U0001f4e6 box ]"]["group"] == 4
    assert nodes["att_chan"]["group"] == 1
    for client in (announcer, asker):
        client.close()
    graph(oocsi_server)  # the devices' clients have gone: still a whole graph


def test_non_finite_numbers_are_refused_before_the_registry(
    oocsi_server: RunningServer,
) -> None:
    announcer = tcp_client(oocsi_server, "att_nan(JSON)")
    announcer.send(
        'sendraw heyOOCSI! {"nan_dev": {"location": {"p": [NaN, 1]}}}\n'
        'sendraw heyOOCSIClient {"x": 0, "y": 0, "distance": Infinity}\n'
    )
    assert announcer.text().startswith("error (")
    assert announcer.text().startswith("error (")
    announcer.send('sendraw heyOOCSIClient {"clientHandle": "nan_dev"}\n')
    sync(announcer)  # unknown: no answer came before the sync
    graph(oocsi_server)
    announcer.close()


def test_the_registry_keeps_only_finite_points() -> None:
    registry = Registry()
    inf, nan = float("inf"), float("nan")
    places = {"a": [inf, 0], "b": [0, nan], "c": [-inf, inf]}
    registry.announce({"dev": {"location": {**places, "ok": [0.5, -2]}}}, "x")
    assert registry.devices["dev"].locations == {"ok": (0.5, -2.0)}
    for distance in (inf, nan, -inf):
        assert registry.answer({"x": 0, "y": 0, "distance": distance}) is None


def ask(client: LineClient, question: str, answered: bool) -> dict[str, Any] | None:
    """Ask ``heyOOCSIClient``; its answer, or None after checking none came.

    The registry answers on the loop's next turn, after the lines read with the
    question: a second sync passes that turn, so an answer would precede it.
    """
    client.send(f"sendraw heyOOCSIClient {question}\n")
    if answered:
        value = client.message()
        assert value["sender"] == "heyOOCSIClient"
        return value
    sync(client)
    sync(client)
    return None


def test_odd_questions_get_sensible_answers_or_none(
    oocsi_server: RunningServer,
) -> None:
    asker = tcp_client(oocsi_server, "att_asker(JSON)")
    asker.send(
        "sendraw heyOOCSI! "
        '{"att_near": {"properties": {"device_id": "att_asker"},'
        ' "location": {"here": [3, 4]}}}\n'
    )
    sync(asker)
    point = '"x": 0, "y": 0, "distance": 10'
    found = ["att_asker"]
    cases: list[tuple[str, list[str] | None]] = [
        (f"{{{point}}}", found),
        (f'{{{point}, "closest": -5}}', []),
        (f'{{{point}, "closest": 0.5}}', []),
        (f'{{{point}, "closest": 1e308}}', found),
        (f'{{{point}, "closest": true}}', found),  # not a number: the default
        (f'{{{point}, "closest": "0"}}', found),
        ('{"x": 0, "y": 0, "distance": -1}', []),
        ('{"x": 0, "y": 0, "distance": 4.99}', []),
        ('{"x": 1e308, "y": -1e308, "distance": 1e308}', []),
        ('{"x": 0, "y": 0, "distance": "10"}', None),
        ('{"x": true, "y": false, "distance": true}', None),
        ('{"x": 0, "y": 0}', None),
        ('{"location": 5}', None),
        ('{"location": ["here"]}', None),
        ('{"clientHandle": null}', None),
        ('{"clientHandle": {"a": 1}}', None),
        ("{}", None),
        ("not json at all", None),
    ]
    for question, clients in cases:
        answer = ask(asker, question, clients is not None)
        if answer is not None:
            assert answer["clients"] == clients, question
        graph(oocsi_server)
    asker.close()


# the /network pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/network/",
        "/network/echo",
        "/network/a%2Fb",
        "/network/%2F",
        "/network/%E2%9C%93",
        "/network/%00",
        "/network/..%2F..%2Fetc",
        "/network//x/y",
        "/network/" + "x" * 4000,
        "/network/a?b=c",
    ],
)
def test_any_filter_gets_the_network_page(
    oocsi_server: RunningServer, path: str
) -> None:
    page = get(oocsi_server, "/network")
    assert page[0] == 200 and page[1].startswith("text/html")
    assert b'<canvas id="graph">' in page[2]
    assert get(oocsi_server, path) == page


def test_network_json_is_not_a_page(oocsi_server: RunningServer) -> None:
    status, kind, _body = get(oocsi_server, "/network.json/")
    assert status == 404 and not kind.startswith("application/json")
    graph(oocsi_server)
