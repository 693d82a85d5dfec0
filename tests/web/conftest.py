"""Fixtures: a real server with its HTTP side on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web import WebSettings


@pytest.fixture
def oocsi_server() -> Iterator[RunningServer]:
    """A server with default settings on free ports, built-in clients included."""
    with running_server(WebSettings()) as server:
        yield server
