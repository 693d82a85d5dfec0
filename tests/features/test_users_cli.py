"""``oocsi users`` as a process: what it says when no password comes in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pyoocsi import OOCSI
from pyoocsi.server.testing import running_server

ROOT = Path(__file__).parents[2]


def users(
    file: Path, *args: str, stdin: str | None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyoocsi", "users", "--file", str(file), *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=ROOT,
    )


def test_add_without_any_password_says_so(tmp_path: Path) -> None:
    file = tmp_path / "users.txt"
    result = users(file, "add", "ada", stdin=None)
    assert result.returncode == 1
    assert result.stderr.startswith("oocsi users: no password given"), result.stderr
    assert "standard input is empty" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not file.exists()


def test_add_with_a_piped_password_lets_the_name_in(tmp_path: Path) -> None:
    file = tmp_path / "users.txt"
    result = users(file, "add", "ada", stdin="s3cret\n")
    assert result.returncode == 0, result.stderr
    assert users(file, "list", stdin=None).stdout.splitlines() == ["ada"]
    with running_server(users=str(file)) as server:
        client = OOCSI("ada:s3cret", "127.0.0.1", server.port)
        assert "ada" in client.clients()
        client.stop()


def test_the_file_may_also_follow_the_action(tmp_path: Path) -> None:
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    # "--file first" before the action, "--file second" after it: the later wins
    added = users(first, "add", "ada", "--file", str(second), stdin="pw\n")
    assert added.returncode == 0, added.stderr
    assert not first.exists()
    assert users(first, "list", "--file", str(second), stdin=None).stdout == "ada\n"
    gone = users(first, "remove", "ada", "--file", str(second), stdin=None)
    assert gone.returncode == 0, gone.stderr
    assert users(second, "list", stdin=None).stdout == ""
