"""Who does what in a run: the clients of each worker process, and their reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoocsi.bench.scenarios import Kind, Scenario
from pyoocsi.bench.tally import Counts
from pyoocsi.bench.wire import Target

__all__ = ["ClientPlan", "WorkerPlan", "WorkerReport", "make_plans"]


@dataclass(frozen=True, slots=True)
class ClientPlan:
    """One client: its name, what it publishes, what it listens to."""

    name: str
    index: int  # the publisher number in its marks
    recipient: str = ""  # where it publishes; empty if it does not
    channel: str = ""  # the channel it subscribes to; empty if none
    publishers: tuple[int, ...] = ()  # whose messages it receives


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    target: Target
    scenario: Scenario
    clients: tuple[ClientPlan, ...]
    window: int  # handshakes in flight at once
    connect_timeout: float


@dataclass(slots=True)
class WorkerReport:
    """What a worker process measured, sent back when it stops."""

    counts: Counts = field(default_factory=Counts)
    sent: int = 0
    first_send_ns: int = 0
    last_send_ns: int = 0
    welcomed: int = 0
    connect_errors: int = 0
    first_connect_ns: int = 0
    last_welcome_ns: int = 0
    server_closed: int = 0
    per_receiver: list[int] = field(default_factory=list)
    first_error: str = ""


def make_plans(
    scenario: Scenario,
    target: Target,
    *,
    workers: int,
    prefix: str,
    window: int,
    connect_timeout: float,
) -> list[WorkerPlan]:
    """Spread the scenario's clients over ``workers`` processes."""
    shares: list[list[ClientPlan]] = [[] for _ in range(workers)]
    for number, client in enumerate(_clients(scenario, prefix)):
        shares[number % workers].append(client)
    per_worker = max(1, window // workers)
    return [
        WorkerPlan(target, scenario, tuple(share), per_worker, connect_timeout)
        for share in shares
        if share
    ]


def _clients(scenario: Scenario, prefix: str) -> list[ClientPlan]:
    if scenario.kind is Kind.FANOUT:
        channel = f"{prefix}ch"
        publishers = tuple(range(scenario.pubs))
        return [
            ClientPlan(f"{prefix}p{i}", i, recipient=channel)
            for i in range(scenario.pubs)
        ] + [
            ClientPlan(f"{prefix}s{i}", -1, channel=channel, publishers=publishers)
            for i in range(scenario.subs)
        ]
    if scenario.kind is Kind.PAIRS:
        names = [f"{prefix}a{i}" for i in range(2 * scenario.subs)]
        return [
            ClientPlan(name, i, recipient=names[i ^ 1], publishers=(i ^ 1,))
            for i, name in enumerate(names)
        ]
    return [ClientPlan(f"{prefix}c{i}", -1) for i in range(scenario.subs)]
