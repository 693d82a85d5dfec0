"""Arguments of the client sub-commands: where options may go, which values are
refused before connecting (exit 2, one line), and what Ctrl-C returns."""

from __future__ import annotations

import json
import signal
import time

import pytest

from pyoocsi import OOCSI
from pyoocsi.server.testing import RunningServer
from tests.cli_tools.conftest import Start, finish, oocsi, wait_ready
from tests.wire import TICK


def test_options_between_and_after_the_data(server: RunningServer, peer: OOCSI) -> None:
    inbox = peer.messages("box", timeout=10 * TICK)
    peer.respond("add", lambda request: {"sum": request["a"] + request["b"]})
    peer.clients()
    result = oocsi("send", "box", "--retain", "60", "x=1", "y=2", port=server.port)
    assert result.returncode == 0, result.stderr
    assert next(inbox).data == {"x": 1, "y": 2, "_RETAIN": 60}
    result = oocsi(
        "call", "add", "add", "--timeout", "5", "a=2", "b=3", port=server.port
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"sum": 5}


@pytest.mark.parametrize(
    ("args", "port", "reason"),
    [
        (("clients",), "99999", "argument --port: '99999' is not a port number"),
        (("clients",), "-1", "argument --port: '-1' is not a port number"),
        (("clients", "--timeout", "-1"), "", "argument --timeout: '-1' is not"),
        (("call", "c", "n", "--timeout", "nan"), "", "argument --timeout: 'nan'"),
        (("send", "box", "x=1", "--retain", "1e308"), "", "argument --retain"),
        (("send", "box", "x=1", "--retain", "inf"), "", "argument --retain"),
        (("send", "box", "x=1", "--retain", "-5"), "", "argument --retain"),
        (("send", "box", "x=1", "--delay", "2678401"), "", "argument --delay"),
        (("send", "box", "x=NaN"), "", "x=NaN: NaN is not a JSON number"),
        (("send", "box", "x=-Infinity"), "", "x=-Infinity: -Infinity is not"),
        (("send", "box", "x=1e999"), "", "x=1e999: 1e999 is too large"),
        (("send", "box", '{"x": NaN}'), "", "NaN is not a JSON number"),
        (
            ("call", "math", "double", "[1,2]"),
            "",
            "the data must be a JSON object or key",
        ),
        (("call", "math", "double", "x"), "", "expected a JSON object or key=value"),
        (
            ("send", "box", "--url", "ftp://h/ws"),
            "",
            "argument --url: 'ftp://h/ws' is not a websocket",
        ),
        (("listen", "box", "--count", "0"), "", "argument --count: '0'"),
        (("send", "box", "x=1", "--bogus"), "", "unrecognized arguments: --bogus"),
    ],
)
def test_unusable_arguments_are_one_line_and_exit_2(
    server: RunningServer, args: tuple[str, ...], port: str, reason: str
) -> None:
    result = oocsi(*args, port=port or server.port)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"oocsi {args[0]}: {reason}"), result.stderr
    assert result.stdout == ""


def test_an_http_address_means_the_websocket_path(
    server: RunningServer, peer: OOCSI
) -> None:
    inbox = peer.messages("box", timeout=10 * TICK)
    peer.clients()
    address = f"127.0.0.1:{server.http_port}"
    for url in (f"http://{address}/", f"http://{address}", f"ws://{address}"):
        result = oocsi("send", "box", "n=1", "--url", url, port=server.port)
        assert result.returncode == 0, result.stderr
        assert next(inbox).data == {"n": 1}


def test_ctrl_c_while_waiting_for_a_reply_exits_130(
    server: RunningServer, peer: OOCSI, start: Start
) -> None:
    caller = start(
        "call",
        "nobody",
        "ping",
        "--timeout",
        "60",
        "--name",
        "caller",
        port=server.port,
    )
    wait_connected(peer, "caller")
    caller.send_signal(signal.SIGINT)
    code, out, err = finish(caller)
    assert (code, out, err) == (130, "", "oocsi call: interrupted\n")


def test_ctrl_c_is_the_normal_end_of_listen(
    server: RunningServer, start: Start
) -> None:
    listener = start("listen", "box", "--name", "ears", port=server.port)
    wait_ready(listener)
    listener.send_signal(signal.SIGINT)
    code, _out, err = finish(listener)
    assert code == 0, err
    assert err == ""


def wait_connected(peer: OOCSI, name: str) -> None:
    """Wait until ``name`` is on the server: its command is past starting up."""
    for _ in range(100):
        if name in peer.clients():
            return
        time.sleep(TICK / 5)
    raise AssertionError(f"{name} never connected")
