"""Fixtures: a real server with its HTTP side on free loopback ports."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest
import uvloop

from pyoocsi.server.testing import RunningServer, running_server
from pyoocsi.web import WebSettings


@pytest.fixture
def oocsi_server() -> Iterator[RunningServer]:
    """A server with default settings on free ports, built-in clients included."""
    with running_server(WebSettings()) as server:
        yield server


@contextlib.contextmanager
def event_loops(kind: str) -> Iterator[None]:
    """Servers started inside run on ``kind``'s loop: "asyncio" or "uvloop"."""
    if kind == "asyncio":
        yield
        return
    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        yield
    finally:
        asyncio.set_event_loop_policy(policy)
