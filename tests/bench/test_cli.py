"""``oocsi bench --quick`` against a real server: the correctness fields only.

The figures (rates, latencies) are never checked here; the benchmark is a
command. These tests check that every message is counted once, in order, and
that the JSON output keeps its shape.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from pyoocsi.bench.scenarios import QUICK, Kind, expected_deliveries
from pyoocsi.server.testing import RunningServer, running_server

SCENARIO_KEYS = {"name", "title", "kind", "params", "results", "ratio"}
RESULT_KEYS = {
    "target",
    "correct",
    "status",
    "expected",
    "delivered",
    "lost",
    "duplicates",
    "out_of_order",
    "corrupt",
    "invalid",
    "sent",
    "delivered_per_s",
    "sent_per_s",
    "latency_ms",
    "receiver_min",
    "receiver_max",
    "clients",
    "welcomed",
    "connect_errors",
    "connect_s",
    "server_closed",
    "server_cpu_s",
    "server_rss_mb",
    "tool_cpu_s",
    "run_s",
    "first_error",
}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


def bench(*args: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "pyoocsi", "bench", "--quick", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def check_result(kind: Kind, params: dict[str, Any], result: dict[str, Any]) -> None:
    assert set(result) == RESULT_KEYS
    assert result["correct"] is True, result
    assert result["status"] == "ok"
    assert result["welcomed"] == result["clients"]
    assert result["connect_errors"] == result["server_closed"] == 0
    assert result["lost"] == result["duplicates"] == result["out_of_order"] == 0
    assert result["corrupt"] == result["invalid"] == 0
    if kind is Kind.CONNECT:
        assert result["clients"] == params["subs"]
        assert result["delivered"] == result["expected"] == 0
        return
    assert result["delivered"] == result["expected"]
    per_publisher = params["msgs"]
    if kind is Kind.FANOUT:
        assert result["sent"] == params["pubs"] * per_publisher
        each = params["pubs"] * per_publisher
    else:
        assert result["sent"] == 2 * params["subs"] * per_publisher
        each = per_publisher
    assert result["receiver_min"] == result["receiver_max"] == each
    assert set(result["latency_ms"]) == {"p50", "p90", "p99", "p999", "max", "mean"}


def test_every_quick_scenario_delivers_everything_in_order(
    server: RunningServer,
) -> None:
    code, out, err = bench("--json", "--port", str(server.port), "--no-progress")
    assert code == 0, err
    report = json.loads(out)
    assert report["tool"] == "oocsi bench"
    assert report["quick"] is True
    assert report["correct"] is True
    assert report["targets"] == [f"127.0.0.1:{server.port}"]
    assert [s["name"] for s in report["scenarios"]] == [s.name for s in QUICK]
    for entry, scenario in zip(report["scenarios"], QUICK, strict=True):
        assert set(entry) == SCENARIO_KEYS
        assert entry["kind"] == scenario.kind.value
        assert entry["ratio"] is None
        (result,) = entry["results"]
        assert result["expected"] == expected_deliveries(scenario)
        check_result(scenario.kind, entry["params"], result)


def test_websocket_and_a_second_server_with_ratios(server: RunningServer) -> None:
    with running_server() as other:
        code, out, err = bench(
            "--json",
            "--url",
            f"ws://127.0.0.1:{server.http_port}/ws",
            "--vs",
            f"127.0.0.1:{other.port}",
            "--scenario",
            "fanout",
            "--scenario",
            "pairs",
            "--scenario",
            "connect",
            "--fanout-msgs",
            "300",
        )
    assert code == 0, err
    report = json.loads(out)
    assert report["targets"] == [
        f"ws://127.0.0.1:{server.http_port}/ws",
        f"127.0.0.1:{other.port}",
    ]
    names = [s["name"] for s in report["scenarios"]]
    assert names == ["fanout", "pairs", "connect"]
    assert report["scenarios"][0]["params"]["msgs"] == 300
    for entry in report["scenarios"]:
        kind = Kind(entry["kind"])
        assert len(entry["results"]) == 2
        for result in entry["results"]:
            check_result(kind, entry["params"], result)
        wanted = (
            {"connect_s", "server_rss_mb"}
            if kind is Kind.CONNECT
            else {
                "delivered_per_s",
                "p50",
                "p99",
            }
        )
        assert set(entry["ratio"]) == wanted


def test_table_output_and_progress_bar(server: RunningServer) -> None:
    code, out, err = bench(
        "--port", str(server.port), "--scenario", "fanout-many", "--progress"
    )
    assert code == 0, err
    header, row, *_rest = out.splitlines()
    assert header.split()[:3] == ["scenario", "server", "delivered/s"]
    assert row.split()[0] == "fanout-many"
    assert row.split()[-1] == "ok"
    assert "fanout-many @ 127.0.0.1" in err
    assert "100%" in err


def test_unreachable_server_is_one_line_not_a_table() -> None:
    with running_server() as gone:
        port = gone.port
    code, out, err = bench(
        "--json", "--port", str(port), "--scenario", "pairs", "--no-progress"
    )
    assert code == 1
    assert out == ""
    assert err.startswith(f"oocsi bench: cannot reach 127.0.0.1:{port}: "), err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--vs", "nowhere"), "'nowhere' is not HOST:PORT"),
        (("--vs", "127.0.0.1:70000"), "'127.0.0.1:70000' is not HOST:PORT"),
        (("--url", "ws://127.0.0.1:70000/ws"), "'ws://127.0.0.1:70000/ws': Port"),
        (("--port", "99999"), "argument --port: '99999' is not a port number"),
        (("--port", "-1"), "argument --port: '-1' is not a port number"),
        (("--timeout", "-1"), "argument --timeout: '-1' is not a number"),
    ],
)
def test_unusable_servers_and_times_are_usage_errors(
    args: tuple[str, ...], reason: str
) -> None:
    code, out, err = bench(*args)
    assert code == 2
    assert out == ""
    assert err.startswith(f"oocsi bench: {reason}"), err
    assert err.count("\n") == 1, err


def test_tool_cpu_counts_the_worker_processes(server: RunningServer) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    code, out, err = bench(
        "--json",
        "--port",
        str(server.port),
        "--scenario",
        "pairs",
        "--workers",
        "4",
        "--no-progress",
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert code == 0, err
    # The command and its four workers, each an interpreter that imports pyoocsi.
    whole = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    (result,) = json.loads(out)["scenarios"][0]["results"]
    assert 0.3 * whole <= result["tool_cpu_s"] <= whole + 0.05, (result, whole)
