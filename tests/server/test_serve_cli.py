"""``oocsi serve`` as a child process: flags, settings sources, signals, logs."""

from __future__ import annotations

import importlib.util
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pyoocsi._version import __version__
from pyoocsi.core.settings import Settings
from tests.interop.processes import (
    ServeProcess,
    clean_environment,
    free_port,
    serve_flags,
)
from tests.wire import TICK, LineClient


def run_oocsi(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m pyoocsi ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "pyoocsi", *args],
        capture_output=True,
        text=True,
        env=clean_environment(env),
        timeout=40 * TICK,
        check=False,
    )


@pytest.fixture
def serve() -> Iterator[type[ServeProcess]]:
    """``serve(args, env)`` starts ``oocsi serve``; every process is ended after."""
    started: list[ServeProcess] = []

    class Tracked(ServeProcess):
        def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
            super().__init__(args, env)
            started.append(self)

    yield Tracked
    for process in started:
        process.kill()


Connect = Callable[[int, str], LineClient]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """``connect(port, name)``: a JSON client past its welcome, closed after.

    With an empty name the connection is returned before any handshake.
    """
    opened: list[LineClient] = []

    def open_client(port: int, name: str) -> LineClient:
        deadline = time.monotonic() + 20 * TICK
        while True:
            try:
                connection = LineClient("127.0.0.1", port)
                break
            except ConnectionRefusedError:  # not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(TICK / 10)
        opened.append(connection)
        if not name:
            return connection
        connection.send(f"{name}(JSON)\n")
        assert connection.text() == f"{{'message' : \"welcome {name}\"}}"
        return connection

    yield open_client
    for connection in opened:
        connection.close()


# help and version -------------------------------------------------------------


