"""heyOOCSI: the device registry on its own, then on a real server with the
``oocsi`` package announcing a device and raw clients asking about it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web.heyoocsi import MAX_DEVICE_BYTES, MAX_PARTS, Registry
from tests.interop.clients import PackageClient
from tests.web.wsclient import get_json, tcp_client
from tests.wire import TICK, LineClient, sync

LAMP = {
    "my_lamp": {
        "properties": {"device_id": "lamp_client", "owner": "me", "version": 2.5},
        "location": {"kitchen": [1, 2], "hall": [10, 0]},
        "components": {
            "temp": {
                "channel_name": "temp_ch",
                "type": "sensor",
                "unit": "C",
                "value": 21.5,
                "icon": "thermometer",
            },
            "lamp": {"channel_name": "lamp_ch", "type": "light", "state": False},
        },
    }
}


def registry_with(*devices: tuple[str, str, dict[str, list[float]]]) -> Registry:
    registry = Registry()
    for name, device_id, locations in devices:
        registry.announce(
            {name: {"properties": {"device_id": device_id}, "location": locations}},
            "announcer",
        )
    return registry


def test_a_device_is_described_as_announced() -> None:
    registry = Registry()
    assert registry.announce({**LAMP, "note": "not a device"}, "x") == ["my_lamp"]
    assert registry.answer({"clientHandle": "my_lamp", "_MESSAGE_ID": "m1"}) == {
        "clientHandle": "my_lamp",
        "location": {"kitchen": [1.0, 2.0], "hall": [10.0, 0.0]},
        "components": {
            "temp": {
                "channel_name": "temp_ch",
                "default_value": "21.5",
                "type": "sensor",
                "icon": "thermometer",
            },
            "lamp": {
                "channel_name": "lamp_ch",
                "default_value": "false",
                "type": "light",
                "icon": "",
            },
        },
        "properties": {"device_id": "lamp_client", "owner": "me", "version": "2.5"},
        "_MESSAGE_ID": "m1",
    }
    assert registry.answer({"clientHandle": "lamp_client"}) is None  # by name only
    assert registry.answer({"something": "else"}) is None


def test_broken_descriptions_are_taken_as_far_as_they_go() -> None:
    registry = Registry()
    registry.announce(
        {
            "odd": {
                "properties": "none",
                "location": {"a": [1], "b": ["x", 2], "c": [True, 1], "d": [3, 4]},
                "components": {"c1": {"icon": None}, "c2": "not an object"},
            }
        },
        "odd_sender",
    )
    answer = registry.answer({"clientHandle": "odd"})
    assert answer is not None
    assert answer["location"] == {"d": [3.0, 4.0]}
    assert answer["components"] == {
        "c1": {"channel_name": "", "default_value": "", "type": "", "icon": ""}
    }
    assert answer["properties"] == {}
    assert registry.devices["odd"].device_id == "odd_sender"


def test_a_new_description_replaces_the_old_one() -> None:
    registry = Registry()
    registry.announce(LAMP, "x")
    registry.announce({"my_lamp": {"properties": {"device_id": "lamp_client"}}}, "x")
    answer = registry.answer({"clientHandle": "my_lamp"})
    assert answer is not None and answer["components"] == {}
    assert list(registry.devices) == ["my_lamp"]


def test_devices_near_a_point_come_nearest_first() -> None:
    registry = registry_with(
        ("far", "far_id", {"a": [10, 0]}),
        ("near", "near_id", {"a": [0, 1], "b": [50, 50]}),
        ("same_a", "tie_1", {"a": [3, 4]}),
        ("same_b", "tie_2", {"a": [-3, -4]}),
        ("nowhere", "no_id", {}),
    )
    answer = registry.answer({"x": 0, "y": 0, "distance": 10})
    assert answer == {
        "x": 0,
        "y": 0,
        "distance": 10,
        "clients": ["near_id", "tie_1", "tie_2", "far_id"],
    }
    two = registry.answer({"x": 0, "y": 0, "distance": 10, "closest": 2})
    assert two is not None and two["clients"] == ["near_id", "tie_1"]
    none = registry.answer({"x": 100, "y": 100, "distance": 1})
    assert none is not None and none["clients"] == []


def test_devices_at_a_location_are_found_in_any_case() -> None:
    registry = registry_with(
        ("a", "a_id", {"Kitchen": [0, 0]}),
        ("b", "b_id", {"hall": [0, 0]}),
        ("c", "c_id", {"KITCHEN": [1, 1]}),
    )
    assert registry.answer({"location": "kitchen"}) == {
        "location": "kitchen",
        "clients": ["a_id", "c_id"],
    }


def test_a_device_is_forgotten_an_hour_after_its_client_left() -> None:
    registry = registry_with(("lamp", "lamp_id", {}), ("fan", "fan_id", {}))
    online = {"fan_id"}
    assert registry.sweep(online.__contains__, 0.0) == []  # lamp gone since 0
    assert registry.sweep(online.__contains__, 3599.0) == []
    online.add("lamp_id")  # it came back: the hour starts again when it goes
    assert registry.sweep(online.__contains__, 3599.5) == []
    online.clear()
    assert registry.sweep(online.__contains__, 3600.0) == []
    assert registry.sweep(online.__contains__, 7199.0) == []
    assert registry.sweep(online.__contains__, 7200.0) == ["lamp", "fan"]
    assert registry.devices == {}


def test_numbers_too_large_for_a_float_are_no_place_and_no_limit() -> None:
    registry = Registry()
    huge = 10**400
    registry.announce(
        {
            "first": {"location": {"p": [huge, 1], "q": [0, 0]}},
            "after": {"location": {"q": [1, 0]}},
        },
        "x",
    )
    assert registry.devices["first"].locations == {"q": (0.0, 0.0)}
    assert list(registry.devices) == ["first", "after"]
    answer = registry.answer({"x": 0, "y": 0, "distance": 5, "closest": huge})
    assert answer is not None and answer["clients"] == ["x", "x"]
    assert registry.answer({"x": huge, "y": 0, "distance": 5}) is None


def test_a_description_over_the_byte_limit_is_refused() -> None:
    registry = Registry()
    big = {"properties": {"notes": "x" * MAX_DEVICE_BYTES}}
    assert registry.announce({"big": big, "small": {}}, "x") == ["small"]


def test_devices_and_their_parts_are_limited() -> None:
    registry = Registry(max_devices=2)
    many = {f"k{i}": [i, i] for i in range(MAX_PARTS + 5)}
    registry.announce({"a": {"location": many, "properties": many}}, "x")
    registry.announce({"b": {}, "c": {}}, "x")  # c is one too many
    assert list(registry.devices) == ["a", "b"]
    assert len(registry.devices["a"].locations) == MAX_PARTS
    assert len(registry.devices["a"].properties) == MAX_PARTS
    registry.announce({"a": {"location": {"new": [0, 0]}}}, "x")  # known: updated
    assert registry.devices["a"].locations == {"new": (0.0, 0.0)}
    unlimited = Registry(max_devices=0)
    unlimited.announce({f"d{i}": {} for i in range(3000)}, "x")
    assert len(unlimited.devices) == 3000


# on a real server ---------------------------------------------------------------


@pytest.fixture
def lamp(oocsi_server: RunningServer) -> Iterator[PackageClient]:
    """``lamp_client``, an ``oocsi`` package client that announced ``my_lamp``."""
    client = PackageClient("lamp_client", oocsi_server.port)
    device = client.oocsi.heyOOCSI("my_lamp")
    device.addProperty("owner", "me")
    device.addLocation("kitchen", 1, 2)
    device.addSensor("temp", "temp_ch", "temperature", "C", 21.5, icon="thermometer")
    device.addSwitch("power", "power_ch", True)
    device.submit()
    client.sync()
    yield client
    client.stop()


def ask(client: LineClient, question: dict[str, Any]) -> dict[str, Any]:
    client.send(f"sendraw heyOOCSIClient {json.dumps(question)}\n")
    answer = client.message()
    assert answer.pop("sender") == "heyOOCSIClient"
    assert answer.pop("recipient") == "asker"
    del answer["timestamp"]
    return answer


def test_the_oocsi_package_announces_and_a_client_asks(
    oocsi_server: RunningServer, lamp: PackageClient
) -> None:
    asker = tcp_client(oocsi_server, "asker(JSON)")
    described = ask(asker, {"clientHandle": "my_lamp"})
    assert described["location"] == {"kitchen": [1.0, 2.0]}
    assert described["properties"] == {"device_id": "lamp_client", "owner": "me"}
    assert described["components"]["power"] == {
        "channel_name": "power_ch",
        "default_value": "true",
        "type": "switch",
        "icon": "",
    }
    assert described["components"]["temp"]["default_value"] == "21.5"
    near = ask(asker, {"x": 0, "y": 0, "distance": 5, "_MESSAGE_ID": "q2"})
    assert near == {
        "x": 0,
        "y": 0,
        "distance": 5,
        "clients": ["lamp_client"],
        "_MESSAGE_ID": "q2",
    }
    assert ask(asker, {"location": "KITCHEN"}) == {
        "location": "KITCHEN",
        "clients": ["lamp_client"],
    }
    asker.send('sendraw heyOOCSIClient {"clientHandle":"nobody"}\n')
    sync(asker)  # no answer for an unknown device came before the sync
    asker.close()


def network(server: RunningServer) -> dict[str, Any]:
    graph: dict[str, Any] = get_json(server.http_port, "/network.json")
    return graph


def test_network_json_holds_the_bus_and_the_devices(
    oocsi_server: RunningServer, lamp: PackageClient
) -> None:
    member = tcp_client(oocsi_server, "net_member(JSON)")
    member.send("subscribe net_room\nsubscribe secret:pw\nsubscribe OOCSI_clients\n")
    sync(member)
    graph = network(oocsi_server)
    nodes = {node["id"]: node for node in graph["nodes"]}
    links = {(link["source"], link["target"]) for link in graph["links"]}
    assert nodes["OOCSI Server"]["group"] == 0
    assert nodes["net_room"]["group"] == 1 and nodes["net_room"]["value"] == 1
    assert nodes["net_member"]["group"] == 2 and nodes["lamp_client"]["group"] == 2
    assert nodes["kitchen"] == {
        "id": "kitchen",
        "group": 3,
        "value": 3,
        "label": "\N{ROUND PUSHPIN} kitchen",
    }
    assert nodes["[ my_lamp ]"]["group"] == 4
    assert nodes["my_lamp_temp"]["group"] == 5 and nodes["my_lamp_power"]["group"] == 5
    assert {
        ("OOCSI Server", "net_room"),
        ("net_room", "net_member"),
        ("OOCSI Server", "kitchen"),
        ("kitchen", "[ my_lamp ]"),
        ("lamp_client", "[ my_lamp ]"),
        ("[ my_lamp ]", "my_lamp_temp"),
    } <= links
    assert "secret" not in nodes  # a private channel
    assert not any(name.startswith("OOCSI_") for name in nodes)
    every_id = set(nodes)
    assert all(a in every_id and b in every_id for a, b in links)
    # announced names that are already node ids are left out, ids stay unique
    member.send(
        "sendraw heyOOCSI! "
        + json.dumps(
            {
                "net_member": {
                    "location": {"net_room": [0, 0], "OOCSI Server": [1, 1]},
                    "components": {"x": {"channel_name": "c"}},
                },
                "[ my_lamp ]": {"location": {"[ my_lamp ]": [0, 0]}},
            }
        )
        + "\n"
    )
    sync(member)
    graph = network(oocsi_server)
    ids = [node["id"] for node in graph["nodes"]]
    assert len(ids) == len(set(ids))
    assert {node["id"]: node["group"] for node in graph["nodes"]}["net_room"] == 1
    assert "[ net_member ]" in ids and "net_member_x" in ids
    member.close()


def test_the_max_devices_setting_reaches_the_registry() -> None:
    with running_server(builtin_clients=True, max_devices=1) as server:
        asker = tcp_client(server, "asker(JSON)")
        asker.send(
            'sendraw heyOOCSI! {"one":{"location":{"a":[0,0]}}}\n'
            'sendraw heyOOCSI! {"two":{"location":{"a":[0,0]}}}\n'
        )
        assert ask(asker, {"location": "a"})["clients"] == ["asker"]
        asker.close()


def test_the_device_size_settings_reach_the_registry() -> None:
    with running_server(
        builtin_clients=True, max_device_parts=2, max_device_bytes=200
    ) as server:
        asker = tcp_client(server, "asker(JSON)")
        many = {f"p{i}": i for i in range(5)}
        asker.send(
            "sendraw heyOOCSI! "
            + json.dumps({"small": {"properties": many}, "big": {"x": "y" * 200}})
            + "\n"
        )
        asker.send("ping\n")
        assert asker.text() == "."
        devices = get_json(server.http_port, "/api/devices")["devices"]
        assert [d["clientHandle"] for d in devices] == ["small"]
        assert len(devices[0]["properties"]) == 2
        asker.close()


def test_the_devices_api_tells_whether_each_device_is_online(
    oocsi_server: RunningServer, lamp: PackageClient
) -> None:
    (device,) = get_json(oocsi_server.http_port, "/api/devices")["devices"]
    assert device["clientHandle"] == "my_lamp"
    assert device["device_id"] == "lamp_client" and device["online"] is True
    assert device["location"] == {"kitchen": [1.0, 2.0]}
    lamp.stop()
    watcher = tcp_client(oocsi_server, "watcher(JSON)")
    for _ in range(100):  # the server handles the quit on its own time
        watcher.send("clients\n")
        if "lamp_client" not in watcher.text().split(","):
            break
        time.sleep(TICK / 10)
    else:
        raise AssertionError("lamp_client did not leave")
    (device,) = get_json(oocsi_server.http_port, "/api/devices")["devices"]
    assert device["online"] is False
    watcher.close()


def test_client_refresh_gives_each_client_its_last_activity(
    oocsi_server: RunningServer,
) -> None:
    before = time.time_ns() // 1_000_000
    active = tcp_client(oocsi_server, "active(JSON)")
    sync(active)
    seen = get_json(oocsi_server.http_port, "/test/server/clientRefresh")
    after = time.time_ns() // 1_000_000
    assert {"active", "echo", "heyOOCSIClient"} <= set(seen)
    assert before - 1000 <= seen["active"] <= after + 1000
    active.close()
