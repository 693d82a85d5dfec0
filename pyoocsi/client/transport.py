"""Byte pipes to a server: TCP lines and websocket text frames.

Both transports offer the same small surface: ``write`` queues one line (sync,
in order), ``drain`` waits until it has gone out, ``read`` returns the next
line or frame (``None`` once the connection is gone), ``close`` ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from pyoocsi.client.errors import ConnectionFailed, NotConnected, NotSupported
from pyoocsi.client.wire import Dialect

__all__ = ["TcpTransport", "Transport", "WebSocketTransport", "open_transport"]

logger = logging.getLogger("pyoocsi.client")

# Longest line read; servers accept 4 MiB lines, so this leaves room.
MAX_LINE = 16 * 1024 * 1024
PREVIEW = 200  # characters of traffic shown in DEBUG logs


class Transport(Protocol):
    dialect: Dialect

    def write(self, line: str) -> None: ...

    async def drain(self) -> None: ...

    async def read(self) -> str | None: ...

    def close(self) -> None: ...

    async def wait_closed(self) -> None: ...


class TcpTransport:
    """The OOCSI line protocol over an asyncio stream."""

    dialect = Dialect.TCP

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer

    def write(self, line: str) -> None:
        if self._writer.is_closing():
            raise NotConnected("the connection is closed")
        logger.debug("> %s", line[:PREVIEW])
        self._writer.write(line.encode() + b"\n")

    async def drain(self) -> None:
        try:
            await self._writer.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise NotConnected(f"the connection is closed: {exc}") from exc

    async def read(self) -> str | None:
        while True:
            try:
                raw = await self._reader.readuntil(b"\n")
            except asyncio.IncompleteReadError:
                return None
            except (asyncio.LimitOverrunError, ValueError):
                logger.warning("line longer than %d bytes; dropping the link", MAX_LINE)
                return None
            except (ConnectionError, OSError):
                return None
            try:
                line = raw.decode().rstrip("\r\n")
            except UnicodeDecodeError:
                logger.warning("skipped a line that is not UTF-8: %r", raw[:PREVIEW])
                continue
            logger.debug("< %s", line[:PREVIEW])
            return line

    def close(self) -> None:
        self._writer.close()

    async def wait_closed(self) -> None:
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()


class WebSocketTransport:
    """The OOCSI websocket protocol (``/ws``), one command per text frame."""

    dialect = Dialect.WEBSOCKET

    def __init__(self, session: object, ws: object) -> None:
        import aiohttp

        assert isinstance(session, aiohttp.ClientSession)
        assert isinstance(ws, aiohttp.ClientWebSocketResponse)
        self._session = session
        self._ws = ws
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer = asyncio.get_running_loop().create_task(self._write_frames())

    async def _write_frames(self) -> None:
        while True:
            frame = await self._queue.get()
            try:
                if frame is None:
                    return
                await self._ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return
            finally:
                self._queue.task_done()

    def write(self, line: str) -> None:
        if self._ws.closed or self._writer.done():
            raise NotConnected("the connection is closed")
        logger.debug("> %s", line[:PREVIEW])
        self._queue.put_nowait(line)

    async def drain(self) -> None:
        join = asyncio.ensure_future(self._queue.join())
        await asyncio.wait({join, self._writer}, return_when=asyncio.FIRST_COMPLETED)
        join.cancel()
        if self._writer.done() and not self._queue.empty():
            raise NotConnected("the connection is closed")

    async def read(self) -> str | None:
        import aiohttp

        while True:
            try:
                frame = await self._ws.receive()
            except (TimeoutError, ConnectionError, RuntimeError):
                return None
            if frame.type is aiohttp.WSMsgType.TEXT:
                text = str(frame.data)
                logger.debug("< %s", text[:PREVIEW])
                return text
            if frame.type is aiohttp.WSMsgType.BINARY:
                continue
            return None

    def close(self) -> None:
        if not self._writer.done():
            self._queue.put_nowait(None)
        asyncio.get_running_loop().create_task(self._close())

    async def _close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer, 1.0)
        with contextlib.suppress(Exception):
            await self._ws.close()
        await self._session.close()

    async def wait_closed(self) -> None:
        with contextlib.suppress(Exception):
            await self._ws.close()
        await self._session.close()


async def _open_websocket(url: str, timeout: float) -> WebSocketTransport:
    try:
        import aiohttp
    except ImportError as exc:
        raise NotSupported(
            "websocket URLs need aiohttp: pip install 'pyoocsi[web]'"
        ) from exc
    session = aiohttp.ClientSession()
    try:
        ws = await session.ws_connect(
            url, timeout=aiohttp.ClientWSTimeout(ws_close=timeout), autoping=True
        )
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        await session.close()
        # aiohttp's own words name its connection pool ("ssl:default"); the
        # socket's error says what happened
        cause = getattr(exc, "os_error", None) or exc
        reason = getattr(cause, "strerror", None) or str(cause)
        raise ConnectionFailed(
            f"cannot reach {url}: {reason or type(exc).__name__}"
        ) from exc
    return WebSocketTransport(session, ws)


async def open_transport(
    host: str, port: int, url: str | None, timeout: float
) -> Transport:
    """Connect to ``url`` (websocket) or ``host:port`` (TCP) within ``timeout``."""
    if url is not None:
        return await asyncio.wait_for(_open_websocket(url, timeout), timeout)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=MAX_LINE), timeout
        )
    except (TimeoutError, OSError) as exc:
        reason = str(exc) or type(exc).__name__
        raise ConnectionFailed(f"cannot reach {host}:{port}: {reason}") from exc
    return TcpTransport(reader, writer)
