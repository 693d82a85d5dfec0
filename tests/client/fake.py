"""A scripted line server, only for asserting the exact lines a client sends.

Everything else in these tests runs against the real pyoocsi server.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from tests.wire import TICK


class FakeServer:
    """Accepts connections on a free loopback port and records their lines."""

    def __init__(self, welcome: str = "{'message' : \"welcome {name}\"}") -> None:
        self.welcome = welcome
        self.lines: asyncio.Queue[str] = asyncio.Queue()
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> FakeServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        for writer in self.writers:
            writer.close()
        self._server.close()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.writers.append(writer)
        first = (await reader.readline()).decode().rstrip("\n")
        await self.lines.put(first)
        name = first.removesuffix("(JSON)")
        writer.write((self.welcome.replace("{name}", name) + "\n").encode())
        while line := await reader.readline():
            await self.lines.put(line.decode().rstrip("\n"))

    async def line(self) -> str:
        """The next line any client sent."""
        return await asyncio.wait_for(self.lines.get(), 10 * TICK)

    async def silent(self) -> None:
        """No line arrives for one tick."""
        try:
            line = await asyncio.wait_for(self.lines.get(), TICK)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected line {line!r}")

    def write(self, line: str) -> None:
        """Send a line to the most recent client."""
        self.writers[-1].write((line + "\n").encode())
