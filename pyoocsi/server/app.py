"""The server process: one hub, its listeners and its periodic work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor

from pyoocsi._version import __version__
from pyoocsi.core import fastline
from pyoocsi.core.hub import Hub, PasswordCheck
from pyoocsi.core.settings import Settings
from pyoocsi.server.state import StateStore
from pyoocsi.server.tcp import Flusher, TcpConnection
from pyoocsi.server.users import UsersFile
from pyoocsi.web import WebServer, WebSettings

__all__ = ["Server"]

logger = logging.getLogger("pyoocsi.server")

TICK_SECONDS = 0.5  # keep-alive, name probes and presence lists are checked this often
SHUTDOWN_GRACE = 2.0  # seconds clients get to receive their ``bye``


def wall_ms() -> int:
    """Milliseconds since the epoch, the timestamp of every message."""
    return time.time_ns() // 1_000_000


class Server:
    """Everything one ``oocsi serve`` runs, in the current event loop."""

    def __init__(
        self, settings: Settings, web_settings: WebSettings | None = None
    ) -> None:
        self.settings = settings
        self.hub = Hub(settings, time.monotonic, wall_ms)
        self._tcp: asyncio.Server | None = None
        self._connections: set[TcpConnection] = set()
        self._tick: asyncio.TimerHandle | None = None
        self._due: asyncio.TimerHandle | None = None
        self._due_at = 0
        self.hub.wake = self._wake
        self.state: StateStore | None = None
        self._stopped = asyncio.Event()
        self.tcp_port = 0
        self.web = WebServer(self.hub, settings, web_settings)
        self.http_port = 0
        self._users: UsersFile | None = None
        # One thread for PBKDF2 runs: wrong passwords queue there, while the
        # event loop goes on serving everyone else.
        self._checker: ThreadPoolExecutor | None = None
        self._checks_waiting = 0

    async def start(self) -> None:
        """Open the listeners and start the periodic work."""
        loop = asyncio.get_running_loop()
        if self.settings.users:
            users = self._users = UsersFile.load(self.settings.users)
            self._checker = ThreadPoolExecutor(1, "pyoocsi-passwords")
            self.hub.authenticate = self._authenticate
            self.hub.protected = users.__contains__
            logger.info("%d private names from %s", len(users), self.settings.users)
        if self.settings.state_dir:
            self.state = StateStore.open(self.settings.state_dir)
            self.state.restore(self.hub)
            self.hub.store = self.state
            devices = self.web.devices
            for name, sender, value in self.state.devices():
                devices.restore(name, value, sender)
            devices.store = self.state
        flusher = Flusher(loop)
        self._tcp = await loop.create_server(
            lambda: TcpConnection(self.hub, flusher, self._connections),
            host=self.settings.host or None,
            port=self.settings.port,
            reuse_address=True,
        )
        self.tcp_port = self._tcp.sockets[0].getsockname()[1]
        self.web.tcp_port = self.tcp_port
        await self.web.start()
        self.http_port = self.web.port
        self._schedule_tick()
        where = self.settings.host or "all interfaces"
        logger.info(
            "pyoocsi %s serving OOCSI on %s port %d (presence style %s)",
            __version__,
            where,
            self.tcp_port,
            self.settings.presence_style,
        )
        logger.info("message writer: %s", fastline.STATUS)

    def _authenticate(self, check: PasswordCheck) -> None:
        """The hub's password check: recalled at once, or PBKDF2 in the thread."""
        assert self._users is not None and self._checker is not None
        users = self._users
        known = users.recall(check.name, check.password)
        if known is not None:
            check.answer(known)
            return
        if self._checks_waiting >= self.settings.max_password_checks:
            logger.warning("password check for %s refused: too many", check.name)
            check.refuse("too many password checks waiting, try again later")
            return
        loop = asyncio.get_running_loop()
        self._checks_waiting += 1

        def run() -> bool | None:
            # a newcomer that has gone costs no PBKDF2 run
            return users.check(check.name, check.password) if check.wanted() else None

        def done(future: Future[bool | None]) -> None:
            if future.cancelled():  # the server is stopping: nobody waits
                return
            with contextlib.suppress(RuntimeError):  # the loop may have closed
                loop.call_soon_threadsafe(finished, future)

        def finished(future: Future[bool | None]) -> None:
            self._checks_waiting -= 1
            error = future.exception()
            if error is not None:
                logger.error(
                    "checking the password of %s failed: %r", check.name, error
                )
                check.refuse("the password could not be checked")
            else:
                right = future.result()
                if right is not None:  # None: the newcomer had gone
                    check.answer(right)

        self._checker.submit(run).add_done_callback(done)

    def _schedule_tick(self) -> None:
        loop = asyncio.get_running_loop()
        self._tick = loop.call_later(TICK_SECONDS, self._run_tick)

    def _run_tick(self) -> None:
        try:
            self.hub.tick()
        except Exception:
            logger.exception("periodic work failed")
        self._schedule_tick()

    def _wake(self, due_ms: int) -> None:
        """Set the one timer for the earliest held message (called by the hub)."""
        if self._due is not None:
            if self._due_at <= due_ms:
                return
            self._due.cancel()
        loop = asyncio.get_running_loop()
        delay = max(0.0, (due_ms - wall_ms()) / 1000)
        self._due_at = due_ms
        self._due = loop.call_at(loop.time() + delay, self._deliver_due)

    def _deliver_due(self) -> None:
        self._due = None
        try:
            following = self.hub.deliver_due()
        except Exception:
            logger.exception("delivering held messages failed")
            following = self.hub.scheduler.next_due()
        if following is not None:
            self._wake(following)

    def request_stop(self) -> None:
        """Ask :meth:`serve` to shut down (signal handlers call this)."""
        self._stopped.set()

    async def serve(self) -> None:
        """Start, run until :meth:`request_stop`, then shut down cleanly."""
        await self.start()
        await self.serve_until_stopped()

    async def serve_until_stopped(self) -> None:
        """Run a started server until :meth:`request_stop`, then shut it down."""
        await self._stopped.wait()
        await self.stop()

    async def stop(self) -> None:
        """Say ``bye`` to every client and close the listeners."""
        logger.info("shutting down: %d clients", len(self.hub.clients))
        if self._tick is not None:
            self._tick.cancel()
        if self._due is not None:
            self._due.cancel()
        if self._tcp is not None:
            self._tcp.close()
        self.hub.shutdown()
        if self._checker is not None:
            self._checker.shutdown(wait=False, cancel_futures=True)
        # Let the flusher write the ``bye`` lines before the loop goes away.
        deadline = time.monotonic() + SHUTDOWN_GRACE
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            if not self._connections:
                break
        for connection in list(self._connections):
            connection.abort()
        await self.web.stop()
        if self.state is not None:
            self.state.close()
        logger.info("server stopped")