def test_help_lists_every_setting_with_its_variable() -> None:
    result = run_oocsi("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # undo argparse's line wrapping
    assert "--config FILE" in text
    for name in Settings.names():
        assert f"--{name.replace('_', '-')}" in text, name
        assert f"OOCSI_{name.upper()}" in text, name


def test_version() -> None:
    result = run_oocsi("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"oocsi {__version__}"


def test_serve_version() -> None:
    result = run_oocsi("serve", "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"oocsi {__version__}"


# where settings come from -----------------------------------------------------


def write_config(tmp_path: Path, **values: int | str) -> str:
    lines = ["[server]"]
    for key, value in values.items():
        lines.append(
            f"{key} = {value!r}" if isinstance(value, str) else f"{key} = {value}"
        )
    path = tmp_path / "oocsi.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("winner", ["flag", "env", "file"])
def test_port_precedence_flag_then_env_then_file(
    serve: type[ServeProcess], connect: Connect, tmp_path: Path, winner: str
) -> None:
    ports = {source: free_port() for source in ("flag", "env", "file")}
    args = ["--host", "127.0.0.1", "--http-port", str(free_port())]
    args += ["--config", write_config(tmp_path, port=ports["file"])]
    env = {}
    if winner in ("flag", "env"):
        env["OOCSI_PORT"] = str(ports["env"])
    if winner == "flag":
        args += ["--port", str(ports["flag"])]
    process = serve(args, env)
    process.wait_listening()
    assert process.wait_for_log("serving OOCSI on").endswith(
        f"port {ports[winner]} (presence style documented)"
    )
    connect(ports[winner], "here")


def test_max_clients_from_flag_beats_env_and_file(
    serve: type[ServeProcess], connect: Connect, tmp_path: Path
) -> None:
    port = free_port()
    args = [*serve_flags(port), "--max-clients", "3"]
    config = write_config(tmp_path, max_clients=1, presence_style="reference")
    process = serve([*args, "--config", config], {"OOCSI_MAX_CLIENTS": "2"})
    process.wait_listening()
    # the file still supplies what neither flag nor environment sets
    assert "presence style reference" in process.wait_for_log("serving OOCSI on")
    # Join until refused: the refusal names the limit that won.
    replies = []
    for i in range(4):
        joiner = connect(port, "")
        joiner.send(f"c{i}(JSON)\n")
        replies.append(joiner.text())
        if replies[-1].startswith("error"):
            break
    assert replies[-1] == "error (server full: at most 3 clients)"
    assert replies[0] == "{'message' : \"welcome c0\"}"


def test_max_clients_counts_connected_clients_only(
    serve: type[ServeProcess], connect: Connect
) -> None:
    port = free_port()
    serve([*serve_flags(port), "--max-clients", "1"]).wait_listening()
    only = connect(port, "only")
    # The built-in clients are listed, as on the reference web server, but
    # take no place.
    only.send("clients\n")
    assert only.text() == "echo,heyOOCSIClient,http-web-request,only"
    second = LineClient("127.0.0.1", port)
    second.send("second(JSON)\n")
    assert second.text() == "error (server full: at most 1 client)"
    second.close()


@pytest.mark.parametrize(
    ("args", "env", "config", "mentions"),
    [
        (["--port", "70000"], {}, None, "port"),
        (["--presence-style", "chatty"], {}, None, "presence_style"),
        ([], {"OOCSI_MAX_CLIENTS": "many"}, None, "OOCSI_MAX_CLIENTS"),
        ([], {"OOCSI_LOG_LEVEL": "LOUD"}, None, "log_level"),
        ([], {}, "[server]\nport = \n", "not valid TOML"),
        ([], {}, "[server]\ncolour = 'blue'\n", "colour"),
        ([], {}, "[server]\ntimeout = -1\n", "timeout"),
    ],
)
def test_invalid_setting_exits_2_with_one_line(
    tmp_path: Path,
    args: list[str],
    env: dict[str, str],
    config: str | None,
    mentions: str,
) -> None:
    if config is not None:
        path = tmp_path / "bad.toml"
        path.write_text(config)
        args = [*args, "--config", str(path)]
    result = run_oocsi("serve", *serve_flags(free_port()), *args, env=env)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("oocsi serve: ")
    assert mentions in lines[0]


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    missing = str(tmp_path / "absent.toml")
    result = run_oocsi(
        "serve", *serve_flags(free_port()), env={"OOCSI_CONFIG": missing}
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"oocsi serve: cannot read config file {missing}: No such file or directory"
    )


@pytest.mark.parametrize("busy", ["--port", "--http-port"])
def test_port_in_use_exits_non_zero_with_a_reason(busy: str) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        ports = {"--port": str(free_port()), "--http-port": str(free_port())}
        ports[busy] = str(taken)
        result = run_oocsi(
            "serve", "--host", "127.0.0.1", *(x for kv in ports.items() for x in kv)
        )
    assert result.returncode != 0
    assert "address already in use" in result.stderr
    assert str(taken) in result.stderr


# running and stopping ---------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_says_bye_to_clients_and_exits_0(
    serve: type[ServeProcess], connect: Connect, signum: int
) -> None:
    port = free_port()
    process = serve(serve_flags(port))
    process.wait_listening()
    clients = [connect(port, name) for name in ("first", "second")]
    clients[0].send("subscribe chan\n")
    process.signal(signum)
    for connection in clients:
        assert connection.text() == "bye"
        assert connection.closed()
        connection.close()
    assert process.exit_code() == 0
    process.wait_for_log("server stopped")
    assert not [line for line in process.log if "Traceback" in line]


def test_connect_and_disconnect_are_logged_at_info(
    serve: type[ServeProcess], connect: Connect
) -> None:
    port = free_port()
    process = serve(serve_flags(port))
    process.wait_listening()
    connection = connect(port, "logme")
    connected = process.wait_for_log("client logme connected")
    assert " INFO pyoocsi.server: " in connected
    connection.send("quit\n")
    assert connection.text() == "bye"
    connection.close()
    disconnected = process.wait_for_log("client logme disconnected")
    assert " INFO pyoocsi.server: " in disconnected
    process.signal(signal.SIGTERM)
    assert process.exit_code() == 0


def test_log_level_warning_hides_connections(
    serve: type[ServeProcess], connect: Connect
) -> None:
    port = free_port()
    process = serve([*serve_flags(port), "--log-level", "WARNING"])
    connection = connect(port, "quiet")  # nothing logged to wait for
    connection.send("quit\n")
    assert connection.text() == "bye"
    connection.close()
    process.signal(signal.SIGTERM)
    assert process.exit_code() == 0
    assert not [line for line in process.log if " INFO " in line], process.log


@pytest.mark.parametrize("pure", ["1", ""])
def test_the_start_up_log_says_which_message_writer_runs(
    serve: type[ServeProcess], pure: str
) -> None:
    process = serve(serve_flags(free_port()), {"PYOOCSI_PURE_PYTHON": pure})
    process.wait_listening()
    line = process.wait_for_log("message writer: ")
    if pure:
        expected = "C extension off (PYOOCSI_PURE_PYTHON is set)"
    elif importlib.util.find_spec("pyoocsi.core._fastline") is not None:
        expected = "C extension on"
    else:
        expected = "C extension off (not built: no C compiler or Python.h at install)"
    assert line.endswith(f"message writer: {expected}")
