"""The README's Python examples run as written against a real server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pyoocsi.server.testing import running_server
from tests.wire import LineClient, sync

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
# Blocks that end on their own; the asyncio example listens until interrupted.
FINITE = [block for block in BLOCKS if "async for" not in block]


def test_the_readme_has_the_examples_this_test_runs() -> None:
    assert len(FINITE) == 2 and len(BLOCKS) == 3


@pytest.mark.parametrize("block", FINITE, ids=["oocsi-package", "pyoocsi"])
def test_readme_example_runs(block: str) -> None:
    with running_server() as server:
        watcher = LineClient(server.host, server.port)
        watcher.send("readme_watcher(JSON)\nsubscribe my_channel\nsubscribe colors\n")
        assert "welcome" in watcher.text()
        sync(watcher)
        # The only change: the example's "localhost" becomes this test's server.
        code = block.replace('"localhost")', f'"{server.host}", {server.port})')
        assert code != block
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        message = watcher.message()
        assert message["color"] == 120
        assert message["recipient"] in ("my_channel", "colors")
        watcher.close()
