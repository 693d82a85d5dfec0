"""A load generator process: its share of the clients, driven by the runner.

The runner and a worker talk over a pipe:
  worker -> runner  ("ready", report) once every client is welcomed (and
                    subscribed, its subscription confirmed by a message to itself)
  runner -> worker  ("go", start_ns) publishers start; ("stop",) end the run
  worker -> runner  ("progress", delivered, sent) every 0.1 s, then
                    ("report", report) after "stop"
Times are ``time.monotonic_ns()``, one clock for every process of the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import time
from multiprocessing.connection import Connection
from typing import Any, cast

from pyoocsi.bench.plan import ClientPlan, WorkerPlan, WorkerReport
from pyoocsi.bench.scenarios import Kind
from pyoocsi.bench.tally import Counts, Receiver
from pyoocsi.bench.wire import TcpWire, Wire, WsWire, message_payload, padding

__all__ = ["worker_main"]

logger = logging.getLogger("pyoocsi.bench")

PROGRESS_SECONDS = 0.1
BATCH_BYTES = 65536  # what a publisher hands the kernel at a time
PACE_SECONDS = 0.001  # the shortest sleep of a paced publisher


class BenchClient(asyncio.Protocol):
    """One connection of the load generator."""

    def __init__(self, plan: ClientPlan, wire: Wire, counts: Counts, msgs: int) -> None:
        self.plan = plan
        self.wire = wire
        self.receiver = Receiver(counts, list(plan.publishers), msgs, wire.braces)
        self.transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.welcomed: asyncio.Future[None] = loop.create_future()
        self.probed: asyncio.Future[None] = loop.create_future()
        self.writable = asyncio.Event()
        self.writable.set()
        self.open = False  # welcomed, not closed
        self.stopping = False
        self.server_closed = False
        self.sent = 0
        self._upgraded = isinstance(wire, TcpWire)

    # asyncio.Protocol ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.wire.opening(self.plan.name))

    def data_received(self, data: bytes) -> None:
        now = time.monotonic_ns()
        wire = self.wire
        if not self._upgraded:
            assert isinstance(wire, WsWire)
            try:
                rest = wire.handshake_done(data)
            except ConnectionError as exc:
                self._fail(f"websocket upgrade refused: {exc}")
                return
            if rest is None:
                return
            self._upgraded = True
            self._write(wire.name_frame())
            data = rest
        units = wire.feed(data)
        if isinstance(wire, WsWire) and wire.control:
            self._write(b"".join(wire.control))
            wire.control.clear()
        if not units:
            return
        if not self.welcomed.done():
            units = self._hello(units)
        receiver = self.receiver
        if units:
            receiver.receive(units, now)
        if receiver.pinged:
            self._write(wire.pong() * receiver.pinged)
            receiver.pinged = 0
        if receiver.probed and not self.probed.done():
            self.probed.set_result(None)

    def _hello(self, units: bytes) -> bytes:
        first, _sep, rest = units.partition(b"\n")
        if b"welcome" in first:
            self.open = True
            self.welcomed.set_result(None)
            return rest
        self._fail(f"{self.plan.name}: {first[:200].decode(errors='replace')}")
        return b""

    def _fail(self, reason: str) -> None:
        if not self.welcomed.done():
            self.welcomed.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.abort()

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.open and not self.stopping:
            self.server_closed = True
        self.open = False
        self.writable.set()
        if not self.welcomed.done():
            self.welcomed.set_exception(ConnectionError("closed before the welcome"))

    # sending ------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def command(self, text: str) -> None:
        self._write(self.wire.command(text))

    def send_batch(self, first: int, count: int, pad: str, now: int) -> None:
        wire = self.wire
        recipient = self.plan.recipient
        index = self.plan.index
        lines = [
            wire.send_line(recipient, message_payload(index, seq, now, pad))
            for seq in range(first, first + count)
        ]
        if isinstance(wire, TcpWire):
            self._write("".join(lines).encode())
        else:
            self._write(b"".join(wire.command(line) for line in lines))
        self.sent = first + count

    def quit(self) -> None:
        self.stopping = True
        if self.transport is not None and not self.transport.is_closing():
            if self.open:
                self.command("quit")
            self.transport.close()


class Worker:
    """Runs one :class:`WorkerPlan` in this process's event loop."""

    def __init__(self, pipe: Connection, plan: WorkerPlan) -> None:
        self.pipe = pipe
        self.plan = plan
        self.report = WorkerReport()
        self.clients: list[BenchClient] = []
        self.inbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()

    def _read_pipe(self) -> None:
        try:
            self.inbox.put_nowait(self.pipe.recv())
        except (EOFError, OSError):  # the runner went away
            asyncio.get_running_loop().remove_reader(self.pipe.fileno())
            self.inbox.put_nowait(("stop",))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.pipe.fileno(), self._read_pipe)
        scenario = self.plan.scenario
        try:
            await self._connect_all()
            if scenario.kind is Kind.FANOUT:
                await self._subscribe_all()
        except (OSError, TimeoutError) as exc:
            self._note_error(str(exc) or type(exc).__name__)
        self.pipe.send(("ready", self.report))
        command = await self.inbox.get()
        tasks: list[asyncio.Task[None]] = []
        if command[0] == "go":
            tasks.append(asyncio.create_task(self._progress()))
            for client in self.clients:
                if client.plan.recipient and client.open:
                    tasks.append(asyncio.create_task(self._publish(client, command[1])))
            while command[0] != "stop":
                command = await self.inbox.get()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._finish()
        loop.remove_reader(self.pipe.fileno())
        self.pipe.send(("report", self.report))
        await asyncio.sleep(0.05)  # let the quit lines go out

    # phases -------------------------------------------------------------------

    async def _connect_all(self) -> None:
        plan = self.plan
        gate = asyncio.Semaphore(plan.window)
        msgs = plan.scenario.msgs
        target = plan.target
        counts = self.report.counts
        self.report.first_connect_ns = time.monotonic_ns()

        async def connect(client_plan: ClientPlan) -> None:
            wire: Wire = WsWire(target) if target.websocket else TcpWire(target)
            client = BenchClient(client_plan, wire, counts, msgs)
            async with gate:
                try:
                    await asyncio.get_running_loop().create_connection(
                        lambda: client, target.host, target.port
                    )
                    await asyncio.wait_for(client.welcomed, plan.connect_timeout)
                except (OSError, TimeoutError) as exc:
                    self.report.connect_errors += 1
                    self._note_error(f"{client_plan.name}: {exc or 'timed out'}")
                    return
            self.clients.append(client)
            self.report.welcomed += 1
            self.report.last_welcome_ns = time.monotonic_ns()

        await asyncio.gather(*(connect(c) for c in plan.clients))

    async def _subscribe_all(self) -> None:
        waiting = []
        for client in self.clients:
            channel = client.plan.channel
            if channel:
                client.command(f"subscribe {channel}")
                # Lines are handled in order: when this message to ourselves
                # comes back, the subscription above is in place.
                client.command(client.wire.send_line(client.plan.name, '{"w":1}'))
                waiting.append(client.probed)
        if waiting:
            await asyncio.wait_for(asyncio.gather(*waiting), self.plan.connect_timeout)

    async def _publish(self, client: BenchClient, start_ns: int) -> None:
        scenario = self.plan.scenario
        pad = padding(scenario.size)
        msgs = scenario.msgs
        rate = scenario.rate
        line = len(client.wire.send_line(client.plan.recipient, pad)) + 40
        batch = max(1, BATCH_BYTES // line)
        report = self.report
        while client.sent < msgs and client.open:
            now = time.monotonic_ns()
            count = min(batch, msgs - client.sent)
            if rate:
                due = min(msgs, int((now - start_ns) * rate / 1e9) + 1)
                count = min(count, due - client.sent)
            if count > 0:
                if not report.first_send_ns:
                    report.first_send_ns = now
                client.send_batch(client.sent, count, pad, now)
                report.sent += count
                report.last_send_ns = now
            if not client.writable.is_set():
                await client.writable.wait()
            if rate:
                next_due = start_ns + client.sent * 1e9 / rate
                wait = (next_due - time.monotonic_ns()) / 1e9
                # uvloop's timers count whole milliseconds: a shorter sleep
                # returns at once and the loop would spin until the due time.
                await asyncio.sleep(max(PACE_SECONDS, wait))
            else:
                await asyncio.sleep(0)  # let this process's receivers read

    async def _progress(self) -> None:
        counts = self.report.counts
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            self.pipe.send(("progress", counts.delivered, self.report.sent))

    def _finish(self) -> None:
        report = self.report
        for client in self.clients:
            if client.server_closed:
                report.server_closed += 1
                self._note_error(f"{client.plan.name}: closed by the server")
            if client.plan.publishers:
                report.per_receiver.append(client.receiver.received)
            client.quit()

    def _note_error(self, text: str) -> None:
        if not self.report.first_error:
            self.report.first_error = text


def worker_main(pipe: Connection, plan: WorkerPlan) -> None:
    """The entry point of a worker process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    runner: asyncio.Runner
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner, contextlib.suppress(KeyboardInterrupt):
        runner.run(Worker(pipe, plan).run())
