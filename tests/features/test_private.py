"""Private clients (users file) and private channels over real sockets."""

from __future__ import annotations

import hashlib
import logging
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pyoocsi.server.testing import running_server
from pyoocsi.server.users import hash_password
from tests.web.wsclient import WsClient, run
from tests.wire import TICK, LineClient, sync

Connect = Callable[..., LineClient]


def oocsi(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyoocsi", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.txt"
    for name, password in (("alice", "s3cret"), ("bob", "other-pw")):
        done = oocsi(
            "users",
            "--file",
            str(path),
            "add",
            name,
            "--password-stdin",
            stdin=password + "\n",
        )
        assert done.returncode == 0, done.stderr
    return path


def test_users_file_holds_hashes_not_passwords(users_file: Path) -> None:
    text = users_file.read_text()
    assert "s3cret" not in text and "alice:pbkdf2_sha256$" in text
    assert oocsi("users", "--file", str(users_file), "list").stdout.split() == [
        "alice",
        "bob",
    ]
    removed = oocsi("users", "--file", str(users_file), "remove", "bob")
    assert removed.returncode == 0
    missing = oocsi("users", "--file", str(users_file), "remove", "bob")
    assert missing.returncode == 1 and "bob is not in" in missing.stderr
    bad = oocsi("users", "--file", str(users_file), "add", "a b", "--password-stdin")
    assert bad.returncode == 1 and "not a client name" in bad.stderr
    spaced = oocsi(
        "users",
        "--file",
        str(users_file),
        "add",
        "carol",
        "--password-stdin",
        stdin="two words\n",
    )
    assert spaced.returncode == 1 and "password" in spaced.stderr


def handshake(host: str, port: int, line: str) -> tuple[LineClient, str]:
    client = LineClient(host, port)
    client.send(line + "\n")
    return client, client.text()


def test_private_clients_are_checked_against_the_users_file(
    users_file: Path,
) -> None:
    with running_server(users=str(users_file)) as server:
        at = (server.host, server.port)
        alice, welcome = handshake(*at, "alice:s3cret(JSON)")
        assert welcome == "{'message' : \"welcome alice:s3cret\"}"
        for line in ("alice:wrong(JSON)", "bob(JSON)", "carol:pw(JSON)"):
            refused, reply = handshake(*at, line)
            name = line.split("(")[0].split(":")[0]
            assert reply == f"error (password wrong for name: {name})"
            assert refused.closed()
            refused.close()
        twice = LineClient(*at)
        twice.send("alice:s3cret(JSON)\n")
        assert alice.text() == "ping"  # the name probe
        alice.send(".\n")
        assert twice.text() == "error (name already registered: alice)"
        sync(alice)
        bob, welcome = handshake(*at, "bob:other-pw(JSON)")
        assert welcome == "{'message' : \"welcome bob:other-pw\"}"
        bob.send('sendraw alice {"hi":1}\n')
        assert alice.message()["hi"] == 1
        for client in (alice, bob, twice):
            client.close()


def _iterations_for(seconds: float) -> int:
    """PBKDF2 rounds that take about ``seconds`` on this machine."""
    start = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"pw", b"salt" * 4, 50_000)
    per_round = (time.perf_counter() - start) / 50_000
    return max(50_000, int(seconds / per_round))


def test_a_slow_password_check_holds_up_nobody_else(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    path.write_text(f"slow:{hash_password('right', _iterations_for(2.0))}\n")
    with running_server(users=str(path)) as server:
        at = (server.host, server.port)
        guesser = LineClient(*at)
        guesser.send("slow:wrong(JSON)\n")  # about 2 s of PBKDF2 starts now
        time.sleep(TICK / 5)
        sender, _ = handshake(*at, "busy_a(JSON)")
        receiver, _ = handshake(*at, "busy_b(JSON)")
        sender.send('sendraw busy_b {"n":1}\n')
        assert receiver.message()["n"] == 1
        # All of that happened while the check ran: its answer is still to come.
        assert select.select([guesser.sock], [], [], 0)[0] == []
        assert guesser.text() == "error (password wrong for name: slow)"
        for client in (guesser, sender, receiver):
            client.close()


def test_the_password_checks_waiting_are_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    path.write_text(f"slow:{hash_password('right', _iterations_for(1.0))}\n")
    with running_server(users=str(path), max_password_checks=1) as server:
        at = (server.host, server.port)
        first = LineClient(*at)
        first.send("slow:wrong(JSON)\n")  # about 1 s of PBKDF2 starts now
        time.sleep(TICK / 5)
        second = LineClient(*at)
        second.send("slow:other(JSON)\n")
        assert second.text() == (
            "error (too many password checks waiting, try again later)"
        )
        assert first.text() == "error (password wrong for name: slow)"
        for client in (first, second):
            client.close()


def test_a_bad_users_file_stops_serve_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    path.write_text("alice:plaintext\n")
    done = oocsi("serve", "--users", str(path), "--port", "0", "--http-port", "0")
    assert done.returncode == 2
    assert "line 1" in done.stderr


def test_private_channel_refuses_wrong_passwords_visibly(
    connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "pyoocsi.server")
    member = connect("pc_m(JSON)")
    member.send("subscribe pc:pw\n")
    sync(member)
    intruder = connect("pc_i(JSON)")
    intruder.send("subscribe pc:guess\nsubscribe pc\n")
    assert intruder.text() == "error (wrong password for channel pc)"
    assert intruder.text() == "error (wrong password for channel pc)"
    sync(intruder)
    intruder.send('sendraw pc:guess {"x":1}\n')
    assert intruder.text() == "error (wrong password for channel pc)"
    intruder.send('sendraw pc {"x":2}\n')
    assert intruder.text() == "error (wrong password for channel pc)"
    intruder.send('sendraw pc:pw {"x":3}\n')
    message = member.message()
    assert message["x"] == 3 and message["recipient"] == "pc:pw"
    member.silent()
    intruder.send("channels pc:pw\n")
    assert intruder.text() == "pc_m"
    warnings = [r.getMessage() for r in caplog.records]
    assert any("refused on channel pc: wrong password" in w for w in warnings)
    assert any("wrong password for channel pc" in w for w in warnings)


def test_a_wrong_password_for_a_held_name_is_named_over_websocket(
    users_file: Path,
) -> None:
    with running_server(users=str(users_file)) as server:
        alice, _ = handshake(server.host, server.port, "alice:s3cret(JSON)")

        async def scenario() -> None:
            async with WsClient(server.http_port) as guess:
                await guess.send("alice:wrong")
                reply = await guess.frame()
                assert reply == '{"message" : "ERROR: password wrong for name: alice"}'

        run(scenario())
        alice.close()
