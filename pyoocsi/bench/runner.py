"""Runs one scenario against one server with worker processes, and sums up.

The runner starts the workers, waits until every client is ready, gives one
start time to all, follows their progress, and stops them when every expected
message has arrived or nothing arrived for ``drain`` seconds after the last
send. It never judges a figure; :mod:`pyoocsi.bench.report` shows them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from pyoocsi.bench.histogram import Histogram
from pyoocsi.bench.plan import WorkerReport, make_plans
from pyoocsi.bench.proc import ProcessSample, sample
from pyoocsi.bench.scenarios import Kind, Scenario, expected_deliveries
from pyoocsi.bench.wire import Target
from pyoocsi.bench.worker import worker_main

__all__ = ["Progress", "Result", "RunOptions", "run_scenario"]

# (done, total) so far; the runner calls it about ten times a second.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    workers: int = 2
    window: int = 50  # handshakes in flight at once, over all workers
    connect_timeout: float = 60.0
    drain: float = 5.0  # seconds without a delivery before giving up
    timeout: float = 600.0  # the whole run
    pid: int = 0  # the server's process on this machine, for CPU and memory


@dataclass(slots=True)
class Result:
    """The figures of one scenario against one server."""

    status: str = "ok"  # ok, incomplete, connect_failed, timeout
    expected: int = 0
    delivered: int = 0
    lost: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    corrupt: int = 0
    invalid: int = 0
    sent: int = 0
    delivered_per_s: float = 0.0
    sent_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    receiver_min: int = 0
    receiver_max: int = 0
    clients: int = 0
    welcomed: int = 0
    connect_errors: int = 0
    connect_s: float = 0.0
    server_closed: int = 0
    server_cpu_s: float | None = None
    server_rss_mb: float | None = None
    tool_cpu_s: float = 0.0  # the runner and its worker processes, start-up included
    run_s: float = 0.0
    first_error: str = ""

    @property
    def correct(self) -> bool:
        """Everything delivered once, in order, intact, every client welcomed."""
        return (
            self.status == "ok"
            and self.lost == 0
            and self.duplicates == 0
            and self.out_of_order == 0
            and self.corrupt == 0
            and self.invalid == 0
        )


class _Workers:
    """The worker processes of one run and their pipes."""

    def __init__(self, scenario: Scenario, target: Target, options: RunOptions):
        context = multiprocessing.get_context("spawn")
        prefix = f"bench{os.getpid()}_{time.monotonic_ns() % 1_000_000}_"
        plans = make_plans(
            scenario,
            target,
            workers=max(1, options.workers),
            prefix=prefix,
            window=options.window,
            connect_timeout=options.connect_timeout,
        )
        self.pipes: list[Connection] = []
        self.processes: list[Any] = []
        for plan in plans:
            mine, theirs = context.Pipe()
            process = context.Process(
                target=worker_main, args=(theirs, plan), daemon=True
            )
            process.start()
            theirs.close()
            self.pipes.append(mine)
            self.processes.append(process)
        self.delivered = [0] * len(plans)
        self.sent = [0] * len(plans)
        self.dead: set[int] = set()

    def send(self, message: tuple[Any, ...]) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(message)

    def poll(self, seconds: float) -> list[tuple[int, tuple[Any, ...]]]:
        """Messages that arrived within ``seconds``, with their worker number."""
        got: list[tuple[int, tuple[Any, ...]]] = []
        live = [p for n, p in enumerate(self.pipes) if n not in self.dead]
        if not live:
            time.sleep(seconds)
            return got
        for pipe in wait(live, seconds):
            assert isinstance(pipe, Connection)
            number = self.pipes.index(pipe)
            try:
                message = pipe.recv()
            except (EOFError, OSError):
                message = ("died",)
                self.dead.add(number)  # its pipe would stay readable forever
            got.append((number, message))
        return got

    def until_all(self, kind: str, deadline: float) -> list[WorkerReport]:
        """Wait for one ``kind`` message from every worker (or the deadline)."""
        waiting = set(range(len(self.pipes)))
        reports: dict[int, WorkerReport] = {}
        while waiting and time.monotonic() < deadline:
            for number, message in self.poll(0.1):
                if message[0] == kind:
                    reports[number] = message[1]
                    waiting.discard(number)
                elif message[0] == "died":
                    waiting.discard(number)
        return list(reports.values())

    def close(self) -> None:
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(1)
        for pipe in self.pipes:
            pipe.close()


def run_scenario(
    scenario: Scenario,
    target: Target,
    options: RunOptions,
    progress: Progress | None = None,
) -> Result:
    """Run one scenario against one server and return its figures."""
    started = time.monotonic()
    deadline = started + options.timeout
    before = sample(options.pid) if options.pid else None
    tool_cpu = _tool_cpu()
    workers = _Workers(scenario, target, options)
    try:
        result = _run(
            workers,
            scenario,
            options=options,
            progress=progress,
            deadline=deadline,
            before=before,
        )
    finally:
        workers.close()
    result.tool_cpu_s = round(_tool_cpu() - tool_cpu, 3)
    return result


def _tool_cpu() -> float:
    """CPU seconds of this thread and of the ended worker processes.

    A worker's time counts from its start, interpreter and imports included,
    once it has been joined; this thread is the runner's share.
    """
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.thread_time() + children.ru_utime + children.ru_stime


def _run(
    workers: _Workers,
    scenario: Scenario,
    *,
    options: RunOptions,
    progress: Progress | None,
    deadline: float,
    before: ProcessSample | None,
) -> Result:
    expected = expected_deliveries(scenario)
    clients = _client_count(scenario)
    connect_deadline = time.monotonic() + options.connect_timeout + 30
    ready = workers.until_all("ready", min(deadline, connect_deadline))
    if progress is not None and scenario.kind is Kind.CONNECT:
        progress(sum(r.welcomed for r in ready), clients)
    welcomed = sum(r.welcomed for r in ready)
    if len(ready) < len(workers.pipes) or welcomed < clients:
        workers.send(("stop",))
        reports = workers.until_all("report", time.monotonic() + 10)
        result = _sum_up(
            scenario, ready, reports, expected=expected, before=before, options=options
        )
        result.status = "connect_failed"
        return result
    memory: ProcessSample | None = None
    status = "ok"
    if scenario.kind is Kind.CONNECT:
        time.sleep(scenario.hold)
        memory = sample(options.pid) if options.pid else None
    else:
        workers.send(("go", time.monotonic_ns() + 20_000_000))
        status = _follow(
            workers,
            scenario,
            expected=expected,
            options=options,
            progress=progress,
            deadline=deadline,
        )
    workers.send(("stop",))
    reports = workers.until_all("report", time.monotonic() + 30)
    result = _sum_up(
        scenario, ready, reports, expected=expected, before=before, options=options
    )
    if memory is not None:
        result.server_rss_mb = memory.rss_mb
    if scenario.kind is not Kind.CONNECT:
        result.status = status if len(reports) == len(workers.pipes) else "incomplete"
    return result


def _follow(
    workers: _Workers,
    scenario: Scenario,
    *,
    expected: int,
    options: RunOptions,
    progress: Progress | None,
    deadline: float,
) -> str:
    """Wait for every message, until nothing moves or time runs out."""
    total_sent = scenario.msgs * (
        2 * scenario.subs if scenario.kind is Kind.PAIRS else scenario.pubs
    )
    last_change = time.monotonic()
    seen = (0, 0)
    while True:
        for number, message in workers.poll(0.1):
            if message[0] == "progress":
                workers.delivered[number] = message[1]
                workers.sent[number] = message[2]
            elif message[0] == "died":
                return "incomplete"
        delivered, sent = sum(workers.delivered), sum(workers.sent)
        if progress is not None:
            progress(delivered, expected)
        now = time.monotonic()
        if (delivered, sent) != seen:
            seen = (delivered, sent)
            last_change = now
        if delivered >= expected and sent >= total_sent:
            return "ok"
        if now - last_change > options.drain:
            return "ok" if sent >= total_sent else "stalled"
        if now > deadline:
            return "timeout"


def _client_count(scenario: Scenario) -> int:
    if scenario.kind is Kind.FANOUT:
        return scenario.pubs + scenario.subs
    if scenario.kind is Kind.PAIRS:
        return 2 * scenario.subs
    return scenario.subs


def _sum_up(
    scenario: Scenario,
    ready: list[WorkerReport],
    reports: list[WorkerReport],
    *,
    expected: int,
    before: ProcessSample | None,
    options: RunOptions,
) -> Result:
    result = Result(expected=expected, clients=_client_count(scenario))
    latency = Histogram()
    first_send = last_receive = 0
    receivers: list[int] = []
    for report in reports:
        counts = report.counts
        result.delivered += counts.delivered
        result.duplicates += counts.duplicates
        result.out_of_order += counts.out_of_order
        result.corrupt += counts.corrupt
        result.invalid += counts.invalid
        result.sent += report.sent
        result.server_closed += report.server_closed
        latency.merge(counts.latency)
        receivers += report.per_receiver
        if report.first_send_ns and (
            not first_send or report.first_send_ns < first_send
        ):
            first_send = report.first_send_ns
        last_receive = max(last_receive, counts.last_receive_ns)
        result.first_error = result.first_error or report.first_error
    for report in ready:
        result.welcomed += report.welcomed
        result.connect_errors += report.connect_errors
        result.first_error = result.first_error or report.first_error
    starts = [r.first_connect_ns for r in ready if r.first_connect_ns]
    ends = [r.last_welcome_ns for r in ready if r.last_welcome_ns]
    if starts and ends:
        result.connect_s = (max(ends) - min(starts)) / 1e9
    result.lost = max(0, expected - result.delivered)
    if first_send and last_receive > first_send:
        result.run_s = (last_receive - first_send) / 1e9
        result.delivered_per_s = result.delivered / result.run_s
    sends = [r.last_send_ns for r in reports if r.last_send_ns]
    if first_send and sends and max(sends) > first_send:
        result.sent_per_s = result.sent / ((max(sends) - first_send) / 1e9)
    if receivers:
        result.receiver_min, result.receiver_max = min(receivers), max(receivers)
    if latency.n:
        result.latency_ms = {
            name: round(latency.percentile(fraction) / 1e6, 4)
            for name, fraction in (
                ("p50", 0.5),
                ("p90", 0.9),
                ("p99", 0.99),
                ("p999", 0.999),
            )
        }
        result.latency_ms["max"] = round(latency.maximum / 1e6, 4)
        result.latency_ms["mean"] = round(latency.mean() / 1e6, 4)
    after = sample(options.pid) if options.pid else None
    if before is not None and after is not None:
        result.server_cpu_s = round(after.cpu_s - before.cpu_s, 3)
        result.server_rss_mb = round(after.rss_mb, 1)
    return result
